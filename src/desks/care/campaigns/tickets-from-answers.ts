import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { HttpError } from '../../../core/errors.ts';
import { foldText } from '../../../core/text-fold.ts';
import type { TicketDesk, TicketPrincipal } from '../../tickets/index.ts';
import { answerText, type Answers } from '../questionnaires.ts';
import type { CampaignContext } from './context.ts';
import type { TargetCard } from './queue.ts';
import { requireOperator } from './roles.ts';

/** A citizen's complaint in an interview becomes a ticket of the tickets desk. */
export function createTicketsFromAnswers(ctx: CampaignContext, desk: TicketDesk, card: (targetId: number) => Promise<TargetCard>) {
  const { store, t, db, locale, now, say } = ctx;

  /** Unit id for a dossier's unit name, when the organisation has a unit of that name. */
  async function unitIdFor(name: string | null): Promise<number | null> {
    if (!name) return null;
    const wanted = foldText(name).trim();
    const unit = (await desk.units.list()).find((u) => foldText(u.name).trim() === wanted);
    return unit?.id ?? null;
  }

  /**
   * Turns a citizen's dissatisfaction into a ticket in one step: opened with the answers (on the
   * interview's call when there was one) and forwarded to the responsible unit.
   */
  async function toTicket(targetId: number, input: { unitId?: number; subject?: string }, by: TicketPrincipal) {
    requireOperator(by);
    const target = await card(targetId);
    if (target.status !== 'completed' || !target.answers) throw new HttpError(409, 'not_answered', 'only an answered interview becomes a ticket');
    if (target.ticketId !== null) throw new HttpError(409, 'ticket_exists', `ticket ${target.ticketId} was already opened from this interview`);
    const c = await ctx.campaign(target.campaignId);
    const answers = target.answers as Answers;
    const body = [
      say('care.ticket.intro', { campaign: c.name, code: target.dossier.code, procedure: target.dossier.procedure ?? '', desk: target.dossier.desk ?? '' }),
      ...c.questionnaire.questions.filter((q) => answers[q.key] !== undefined).map((q) => `- ${q.label} ${answerText(q, answers[q.key]!, locale)}`),
    ].join('\n');
    const unitId = input.unitId ?? (await unitIdFor(target.dossier.unit));
    const [attempt] = await db.select({ callId: t.targetAttempts.callId }).from(t.targetAttempts).where(and(eq(t.targetAttempts.targetId, targetId), eq(t.targetAttempts.outcome, 'completed'), isNotNull(t.targetAttempts.callId))).orderBy(desc(t.targetAttempts.id)).limit(1);
    const created = await desk.tickets.create(
      {
        type: 'complaint',
        subject: (input.subject ?? say('care.ticket.subject', { code: target.dossier.code, procedure: target.dossier.procedure ?? '' })).slice(0, 300),
        body,
        tthc: true,
        field: target.dossier.field,
        ...(attempt?.callId ? { callId: attempt.callId } : { channel: 'phone' }),
      },
      by,
    );
    await store.tx((tx) => tx.update(t.campaignTargets).set({ ticketId: created.id, updatedAt: now() }).where(eq(t.campaignTargets.id, targetId)));
    const forwarded = unitId !== null ? await desk.tickets.transition(created.id, { action: 'forward', unitId }, by) : null;
    return { ticketId: created.id, code: created.code, forwardedTo: forwarded?.unitId ?? null };
  }

  return { toTicket };
}
