import { t, type Locale } from '../../core/i18n/index.ts';
import type { ReplyWindow, ReplyWindowState } from '../channel-adapter.ts';

/** The window's limits: 24 h standard, 7 days with HUMAN_AGENT when the page has that permission. */
export interface MessengerWindowLimits {
  windowHours: number;
  humanAgent: boolean;
  humanAgentDays: number;
}

/**
 * Messenger's messaging window: standard replies within 24 h of the person's last message; after
 * that, only a human agent's reply (not the bot's) tagged HUMAN_AGENT, up to 7 days, and only
 * for pages granted that permission. The tag travels to `send` through `sendOptions`.
 */
export function messengerReplyWindow(state: ReplyWindowState, limits: MessengerWindowLimits, locale: Locale): ReplyWindow {
  const { windowHours: hours, humanAgentDays: days } = limits;
  if (!state.lastInboundAt) return { open: false, reason: t(locale, 'messenger.window.never') };
  const last = state.lastInboundAt.getTime();
  const standardEnd = new Date(last + hours * 3_600_000);
  if (state.now < standardEnd) return { open: true, closesAt: standardEnd };
  // Meta allows the HUMAN_AGENT tag on a person's replies only, never on the bot's.
  if (!limits.humanAgent || state.senderType !== 'agent') return { open: false, closesAt: standardEnd, reason: t(locale, 'messenger.window.expired', { hours }) };
  const humanEnd = new Date(last + days * 86_400_000);
  if (state.now < humanEnd) {
    return { open: true, closesAt: humanEnd, reason: t(locale, 'messenger.window.humanAgent', { hours, days }), sendOptions: { tag: 'HUMAN_AGENT' } };
  }
  return { open: false, closesAt: humanEnd, reason: t(locale, 'messenger.window.expiredHumanAgent', { days }) };
}

