import { t, type Locale } from '../../core/i18n/index.ts';
import type { ReplyWindow, ReplyWindowState } from '../channel-adapter.ts';
import type { ZaloQuota } from './types.ts';

/**
 * Zalo's customer-service window: free replies for `windowHours` after the citizen's last
 * message, at most `freeReplies` of them (48 h and 8 by default; each new message resets both).
 * Later messages would be paid "proactive" ones, which this channel does not send.
 */
export function zaloReplyWindow(state: ReplyWindowState, limits: { windowHours: number; freeReplies: number }, locale: Locale): ReplyWindow {
  const { windowHours: hours, freeReplies: total } = limits;
  if (!state.lastInboundAt) return { open: false, reason: t(locale, 'zalo.window.never') };
  const closesAt = new Date(state.lastInboundAt.getTime() + hours * 3_600_000);
  if (state.now >= closesAt) return { open: false, closesAt, reason: t(locale, 'zalo.window.expired', { hours }) };
  const remaining = total - state.outboundSinceInbound;
  if (remaining <= 0) return { open: false, closesAt, remainingReplies: 0, reason: t(locale, 'zalo.window.quotaUsed', { total }) };
  return { open: true, closesAt, remainingReplies: remaining, reason: t(locale, 'zalo.window.open', { remaining, total, hours }) };
}

/** The fixed rule above, said to be an estimate: what applies when Zalo's quota cannot be read. */
export function estimatedZaloWindow(state: ReplyWindowState, limits: { windowHours: number; freeReplies: number }, locale: Locale): ReplyWindow {
  const window = zaloReplyWindow(state, limits, locale);
  return { ...window, source: 'rule', reason: t(locale, 'zalo.quota.estimated', { reason: window.reason ?? '' }) };
}

/**
 * When a quota ends. Zalo writes `expired_date` as "yyyy-MM-dd HH:mm:ss" in Vietnam's time
 * (UTC+7, no daylight saving); milliseconds (or seconds) as digits are taken too.
 */
export function quotaExpiry(value: ZaloQuota['expired_date']): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return new Date(n < 1e11 ? n * 1000 : n);
  }
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (local) return new Date(`${local[1]}-${local[2]}-${local[3]}T${local[4]}:${local[5]}:${local[6] ?? '00'}+07:00`);
  const parsed = new Date(text);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

/**
 * The window as Zalo itself reports it: open while replies remain and the quota has not expired.
 * Only this answer closes the window; the fixed rule is a fallback for when Zalo cannot be asked.
 */
export function quotaWindow(quota: ZaloQuota, now: Date, locale: Locale, formatDate: (date: Date) => string): ReplyWindow {
  const remaining = Math.max(0, Math.trunc(Number(quota.remain)));
  const totalNumber = Number(quota.total);
  const total = quota.total !== undefined && Number.isFinite(totalNumber) ? totalNumber : remaining;
  const closesAt = quotaExpiry(quota.expired_date);
  const until = closesAt ? formatDate(closesAt) : '?';
  const base = { source: 'platform' as const, remainingReplies: remaining, ...(closesAt ? { closesAt } : {}) };
  if (closesAt && now >= closesAt) return { ...base, open: false, reason: t(locale, 'zalo.quota.expired', { until }) };
  if (remaining <= 0) return { ...base, open: false, reason: t(locale, 'zalo.quota.used', { total, until }) };
  return { ...base, open: true, reason: t(locale, 'zalo.quota.open', { remaining, total, until }) };
}
