import { createHash, randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { ChannelError } from '../../core/errors.ts';
import type { Locale } from '../../core/i18n/index.ts';
import type { InboxState, InboxStatus } from '../channel-adapter.ts';
import { zaloError, type ZaloApiClient } from './api-client.ts';

/** The token pair as kept in the inbox state (key `zalo.tokens`), shared by every node. */
export interface StoredTokens {
  accessToken: string;
  refreshToken: string | null;
  /** When the pair was issued (or first seen), epoch ms. */
  issuedAt: number;
  /** When the access token expires, epoch ms. */
  expiresAt: number;
  /** Fingerprint of the settings tokens this record grew from: new tokens in settings win. */
  seed: string | null;
  /** A node holds the right to spend the refresh token until `until`. */
  lease?: { holder: string; until: number };
  /** Zalo refused the refresh: nobody tries again until an admin gives new tokens. `reason` is
   * the text agents see on failed sends and admins on the inbox status. */
  failure?: { reason: string; at: number };
}

export const tokensKey = 'zalo.tokens';
/** Zalo's access token lives 25 h; assumed for a token from settings, whose age is unknown. */
const assumedLifetimeMs = 90_000 * 1000;
/** Re-read the shared record at least this often: another node may have refreshed it. */
const maxCheckIntervalMs = 10 * 60_000;
const retryAfterFailureMs = 30_000;

export interface ZaloTokensOptions {
  state: InboxState;
  client: ZaloApiClient;
  settings: { accessToken?: string; refreshToken?: string };
  locale: Locale;
  logger: FastifyBaseLogger;
  setStatus(status: InboxStatus, detail?: string): Promise<void>;
  /** How long a refresh lease is held; a node that dies mid-refresh blocks others this long. */
  leaseMs?: number;
  now?: () => number;
}

const parse = (raw: string | null): StoredTokens | null => {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as StoredTokens;
  } catch {
    return null;
  }
};

/** Refresh ahead of expiry by 10 % of the lifetime, at most 30 min. */
function refreshAt(tokens: StoredTokens): number {
  const margin = Math.min(30 * 60_000, Math.max(0, tokens.expiresAt - tokens.issuedAt) * 0.1);
  return tokens.expiresAt - margin;
}

/**
 * The OA's access token and its renewal. Zalo's refresh token is single use, so the pair lives in
 * the shared inbox state and a refresh is guarded twice: one flight per process, and a lease
 * taken by compare-and-set in the store so two nodes never spend the same refresh token.
 */
export function createZaloTokens(options: ZaloTokensOptions) {
  const { state, client, locale, logger } = options;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 30_000;
  const seed =
    options.settings.accessToken || options.settings.refreshToken
      ? createHash('sha256').update(`${options.settings.accessToken ?? ''}\n${options.settings.refreshToken ?? ''}`).digest('hex').slice(0, 16)
      : null;

  let cached: StoredTokens | null = null;
  let inflight: Promise<string> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let reported: { status: InboxStatus; detail?: string } | undefined;

  /** Tells admins about a change of the connection, once (every report emits an event). */
  async function report(status: InboxStatus, detail?: string): Promise<void> {
    if (reported?.status === status && (status === 'active' || reported.detail === detail)) return;
    reported = { status, ...(detail !== undefined ? { detail } : {}) };
    await options.setStatus(status, detail);
  }

  const seeded = (): StoredTokens | null =>
    options.settings.accessToken
      ? {
          accessToken: options.settings.accessToken,
          refreshToken: options.settings.refreshToken ?? null,
          issuedAt: now(),
          expiresAt: now() + assumedLifetimeMs,
          seed,
        }
      : null;

  /**
   * The shared record. Settings seed it when it is missing, or when it failed and the settings
   * now hold other tokens (an admin reconnected the OA). A healthy record always wins: during a
   * rolling restart a node with older settings must not put back tokens that were spent.
   */
  async function load(): Promise<StoredTokens | null> {
    const reseed = (current: StoredTokens | null) => !current || (current.failure !== undefined && seed !== null && current.seed !== seed);
    const current = parse(await state.get(tokensKey));
    const initial = seeded();
    if (!initial || !reseed(current)) return (cached = current);
    const stored = await state.update(tokensKey, (raw) => (reseed(parse(raw)) ? JSON.stringify(initial) : null));
    return (cached = parse(stored));
  }

  /** No pair to use at all (nothing in the store, nothing in the settings). */
  const missingError = () => zaloError({ kind: 'refresh', detail: 'no access token configured (ZALO_OA_ACCESS_TOKEN)' }, locale);
  /** A failure recorded in the shared state: its reason is already the agent-facing text. */
  const failedError = (reason: string) => new ChannelError('zalo-oa', 'auth_failed', reason, false);

  /** The current access token; throws a final error when the OA needs reconnecting. */
  async function accessToken(): Promise<string> {
    let tokens = cached ?? (await load());
    // Another node (or a restart with new settings) may have repaired a failed pair.
    if (tokens?.failure) tokens = await load();
    if (!tokens) throw missingError();
    if (tokens.failure) throw failedError(tokens.failure.reason);
    return tokens.accessToken;
  }

  /**
   * Records that the pair cannot be used (`reason` is the agent-facing text sends will fail
   * with), unless `applies` says the shared record moved on meanwhile.
   */
  async function markFailed(reason: string, applies: (current: StoredTokens) => boolean): Promise<void> {
    const stored = await state.update(tokensKey, (raw) => {
      const current = parse(raw);
      if (!current || !applies(current)) return null;
      const { lease: _lease, ...rest } = current;
      return JSON.stringify({ ...rest, failure: { reason, at: now() } });
    });
    cached = parse(stored);
    if (cached?.failure) await report('needs_reconnect', cached.failure.reason);
  }

  async function releaseLease(holder: string): Promise<void> {
    const stored = await state.update(tokensKey, (raw) => {
      const current = parse(raw);
      if (!current?.lease || current.lease.holder !== holder) return null;
      const { lease: _lease, ...rest } = current;
      return JSON.stringify(rest);
    });
    cached = parse(stored);
  }

  async function refreshOnce(isStale: (tokens: StoredTokens) => boolean): Promise<string> {
    const holder = randomUUID();
    const deadline = now() + leaseMs * 2;
    let tokens: StoredTokens | null;
    for (;;) {
      if (!cached) await load();
      tokens = parse(
        await state.update(tokensKey, (raw) => {
          const current = parse(raw);
          if (!current || current.failure || !isStale(current)) return null;
          if (current.lease && current.lease.until > now()) return null;
          return JSON.stringify({ ...current, lease: { holder, until: now() + leaseMs } });
        }),
      );
      cached = tokens;
      if (!tokens) throw missingError();
      if (tokens.failure) throw failedError(tokens.failure.reason);
      if (tokens.lease?.holder === holder) break;
      if (!isStale(tokens)) return tokens.accessToken;
      if (now() > deadline) throw zaloError({ kind: 'network', cause: new Error('token refresh in progress on another node') }, locale);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    if (!tokens.refreshToken) {
      const error = zaloError({ kind: 'refresh', detail: 'no refresh token (ZALO_OA_REFRESH_TOKEN)' }, locale);
      await markFailed(error.message, (current) => current.refreshToken === null);
      throw error;
    }
    const spent = tokens.refreshToken;
    let pair;
    try {
      pair = await client.refreshAccessToken(tokens.refreshToken);
    } catch (error) {
      if (error instanceof ChannelError && error.kind === 'auth_failed') {
        logger.error({ code: error.vendorCode }, 'Zalo refused the token refresh: the OA needs reconnecting');
        // Only if nobody stored a newer pair meanwhile (our lease may have run out).
        await markFailed(error.message, (current) => current.refreshToken === spent);
      } else {
        logger.warn({ err: error }, 'Zalo token refresh failed; will try again');
        await releaseLease(holder);
      }
      throw error;
    }
    const at = now();
    const next: StoredTokens = {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      issuedAt: at,
      expiresAt: at + pair.expiresInSeconds * 1000,
      seed: tokens.seed,
    };
    // Unconditional: the old refresh token is spent, this pair is the only one that works now.
    // A lost write would strand the OA, so it is tried more than once.
    for (let attempt = 1; ; attempt++) {
      try {
        await state.set(tokensKey, JSON.stringify(next));
        break;
      } catch (error) {
        if (attempt >= 5) {
          logger.error({ err: error }, 'could not store the refreshed Zalo token pair');
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    cached = next;
    logger.info({ expiresAt: new Date(next.expiresAt).toISOString() }, 'Zalo access token refreshed');
    await report('active');
    return next.accessToken;
  }

  /**
   * Refreshes when `isStale` holds for the shared record (another node may have refreshed it
   * already, then its token is returned). Concurrent callers in this process share one flight.
   */
  function refresh(isStale: (tokens: StoredTokens) => boolean): Promise<string> {
    inflight ??= refreshOnce(isStale).finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  /** Refreshes ahead of expiry, then plans the next check. */
  async function check(): Promise<void> {
    if (stopped) return;
    let delay = maxCheckIntervalMs;
    try {
      const tokens = await load();
      if (!tokens || tokens.failure) return;
      if (now() >= refreshAt(tokens)) await refresh((current) => now() >= refreshAt(current));
      if (cached) delay = refreshAt(cached) - now();
    } catch (error) {
      if (error instanceof ChannelError && !error.retryable) return;
      delay = retryAfterFailureMs;
    }
    schedule(delay);
  }

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void check(), Math.min(maxCheckIntervalMs, Math.max(1000, delay)));
    timer.unref();
  }

  return {
    accessToken,
    refresh,
    /** Marks the pair unusable when Zalo refuses `accessToken` even after a refresh. */
    markFailed: (reason: string, accessToken: string) => markFailed(reason, (current) => current.accessToken === accessToken),
    /** Reports the connection: `active` after a call with the token succeeded, or broken. */
    report,
    /** Starts the ahead-of-expiry refresh loop. */
    start(): Promise<void> {
      stopped = false;
      return check();
    },
    stop(): void {
      stopped = true;
      clearTimeout(timer);
    },
    /** The record as this process last saw it (tests, diagnostics). */
    snapshot: (): StoredTokens | null => cached,
  };
}

export type ZaloTokens = ReturnType<typeof createZaloTokens>;
