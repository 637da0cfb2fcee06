import { and, asc, desc, eq, gte, inArray, isNotNull, lt, lte, ne, sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import { localParts } from '../../core/business-hours.ts';
import type { BusinessHours } from '../../core/business-hours.ts';
import { defaultDeadlines, type FileConfig } from '../../core/config/file-schema.ts';
import { maskPhone } from '../../core/domain/phone.ts';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import type { EventBus } from '../../core/events.ts';
import type { Store } from '../../core/store/store.ts';
import {
  canSee,
  isOperator,
  decideTransition,
  mayIdentifyReporter,
  type Level,
  type TicketActor,
  type TicketStatus,
  type TicketType,
  type TransitionInput,
} from './ticket-rules.ts';

export interface TicketCreateInput {
  type: TicketType;
  subject: string;
  body?: string | null;
  tthc?: boolean;
  field?: string | null;
  /** The conversation it came from (its channel and contact follow). */
  conversationId?: number;
  /** The phone call it came from. */
  callId?: number;
  /** Otherwise the channel of receipt, e.g. 'phone' for a call not in the call log. */
  channel?: string;
}

export interface TicketFilter {
  status?: TicketStatus;
  level?: Level;
  unitId?: number;
  type?: TicketType;
  channel?: string;
  /** Past their deadline and still open. */
  overdue?: boolean;
  /** Open, with a deadline within the configured warning time. */
  dueSoon?: boolean;
  receivedFrom?: Date;
  receivedTo?: Date;
  conversationId?: number;
  beforeId?: number;
  limit: number;
}

/** Someone acting on tickets: their rights, and how history and the audit log name them. */
export interface TicketPrincipal extends TicketActor {
  agentId: number | null;
  name: string;
  /** For the audit log: `agent:<id>` or `token:<name>`. */
  auditActor: string;
}

const openStatuses: TicketStatus[] = ['new', 'in_progress', 'waiting_unit'];
const maskEmail = (email: string) => email.replace(/^(.).*(@.*)$/, '$1***$2');

export function createTickets(deps: {
  store: Store;
  events: EventBus;
  businessHours: BusinessHours;
  config: FileConfig['tickets'];
  timeZone: string;
  /** Delivers an answer on the ticket's conversation; the service records what happened. */
  deliverAnswer?: (ticket: { id: number; code: string; conversationId: number | null; contactId: number | null; callId: number | null }, answer: string, by: string) => Promise<void>;
}) {
  const { store, events, businessHours, config, timeZone } = deps;
  const { t, db } = store;

  const deadlineDays = (type: TicketType) => config.deadlines[type] ?? config.deadlines.default ?? defaultDeadlines;

  const columns = {
    id: t.tickets.id,
    code: t.tickets.code,
    channel: t.tickets.channel,
    conversationId: t.tickets.conversationId,
    callId: t.tickets.callId,
    contactId: t.tickets.contactId,
    type: t.tickets.type,
    tthc: t.tickets.tthc,
    field: t.tickets.field,
    unitId: t.tickets.unitId,
    unitName: t.units.name,
    level: t.tickets.level,
    status: t.tickets.status,
    subject: t.tickets.subject,
    deadline: t.tickets.deadline,
    receivedAt: t.tickets.receivedAt,
    updatedAt: t.tickets.updatedAt,
    answeredAt: t.tickets.answeredAt,
    closedAt: t.tickets.closedAt,
    satisfaction: t.tickets.satisfaction,
  };

  const quotedCode = new RegExp(`\\b${config.codePrefix}-\\d{4}-\\d{6,}\\b`, 'gi');
  /**
   * The conversation of the ticket whose code a text quotes ("Bổ sung cho phiếu 1022-2026-000123"):
   * a citizen's mail naming their phiếu belongs with it. The newest such ticket with a conversation.
   */
  async function conversationQuotedIn(text: string): Promise<number | null> {
    const codes = [...new Set([...text.matchAll(quotedCode)].map((match) => match[0].toUpperCase()))];
    if (codes.length === 0) return null;
    const [row] = await db
      .select({ conversationId: t.tickets.conversationId })
      .from(t.tickets)
      .where(and(inArray(t.tickets.code, codes), isNotNull(t.tickets.conversationId)))
      .orderBy(desc(t.tickets.id))
      .limit(1);
    return row?.conversationId ?? null;
  }

  /** The next code of the year: one counter row per year, incremented in the ticket's transaction. */
  async function nextCode(tx: typeof db, receivedAt: Date): Promise<string> {
    const year = Number(localParts(receivedAt, timeZone).date.slice(0, 4));
    const [row] = await tx
      .insert(t.ticketCounters)
      .values({ year, last: 1 })
      .onConflictDoUpdate({ target: t.ticketCounters.year, set: { last: sql`${t.ticketCounters.last} + 1` } })
      .returning({ last: t.ticketCounters.last });
    return `${config.codePrefix}-${year}-${String(row!.last).padStart(6, '0')}`;
  }

  async function create(input: TicketCreateInput, by: TicketPrincipal) {
    const now = new Date();
    if (!isOperator(by)) throw new HttpError(403, 'forbidden', 'tickets are opened by the hotline');
    const created = await store.tx(async (tx) => {
      let channel = input.channel ?? null;
      let contactId: number | null = null;
      let receivedAt = now;
      if (input.conversationId !== undefined) {
        const [conversation] = await tx
          .select({ channel: t.inboxes.channel, source: t.conversations.source, contactId: t.conversations.contactId })
          .from(t.conversations)
          .innerJoin(t.inboxes, eq(t.inboxes.id, t.conversations.inboxId))
          .where(eq(t.conversations.id, input.conversationId))
          .limit(1);
        if (!conversation) throw new NotFoundError('conversation');
        // The mobile app shares the web form's inbox; the province counts it as a channel of its own.
        channel = conversation.source === 'app' ? 'app' : conversation.channel;
        contactId = conversation.contactId;
      }
      if (input.callId !== undefined) {
        const [call] = await tx.select({ startedAt: t.calls.startedAt, contactId: t.calls.contactId }).from(t.calls).where(eq(t.calls.id, input.callId)).limit(1);
        if (!call) throw new NotFoundError('call');
        channel = 'phone';
        contactId = call.contactId;
        // A ticket logged after the call is still received when the citizen called.
        receivedAt = call.startedAt;
      }
      if (!channel) throw new HttpError(400, 'channel_required', 'give conversationId, callId or channel');
      // Someone from the hotline writing it down is handling it already; an integration's waits.
      const status: TicketStatus = by.agentId === null ? 'new' : 'in_progress';
      const code = await nextCode(tx, receivedAt);
      const [row] = await tx
        .insert(t.tickets)
        .values({
          code,
          channel,
          conversationId: input.conversationId ?? null,
          callId: input.callId ?? null,
          contactId,
          type: input.type,
          tthc: input.tthc ?? false,
          field: input.field ?? null,
          level: 1,
          status,
          subject: input.subject,
          body: input.body ?? null,
          createdById: by.agentId,
          receivedAt,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: t.tickets.id });
      await tx.insert(t.ticketEvents).values({ ticketId: row!.id, at: now, actorId: by.agentId, actorName: by.name, action: 'create', toLevel: 1, toStatus: status });
      return { id: row!.id, code };
    });
    events.emit('ticket.updated', { ticketId: created.id, code: created.code, action: 'create', level: 1, unitId: null, status: by.agentId === null ? 'new' : 'in_progress' });
    return created;
  }

  function visibility(actor: TicketActor): SQL | undefined {
    if (isOperator(actor)) return undefined;
    if (actor.role === 'province_leader') return eq(t.tickets.level, 4);
    if (!actor.unitIds.length) return sql`false`;
    return and(gte(t.tickets.level, 2), inArray(t.tickets.unitId, [...actor.unitIds]));
  }

  async function list(filter: TicketFilter, actor: TicketActor) {
    const now = new Date();
    const where: Array<SQL | undefined> = [visibility(actor)];
    if (filter.status) where.push(eq(t.tickets.status, filter.status));
    if (filter.level) where.push(eq(t.tickets.level, filter.level));
    if (filter.unitId !== undefined) where.push(eq(t.tickets.unitId, filter.unitId));
    if (filter.type) where.push(eq(t.tickets.type, filter.type));
    if (filter.channel) where.push(eq(t.tickets.channel, filter.channel));
    if (filter.conversationId !== undefined) {
      where.push(eq(t.tickets.conversationId, filter.conversationId));
      // Finding a denunciation by its conversation would name the reporter to the unit.
      if (!isOperator(actor)) where.push(ne(t.tickets.type, 'denunciation'));
    }
    if (filter.receivedFrom) where.push(gte(t.tickets.receivedAt, filter.receivedFrom));
    if (filter.receivedTo) where.push(lt(t.tickets.receivedAt, filter.receivedTo));
    if (filter.overdue) where.push(inArray(t.tickets.status, openStatuses), lt(t.tickets.deadline, now));
    if (filter.dueSoon) {
      where.push(inArray(t.tickets.status, openStatuses), gte(t.tickets.deadline, now), lte(t.tickets.deadline, new Date(now.getTime() + config.dueSoonHours * 3_600_000)));
    }
    if (filter.beforeId !== undefined) where.push(lt(t.tickets.id, filter.beforeId));
    const rows = await db
      .select(columns)
      .from(t.tickets)
      .leftJoin(t.units, eq(t.units.id, t.tickets.unitId))
      .where(and(...where))
      .orderBy(filter.overdue || filter.dueSoon ? asc(t.tickets.deadline) : desc(t.tickets.id))
      .limit(filter.limit + 1);
    // The list hides a denunciation's reporter as the detail does: no contact, conversation or
    // call to match with the citizen's other tickets (SECURITY.md item 6).
    const items = rows.slice(0, filter.limit).map((row) => ({
      ...row,
      ...(mayIdentifyReporter(actor, { type: row.type as TicketType }) ? {} : { contactId: null, conversationId: null, callId: null }),
      overdue: isOverdue(row, now),
    }));
    return { items, nextBeforeId: rows.length > filter.limit && !filter.overdue && !filter.dueSoon ? items.at(-1)!.id : null };
  }

  const isOverdue = (row: { status: string; deadline: Date | null; answeredAt: Date | null }, now: Date) =>
    row.deadline !== null && (row.answeredAt ? row.answeredAt > row.deadline : openStatuses.includes(row.status as TicketStatus) && now > row.deadline);

  /** One ticket with its history; the reporter's details as far as the reader may see them. */
  async function get(id: number, reader: TicketPrincipal) {
    const [row] = await db
      .select({ ...columns, body: t.tickets.body, answer: t.tickets.answer, satisfactionComment: t.tickets.satisfactionComment, satisfactionAt: t.tickets.satisfactionAt, createdAt: t.tickets.createdAt })
      .from(t.tickets)
      .leftJoin(t.units, eq(t.units.id, t.tickets.unitId))
      .where(eq(t.tickets.id, id))
      .limit(1);
    if (!row || !canSee(reader, { level: row.level as Level, unitId: row.unitId })) throw new NotFoundError('ticket');
    const history = await db
      .select({
        id: t.ticketEvents.id,
        at: t.ticketEvents.at,
        actorName: t.ticketEvents.actorName,
        action: t.ticketEvents.action,
        fromLevel: t.ticketEvents.fromLevel,
        toLevel: t.ticketEvents.toLevel,
        fromStatus: t.ticketEvents.fromStatus,
        toStatus: t.ticketEvents.toStatus,
        fromUnitId: t.ticketEvents.fromUnitId,
        toUnitId: t.ticketEvents.toUnitId,
        comment: t.ticketEvents.comment,
        attachments: t.ticketEvents.attachments,
      })
      .from(t.ticketEvents)
      .where(eq(t.ticketEvents.ticketId, id))
      .orderBy(asc(t.ticketEvents.id));
    let contact: { name: string | null; phone: string | null; email: string | null } | null = null;
    const identify = mayIdentifyReporter(reader, { type: row.type as TicketType });
    if (row.contactId !== null && identify) {
      const [found] = await db.select({ name: t.contacts.name, phone: t.contacts.phone, email: t.contacts.email }).from(t.contacts).where(eq(t.contacts.id, row.contactId)).limit(1);
      if (found) {
        // Units reach citizens through the hotline: they see who asked, not how to reach them.
        const operator = isOperator(reader);
        contact = operator ? found : { name: found.name, phone: found.phone && maskPhone(found.phone), email: found.email && maskEmail(found.email) };
        await store.tx((tx) => appendAudit(store, tx, { actor: reader.auditActor, action: 'contact.read', subjectType: 'ticket', subjectId: id, detail: { contactId: row.contactId, masked: !operator } }));
      }
    }
    return {
      ...row,
      contactId: identify ? row.contactId : null,
      conversationId: identify ? row.conversationId : null,
      callId: identify ? row.callId : null,
      contact,
      reporterHidden: !identify,
      overdue: isOverdue(row, new Date()),
      history,
    };
  }

  /** Moves a ticket one step (see ticket-rules.ts); refused steps say why. */
  async function transition(id: number, input: TransitionInput & { attachments?: unknown[] }, by: TicketPrincipal) {
    const now = new Date();
    const result = await store.tx(async (tx) => {
      const [current] = await tx
        .select({
          id: t.tickets.id,
          code: t.tickets.code,
          level: t.tickets.level,
          status: t.tickets.status,
          unitId: t.tickets.unitId,
          type: t.tickets.type,
          deadline: t.tickets.deadline,
          conversationId: t.tickets.conversationId,
          contactId: t.tickets.contactId,
          callId: t.tickets.callId,
        })
        .from(t.tickets)
        .where(eq(t.tickets.id, id))
        .limit(1);
      if (!current) throw new NotFoundError('ticket');
      const state = { level: current.level as Level, status: current.status as TicketStatus, unitId: current.unitId, type: current.type as TicketType };
      if (!canSee(by, state)) throw new NotFoundError('ticket');
      const decision = decideTransition(state, by, input);
      if (typeof decision === 'string') throw refusal(decision, input.action);
      if (input.action === 'forward') {
        const [unit] = await tx.select({ id: t.units.id }).from(t.units).where(and(eq(t.units.id, input.unitId!), sql`${t.units.disabledAt} is null`)).limit(1);
        if (!unit) throw new HttpError(400, 'unknown_unit', 'no such unit');
      }
      let deadline = current.deadline;
      if (decision.deadline === 'clear') deadline = null;
      else if (decision.deadline !== 'keep') deadline = businessHours.addWorkingDays(now, deadlineDays(state.type)[decision.deadline]);
      const set: Partial<typeof t.tickets.$inferInsert> = { level: decision.level, status: decision.status, unitId: decision.unitId, deadline, updatedAt: now };
      if (decision.deadline !== 'keep') Object.assign(set, { dueSoonNotifiedAt: null, overdueNotifiedAt: null });
      if (decision.answered) Object.assign(set, { answer: input.comment!.trim(), answeredAt: now, closedAt: null });
      if (decision.closed) set.closedAt = now;
      if (input.action === 'reopen') Object.assign(set, { answeredAt: null, closedAt: null, satisfaction: null, satisfactionAt: null, satisfactionAskedAt: null, satisfactionComment: null });
      // Compare-and-set on where it stood, so two people acting at once cannot both move it.
      const updated = await tx
        .update(t.tickets)
        .set(set)
        .where(and(eq(t.tickets.id, id), eq(t.tickets.level, current.level), eq(t.tickets.status, current.status)))
        .returning({ id: t.tickets.id });
      if (!updated.length) throw new HttpError(409, 'ticket_changed', 'the ticket changed meanwhile; reload it');
      await tx.insert(t.ticketEvents).values({
        ticketId: id,
        at: now,
        actorId: by.agentId,
        actorName: by.name,
        action: input.action,
        fromLevel: current.level,
        toLevel: decision.level,
        fromStatus: current.status,
        toStatus: decision.status,
        fromUnitId: current.unitId,
        toUnitId: decision.unitId,
        comment: input.comment?.trim() || null,
        attachments: input.attachments?.length ? input.attachments : null,
      });
      return { current, decision, deadline };
    });
    const { current, decision } = result;
    events.emit('ticket.updated', { ticketId: id, code: current.code, action: input.action, level: decision.level, unitId: decision.unitId, status: decision.status });
    if (decision.answered && (current.conversationId !== null || current.contactId !== null || current.callId !== null) && deps.deliverAnswer) {
      // The answer is committed; a failure to queue it is shown on the ticket, not thrown at
      // the person who answered (the operator then calls the citizen back).
      await deps.deliverAnswer({ id, code: current.code, conversationId: current.conversationId, contactId: current.contactId, callId: current.callId }, input.comment!.trim(), by.name).catch((error: unknown) =>
        note(id, 'delivery_failed', error instanceof Error ? error.message : String(error), { agentId: null, name: 'system' }),
      );
    }
    return { id, level: decision.level, status: decision.status, unitId: decision.unitId, deadline: result.deadline };
  }

  /** Adds a line to a ticket's history that does not move it (delivery outcome, a call back...). */
  async function note(id: number, action: string, comment: string, by: { agentId: number | null; name: string }) {
    await db.insert(t.ticketEvents).values({ ticketId: id, at: new Date(), actorId: by.agentId, actorName: by.name, action, comment });
  }

  /**
   * Open tickets that became nearly due or overdue since the last look, marked so each is
   * announced once per deadline (a new deadline after an escalation announces again).
   */
  async function sweepDeadlines(now = new Date()) {
    const soon = new Date(now.getTime() + config.dueSoonHours * 3_600_000);
    const overdue = await db
      .update(t.tickets)
      .set({ overdueNotifiedAt: now })
      .where(and(inArray(t.tickets.status, openStatuses), lt(t.tickets.deadline, now), sql`${t.tickets.overdueNotifiedAt} is null`))
      .returning({ id: t.tickets.id, code: t.tickets.code, unitId: t.tickets.unitId, level: t.tickets.level, deadline: t.tickets.deadline });
    const dueSoon = await db
      .update(t.tickets)
      .set({ dueSoonNotifiedAt: now })
      .where(and(inArray(t.tickets.status, openStatuses), gte(t.tickets.deadline, now), lte(t.tickets.deadline, soon), sql`${t.tickets.dueSoonNotifiedAt} is null`))
      .returning({ id: t.tickets.id, code: t.tickets.code, unitId: t.tickets.unitId, level: t.tickets.level, deadline: t.tickets.deadline });
    for (const row of overdue) events.emit('ticket.deadline', { ticketId: row.id, code: row.code, unitId: row.unitId, level: row.level, deadline: row.deadline!, state: 'overdue' });
    for (const row of dueSoon) events.emit('ticket.deadline', { ticketId: row.id, code: row.code, unitId: row.unitId, level: row.level, deadline: row.deadline!, state: 'due_soon' });
    return { overdue: overdue.length, dueSoon: dueSoon.length };
  }

  /** Principals' unit memberships, for access checks. */
  async function unitIdsOf(agentId: number): Promise<number[]> {
    const rows = await db.select({ unitId: t.agentUnits.unitId }).from(t.agentUnits).where(eq(t.agentUnits.agentId, agentId));
    return rows.map((r) => r.unitId);
  }

  /** Tickets still waiting for the citizen's rating past the configured time count as "no response". */
  async function sweepNoResponse(now = new Date()) {
    const before = new Date(now.getTime() - config.noResponseAfterDays * 86_400_000);
    const rows = await db
      .update(t.tickets)
      .set({ satisfaction: 'no_response', satisfactionAt: now, updatedAt: now })
      .where(and(inArray(t.tickets.status, ['answered', 'closed']), sql`${t.tickets.satisfaction} is null`, isNotNull(t.tickets.answeredAt), lt(t.tickets.answeredAt, before)))
      .returning({ id: t.tickets.id });
    return rows.length;
  }

  return { create, list, get, transition, note, sweepDeadlines, sweepNoResponse, unitIdsOf, conversationQuotedIn };
}

function refusal(reason: string, action: string): HttpError {
  switch (reason) {
    case 'forbidden':
      return new HttpError(403, 'forbidden', `you may not ${action} this ticket at its level`);
    case 'unit_required':
      return new HttpError(400, 'unit_required', 'forwarding needs the responsible unit (unitId)');
    case 'comment_required':
      return new HttpError(400, 'comment_required', action === 'answer' ? 'the answer is empty' : 'say why (comment)');
    default:
      return new HttpError(409, 'invalid_state', `a ticket in this state cannot be ${action}`);
  }
}

export type Tickets = ReturnType<typeof createTickets>;
