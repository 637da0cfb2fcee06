// Citizens' requests about their personal data and the law's timers on them: acknowledged within
// a few working days, carried out (or refused, with the reason) within more. Completing an
// erasure erases; an access request is answered with the export (personal-data.ts).
import { and, asc, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import type { BusinessHours } from '../../core/business-hours.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import type { EventBus } from '../../core/events.ts';
import type { Db, Store } from '../../core/store/store.ts';
import type { ErasureResult, PersonalData } from './personal-data.ts';

export const requestKinds = ['access', 'correction', 'objection', 'erasure'] as const;
export type RequestKind = (typeof requestKinds)[number];

export interface NewRequest {
  kind: RequestKind;
  requesterName: string;
  requesterContact?: string;
  receivedVia: string;
  details?: string;
  contactId?: number;
  /** When it reached the hotline (a letter may be logged days later); default now. */
  receivedAt?: Date;
}

export interface Actor {
  /** For the audit log: `agent:<id>`, `token:<name>`. */
  ref: string;
  agentId: number | null;
}

export function createPrivacyRequests(store: Store, deps: { config: FileConfig['privacy']; businessHours: BusinessHours; personalData: PersonalData; events: EventBus; logger: { error(obj: object, msg: string): void } }) {
  const { t, db } = store;
  const { config, businessHours, personalData, events, logger } = deps;

  /** The row with where it stands now: which timer runs, and whether it has run out. */
  function withState(row: typeof t.privacyRequests.$inferSelect, now: Date) {
    const open = row.completedAt === null;
    return {
      ...row,
      overdue: open && now > row.dueAt,
      acknowledgementOverdue: open && row.acknowledgedAt === null && now > row.acknowledgeBy,
    };
  }

  async function find(id: number) {
    const [row] = await db.select().from(t.privacyRequests).where(eq(t.privacyRequests.id, id)).limit(1);
    if (!row) throw new NotFoundError('privacy request');
    return row;
  }

  async function receive(input: NewRequest, actor: Actor, now = new Date()) {
    const receivedAt = input.receivedAt ?? now;
    if (receivedAt > now) throw new HttpError(400, 'received_in_future', 'a request cannot be received in the future');
    if (input.contactId !== undefined) {
      const [contact] = await db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.id, input.contactId)).limit(1);
      if (!contact) throw new NotFoundError('contact');
    }
    const row = await store.tx(async (tx) => {
      const [inserted] = await tx
        .insert(t.privacyRequests)
        .values({
          kind: input.kind,
          contactId: input.contactId ?? null,
          requesterName: input.requesterName,
          requesterContact: input.requesterContact ?? null,
          receivedVia: input.receivedVia,
          details: input.details ?? null,
          receivedAt,
          acknowledgeBy: businessHours.addWorkingDays(receivedAt, config.acknowledgeWorkingDays),
          dueAt: businessHours.addWorkingDays(receivedAt, config.dueWorkingDays[input.kind]),
          createdById: actor.agentId,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await appendAudit(store, tx, { actor: actor.ref, action: 'privacy.request.received', subjectType: 'privacy_request', subjectId: inserted!.id, detail: { kind: input.kind, contactId: input.contactId ?? null } }, now);
      return inserted!;
    });
    return withState(row, now);
  }

  /** Open requests first, the nearest deadline first; then the completed ones, newest first. */
  async function list(options: { open?: boolean; limit?: number } = {}, now = new Date()) {
    const { completedAt, dueAt } = t.privacyRequests;
    // The order is the database's, before the limit: SQLite and PostgreSQL sort nulls apart, so
    // "open" is a key of its own (sorting on completedAt let PostgreSQL fill the page with
    // completed requests and drop the open ones, and SQLite drop the newest completed ones).
    const rows = await db
      .select()
      .from(t.privacyRequests)
      .where(options.open ? isNull(completedAt) : undefined)
      .orderBy(asc(sql`case when ${completedAt} is null then 0 else 1 end`), asc(sql`case when ${completedAt} is null then ${dueAt} end`), desc(t.privacyRequests.id))
      .limit(options.limit ?? 200);
    return rows.map((row) => withState(row, now));
  }

  /**
   * Open requests whose acknowledgement or whole time ran out since the last look: each is
   * announced to the supervisors once per timer (the screen marks them too).
   */
  async function sweepDeadlines(now = new Date()) {
    const { id, kind, completedAt, acknowledgedAt, acknowledgeBy, acknowledgeAlertedAt, dueAt, dueAlertedAt } = t.privacyRequests;
    const unacknowledged = await store.tx((tx) =>
      tx
        .update(t.privacyRequests)
        .set({ acknowledgeAlertedAt: now })
        .where(and(isNull(completedAt), isNull(acknowledgedAt), lt(acknowledgeBy, now), isNull(acknowledgeAlertedAt)))
        .returning({ id, kind, deadline: acknowledgeBy }),
    );
    const overdue = await store.tx((tx) =>
      tx
        .update(t.privacyRequests)
        .set({ dueAlertedAt: now })
        .where(and(isNull(completedAt), lt(dueAt, now), isNull(dueAlertedAt)))
        .returning({ id, kind, deadline: dueAt }),
    );
    for (const row of unacknowledged) events.emit('privacy.deadline', { requestId: row.id, kind: row.kind, state: 'acknowledge_overdue', deadline: row.deadline });
    for (const row of overdue) events.emit('privacy.deadline', { requestId: row.id, kind: row.kind, state: 'overdue', deadline: row.deadline });
    return { acknowledgeOverdue: unacknowledged.length, overdue: overdue.length };
  }

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;
  const tick = () => {
    sweeping ??= sweepDeadlines()
      .catch((error: unknown) => logger.error({ err: error }, 'personal-data request deadline check failed'))
      .finally(() => {
        sweeping = undefined;
      });
  };

  type Change = Partial<typeof t.privacyRequests.$inferInsert>;
  async function updateWithin(tx: Db, id: number, change: Change, actor: Actor, action: string, detail: Record<string, unknown>, now: Date) {
    const [updated] = await tx
      .update(t.privacyRequests)
      .set({ ...change, handledById: actor.agentId, updatedAt: now })
      .where(and(eq(t.privacyRequests.id, id), isNull(t.privacyRequests.completedAt)))
      .returning();
    if (!updated) throw new HttpError(409, 'request_completed', 'this request is completed already');
    await appendAudit(store, tx, { actor: actor.ref, action, subjectType: 'privacy_request', subjectId: id, detail }, now);
    return updated;
  }

  async function update(id: number, change: Change, actor: Actor, action: string, detail: Record<string, unknown>, now: Date) {
    return withState(await store.tx((tx) => updateWithin(tx, id, change, actor, action, detail, now)), now);
  }

  /** The citizen was told their request was received (and how it will go). */
  async function acknowledge(id: number, actor: Actor, now = new Date()) {
    const row = await find(id);
    if (row.acknowledgedAt) return withState(row, now);
    return update(id, { acknowledgedAt: now }, actor, 'privacy.request.acknowledged', {}, now);
  }

  /** Names the contact the request is about, once the hotline has checked who is asking. */
  async function link(id: number, contactId: number, actor: Actor, now = new Date()) {
    const [contact] = await db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.id, contactId)).limit(1);
    if (!contact) throw new NotFoundError('contact');
    return update(id, { contactId }, actor, 'privacy.request.linked', { contactId }, now);
  }

  /**
   * Closes the request. `done` on an erasure erases the contact first (both in the record);
   * `refused` needs the reason the citizen is told. An erasure needs its contact; an access
   * request may be done without one (nothing is held about the requester).
   */
  async function complete(id: number, outcome: 'done' | 'refused', note: string | undefined, actor: Actor, now = new Date()): Promise<ReturnType<typeof withState> & { erasure?: ErasureResult }> {
    const row = await find(id);
    if (row.completedAt) throw new HttpError(409, 'request_completed', 'this request is completed already');
    if (outcome === 'refused' && !note?.trim()) throw new HttpError(400, 'reason_required', 'a refusal says why: the citizen is told');
    const change: Change = { completedAt: now, outcome, outcomeNote: note?.trim() || null, acknowledgedAt: row.acknowledgedAt ?? now };
    if (outcome === 'done' && row.kind === 'erasure') {
      if (row.contactId === null) throw new HttpError(409, 'contact_required', 'name the contact this request is about before erasing');
      // One transaction: a request closed by another hand at the same moment undoes the erasure.
      let closed: typeof row | undefined;
      const erasure = await personalData.erase(row.contactId, actor.ref, now, async (tx, erased) => {
        closed = await updateWithin(tx, id, change, actor, 'privacy.request.completed', { outcome, erasure: erased }, now);
      });
      return { ...withState(closed!, now), erasure };
    }
    return update(id, change, actor, 'privacy.request.completed', { outcome }, now);
  }

  return {
    receive,
    list,
    find: async (id: number, now = new Date()) => withState(await find(id), now),
    acknowledge,
    link,
    complete,
    sweepDeadlines,
    start(): void {
      tick();
      // Timers count in working days: a look every quarter of an hour is soon enough.
      timer = setInterval(tick, 15 * 60_000);
      timer.unref();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await sweeping;
    },
  };
}

export type PrivacyRequests = ReturnType<typeof createPrivacyRequests>;
