import { z } from 'zod';
import { resolveSecret } from '../shared/secret-ref.ts';

/**
 * A secret given inline (from env through `settingsFromEnv`) or, in YAML, as `{ env: NAME }`:
 * config/default.yaml never holds secrets, so a second page names the variables with its own.
 */
const secret = (variable: string) =>
  z.union([z.string().min(1), z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })], {
    error: `required: set ${variable} (default inbox) or settings.<name>: { env: VARIABLE }`,
  });

/** Settings of a Facebook page inbox (`settings:` under the inbox, merged over the FB_* variables). */
export const messengerSettings = z.object({
  /** The Facebook page's id: entries for other pages are not this inbox's. */
  pageId: z.string({ error: 'required: set FB_PAGE_ID or settings.pageId' }).regex(/^\d+$/, 'must be digits'),
  /** The app secret: signs webhook posts (X-Hub-Signature-256). */
  appSecret: secret('FB_APP_SECRET'),
  /** The token typed in the app's webhook settings, checked by the GET handshake. */
  verifyToken: secret('FB_VERIFY_TOKEN'),
  /** A long-lived page access token with pages_messaging. */
  pageAccessToken: secret('FB_PAGE_ACCESS_TOKEN'),
  /** The app's id: echoes carrying it are our own sends. Looked up with the token when unset. */
  appId: z.string().regex(/^\d+$/, 'must be digits').optional(),
  graphBaseUrl: z.url().default('https://graph.facebook.com'),
  graphVersion: z.string().regex(/^v\d+\.\d+$/, 'must look like v23.0').default('v23.0'),
  /** The page has the Human Agent permission: agents may answer up to 7 days with that tag. */
  humanAgent: z.boolean().default(false),
  /** Standard messaging window after the person's last message. */
  windowHours: z.number().positive().default(24),
  /** The HUMAN_AGENT tag's window. */
  humanAgentDays: z.number().positive().default(7),
  /** Longer replies are split (Messenger's limit is 2,000 characters). */
  maxTextLength: z.number().int().min(100).max(2000).default(2000),
  /** Limit for calls outside the outbox (profile, status checks). */
  requestTimeoutMs: z.number().int().min(100).default(10_000),
});

export type MessengerSettingsInput = z.infer<typeof messengerSettings>;

/** Settings with every secret reference resolved to its value. */
export type MessengerSettings = Omit<MessengerSettingsInput, 'appSecret' | 'verifyToken' | 'pageAccessToken'> & {
  appSecret: string;
  verifyToken: string;
  pageAccessToken: string;
};

/** The variables the default page inbox reads (config/env.example lists them). */
export const messengerEnvVariables = [
  'FB_APP_SECRET',
  'FB_VERIFY_TOKEN',
  'FB_PAGE_ID',
  'FB_PAGE_ACCESS_TOKEN',
  'FB_APP_ID',
  'FB_GRAPH_BASE_URL',
  'FB_GRAPH_VERSION',
  'FB_HUMAN_AGENT',
] as const;

const flags: Record<string, boolean> = { true: true, '1': true, yes: true, false: false, '0': false, no: false };

/** true/false/1/0/yes/no; anything else is passed on as is, so the schema names the bad value. */
const flag = (value: string | undefined): unknown => (value === undefined ? undefined : (flags[value.trim().toLowerCase()] ?? value));

/** The default inbox from FB_* variables; null when FB_PAGE_ID is not set. */
export function messengerSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> | null {
  if (!env.FB_PAGE_ID) return null;
  const pairs: Array<[string, unknown]> = [
    ['pageId', env.FB_PAGE_ID],
    ['appSecret', env.FB_APP_SECRET],
    ['verifyToken', env.FB_VERIFY_TOKEN],
    ['pageAccessToken', env.FB_PAGE_ACCESS_TOKEN],
    ['appId', env.FB_APP_ID],
    ['graphBaseUrl', env.FB_GRAPH_BASE_URL],
    ['graphVersion', env.FB_GRAPH_VERSION],
    ['humanAgent', flag(env.FB_HUMAN_AGENT)],
  ];
  // Unset variables stay absent so YAML settings and schema defaults fill them.
  return Object.fromEntries(pairs.filter(([, value]) => value !== undefined && value !== ''));
}

/** Replaces `{ env: NAME }` references by the variables' values; throws naming a missing one. */
export function resolveMessengerSettings(
  inboxKey: string,
  settings: MessengerSettingsInput,
  env: Readonly<Record<string, string | undefined>>,
): MessengerSettings {
  return {
    ...settings,
    appSecret: resolveSecret(inboxKey, 'appSecret', settings.appSecret, env),
    verifyToken: resolveSecret(inboxKey, 'verifyToken', settings.verifyToken, env),
    pageAccessToken: resolveSecret(inboxKey, 'pageAccessToken', settings.pageAccessToken, env),
  };
}
