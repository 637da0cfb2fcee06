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
 * that, only a human agent's reply tagged HUMAN_AGENT, up to 7 days, and only for pages granted
 * that permission. The tag travels to `send` through `sendOptions`.
 */
export function messengerReplyWindow(state: ReplyWindowState, limits: MessengerWindowLimits, locale: Locale): ReplyWindow {
  const { windowHours: hours, humanAgentDays: days } = limits;
  if (!state.lastInboundAt) return { open: false, reason: t(locale, 'messenger.window.never') };
  const last = state.lastInboundAt.getTime();
  const standardEnd = new Date(last + hours * 3_600_000);
  if (state.now < standardEnd) return { open: true, closesAt: standardEnd };
  if (!limits.humanAgent) return { open: false, closesAt: standardEnd, reason: t(locale, 'messenger.window.expired', { hours }) };
  const humanEnd = new Date(last + days * 86_400_000);
  if (state.now < humanEnd) {
    return { open: true, closesAt: humanEnd, reason: t(locale, 'messenger.window.humanAgent', { hours, days }), sendOptions: { tag: 'HUMAN_AGENT' } };
  }
  return { open: false, closesAt: humanEnd, reason: t(locale, 'messenger.window.expiredHumanAgent', { days }) };
}

/**
 * Cuts a long reply into messages the platform accepts, at a line break or space when one is
 * near the limit, so words are not split.
 */
export function splitText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const cut = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    let at = cut > max * 0.5 ? cut : max;
    // Never between the two halves of a surrogate pair (emoji).
    const code = rest.charCodeAt(at - 1);
    if (code >= 0xd800 && code <= 0xdbff) at -= 1;
    chunks.push(rest.slice(0, at).trimEnd());
    rest = rest.slice(at).trimStart();
  }
  if (rest) chunks.push(rest);
  return chunks;
}
