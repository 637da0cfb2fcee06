import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Store } from './store/store.ts';

/** A secret generated once per deployment and kept in the store, so every node shares it. */
export async function deploymentSecret(store: Store, key: string): Promise<string> {
  const { t } = store;
  return store.tx(async (db) => {
    const [row] = await db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, key)).limit(1);
    if (row) return row.value;
    const value = randomBytes(32).toString('base64url');
    await db.insert(t.settings).values({ key, value }).onConflictDoNothing();
    const [stored] = await db.select({ value: t.settings.value }).from(t.settings).where(eq(t.settings.key, key)).limit(1);
    return stored!.value;
  });
}
