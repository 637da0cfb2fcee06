import type { Locale } from '../../core/i18n/index.ts';
import type { ReplyWindow, ReplyWindowState } from '../channel-adapter.ts';
import type { ZaloQuota } from './types.ts';
import { estimatedZaloWindow, quotaWindow } from './window.ts';

interface Entry {
  /** What Zalo answered, or null when it could not be asked (the fixed rule applies). */
  quota: ZaloQuota | null;
  until: number;
}

export interface QuotaCacheOptions {
  fetchQuota(userId: string, signal: AbortSignal): Promise<ZaloQuota>;
  /** How long an answer is trusted; a failed read is retried sooner. */
  ttlMs: number;
  failureTtlMs: number;
  limits: { windowHours: number; freeReplies: number };
  locale: Locale;
  formatDate(date: Date): string;
  /** Bounds the read: an agent's reply must not wait long on Zalo. */
  timeoutMs: number;
  now?: () => number;
  onError?(error: unknown): void;
}

/** Users whose quota is remembered; the oldest are forgotten first. */
const maxEntries = 5000;

/**
 * Zalo's own count of the free replies left to each citizen, read from the quota API and kept
 * briefly per user. The outbox decides inside a transaction, so the read happens before it
 * (`prepare`) and the decision reads the cache (`window`). When Zalo cannot be asked, the fixed
 * 48 h / 8 replies rule applies and the agent is told it is an estimate.
 */
export function createQuotaCache(options: QuotaCacheOptions) {
  const entries = new Map<string, Entry>();
  const pending = new Map<string, Promise<void>>();
  const now = options.now ?? Date.now;

  function remember(userId: string, quota: ZaloQuota | null): void {
    entries.delete(userId);
    entries.set(userId, { quota, until: now() + (quota ? options.ttlMs : options.failureTtlMs) });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
  }

  return {
    /** Reads the user's quota from Zalo unless a fresh answer is at hand; never throws. */
    prepare(userId: string): Promise<void> {
      const known = entries.get(userId);
      if (known && known.until > now()) return Promise.resolve();
      const running = pending.get(userId);
      if (running) return running;
      const read = options
        .fetchQuota(userId, AbortSignal.timeout(options.timeoutMs))
        .then((quota) => remember(userId, quota))
        .catch((error: unknown) => {
          options.onError?.(error);
          remember(userId, null);
        })
        .finally(() => pending.delete(userId));
      pending.set(userId, read);
      return read;
    },

    /** The window for a reply now: Zalo's answer when there is one, else the fixed rule as an estimate. */
    window(state: ReplyWindowState): ReplyWindow {
      const userId = state.recipientExternalId;
      const known = userId ? entries.get(userId) : undefined;
      if (known?.quota) return quotaWindow(known.quota, state.now, options.locale, options.formatDate);
      return estimatedZaloWindow(state, options.limits, options.locale);
    },

    /** A send answered with the quota left (Zalo adds it to the answer): that is the freshest count. */
    sent(userId: string, quota: ZaloQuota | undefined): void {
      if (quota && quota.remain !== undefined && quota.remain !== '') remember(userId, quota);
      else entries.delete(userId);
    },

    /** The citizen wrote: Zalo renews the quota, so the remembered one is stale. */
    forget(userId: string): void {
      entries.delete(userId);
    },
  };
}

export type QuotaCache = ReturnType<typeof createQuotaCache>;
