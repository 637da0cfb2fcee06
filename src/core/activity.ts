import { sql } from 'drizzle-orm';
import type { Db, Store } from './store/store.ts';

/**
 * An activity line: what happened to a conversation (a handoff, an assignment, a status change,
 * a notice sent elsewhere), shown in the thread between the messages. One writer, so every line
 * has the same shape whoever records it; it is written inside the caller's transaction.
 */
export async function recordActivity(
  db: Db,
  t: Store['t'],
  line: { conversationId: number; inboxId: number; by: string; text: string | null; metadata: Record<string, unknown>; at: Date },
): Promise<number> {
  const [row] = await db
    .insert(t.messages)
    .values({
      conversationId: line.conversationId,
      inboxId: line.inboxId,
      direction: 'activity',
      senderType: 'system',
      senderRef: line.by,
      text: line.text,
      status: 'sent',
      metadata: line.metadata,
      createdAt: line.at,
    })
    .returning({ id: t.messages.id });
  return row!.id;
}

type ActivityLine = Parameters<typeof recordActivity>[2];

const preparedLines = new WeakMap<Store, (db: Db) => { execute(values: Record<string, unknown>): Promise<Array<{ id: number }>> }>();

/**
 * `recordActivity` as a statement prepared once (store.queries), for a writer that records a
 * line per citizen message (the router's handoff): the same row, without building and compiling
 * the insert each time.
 */
export function activityRecorder(store: Store): (db: Db, line: ActivityLine) => Promise<number> {
  let build = preparedLines.get(store);
  if (!build) {
    const { t } = store;
    const p = (name: string) => sql.placeholder(name);
    build = (db: Db) =>
      db
        .insert(t.messages)
        .values({ conversationId: p('conversationId'), inboxId: p('inboxId'), direction: 'activity', senderType: 'system', senderRef: p('by'), text: p('text'), status: 'sent', metadata: p('metadata'), createdAt: p('at') })
        .returning({ id: t.messages.id })
        .prepare('activity_line');
    preparedLines.set(store, build);
  }
  const prepared = build;
  return async (db, line) => {
    const [row] = await store.queries(db, prepared).execute({ ...line });
    return row!.id;
  };
}
