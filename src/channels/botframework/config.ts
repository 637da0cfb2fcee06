import { z } from 'zod';
import { resolveSecret } from '../shared/secret-ref.ts';

/**
 * A secret given inline (from env through `settingsFromEnv`) or, in YAML, as `{ env: NAME }`:
 * config/default.yaml never holds secrets, so a second bot names the variables with its own.
 */
const secret = (variable: string) =>
  z.union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })], {
    error: `set ${variable} (default inbox) or settings.<name>: { env: VARIABLE }`,
  });

/** The public cloud's values (botframework-connector's AuthenticationConstants). */
export const publicCloud = {
  openIdMetadataUrl: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
  tokenIssuer: 'https://api.botframework.com',
  loginUrl: 'https://login.microsoftonline.com/botframework.com',
  oauthScope: 'https://api.botframework.com',
  oauthApiUrl: 'https://api.botframework.com',
  emulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/botframework.com/v2.0/.well-known/openid-configuration',
} as const;

/** Channels whose clients draw hero cards: the rating question gets buttons there. */
const cardChannels = ['msteams', 'webchat', 'directline', 'emulator', 'telegram', 'slack', 'facebook', 'line', 'kik', 'skype'];

/** Settings of a Bot Framework inbox (an Azure Bot resource), merged over the BOTFRAMEWORK_* variables. */
export const botFrameworkSettings = z
  .object({
    /** The bot's Microsoft App ID (Entra ID application or managed identity client id). */
    appId: z.string({ error: 'required: set BOTFRAMEWORK_APP_ID or settings.appId' }).regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "must be the Microsoft App ID (a GUID)"),
    /** MultiTenant (the Azure Bot default until 2025), SingleTenant, or UserAssignedMSI. */
    appType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI'], { error: 'must be MultiTenant, SingleTenant or UserAssignedMSI' }).default('MultiTenant'),
    /** The Entra tenant: required for SingleTenant and UserAssignedMSI. */
    tenantId: z.string().min(1).optional(),
    /** The app's client secret (not for UserAssignedMSI). */
    appPassword: secret('BOTFRAMEWORK_APP_PASSWORD').optional(),
    /** Instead of a secret: the certificate's SHA-1 thumbprint and its private key (PEM). */
    certificateThumbprint: z.string().regex(/^[0-9A-Fa-f]{40}$/, 'must be the 40 hex digits of the SHA-1 thumbprint').optional(),
    certificatePrivateKey: secret('BOTFRAMEWORK_CERTIFICATE_PRIVATE_KEY').optional(),
    /** Where the channels' signing keys are published (ToBotFromChannelOpenIdMetadataUrl). */
    openIdMetadataUrl: z.url().default(publicCloud.openIdMetadataUrl),
    /** The `iss` of the channels' tokens (ToBotFromChannelTokenIssuer). */
    tokenIssuer: z.string().min(1).default(publicCloud.tokenIssuer),
    /** The authority the bot gets its own tokens from (ToChannelFromBotLoginUrl). */
    loginUrl: z.url().default(publicCloud.loginUrl),
    /** The audience of the bot's tokens (ToChannelFromBotOAuthScope). */
    oauthScope: z.string().min(1).default(publicCloud.oauthScope),
    /** The Bot Framework token service (OAuthUrl), for user sign-in; unused by the gateway itself. */
    oauthApiUrl: z.url().default(publicCloud.oauthApiUrl),
    /** The Bot Framework Emulator's metadata (ToBotFromEmulatorOpenIdMetadataUrl). */
    emulatorOpenIdMetadataUrl: z.url().default(publicCloud.emulatorOpenIdMetadataUrl),
    /** Sub-channels (activity `channelId`) that get the rating question as hero-card buttons. */
    cardChannels: z.array(z.string().min(1)).default(cardChannels),
  })
  .superRefine((settings, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const withCertificate = settings.certificateThumbprint !== undefined || settings.certificatePrivateKey !== undefined;
    if (withCertificate && (settings.certificateThumbprint === undefined || settings.certificatePrivateKey === undefined)) {
      issue(settings.certificateThumbprint === undefined ? 'certificateThumbprint' : 'certificatePrivateKey', 'a certificate needs both the thumbprint and the private key');
    }
    if (settings.appType === 'UserAssignedMSI') {
      if (settings.appPassword !== undefined || withCertificate) issue('appPassword', 'a managed identity has no password or certificate: remove them');
      if (settings.loginUrl !== publicCloud.loginUrl) issue('loginUrl', 'a managed identity gets its tokens from Azure, not from loginUrl');
    } else if (settings.appPassword === undefined && !withCertificate) {
      issue('appPassword', 'required: set BOTFRAMEWORK_APP_PASSWORD (or a certificate) for a MultiTenant or SingleTenant bot');
    } else if (settings.appPassword !== undefined && withCertificate) {
      issue('appPassword', 'give a password or a certificate, not both');
    }
    if (settings.appType !== 'MultiTenant' && !settings.tenantId) issue('tenantId', `required for ${settings.appType}: set BOTFRAMEWORK_TENANT_ID`);
  });

export type BotFrameworkSettingsInput = z.infer<typeof botFrameworkSettings>;

/** Settings with every secret reference resolved to its value. */
export type BotFrameworkSettings = Omit<BotFrameworkSettingsInput, 'appPassword' | 'certificatePrivateKey'> & {
  appPassword?: string;
  certificatePrivateKey?: string;
};

/** The variables the default bot inbox reads (config/env.example lists them). */
export const botFrameworkEnvVariables = [
  'BOTFRAMEWORK_APP_ID',
  'BOTFRAMEWORK_APP_TYPE',
  'BOTFRAMEWORK_TENANT_ID',
  'BOTFRAMEWORK_APP_PASSWORD',
  'BOTFRAMEWORK_CERTIFICATE_THUMBPRINT',
  'BOTFRAMEWORK_CERTIFICATE_PRIVATE_KEY',
  'BOTFRAMEWORK_OPENID_METADATA_URL',
  'BOTFRAMEWORK_TOKEN_ISSUER',
  'BOTFRAMEWORK_LOGIN_URL',
  'BOTFRAMEWORK_OAUTH_SCOPE',
] as const;

/** The default inbox from BOTFRAMEWORK_* variables; null when BOTFRAMEWORK_APP_ID is not set. */
export function botFrameworkSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | null {
  if (!env.BOTFRAMEWORK_APP_ID) return null;
  const pairs: Array<[string, unknown]> = [
    ['appId', env.BOTFRAMEWORK_APP_ID],
    ['appType', env.BOTFRAMEWORK_APP_TYPE],
    ['tenantId', env.BOTFRAMEWORK_TENANT_ID],
    ['appPassword', env.BOTFRAMEWORK_APP_PASSWORD],
    ['certificateThumbprint', env.BOTFRAMEWORK_CERTIFICATE_THUMBPRINT],
    ['certificatePrivateKey', env.BOTFRAMEWORK_CERTIFICATE_PRIVATE_KEY],
    ['openIdMetadataUrl', env.BOTFRAMEWORK_OPENID_METADATA_URL],
    ['tokenIssuer', env.BOTFRAMEWORK_TOKEN_ISSUER],
    ['loginUrl', env.BOTFRAMEWORK_LOGIN_URL],
    ['oauthScope', env.BOTFRAMEWORK_OAUTH_SCOPE],
  ];
  // Unset variables stay absent so YAML settings and schema defaults fill them.
  return Object.fromEntries(pairs.filter(([, value]) => value !== undefined && value !== ''));
}

/** Replaces `{ env: NAME }` references by the variables' values; throws naming a missing one. */
export function resolveBotFrameworkSettings(
  inboxKey: string,
  settings: BotFrameworkSettingsInput,
  env: Readonly<Record<string, string | undefined>>,
): BotFrameworkSettings {
  const { appPassword, certificatePrivateKey, ...rest } = settings;
  return {
    ...rest,
    ...(appPassword !== undefined ? { appPassword: resolveSecret(inboxKey, 'appPassword', appPassword, env) } : {}),
    ...(certificatePrivateKey !== undefined ? { certificatePrivateKey: resolveSecret(inboxKey, 'certificatePrivateKey', certificatePrivateKey, env) } : {}),
  };
}
