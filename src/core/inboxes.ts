import { eq } from 'drizzle-orm';
import type { FileConfig } from './config/file-schema.ts';
import type { Store } from './store/store.ts';

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
