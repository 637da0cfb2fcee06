import { Gauge, type Registry } from 'prom-client';
import type { KnowledgeEntry } from './schema.ts';
import { localParts } from '../../core/business-hours.ts';

/** Where an entry stands in the hotline's review: checked and in date, never checked, or past its
 * review-by date. Only `current` entries are answered when `router.answerUnreviewed` is off. */
export type ReviewState = 'current' | 'unreviewed' | 'overdue';
export const reviewStates: readonly ReviewState[] = ['current', 'unreviewed', 'overdue'];

/** Today as YYYY-MM-DD in the deployment's time zone (review dates are calendar days there). */
export function localDay(now: Date, timeZone: string): string {
  // Asked for every answer the bot gives: the kept formatter and minute of business-hours.ts.
  return localParts(now, timeZone).date;
}

export function reviewState(entry: Pick<KnowledgeEntry, 'reviewed' | 'reviewBy'>, today: string): ReviewState {
  if (!entry.reviewed) return 'unreviewed';
  return entry.reviewBy !== undefined && entry.reviewBy < today ? 'overdue' : 'current';
}

/** Six months on, the README's "at least every six months". */
export function defaultReviewBy(today: string): string {
  const [year, month, day] = today.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(year, month - 1 + 6, day));
  return next.toISOString().slice(0, 10);
}

/** The entry as the hotline's reviewer signs it off. */
export function signReview(entry: KnowledgeEntry, review: { by: string; against: string; reviewBy?: string; today: string }): KnowledgeEntry {
  return {
    ...entry,
    reviewed: true,
    lastReviewed: review.today,
    reviewedBy: review.by,
    reviewedAt: review.today,
    reviewedAgainst: review.against,
    reviewBy: review.reviewBy ?? defaultReviewBy(review.today),
  };
}

/** `gateway_knowledge_entries{review="current|unreviewed|overdue"}`, counted when scraped. */
export function registerReviewGauge(registry: Registry, entries: () => readonly KnowledgeEntry[], timeZone: string): void {
  new Gauge({
    name: 'gateway_knowledge_entries',
    help: 'Knowledge-base entries by review state (unreviewed and overdue ones need the hotline).',
    labelNames: ['review'] as const,
    registers: [registry],
    collect() {
      const today = localDay(new Date(), timeZone);
      const counts = new Map<ReviewState, number>(reviewStates.map((state) => [state, 0]));
      for (const entry of entries()) counts.set(reviewState(entry, today), counts.get(reviewState(entry, today))! + 1);
      for (const [state, count] of counts) this.set({ review: state }, count);
    },
  });
}
