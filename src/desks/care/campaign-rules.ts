// The decisions of the call queue, pure: what an outcome does to a citizen's place in the queue,
// when a retry is due, which channel announces the campaign, and what reads as an opt-out.
import { instantOf, localParts } from '../../core/business-hours.ts';
import { foldMessageText, foldText } from '../../core/text-fold.ts';

export const attemptOutcomes = ['completed', 'no_answer', 'wrong_number', 'refused', 'call_back'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

export type TargetStatus = 'pending' | 'notified' | 'no_answer' | 'call_back' | 'completed' | 'wrong_number' | 'refused' | 'unreachable' | 'opted_out';
/** Statuses from which a target is still worked (called, visited or answered on the web). */
export const openStatuses: readonly TargetStatus[] = ['pending', 'notified', 'no_answer', 'call_back'];
/** Statuses whose targets the operators' queue offers (after the pre-notice). */
export const callableStatuses: readonly TargetStatus[] = ['notified', 'no_answer', 'call_back'];

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Which window ("08:00-11:00") an instant falls in, by index, or -1. */
export function windowOf(at: Date, windows: readonly string[], timeZone: string): number {
  const { minutes } = localParts(at, timeZone);
  return windows.findIndex((w) => minutes >= toMinutes(w.slice(0, 5)) && minutes < toMinutes(w.slice(6, 11)));
}

/**
 * When to try again after an unanswered call: the earliest time at least `gapMinutes` from now
 * inside a window of the day not tried yet (someone at work in the morning may answer in the
 * evening); once every window was tried, any window.
 */
export function nextAttemptTime(previous: readonly Date[], now: Date, windows: readonly string[], timeZone: string, gapMinutes = 60): Date {
  const tried = new Set(previous.map((at) => windowOf(at, windows, timeZone)).filter((i) => i >= 0));
  const candidates = windows.map((_, i) => i).filter((i) => !tried.has(i));
  const allowed = new Set(candidates.length ? candidates : windows.map((_, i) => i));
  const earliest = now.getTime() + gapMinutes * 60_000;
  const today = localParts(now, timeZone).date;
  for (let day = 0; day < 14; day++) {
    const date = addDays(today, day);
    const slots = windows
      .map((w, i) => ({ i, start: instantOf(date, toMinutes(w.slice(0, 5)), timeZone).getTime(), end: instantOf(date, toMinutes(w.slice(6, 11)), timeZone).getTime() }))
      .filter((s) => allowed.has(s.i))
      .sort((a, b) => a.start - b.start);
    for (const slot of slots) {
      const at = Math.max(slot.start, earliest);
      if (at < slot.end) return new Date(at);
    }
  }
  return new Date(earliest);
}

export interface OutcomeDecision {
  status: TargetStatus;
  /** When the queue offers the target again; null when it leaves the queue. */
  nextAttemptAt: Date | null;
}

/** What an attempt's outcome does to the target. */
export function decideOutcome(
  outcome: AttemptOutcome,
  input: { attemptsBefore: number; previousAttempts: readonly Date[]; callBackAt?: Date | null; now: Date; maxAttempts: number; windows: readonly string[]; timeZone: string },
): OutcomeDecision | { refused: string } {
  switch (outcome) {
    case 'completed':
      return { status: 'completed', nextAttemptAt: null };
    case 'wrong_number':
      return { status: 'wrong_number', nextAttemptAt: null };
    case 'refused':
      return { status: 'refused', nextAttemptAt: null };
    case 'call_back':
      if (!input.callBackAt) return { refused: 'call_back needs callBackAt' };
      if (input.callBackAt.getTime() <= input.now.getTime()) return { refused: 'callBackAt must be in the future' };
      return { status: 'call_back', nextAttemptAt: input.callBackAt };
    case 'no_answer': {
      const attempts = input.attemptsBefore + 1;
      if (attempts >= input.maxAttempts) return { status: 'unreachable', nextAttemptAt: null };
      return { status: 'no_answer', nextAttemptAt: nextAttemptTime([...input.previousAttempts, input.now], input.now, input.windows, input.timeZone) };
    }
  }
}

export type NoticeChannel = 'zalo' | 'zns' | 'email' | 'sms';

/**
 * The channels to announce a campaign on, most trusted first (DESIGN.md: Zalo OA first): the
 * OA's chat when the citizen wrote to it, a ZNS template to their phone when one is configured,
 * then email, then SMS.
 */
export function noticeChannels(citizen: { zaloInboxId: number | null; email: string | null; emailInboxId: number | null; phone: string | null; smsEnabled: boolean; znsEnabled?: boolean }): NoticeChannel[] {
  const out: NoticeChannel[] = [];
  if (citizen.zaloInboxId !== null) out.push('zalo');
  if (citizen.phone && citizen.znsEnabled) out.push('zns');
  if (citizen.email && citizen.emailInboxId !== null) out.push('email');
  if (citizen.phone && citizen.smsEnabled) out.push('sms');
  return out;
}

/**
 * Whether a reply says "do not contact me": a short message holding one of the words (without
 * accents), so "TỪ CHỐI", "tu choi" and "Tôi từ chối." all count and a long question does not.
 */
export function isOptOut(text: string | null, words: readonly string[]): boolean {
  // Every inbound message is checked: a question of several lines is no opt-out, unfolded.
  if (!text || text.length > 240) return false;
  const folded = ` ${foldMessageText(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
  if (folded.length > 60) return false;
  return foldedWords(words).some((word) => folded.includes(word));
}

const foldedLists = new WeakMap<readonly string[], string[]>();
/** The configured words, folded and padded once per list. */
function foldedWords(words: readonly string[]): string[] {
  let folded = foldedLists.get(words);
  if (!folded) foldedLists.set(words, (folded = words.map((word) => ` ${foldText(word).trim()} `)));
  return folded;
}
