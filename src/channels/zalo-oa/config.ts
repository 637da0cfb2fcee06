import { z } from 'zod';
import { resolveSecret } from '../shared/secret-ref.ts';
import { znsTemplate } from './zns.ts';

/**
 * A secret given inline (from env through `settingsFromEnv`) or, in YAML, as `{ env: NAME }`:
 * config/default.yaml never holds secrets, so a second OA names the variables that hold its own.
 */
const secret = (variable: string) =>
  z.union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })], {
    error: `required: set ${variable} (default inbox) or settings.<name>: { env: VARIABLE }`,
  });

/** Settings of a Zalo OA inbox (`settings:` under the inbox, merged over the ZALO_* variables). */
export const zaloSettings = z.object({
  /** The Zalo app's id (developers.zalo.me), part of every webhook signature. */
  appId: z.string({ error: 'required: set ZALO_OA_APP_ID or settings.appId' }).regex(/^\d+$/, 'must be digits'),
  /** The OA secret key (webhook settings of the app): signs webhook events. */
  oaSecretKey: secret('ZALO_OA_SECRET_KEY'),
  /** The app secret: authorizes token refreshes. */
  appSecret: secret('ZALO_APP_SECRET'),
  /** First access token; once the store holds a refreshed pair, that pair wins. */
  accessToken: secret('ZALO_OA_ACCESS_TOKEN').optional(),
  /** First refresh token (single use: the store keeps the current one). */
  refreshToken: secret('ZALO_OA_REFRESH_TOKEN').optional(),
  apiBaseUrl: z.url().default('https://openapi.zalo.me'),
  oauthBaseUrl: z.url().default('https://oauth.zaloapp.com'),
  /** Free customer-service replies are allowed this long after the citizen's last message. */
  windowHours: z.number().positive().default(48),
  /** ...and at most this many of them (Zalo: 8 within 48 h). */
  freeReplies: z.number().int().min(1).default(8),
  /**
   * Zalo's count of the free replies left to a citizen (the quota API) is kept this long before
   * it is read again; the windowHours / freeReplies rule applies only when Zalo cannot be asked.
   */
  quotaCacheSeconds: z.number().int().min(0).max(3600).default(60),
  /**
   * The request-info template (a form in the chat for name, phone and address): its picture
   * (Zalo requires one) and, optionally, its own title and subtitle instead of the built-in text.
   */
  requestInfo: z
    .object({
      imageUrl: z.url(),
      title: z.string().min(1).max(100).optional(),
      subtitle: z.string().min(1).max(500).optional(),
    })
    .optional(),
  /** Longer replies are split into several messages (Zalo's limit is about 2,000 characters). */
  maxTextLength: z.number().int().min(100).max(4000).default(2000),
  /**
   * A signed event whose timestamp is further than this from now (either way) is refused as a
   * replay: a captured request cannot be posted again later. 0 turns the check off.
   */
  webhookMaxAgeSeconds: z.coerce.number().int().min(0).default(300),
  /** ZNS (template messages to phone numbers) is answered there. */
  znsBaseUrl: z.url().default('https://business.openapi.zalo.me'),
  /** ZNS templates Zalo approved for this OA; none: the OA sends no ZNS. */
  znsTemplates: z.array(znsTemplate).default([]),
  /** Limit for calls outside the outbox (profile, token, status checks). */
  requestTimeoutMs: z.number().int().min(100).default(10_000),
});

export type ZaloSettingsInput = z.infer<typeof zaloSettings>;

/** Settings with every secret reference resolved to its value. */
export type ZaloSettings = Omit<ZaloSettingsInput, 'oaSecretKey' | 'appSecret' | 'accessToken' | 'refreshToken'> & {
  oaSecretKey: string;
  appSecret: string;
  accessToken?: string;
  refreshToken?: string;
};

/** The variables the default Zalo OA inbox reads (config/env.example lists them). */
export const zaloEnvVariables = [
  'ZALO_OA_APP_ID',
  'ZALO_OA_SECRET_KEY',
  'ZALO_APP_SECRET',
  'ZALO_OA_ACCESS_TOKEN',
  'ZALO_OA_REFRESH_TOKEN',
  'ZALO_API_BASE_URL',
  'ZALO_OAUTH_BASE_URL',
  'ZALO_WEBHOOK_MAX_AGE_SECONDS',
  'ZALO_ZNS_BASE_URL',
] as const;

/** The default inbox from ZALO_* variables; null when ZALO_OA_APP_ID is not set. */
export function zaloSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | null {
  if (!env.ZALO_OA_APP_ID) return null;
  const pairs: Array<[string, string | undefined]> = [
    ['appId', env.ZALO_OA_APP_ID],
    ['oaSecretKey', env.ZALO_OA_SECRET_KEY],
    ['appSecret', env.ZALO_APP_SECRET],
    ['accessToken', env.ZALO_OA_ACCESS_TOKEN],
    ['refreshToken', env.ZALO_OA_REFRESH_TOKEN],
    ['apiBaseUrl', env.ZALO_API_BASE_URL],
    ['oauthBaseUrl', env.ZALO_OAUTH_BASE_URL],
    ['webhookMaxAgeSeconds', env.ZALO_WEBHOOK_MAX_AGE_SECONDS],
    ['znsBaseUrl', env.ZALO_ZNS_BASE_URL],
  ];
  // Unset variables stay absent so YAML settings and schema defaults fill them.
  return Object.fromEntries(pairs.filter(([, value]) => value));
}

/** Replaces `{ env: NAME }` references by the variables' values; throws naming a missing one. */
export function resolveZaloSettings(
  inboxKey: string,
  settings: ZaloSettingsInput,
  env: Readonly<Record<string, string | undefined>>,
): ZaloSettings {
  const optional = (field: 'accessToken' | 'refreshToken') => {
    const ref = settings[field];
    return ref === undefined ? {} : { [field]: resolveSecret(inboxKey, field, ref, env) };
  };
  return {
    ...settings,
    oaSecretKey: resolveSecret(inboxKey, 'oaSecretKey', settings.oaSecretKey, env),
    appSecret: resolveSecret(inboxKey, 'appSecret', settings.appSecret, env),
    ...optional('accessToken'),
    ...optional('refreshToken'),
  } as ZaloSettings;
}
