import { createHmac, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import type { EventBus } from '../../core/events.ts';
import type { Store } from '../../core/store/store.ts';
import type { Satisfaction } from './ticket-rules.ts';

export type Vote = Exclude<Satisfaction, 'no_response'>;

/**
 * The citizen's rating of an answer. A vote link carries the ticket id and an HMAC of it, so
 * nobody can rate a ticket that is not theirs by guessing numbers.
 */
export function createSatisfaction(deps: { store: Store; events: EventBus; secret: string }) {
  const { store, events, secret } = deps;
  const { t, db } = store;

  const mac = (ticketId: number) => createHmac('sha256', secret).update(`vote:${ticketId}`).digest('base64url').slice(0, 22);
  const voteToken = (ticketId: number) => `${ticketId}.${mac(ticketId)}`;

  function ticketOfToken(token: string): number | null {
    const match = /^(\d{1,12})\.([A-Za-z0-9_-]{22})$/.exec(token);
    if (!match) return null;
    const id = Number(match[1]);
    const expected = Buffer.from(mac(id));
    const given = Buffer.from(match[2]!);
    return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
  }

  /**
   * Records a rating of an answered ticket. The first one counts (a second tap or a forwarded
   * link changes nothing); 'recorded' false says it was already rated.
   */
  async function rate(ticketId: number, vote: Vote, comment: string | null, by: { agentId: number | null; name: string }) {
    const now = new Date();
    const outcome = await store.tx(async (tx) => {
      const [ticket] = await tx.select({ code: t.tickets.code, status: t.tickets.status, satisfaction: t.tickets.satisfaction }).from(t.tickets).where(eq(t.tickets.id, ticketId)).limit(1);
      if (!ticket) throw new NotFoundError('ticket');
      if (ticket.status !== 'answered' && ticket.status !== 'closed') throw new HttpError(409, 'not_answered', 'only an answered ticket can be rated');
      const updated = await tx
        .update(t.tickets)
        .set({ satisfaction: vote, satisfactionComment: comment?.trim() || null, satisfactionAt: now, updatedAt: now })
        .where(and(eq(t.tickets.id, ticketId), isNull(t.tickets.satisfaction), inArray(t.tickets.status, ['answered', 'closed'])))
        .returning({ id: t.tickets.id });
      if (!updated.length) return { code: ticket.code, recorded: false, satisfaction: ticket.satisfaction };
      await tx.insert(t.ticketEvents).values({ ticketId, at: now, actorId: by.agentId, actorName: by.name, action: 'rate', comment: [vote, comment?.trim()].filter(Boolean).join(': ') });
      return { code: ticket.code, recorded: true, satisfaction: vote as string };
    });
    if (outcome.recorded) events.emit('ticket.rated', { ticketId, code: outcome.code, satisfaction: vote });
    return outcome;
  }

  /** Marks that the question was put to the citizen (the no-response clock runs from the answer). */
  async function markAsked(ticketId: number) {
    await db.update(t.tickets).set({ satisfactionAskedAt: new Date() }).where(eq(t.tickets.id, ticketId));
  }

  return { voteToken, ticketOfToken, rate, markAsked };
}

export type SatisfactionService = ReturnType<typeof createSatisfaction>;
