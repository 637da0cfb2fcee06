import { t, type Locale } from '../../core/i18n/index.ts';
import type { ReplyWindow, ReplyWindowState } from '../channel-adapter.ts';

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

