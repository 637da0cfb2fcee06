import { createHash } from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import type { Db, Store } from './store/store.ts';

export interface AuditEntry {
  /** Who acted: `token:<name>`, `agent:<id>`, `system`. */
  actor: string;
  /** What happened, dotted: `conversation.read`, `contact.read`, `token.created`. */
  action: string;
  subjectType?: string;
  subjectId?: string | number;
  detail?: Record<string, unknown>;
}

const genesis = '0'.repeat(64);

// PostgreSQL's jsonb gives keys back in its own order (shorter keys first), not as written: the
// hash covers the detail with its keys sorted, so it can be checked after a round trip.
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sortedKeys(v)]),
  );
}

function entryHash(prevHash: string, at: Date, entry: AuditEntry, sorted = true): string {
  const canonical = JSON.stringify([
    prevHash,
    at.toISOString(),
    entry.actor,
    entry.action,
    entry.subjectType ?? null,
    entry.subjectId === undefined ? null : String(entry.subjectId),
    (sorted ? sortedKeys(entry.detail) : entry.detail) ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Appends to the audit log inside the caller's transaction. Each entry carries the hash of the
 * one before it, so removing or editing an entry breaks the chain (the table itself refuses
 * UPDATE and DELETE).
 */
export async function appendAudit(store: Store, db: Db, entry: AuditEntry, at = new Date()): Promise<void> {
  const { t } = store;
  // Nodes append concurrently on PostgreSQL: one at a time, or two entries share a parent.
  if (store.dialect === 'pg') await db.execute(sql`select pg_advisory_xact_lock(1022002)`);
  const [last] = await db.select({ hash: t.auditEvents.hash }).from(t.auditEvents).orderBy(desc(t.auditEvents.id)).limit(1);
  const prevHash = last?.hash ?? genesis;
  await db.insert(t.auditEvents).values({
    at,
    actor: entry.actor,
    action: entry.action,
    subjectType: entry.subjectType ?? null,
    subjectId: entry.subjectId === undefined ? null : String(entry.subjectId),
    detail: entry.detail ?? null,
    prevHash,
    hash: entryHash(prevHash, at, entry),
  });
}

/** Walks the chain; returns the id of the first entry that does not fit, or null when intact. */
export async function verifyAuditChain(store: Store): Promise<number | null> {
  const { t } = store;
  const rows = await store.db.select().from(t.auditEvents).orderBy(t.auditEvents.id);
  let prev = genesis;
  for (const row of rows) {
    const entry = {
      actor: row.actor,
      action: row.action,
      ...(row.subjectType !== null ? { subjectType: row.subjectType } : {}),
      ...(row.subjectId !== null ? { subjectId: row.subjectId } : {}),
      ...(row.detail !== null ? { detail: row.detail as Record<string, unknown> } : {}),
    };
    // Entries written before keys were sorted hashed the detail as written (SQLite keeps that).
    const fits = row.hash === entryHash(prev, row.at, entry) || row.hash === entryHash(prev, row.at, entry, false);
    if (row.prevHash !== prev || !fits) return row.id;
    prev = row.hash;
  }
  return null;
}
