import { parse } from 'csv-parse/sync';
import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import { instantOf } from '../../core/business-hours.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import { HttpError } from '../../core/errors.ts';
import type { Db, Store } from '../../core/store/store.ts';

export type CallDirection = 'in' | 'out';

export interface CallInput {
  direction: CallDirection;
  number: string;
  startedAt: Date;
  durationSeconds: number;
  notes?: string | null;
}

export interface CdrImportResult {
  imported: number;
  /** Rows whose record id was imported before (a file sent twice adds nothing). */
  duplicates: number;
  errors: Array<{ line: number; message: string }>;
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
export function createCalls(store: Store, options: { timeZone: string; hotlineNumbers: string[] }) {
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
      .select({ id: t.calls.id, direction: t.calls.direction, number: t.calls.number, startedAt: t.calls.startedAt, durationSeconds: t.calls.durationSeconds, agentId: t.calls.agentId, notes: t.calls.notes, source: t.calls.source, contactId: t.calls.contactId })
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

  return { log, list, importCdr };
}

export type Calls = ReturnType<typeof createCalls>;
