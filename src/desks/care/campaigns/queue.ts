import { and, asc, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { appendAudit } from '../../../core/audit.ts';
import { HttpError, NotFoundError } from '../../../core/errors.ts';
import type { Db } from '../../../core/store/store.ts';
import type { TicketDesk, TicketPrincipal } from '../../tickets/index.ts';
import { callableStatuses, decideOutcome, isOptOut, type AttemptOutcome } from '../campaign-rules.ts';
import { checkAnswers, satisfactionOf, type Answers } from '../questionnaires.ts';
import { finalOutcome, type CampaignContext } from './context.ts';
import { requireOperator } from './roles.ts';

/**
 * The operators' call queue: a citizen's card (script and history), the next citizen due, held
 * for one operator at a time, and the record of each call or visit with its outcome.
 */
export function createCallQueue(
  ctx: CampaignContext,
  deps: {
    calls: TicketDesk['calls'];
    optOut: (by: { contactId: number | null; phone: string | null; email: string | null; source: string; campaignId: number | null }, tx: Db) => Promise<void>;
  },
) {
  const { store, t, db, config, care, timeZone, now, say } = ctx;

  async function attemptsOf(targetId: number) {
    return db.select({ at: t.targetAttempts.at, agentId: t.targetAttempts.agentId, mode: t.targetAttempts.mode, outcome: t.targetAttempts.outcome, callBackAt: t.targetAttempts.callBackAt, note: t.targetAttempts.note }).from(t.targetAttempts).where(eq(t.targetAttempts.targetId, targetId)).orderBy(asc(t.targetAttempts.id));
  }

  /**
   * A target as the operator or interviewer works it: the citizen, the dossier, the script and
   * the history. `readBy` audits the read (it shows the citizen's name and number).
   */
  async function card(targetId: number, readBy?: string) {
    const [row] = await db
      .select({
        id: t.campaignTargets.id,
        campaignId: t.campaignTargets.campaignId,
        status: t.campaignTargets.status,
        mode: t.campaignTargets.mode,
        attempts: t.campaignTargets.attempts,
        nextAttemptAt: t.campaignTargets.nextAttemptAt,
        notifiedAt: t.campaignTargets.notifiedAt,
        noticeChannel: t.campaignTargets.noticeChannel,
        phone: t.campaignTargets.phone,
        assignedTo: t.campaignTargets.assignedTo,
        satisfaction: t.campaignTargets.satisfaction,
        ticketId: t.campaignTargets.ticketId,
        answers: t.campaignTargets.answers,
        dossier: { code: t.dossiers.code, procedure: t.dossiers.procedure, field: t.dossiers.field, desk: t.dossiers.desk, deskLevel: t.dossiers.deskLevel, unit: t.dossiers.unit, applicantName: t.dossiers.applicantName, finishedAt: t.dossiers.finishedAt },
      })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(eq(t.campaignTargets.id, targetId))
      .limit(1);
    if (!row) throw new NotFoundError('target');
    if (readBy) await store.tx((tx) => appendAudit(store, tx, { actor: readBy, action: 'campaign_target.read', subjectType: 'campaign_target', subjectId: targetId }));
    const c = await ctx.campaign(row.campaignId);
    const local = row.phone?.startsWith('84') ? `0${row.phone.slice(2)}` : row.phone;
    return {
      ...row,
      tel: local ? `tel:${local}` : null,
      script: {
        greeting: say('care.script.greeting', { name: config.deployment.name, applicant: row.dossier.applicantName ?? '', code: row.dossier.code, procedure: row.dossier.procedure ?? '', purpose: c.purpose }),
        questionnaire: c.questionnaire,
      },
      outcomes: ['completed', 'no_answer', 'wrong_number', 'refused', 'call_back'] as AttemptOutcome[],
      history: await attemptsOf(targetId),
    };
  }

  /**
   * The next citizen for an operator to call: due, pre-notice sent (and its lead time past), not
   * held by another operator; held for this one for `claimMinutes`. Null when nobody is due.
   */
  async function next(campaignId: number, by: TicketPrincipal) {
    requireOperator(by);
    const agentId = by.agentId;
    if (agentId === null) throw new HttpError(400, 'agent_required', 'the queue is for signed-in operators');
    const c = await ctx.campaign(campaignId);
    if (c.status !== 'active') return null;
    const at = now();
    for (let tries = 0; tries < 5; tries++) {
      const [candidate] = await db
        .select({ id: t.campaignTargets.id })
        .from(t.campaignTargets)
        .where(
          and(
            eq(t.campaignTargets.campaignId, campaignId),
            eq(t.campaignTargets.mode, 'phone'),
            inArray(t.campaignTargets.status, [...callableStatuses]),
            lte(t.campaignTargets.nextAttemptAt, at),
            or(isNull(t.campaignTargets.lockedUntil), lt(t.campaignTargets.lockedUntil, at), eq(t.campaignTargets.lockedBy, agentId)),
          ),
        )
        .orderBy(asc(t.campaignTargets.nextAttemptAt), asc(t.campaignTargets.id))
        .limit(1);
      if (!candidate) return null;
      // Compare-and-set: two operators asking at once never get the same citizen.
      const claimed = await store.tx((tx) =>
        tx
          .update(t.campaignTargets)
          .set({ lockedBy: agentId, lockedUntil: new Date(at.getTime() + care.claimMinutes * 60_000) })
          .where(and(eq(t.campaignTargets.id, candidate.id), or(isNull(t.campaignTargets.lockedUntil), lt(t.campaignTargets.lockedUntil, at), eq(t.campaignTargets.lockedBy, agentId))))
          .returning({ id: t.campaignTargets.id }),
      );
      if (claimed.length) return card(candidate.id, by.auditActor);
    }
    return null;
  }

  /** Records a call or a visit and its outcome; a completed one carries the answers. */
  async function record(
    targetId: number,
    input: { outcome: AttemptOutcome; answers?: Record<string, unknown>; callBackAt?: Date; note?: string; durationSeconds?: number },
    by: TicketPrincipal,
  ) {
    requireOperator(by);
    const [target] = await db.select().from(t.campaignTargets).where(eq(t.campaignTargets.id, targetId)).limit(1);
    if (!target) throw new NotFoundError('target');
    const c = await ctx.campaign(target.campaignId);
    if (target.mode === 'visit' && target.assignedTo !== by.agentId && by.role === 'agent') throw new HttpError(403, 'forbidden', 'this visit is assigned to another interviewer');
    if (finalOutcome(target.status)) throw new HttpError(409, 'target_closed', `this citizen's interview is already ${target.status}`);
    // Citizens ignore unknown numbers: nobody is called or visited before being told.
    if (target.notifiedAt === null) throw new HttpError(409, 'not_notified', 'send the pre-notice first (POST /campaigns/:id/notify)');
    if (target.mode === 'phone' && target.lockedBy !== null && target.lockedBy !== by.agentId && target.lockedUntil && target.lockedUntil > now()) throw new HttpError(409, 'held_by_another', 'another operator is calling this citizen');
    let answers: Answers | null = null;
    if (input.outcome === 'completed') {
      const checked = checkAnswers(c.questionnaire, input.answers ?? {});
      if (!checked.ok) throw new HttpError(400, 'invalid_answers', checked.problems.map((p) => `${p.key}: ${p.reason}`).join('; '), { problems: checked.problems });
      answers = checked.answers;
    } else if (input.answers && Object.keys(input.answers).length) {
      throw new HttpError(400, 'answers_need_completed', 'answers are recorded with the outcome "completed"');
    }
    const at = now();
    const previous = (await attemptsOf(targetId)).map((a) => a.at);
    const decision = decideOutcome(input.outcome, { attemptsBefore: target.attempts, previousAttempts: previous, callBackAt: input.callBackAt ?? null, now: at, maxAttempts: c.maxAttempts, windows: care.callWindows, timeZone });
    if ('refused' in decision) throw new HttpError(400, 'invalid_outcome', decision.refused);
    // A phone attempt is an outbound call of the hotline: it counts in the monthly report.
    await store.tx(async (tx) => {
      const call = target.mode === 'phone' && target.phone ? await deps.calls.log({ direction: 'out', number: target.phone, startedAt: at, durationSeconds: input.durationSeconds ?? 0, notes: say('care.callNote', { campaign: c.name }) }, by.agentId, tx) : null;
      await tx.insert(t.targetAttempts).values({ targetId, at, agentId: by.agentId, mode: target.mode, outcome: input.outcome, callBackAt: input.callBackAt ?? null, note: input.note ?? null, callId: call?.id ?? null });
      await tx
        .update(t.campaignTargets)
        .set({
          status: decision.status,
          outcome: input.outcome,
          attempts: target.attempts + 1,
          nextAttemptAt: decision.nextAttemptAt,
          callBackAt: input.outcome === 'call_back' ? (input.callBackAt ?? null) : target.callBackAt,
          lockedBy: null,
          lockedUntil: null,
          updatedAt: at,
          ...(answers ? { answers, satisfaction: satisfactionOf(c.questionnaire, answers), answeredVia: target.mode === 'visit' ? 'visit' : 'operator', completedAt: at, surveyTokenHash: null } : {}),
        })
        .where(eq(t.campaignTargets.id, targetId));
      if (input.outcome === 'refused' && input.note && isOptOut(input.note, care.optOutWords)) await deps.optOut({ contactId: target.contactId, phone: target.phone, email: target.email, source: 'operator', campaignId: c.id }, tx);
      await appendAudit(store, tx, { actor: by.auditActor, action: 'campaign.attempt', subjectType: 'campaign_target', subjectId: targetId, detail: { outcome: input.outcome } });
    });
    return card(targetId);
  }

  return { card, next, record };
}

export type TargetCard = Awaited<ReturnType<ReturnType<typeof createCallQueue>['card']>>;
