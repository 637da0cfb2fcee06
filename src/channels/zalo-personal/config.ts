import { z } from 'zod';
import { ConfigError } from '../../core/config/load-config.ts';
import { resolveSecret } from '../shared/secret-ref.ts';

const window = (max: number, windowSeconds: number) =>
  z.object({ max: z.number().int().min(1), windowSeconds: z.number().int().min(1) }).default({ max, windowSeconds });

/**
 * Settings of a personal Zalo account inbox. There are no environment defaults that create one:
 * an account driven through an unofficial client is used only when config/default.yaml lists it.
 */
export const zaloPersonalSettings = z.object({
  /**
   * The key the stored session (cookies, IMEI, user agent) is encrypted with: a secret of at
   * least 32 characters, by default from ZALO_PERSONAL_SESSION_KEY.
   */
  sessionKey: z
    .union([z.string().min(32, 'at least 32 characters'), z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/) })])
    .default({ env: 'ZALO_PERSONAL_SESSION_KEY' }),
  /** Group chats answered as conversations of this inbox (by Zalo group id); other groups are ignored. */
  groups: z.array(z.object({ id: z.string().regex(/^\d+$/), name: z.string().optional() })).default([]),
  /**
   * Zalo blocks accounts that send too much: replies wait (they are never dropped) once a citizen
   * got `perCitizen.max` messages in `perCitizen.windowSeconds`, or the account `perAccount.max`.
   */
  sendLimits: z
    .object({ perCitizen: window(4, 60), perAccount: window(40, 3600) })
    .default({ perCitizen: { max: 4, windowSeconds: 60 }, perAccount: { max: 40, windowSeconds: 3600 } }),
  /** Reconnection of the listener: the first wait, doubled at each failure up to the last. */
  reconnect: z
    .object({ baseDelayMs: z.number().int().min(10).default(2000), maxDelayMs: z.number().int().min(10).default(300_000) })
    .default({ baseDelayMs: 2000, maxDelayMs: 300_000 }),
  /**
   * Sign-ins with the stored session Zalo refuses in a row before the inbox is marked "needs
   * reconnect" (zca-js reports some network failures the same way as a refusal).
   */
  refusalsBeforeSignedOut: z.number().int().min(1).default(3),
  /** Only one node listens to the account (Zalo closes a second listener): it holds this lease. */
  listenerLeaseMs: z.number().int().min(1000).default(30_000),
  /** Longer replies are split into several messages. */
  maxTextLength: z.number().int().min(100).max(4000).default(2000),
  /** Largest attachment sent (downloaded from the gateway, then uploaded by zca-js). */
  maxAttachmentBytes: z.number().int().min(1).default(20 * 1024 * 1024),
});

export type ZaloPersonalSettingsInput = z.infer<typeof zaloPersonalSettings>;
export type ZaloPersonalSettings = Omit<ZaloPersonalSettingsInput, 'sessionKey'> & { sessionKey: string };

/** Settings with the session key resolved; throws naming an unset variable or a short key. */
export function resolveZaloPersonalSettings(
  inboxKey: string,
  settings: ZaloPersonalSettingsInput,
  env: Readonly<Record<string, string | undefined>>,
): ZaloPersonalSettings {
  const sessionKey = resolveSecret(inboxKey, 'sessionKey', settings.sessionKey, env);
  if (sessionKey.length < 32) throw new ConfigError(`inbox "${inboxKey}" settings.sessionKey: the session key must have at least 32 characters`);
  return { ...settings, sessionKey };
}
