import { and, eq } from 'drizzle-orm';
import { appendAudit } from './audit.ts';
import { HttpError, NotFoundError } from './errors.ts';
import type { EventBus } from './events.ts';
import type { Db, Store } from './store/store.ts';

/** A tag agents put on conversations ("cần gọi lại", "khiếu nại") to find them later. */
export interface Label {
  id: number;
  /** Lowercase slug, unique. */
  key: string;
  name: string;
  /** `#rrggbb`, or null for the default look. */
  color: string | null;
}

/** Labels (kept by supervisors) and which conversations carry them (set by any agent). */
export function createLabels(store: Store, events: EventBus) {
  const { t, db } = store;

  const list = (): Promise<Label[]> => db.select().from(t.labels).orderBy(t.labels.name, t.labels.id);

  async function create(input: Omit<Label, 'id'>, actor: string): Promise<Label> {
    return store.tx(async (tx) => {
      const [taken] = await tx.select({ id: t.labels.id }).from(t.labels).where(eq(t.labels.key, input.key)).limit(1);
      if (taken) throw new HttpError(409, 'label_exists', `the label ${input.key} exists`);
      const [row] = await tx.insert(t.labels).values(input).returning();
      await appendAudit(store, tx, { actor, action: 'label.created', subjectType: 'label', subjectId: row!.id, detail: { key: input.key } });
      return row!;
    });
  }

  async function update(id: number, change: Partial<Pick<Label, 'name' | 'color'>>, actor: string): Promise<Label> {
    return store.tx(async (tx) => {
      const [row] = await tx.update(t.labels).set(change).where(eq(t.labels.id, id)).returning();
      if (!row) throw new NotFoundError('label');
      await appendAudit(store, tx, { actor, action: 'label.changed', subjectType: 'label', subjectId: id, detail: { fields: Object.keys(change) } });
      return row;
    });
  }

  /** Deletes a label and takes it off every conversation. */
  async function remove(id: number, actor: string): Promise<void> {
    await store.tx(async (tx) => {
      await tx.delete(t.conversationLabels).where(eq(t.conversationLabels.labelId, id));
      const [row] = await tx.delete(t.labels).where(eq(t.labels.id, id)).returning({ key: t.labels.key });
      if (!row) throw new NotFoundError('label');
      await appendAudit(store, tx, { actor, action: 'label.deleted', subjectType: 'label', subjectId: id, detail: { key: row.key } });
    });
  }

  const labelIdsOf = async (tx: Db, conversationId: number) =>
    (await tx.select({ labelId: t.conversationLabels.labelId }).from(t.conversationLabels).where(eq(t.conversationLabels.conversationId, conversationId)))
      .map((r) => r.labelId)
      .sort((a, b) => a - b);

  /**
   * Puts a label on a conversation (`on`) or takes it off; returns the conversation's labels
   * after. Doing what is already done changes nothing and records nothing.
   */
  async function set(conversationId: number, labelId: number, on: boolean, actor: string): Promise<{ labelIds: number[]; changed: boolean }> {
    const result = await store.tx(async (tx) => {
      const [label] = await tx.select({ id: t.labels.id }).from(t.labels).where(eq(t.labels.id, labelId)).limit(1);
      if (!label) throw new NotFoundError('label');
      const where = and(eq(t.conversationLabels.conversationId, conversationId), eq(t.conversationLabels.labelId, labelId));
      const [present] = await tx.select({ labelId: t.conversationLabels.labelId }).from(t.conversationLabels).where(where).limit(1);
      if (Boolean(present) === on) return { labelIds: await labelIdsOf(tx, conversationId), changed: false };
      if (on) await tx.insert(t.conversationLabels).values({ conversationId, labelId });
      else await tx.delete(t.conversationLabels).where(where);
      await appendAudit(store, tx, { actor, action: on ? 'conversation.label.added' : 'conversation.label.removed', subjectType: 'conversation', subjectId: conversationId, detail: { labelId } });
      return { labelIds: await labelIdsOf(tx, conversationId), changed: true };
    });
    if (result.changed) events.emit('conversation.labels', { conversationId, labelIds: result.labelIds });
    return result;
  }

  return { list, create, update, remove, set };
}

export type Labels = ReturnType<typeof createLabels>;
