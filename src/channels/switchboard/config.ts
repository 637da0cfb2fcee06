import { z } from 'zod';
import { ConfigError } from '../../core/config/load-config.ts';
import { resolveSecret } from '../shared/secret-ref.ts';

const secret = (variable: string) =>
  z.union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })], {
    error: `required: set ${variable} (default inbox) or settings.<name>: { env: VARIABLE }`,
  });

/**
 * Settings of a switchboard inbox: an Asterisk reached over AMI, a cloud call centre that posts
 * signed call events (and takes click-to-call requests over HTTP), or both.
 */
export const switchboardSettings = z
  .object({
    ami: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(5038),
        username: z.string().min(1),
        secret: secret('SWITCHBOARD_AMI_SECRET'),
        initialBackoffMs: z.number().int().min(10).default(1000),
        maxBackoffMs: z.number().int().min(10).default(60_000),
        actionTimeoutMs: z.number().int().min(100).default(10_000),
        keepAliveMs: z.number().int().min(100).default(30_000),
        /** Where the Originate's second leg dials the citizen (FreePBX: from-internal). */
        originateContext: z.string().regex(/^[\w-]+$/).default('from-internal'),
        /** The operator's phone: `{extension}` is replaced (PJSIP/101, SIP/101, Local/101@from-internal). */
        channelTemplate: z.string().regex(/\{extension\}/, 'must contain {extension}').default('PJSIP/{extension}'),
        /** The recording of a call by its Linkedid (e.g. an HTTP server over the monitor folder). */
        recordingUrlTemplate: z.string().regex(/\{linkedid\}/, 'must contain {linkedid}').optional(),
      })
      .optional(),
    webhook: z
      .object({
        /** Shared secret: the call centre signs `<timestamp>.<body>` with HMAC-SHA256. */
        secret: secret('SWITCHBOARD_WEBHOOK_SECRET'),
        /** Events older or newer than this are refused (a replayed capture). */
        toleranceSeconds: z.number().int().min(10).max(3600).default(300),
      })
      .optional(),
    /** The call centre's click-to-call endpoint: POST `{extension, number, callerId}` with a bearer token. */
    dialUrl: z.url().optional(),
    dialToken: secret('SWITCHBOARD_DIAL_TOKEN').optional(),
    /** The hotline's official number, shown to the citizen on click-to-call. */
    callerId: z.string().regex(/^[\d +]{3,20}$/).optional(),
    /** Operators' extensions look like this (anything else in a channel name is a trunk). */
    extensionPattern: z.string().default('^\\d{2,6}$'),
  })
  .refine((s) => s.ami || s.webhook, { message: 'a switchboard needs settings.ami or settings.webhook' });

export type SwitchboardSettingsInput = z.infer<typeof switchboardSettings>;

export interface SwitchboardSettings extends Omit<SwitchboardSettingsInput, 'ami' | 'webhook' | 'dialToken' | 'extensionPattern'> {
  ami?: Omit<NonNullable<SwitchboardSettingsInput['ami']>, 'secret'> & { secret: string };
  webhook?: Omit<NonNullable<SwitchboardSettingsInput['webhook']>, 'secret'> & { secret: string };
  dialToken?: string;
  extensionPattern: RegExp;
}

export const switchboardEnvVariables = [
  'SWITCHBOARD_AMI_HOST',
  'SWITCHBOARD_AMI_PORT',
  'SWITCHBOARD_AMI_USERNAME',
  'SWITCHBOARD_AMI_SECRET',
  'SWITCHBOARD_WEBHOOK_SECRET',
  'SWITCHBOARD_DIAL_URL',
  'SWITCHBOARD_DIAL_TOKEN',
  'SWITCHBOARD_CALLER_ID',
] as const;

/** The default switchboard from SWITCHBOARD_* variables; null when neither AMI nor a webhook secret is set. */
export function switchboardSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | null {
  if (!env.SWITCHBOARD_AMI_HOST && !env.SWITCHBOARD_WEBHOOK_SECRET) return null;
  const settings: Record<string, unknown> = {};
  if (env.SWITCHBOARD_AMI_HOST) {
    settings.ami = {
      host: env.SWITCHBOARD_AMI_HOST,
      ...(env.SWITCHBOARD_AMI_PORT ? { port: Number(env.SWITCHBOARD_AMI_PORT) } : {}),
      username: env.SWITCHBOARD_AMI_USERNAME,
      secret: env.SWITCHBOARD_AMI_SECRET,
    };
  }
  if (env.SWITCHBOARD_WEBHOOK_SECRET) settings.webhook = { secret: env.SWITCHBOARD_WEBHOOK_SECRET };
  if (env.SWITCHBOARD_DIAL_URL) settings.dialUrl = env.SWITCHBOARD_DIAL_URL;
  if (env.SWITCHBOARD_DIAL_TOKEN) settings.dialToken = env.SWITCHBOARD_DIAL_TOKEN;
  if (env.SWITCHBOARD_CALLER_ID) settings.callerId = env.SWITCHBOARD_CALLER_ID;
  return settings;
}

export function resolveSwitchboardSettings(inboxKey: string, settings: SwitchboardSettingsInput, env: Readonly<Record<string, string | undefined>>): SwitchboardSettings {
  let extensionPattern: RegExp;
  try {
    extensionPattern = new RegExp(settings.extensionPattern);
  } catch {
    throw new ConfigError(`inbox "${inboxKey}" settings.extensionPattern is not a regular expression`);
  }
  const { ami, webhook, dialToken, ...rest } = settings;
  return {
    ...rest,
    extensionPattern,
    ...(ami ? { ami: { ...ami, secret: resolveSecret(inboxKey, 'ami.secret', ami.secret, env) } } : {}),
    ...(webhook ? { webhook: { ...webhook, secret: resolveSecret(inboxKey, 'webhook.secret', webhook.secret, env) } } : {}),
    ...(dialToken ? { dialToken: resolveSecret(inboxKey, 'dialToken', dialToken, env) } : {}),
  };
}
