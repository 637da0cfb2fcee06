import { parse } from 'csv-parse/sync';
import { and, asc, desc, eq, gte, inArray, isNull, lt, ne, sql, type SQL } from 'drizzle-orm';
import { instantOf } from '../../core/business-hours.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import type { EventBus } from '../../core/events.ts';
import type { Db, Store } from '../../core/store/store.ts';
import type { CallEvent } from '../../core/telephony.ts';
// What an import of call records did: the wire shape.
import type { CdrImportResult } from '../../contracts/calls.ts';
export type { CdrImportResult };

export type CallDirection = 'in' | 'out';

export interface CallInput {
  direction: CallDirection;
  number: string;
  startedAt: Date;
  durationSeconds: number;
  notes?: string | null;
}

// Column names as switchboards write them (Asterisk CDR, FreePBX and plain exports).
const aliases: Record<string, string[]> = {
  id: ['id', 'uniqueid', 'call_id', 'callid', 'linkedid'],
  direction: ['direction', 'type', 'call_type'],
  number: ['number', 'phone', 'caller', 'customer_number'],
  src: ['src', 'from', 'source'],
  dst: ['dst', 'to', 'destination'],
  start: ['start', 'calldate', 'start_time', 'started_at', 'time'],
  duration: ['billsec', 'duration', 'duration_seconds', 'talk_time'],
};
const directions: Record<string, CallDirection> = { in: 'in', inbound: 'in', incoming: 'in', vao: 'in', 'gọi vào': 'in', out: 'out', outbound: 'out', outgoing: 'out', ra: 'out', 'gọi ra': 'out' };

/** Phone calls of the hotline: logged by operators, imported from the switchboard's records. */
export function createCalls(store: Store, options: { timeZone: string; hotlineNumbers: string[]; events?: EventBus }) {
  const { t, db } = store;
  const hotline = new Set(options.hotlineNumbers.map((n) => n.replace(/\D/g, '')));

  /** The contact with this phone number, if the citizen has written to us before. */
  async function contactFor(tx: Db, number: string): Promise<number | null> {
    const phone = normalizeVnPhone(number);
    if (!phone) return null;
    const [row] = await tx.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.phone, phone)).limit(1);
    return row?.id ?? null;
  }

  async function log(input: CallInput, agentId: number | null, tx: Db = db) {
    const contactId = await contactFor(tx, input.number);
    const [row] = await tx
      .insert(t.calls)
      .values({ ...input, notes: input.notes ?? null, agentId, contactId, source: 'manual', createdAt: new Date() })
      .returning({ id: t.calls.id, contactId: t.calls.contactId });
    return row!;
  }

  async function list(filter: { from?: Date; to?: Date; direction?: CallDirection; limit: number; beforeId?: number }) {
    const where: SQL[] = [];
    if (filter.from) where.push(gte(t.calls.startedAt, filter.from));
    if (filter.to) where.push(lt(t.calls.startedAt, filter.to));
    if (filter.direction) where.push(eq(t.calls.direction, filter.direction));
    if (filter.beforeId !== undefined) where.push(lt(t.calls.id, filter.beforeId));
    return db
      .select({
        id: t.calls.id,
        direction: t.calls.direction,
        number: t.calls.number,
        startedAt: t.calls.startedAt,
        durationSeconds: t.calls.durationSeconds,
        agentId: t.calls.agentId,
        notes: t.calls.notes,
        source: t.calls.source,
        contactId: t.calls.contactId,
        status: t.calls.status,
        // Whether there is one, never where: the inbox plays it through the gateway.
        hasRecording: sql<boolean>`${t.calls.recordingUrl} is not null`.mapWith((value: unknown) => value === true || value === 1 || value === '1' || value === 't'),
      })
      .from(t.calls)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(t.calls.id))
      .limit(filter.limit);
  }

  /** Local "YYYY-MM-DD HH:MM[:SS]" in the hotline's zone (how switchboards write), or ISO with an offset. */
  function parseTime(value: string): Date | null {
    const local = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
    if (local) {
      const at = instantOf(local[1]!, Number(local[2]) * 60 + Number(local[3]), options.timeZone);
      return new Date(at.getTime() + Number(local[4] ?? 0) * 1000);
    }
    const parsed = new Date(value);
    return /[zZ]|[+-]\d{2}:?\d{2}$/.test(value.trim()) && !Number.isNaN(parsed.getTime()) ? parsed : null;
  }

  /** One record to a call, or why not. */
  function toCall(column: (name: string) => string | undefined): (CallInput & { externalId: string }) | string {
    const externalId = column('id')?.trim();
    if (!externalId) return 'missing record id';
    const startedAt = parseTime(column('start') ?? '');
    if (!startedAt) return 'unreadable start time';
    const duration = Number(column('duration') ?? '0');
    if (!Number.isFinite(duration) || duration < 0) return 'unreadable duration';
    let direction = directions[(column('direction') ?? '').trim().toLowerCase()];
    let number = column('number')?.trim();
    const src = column('src')?.replace(/\D/g, '');
    const dst = column('dst')?.replace(/\D/g, '');
    // Without a direction column the hotline's own number tells which way the call went.
    if (!direction && dst && hotline.has(dst)) direction = 'in';
    if (!direction && src && hotline.has(src)) direction = 'out';
    if (!direction) return 'unknown direction';
    number ??= direction === 'in' ? column('src') : column('dst');
    if (!number) return 'missing number';
    return { externalId, direction, number, startedAt, durationSeconds: Math.round(duration) };
  }

  /**
   * Imports the switchboard's call detail records (CSV with a header row). Good rows are stored
   * even when others are bad; every bad one is reported with its line. Re-importing adds nothing.
   */
  async function importCdr(csv: string): Promise<CdrImportResult> {
    let records: Array<Record<string, string>>;
    try {
      records = parse(csv, { columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()), skip_empty_lines: true, bom: true, trim: true, relax_column_count: true });
    } catch (error) {
      throw new HttpError(400, 'invalid_csv', `the file is not readable CSV: ${(error as Error).message}`);
    }
    const header = records[0] ? Object.keys(records[0]) : [];
    const pick = (name: string) => aliases[name]!.find((alias) => header.includes(alias));
    if (!pick('id') || !pick('start')) throw new HttpError(400, 'invalid_csv', `the header needs a record id (${aliases.id!.join('/')}) and a start time (${aliases.start!.join('/')})`);
    const result: CdrImportResult = { imported: 0, duplicates: 0, errors: [] };
    const good: Array<CallInput & { externalId: string; line: number }> = [];
    records.forEach((record, index) => {
      const column = (name: string) => {
        const key = pick(name);
        return key === undefined ? undefined : record[key];
      };
      const call = toCall(column);
      // Line numbers as a person sees them in a spreadsheet: the header is line 1.
      if (typeof call === 'string') result.errors.push({ line: index + 2, message: call });
      else good.push({ ...call, line: index + 2 });
    });
    const now = new Date();
    for (let i = 0; i < good.length; i += 500) {
      const chunk = good.slice(i, i + 500);
      await store.tx(async (tx) => {
        const rows = [];
        for (const call of chunk) {
          rows.push({ direction: call.direction, number: call.number, startedAt: call.startedAt, durationSeconds: call.durationSeconds, externalId: call.externalId, source: 'cdr', contactId: await contactFor(tx, call.number), createdAt: now });
        }
        const inserted = await tx.insert(t.calls).values(rows).onConflictDoNothing({ target: t.calls.externalId }).returning({ id: t.calls.id });
        result.imported += inserted.length;
        result.duplicates += chunk.length - inserted.length;
      });
    }
    return result;
  }

  // Events of one call are applied one after another: AMI sends several in the same tick, and
  // a read-merge-write of the same row must not lose one of them.
  const chains = new Map<string, Promise<unknown>>();

  /**
   * Applies one switchboard event to the call's row, creating it on the first event heard. Each
   * stage fills its own columns once (the earliest time wins), so a repeated event changes
   * nothing and events arriving out of order still add up to the same row. `call.updated` is
   * emitted after the commit, only when the row changed.
   */
  function recordEvent(event: CallEvent, source: string): Promise<void> {
    const previous = chains.get(event.callId) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => applyEvent(event, source));
    chains.set(event.callId, next);
    void next.finally(() => chains.get(event.callId) === next && chains.delete(event.callId)).catch(() => {});
    return next;
  }

  async function agentOfExtension(tx: Db, extension: string | undefined): Promise<number | null> {
    if (!extension) return null;
    const [row] = await tx.select({ id: t.agents.id }).from(t.agents).where(eq(t.agents.extension, extension)).limit(1);
    return row?.id ?? null;
  }

  const earliest = (a: Date | null, b: Date) => (a && a.getTime() <= b.getTime() ? a : b);

  async function applyEvent(event: CallEvent, source: string): Promise<void> {
    const changed = await store.tx(async (tx) => {
      // Every node of a cluster holds its own AMI connection and hears every event: the row lock
      // makes the second node read what the first wrote, find nothing changed and announce
      // nothing (SQLite's writes are serialized by the store already).
      const find = async () => {
        const query = tx.select().from(t.calls).where(eq(t.calls.externalId, event.callId)).limit(1);
        return (store.dialect === 'pg' ? await query.for('update') : await query)[0];
      };
      let row = await find();
      if (!row) {
        await tx
          .insert(t.calls)
          .values({ direction: event.direction ?? 'in', number: event.number ?? '', startedAt: event.at, durationSeconds: 0, source, externalId: event.callId, status: 'ringing', contactId: event.number ? await contactFor(tx, event.number) : null, createdAt: new Date() })
          .onConflictDoNothing({ target: t.calls.externalId });
        row = (await find())!;
      }
      const next = { ...row };
      next.startedAt = earliest(row.startedAt, event.at);
      if (event.direction) next.direction = event.direction;
      if (event.number && !row.number) next.number = event.number;
      if (!next.contactId && next.number) next.contactId = await contactFor(tx, next.number);
      if (event.queue) next.queue = event.queue;
      const agentId = await agentOfExtension(tx, event.extension);
      switch (event.stage) {
        case 'ringing':
          // The extension ringing now, until someone answers (a queue rings one after another).
          if (!row.answeredAt && event.extension) {
            next.extension = event.extension;
            next.agentId = agentId;
          }
          break;
        case 'answered':
          next.answeredAt = earliest(row.answeredAt, event.at);
          if (event.extension && (!row.answeredAt || event.at.getTime() <= row.answeredAt.getTime())) {
            next.extension = event.extension;
            next.agentId = agentId;
          }
          break;
        case 'ended':
        case 'abandoned':
          next.endedAt = earliest(row.endedAt, event.at);
          break;
        case 'recording':
          break;
      }
      if (event.recordingUrl) next.recordingUrl = event.recordingUrl;
      if (event.queueWaitSeconds !== undefined) next.queueWaitSeconds = Math.max(0, Math.round(event.queueWaitSeconds));
      else if (next.queueWaitSeconds === null && next.direction === 'in' && (next.answeredAt ?? (event.stage === 'abandoned' ? next.endedAt : null))) {
        const until = next.answeredAt ?? next.endedAt!;
        next.queueWaitSeconds = Math.max(0, Math.round((until.getTime() - next.startedAt.getTime()) / 1000));
      }
      next.durationSeconds = next.answeredAt && next.endedAt ? Math.max(0, Math.round((next.endedAt.getTime() - next.answeredAt.getTime()) / 1000)) : 0;
      // An inbound call that ended unanswered is missed, until someone calls back.
      next.status = next.endedAt ? (next.answeredAt || next.direction === 'out' ? 'ended' : 'missed') : next.answeredAt ? 'answered' : 'ringing';
      const keys = Object.keys(next) as Array<keyof typeof next>;
      const diff = keys.filter((key) => {
        const a = row[key];
        const b = next[key];
        return a instanceof Date && b instanceof Date ? a.getTime() !== b.getTime() : a !== b;
      });
      if (diff.length === 0) return null;
      const { id, ...values } = next;
      await tx.update(t.calls).set(values).where(eq(t.calls.id, id));
      // A citizen reached on the phone by the hotline has been called back.
      if (next.direction === 'out' && next.answeredAt && !row.answeredAt) await markCalledBack(tx, next.number, next.agentId);
      return { row: next, stageChanged: diff.includes('status') || diff.includes('extension') };
    });
    if (changed && options.events) {
      const { row } = changed;
      options.events.emit('call.updated', {
        callId: row.id,
        externalId: row.externalId!,
        status: row.status as 'ringing' | 'answered' | 'ended' | 'missed',
        direction: row.direction as CallDirection,
        number: row.number,
        extension: row.extension,
        agentId: row.agentId,
        contactId: row.contactId,
        startedAt: row.startedAt,
        ring: changed.stageChanged && row.status === 'ringing',
        hasRecording: Boolean(row.recordingUrl),
      });
    }
  }

  /** Missed calls from this number leave the list: the hotline reached the citizen. */
  async function markCalledBack(tx: Db, number: string, agentId: number | null) {
    const phone = normalizeVnPhone(number) ?? number.replace(/\D/g, '');
    const missed = await tx.select({ id: t.calls.id, number: t.calls.number }).from(t.calls).where(and(eq(t.calls.status, 'missed'), isNull(t.calls.calledBackAt)));
    const ids = missed.filter((call) => (normalizeVnPhone(call.number) ?? call.number.replace(/\D/g, '')) === phone).map((call) => call.id);
    if (ids.length) await tx.update(t.calls).set({ calledBackAt: new Date(), calledBackBy: agentId }).where(inArray(t.calls.id, ids));
  }

  /** One call with what the inbox shows of it. */
  async function get(id: number) {
    const [row] = await db.select().from(t.calls).where(eq(t.calls.id, id)).limit(1);
    if (!row) throw new NotFoundError('call');
    const { recordingUrl, ...rest } = row;
    // The switchboard's address stays on the server: the inbox plays the recording through us.
    return { ...rest, hasRecording: Boolean(recordingUrl) };
  }

  async function recordingUrlOf(id: number): Promise<string | null> {
    const [row] = await db.select({ url: t.calls.recordingUrl }).from(t.calls).where(eq(t.calls.id, id)).limit(1);
    if (!row) throw new NotFoundError('call');
    return row.url;
  }

  async function setNote(id: number, notes: string) {
    const updated = await db.update(t.calls).set({ notes }).where(eq(t.calls.id, id)).returning({ id: t.calls.id });
    if (!updated.length) throw new NotFoundError('call');
  }

  /** Missed and abandoned calls nobody has called back yet, oldest first (the order to call back). */
  async function missed(limit = 200) {
    return db
      .select({ id: t.calls.id, number: t.calls.number, startedAt: t.calls.startedAt, queue: t.calls.queue, queueWaitSeconds: t.calls.queueWaitSeconds, contactId: t.calls.contactId, contactName: t.contacts.name })
      .from(t.calls)
      .leftJoin(t.contacts, eq(t.contacts.id, t.calls.contactId))
      .where(and(eq(t.calls.status, 'missed'), isNull(t.calls.calledBackAt)))
      .orderBy(asc(t.calls.startedAt))
      .limit(limit);
  }

  /** Marks a missed call handled (the operator called back, or it needs none). */
  async function markMissedHandled(id: number, agentId: number | null) {
    const updated = await db.update(t.calls).set({ calledBackAt: new Date(), calledBackBy: agentId }).where(and(eq(t.calls.id, id), eq(t.calls.status, 'missed'))).returning({ id: t.calls.id });
    if (!updated.length) throw new NotFoundError('missed call');
  }

  /**
   * The supervisors' wallboard: calls waiting and the longest wait, operators on a call, free and
   * away, calls in and out since midnight in the hotline's zone. Calls ringing for more than an
   * hour are a lost hang-up, not a caller still waiting.
   */
  async function wallboard(now = new Date()) {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    const midnight = instantOf(today, 0, options.timeZone);
    const live = await db
      .select({ id: t.calls.id, status: t.calls.status, direction: t.calls.direction, startedAt: t.calls.startedAt, agentId: t.calls.agentId })
      .from(t.calls)
      .where(and(inArray(t.calls.status, ['ringing', 'answered']), gte(t.calls.startedAt, new Date(now.getTime() - 3_600_000))));
    const waiting = live.filter((call) => call.status === 'ringing' && call.direction === 'in');
    const onCall = new Set(live.filter((call) => call.status === 'answered' && call.agentId !== null).map((call) => call.agentId!));
    const agents = await db
      .select({ id: t.agents.id, displayName: t.agents.displayName, presence: t.agents.presence, extension: t.agents.extension })
      .from(t.agents)
      .where(and(isNull(t.agents.disabledAt), ne(t.agents.presence, 'offline')));
    const today_ = await db.select({ direction: t.calls.direction }).from(t.calls).where(gte(t.calls.startedAt, midnight));
    return {
      waiting: waiting.length,
      longestWaitSeconds: waiting.length ? Math.round((now.getTime() - Math.min(...waiting.map((call) => call.startedAt.getTime()))) / 1000) : 0,
      agents: agents.map((agent) => ({ ...agent, state: onCall.has(agent.id) ? ('on_call' as const) : agent.presence === 'away' ? ('away' as const) : ('free' as const) })),
      onCall: onCall.size,
      free: agents.filter((agent) => !onCall.has(agent.id) && agent.presence === 'online').length,
      away: agents.filter((agent) => !onCall.has(agent.id) && agent.presence === 'away').length,
      today: { in: today_.filter((call) => call.direction === 'in').length, out: today_.filter((call) => call.direction === 'out').length },
    };
  }

  return { log, list, importCdr, recordEvent, get, recordingUrlOf, setNote, missed, markMissedHandled, wallboard };
}

export type Calls = ReturnType<typeof createCalls>;
