import { and, desc, eq, gte, inArray, like, lt, or, sql } from 'drizzle-orm';
import { searchTerms } from '../../core/conversations.ts';
import { foldedContains } from '../../core/text-fold.ts';
import { appendAudit } from '../../core/audit.ts';
import { HttpError } from '../../core/errors.ts';
import type { Db, Store } from '../../core/store/store.ts';
import { cellsOf, dossierFields, readTable, resolveMapping, toDossier, type ColumnMapping, type DossierRecord, type RowError } from './dossier-import.ts';

export interface DossierImportResult {
  /** Rows read (bad ones included). */
  rows: number;
  inserted: number;
  /** Dossiers already known by their code, updated from this file. */
  updated: number;
  errors: RowError[];
  /** The mapping used, as remembered under `mappingName`. */
  mapping: ColumnMapping;
  mappingName: string;
}

export interface DossierImportOptions {
  /** A remembered mapping to use (or to remember `mapping` under). Default: "default". */
  mappingName?: string;
  /** Columns named by hand; the rest are found by their usual headers. */
  mapping?: ColumnMapping;
  /** Who imports, for the audit log. */
  actor: string;
  onProgress?: (done: number, total: number) => void;
}

export interface DossierFilter {
  q?: string;
  status?: string;
  unit?: string;
  finishedFrom?: Date;
  finishedBefore?: Date;
  /** An id: the page after the one that ended with it. */
  before?: number;
  limit?: number;
}

const mappingKey = (name: string) => `dossiers.mapping.${name}`;
const mappingName = /^[a-z0-9][a-z0-9_-]{0,40}$/;
const chunkSize = 500;

/** The dossiers imported from the one-stop system, and their remembered column mappings. */
export function createDossiers(store: Store, options: { timeZone: string }) {
  const { t, db } = store;
  // `excluded.<column>`: the value the conflicting insert brought (the same words on both dialects).
  const updated = ['procedure', 'field', 'desk', 'deskLevel', 'unit', 'applicantName', 'applicantPhone', 'applicantEmail', 'submittedAt', 'dueAt', 'finishedAt', 'status', 'contactId', 'raw', 'updatedAt'] as const;
  const updateSet = Object.fromEntries(updated.map((key) => [key, sql.raw(`excluded."${t.dossiers[key].name}"`)]));
  // One prepared statement per row: SQLite compiles it once for the whole file, where a 500-row
  // insert would be built and compiled afresh for every chunk.
  const p = sql.placeholder;
  const upsertQuery = (handle: Db) => ({
    upsert: handle
      .insert(t.dossiers)
      .values({
        ...Object.fromEntries(['code', 'procedure', 'field', 'desk', 'deskLevel', 'unit', 'applicantName', 'applicantPhone', 'applicantEmail', 'status', 'contactId', 'raw'].map((k) => [k, p(k)])),
        // Times go in as the driver binds them (store.time), unencoded: drizzle's timestamp
        // encoder fails on a null bound to a placeholder.
        ...Object.fromEntries(['submittedAt', 'dueAt', 'finishedAt'].map((k) => [k, sql`${p(k)}`])),
        createdAt: sql`${p('at')}`,
        updatedAt: sql`${p('at')}`,
      } as never)
      .onConflictDoUpdate({ target: t.dossiers.code, set: updateSet })
      .returning({ createdAt: t.dossiers.createdAt })
      .prepare('dossier_upsert'),
  });

  async function savedMapping(name: string): Promise<ColumnMapping | null> {
    const [row] = await db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, mappingKey(name))).limit(1);
    return row ? (JSON.parse(row.value) as ColumnMapping) : null;
  }

  async function mappings(): Promise<Array<{ name: string; mapping: ColumnMapping }>> {
    const rows = await db.select().from(t.settings).where(like(t.settings.key, 'dossiers.mapping.%'));
    return rows.map((row) => ({ name: row.key.slice('dossiers.mapping.'.length), mapping: JSON.parse(row.value) as ColumnMapping }));
  }

  async function saveMapping(name: string, mapping: ColumnMapping): Promise<void> {
    const value = JSON.stringify(mapping);
    await store.tx((tx) => tx.insert(t.settings).values({ key: mappingKey(name), value }).onConflictDoUpdate({ target: t.settings.key, set: { value } }));
  }

  /**
   * Imports a CSV or XLSX export. Each good row is inserted or, when its code is known, updated;
   * each bad row is reported with its line and reason and the others go in all the same. The
   * mapping used is remembered under its name for the next file of the same system.
   */
  async function importFile(data: Buffer, opts: DossierImportOptions): Promise<DossierImportResult> {
    const name = opts.mappingName ?? 'default';
    if (!mappingName.test(name)) throw new HttpError(400, 'invalid_mapping_name', 'a mapping name is lowercase letters, digits, - and _');
    for (const field of Object.keys(opts.mapping ?? {})) {
      if (!(dossierFields as readonly string[]).includes(field)) throw new HttpError(400, 'invalid_mapping', `unknown field "${field}" (fields: ${dossierFields.join(', ')})`);
    }
    const table = await readTable(data);
    if (table.header.length === 0) throw new HttpError(400, 'invalid_file', 'the file is empty');
    // A name met for the first time starts from the usual headers and is remembered after.
    const saved = opts.mapping ? null : await savedMapping(name);
    // The unnamed default follows whatever file comes: a remembered one that no longer fits it
    // gives way to the usual headers. A named mapping that does not fit is an error worth telling.
    const fits = saved !== null && Object.values(saved).every((column) => table.header.includes(column));
    const given = opts.mapping ?? (saved && (fits || opts.mappingName) ? saved : {});
    const mapping = resolveMapping(table.header, given);

    const errors: RowError[] = [];
    const result: DossierImportResult = { rows: table.rows.length, inserted: 0, updated: 0, errors, mapping, mappingName: name };
    const firstLine = new Map<string, number>();
    const now = new Date();
    opts.onProgress?.(0, table.rows.length);
    // Rows are checked and written a chunk at a time, so a large file never has all its records in
    // memory at once; a bad row only costs itself.
    for (let i = 0; i < table.rows.length; i += chunkSize) {
      const good: DossierRecord[] = [];
      for (const row of table.rows.slice(i, i + chunkSize)) {
        const cells = cellsOf(table.header, row.values);
        const record = toDossier(cells, mapping, options.timeZone);
        if (typeof record === 'string') {
          errors.push({ line: row.line, code: cells[mapping.code!]?.trim() || null, reason: record });
          continue;
        }
        const seen = firstLine.get(record.code);
        if (seen !== undefined) {
          errors.push({ line: row.line, code: record.code, reason: `dossier code repeated (first on line ${seen})` });
          continue;
        }
        firstLine.set(record.code, row.line);
        good.push(record);
      }
      if (good.length) await store.tx(async (tx) => {
        // The citizen may have written to the hotline before: link the dossier to their contact.
        const phones = [...new Set(good.map((r) => r.applicantPhone).filter((p): p is string => p !== null))];
        const contacts = new Map<string, number>();
        if (phones.length) for (const c of await tx.select({ id: t.contacts.id, phone: t.contacts.phone }).from(t.contacts).where(inArray(t.contacts.phone, phones))) contacts.set(c.phone!, c.id);
        const q = store.queries(tx, upsertQuery);
        for (const r of good) {
          const time = (d: Date | null) => (d === null ? null : store.time(d));
          const [row] = await q.upsert.execute({ ...r, submittedAt: time(r.submittedAt), dueAt: time(r.dueAt), finishedAt: time(r.finishedAt), contactId: r.applicantPhone ? (contacts.get(r.applicantPhone) ?? null) : null, at: store.time(now) });
          // An update keeps the row's first createdAt: that is how an update tells itself apart.
          if (row!.createdAt.getTime() === now.getTime()) result.inserted += 1;
          else result.updated += 1;
        }
      });
      opts.onProgress?.(Math.min(i + chunkSize, table.rows.length), table.rows.length);
    }
    await saveMapping(name, mapping);
    await store.tx((tx) => appendAudit(store, tx, { actor: opts.actor, action: 'dossiers.import', subjectType: 'dossiers', subjectId: name, detail: { rows: result.rows, inserted: result.inserted, updated: result.updated, errors: errors.length } }));
    return result;
  }

  async function byCode(code: string) {
    const [row] = await db.select().from(t.dossiers).where(eq(t.dossiers.code, code)).limit(1);
    return row ?? null;
  }

  /**
   * Imported dossiers, newest first, `before` an id for the next page: by code, applicant name
   * (accents ignored) or phone in `q`, by status, unit and finishing day. Callers audit the search.
   */
  async function list(filter: DossierFilter) {
    const { text, digits } = filter.q ? searchTerms(filter.q) : { text: '', digits: null };
    // A search of punctuation only names nobody: it finds nothing rather than everything.
    if (filter.q && !text && !digits) return { items: [], nextBefore: null };
    const d = store.dialect;
    const where = and(
      filter.q
        ? or(
            text ? foldedContains(d, t.dossiers.code, text) : undefined,
            text ? foldedContains(d, t.dossiers.applicantName, text) : undefined,
            digits ? like(t.dossiers.applicantPhone, `%${digits}%`) : undefined,
          )
        : undefined,
      filter.status ? eq(t.dossiers.status, filter.status) : undefined,
      filter.unit ? eq(t.dossiers.unit, filter.unit) : undefined,
      filter.finishedFrom ? gte(t.dossiers.finishedAt, filter.finishedFrom) : undefined,
      filter.finishedBefore ? lt(t.dossiers.finishedAt, filter.finishedBefore) : undefined,
      filter.before ? lt(t.dossiers.id, filter.before) : undefined,
    );
    const limit = filter.limit ?? 50;
    const rows = await db
      .select({
        id: t.dossiers.id,
        code: t.dossiers.code,
        procedure: t.dossiers.procedure,
        field: t.dossiers.field,
        desk: t.dossiers.desk,
        deskLevel: t.dossiers.deskLevel,
        unit: t.dossiers.unit,
        applicantName: t.dossiers.applicantName,
        applicantPhone: t.dossiers.applicantPhone,
        applicantEmail: t.dossiers.applicantEmail,
        submittedAt: t.dossiers.submittedAt,
        dueAt: t.dossiers.dueAt,
        finishedAt: t.dossiers.finishedAt,
        status: t.dossiers.status,
      })
      .from(t.dossiers)
      .where(where)
      .orderBy(desc(t.dossiers.id))
      .limit(limit + 1);
    return { items: rows.slice(0, limit), nextBefore: rows.length > limit ? rows[limit - 1]!.id : null };
  }

  return { importFile, mappings, savedMapping, saveMapping, byCode, list };
}

export type Dossiers = ReturnType<typeof createDossiers>;
