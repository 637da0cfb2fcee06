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
