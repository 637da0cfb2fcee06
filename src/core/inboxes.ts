import { eq, sql } from 'drizzle-orm';
import type { FileConfig } from './config/file-schema.ts';
import type { EventBus } from './events.ts';
import type { Db, Store } from './store/store.ts';

export interface InboxRow {
  id: number;
  key: string;
  channel: string;
  name: string;
}

/** Makes the store's inboxes and teams match the configuration (by key; nothing is deleted,
 * since old conversations still point at retired inboxes). */
export async function syncConfiguredInboxes(store: Store, file: FileConfig): Promise<InboxRow[]> {
  const { t } = store;
  const at = new Date();
  return store.tx(async (db) => {
    const rows: InboxRow[] = [];
    for (const inbox of file.inboxes) {
      const [existing] = await db.select({ id: t.inboxes.id }).from(t.inboxes).where(eq(t.inboxes.key, inbox.key)).limit(1);
      if (existing) {
        await db.update(t.inboxes).set({ channel: inbox.channel, name: inbox.name, updatedAt: at }).where(eq(t.inboxes.id, existing.id));
        rows.push({ id: existing.id, key: inbox.key, channel: inbox.channel, name: inbox.name });
      } else {
        const [created] = await db
          .insert(t.inboxes)
          .values({ key: inbox.key, channel: inbox.channel, name: inbox.name, createdAt: at, updatedAt: at })
          .returning({ id: t.inboxes.id });
        rows.push({ id: created!.id, key: inbox.key, channel: inbox.channel, name: inbox.name });
      }
    }
    for (const team of file.teams) {
      const [existing] = await db.select({ id: t.teams.id }).from(t.teams).where(eq(t.teams.key, team.key)).limit(1);
      if (existing) await db.update(t.teams).set({ name: team.name }).where(eq(t.teams.id, existing.id));
      else await db.insert(t.teams).values(team);
    }
    return rows;
  });
}

export type InboxStatus = 'active' | 'needs_reconnect' | 'disabled';

/** Durable key-value state of one inbox (tokens, cursors, leases). */
export interface InboxState {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** Reads, lets `fn` compute the new value (null leaves it as it is), writes, all in one
   * transaction: a compare-and-set that holds across nodes. Resolves with the stored value. */
  update(key: string, fn: (current: string | null) => string | null): Promise<string | null>;
}

export function createInboxState(store: Store, inboxId: number): InboxState {
  const { t } = store;
  const name = (key: string) => `inbox.${inboxId}.${key}`;
  const readForUpdate = async (db: Db, key: string) => {
    const query = db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, name(key))).limit(1);
    // SQLite writes are serialized by the store already; PostgreSQL needs the row lock.
    const [row] = store.dialect === 'pg' ? await query.for('update') : await query;
    return row?.value ?? null;
  };
  // A channel that keeps a note per citizen (their profile) reads it for each message they send:
  // prepared once, like the store's other per-message statements.
  const readPrepared = (db: Db) => db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, sql.placeholder('key'))).limit(1).prepare('inbox_state_read');
  const write = (db: Db, key: string, value: string) =>
    db.insert(t.settings).values({ key: name(key), value }).onConflictDoUpdate({ target: t.settings.key, set: { value } });
  return {
    get: async (key) => (await store.queries(store.db, readPrepared).execute({ key: name(key) }))[0]?.value ?? null,
    set: (key, value) => store.tx(async (db) => void (await write(db, key, value))),
    update: (key, fn) =>
      store.tx(async (db) => {
        const current = await readForUpdate(db, key);
        const next = fn(current);
        if (next === null) return current;
        await write(db, key, next);
        return next;
      }),
  };
}

export async function setInboxStatus(store: Store, events: EventBus, inboxId: number, status: InboxStatus, detail?: string): Promise<void> {
  const { t } = store;
  await store.tx((db) =>
    db.update(t.inboxes).set({ status, statusDetail: detail ?? null, updatedAt: new Date() }).where(eq(t.inboxes.id, inboxId)),
  );
  events.emit('inbox.status', { inboxId, status, detail: detail ?? null });
}
