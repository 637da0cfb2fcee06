import { and, eq, inArray, isNull, ne, or } from 'drizzle-orm';
import { appendAudit } from './audit.ts';
import { HttpError, NotFoundError } from './errors.ts';
import type { Db, Store } from './store/store.ts';

/** A prepared reply an agent inserts by typing `/` and its shortcut in the reply box. */
export interface CannedAnswer {
  id: number;
  /** What follows the `/`: lowercase letters, digits, `-`, `_`, `.`; unique. */
  shortcut: string;
  title: string;
  body: string;
  /** The team that uses it; null for everyone. */
  teamId: number | null;
  createdAt: Date;
  updatedAt: Date;
  /** A file that goes with it (an upload, e.g. a form template); null for text only. */
  attachmentId: number | null;
}

export type CannedAnswerInput = Pick<CannedAnswer, 'shortcut' | 'title' | 'body' | 'teamId'> & { attachmentId?: number | null };

/** Prepared replies: read by every agent (their teams' and everyone's), kept by supervisors. */
export function createCannedAnswers(store: Store) {
  const { t, db } = store;

  /** All of them, or (with `teamIds`) those of these teams and those for everyone. */
  async function list(filter: { teamIds?: number[] } = {}): Promise<CannedAnswer[]> {
    const scope = filter.teamIds
      ? or(isNull(t.cannedAnswers.teamId), filter.teamIds.length ? inArray(t.cannedAnswers.teamId, filter.teamIds) : undefined)
      : undefined;
    return db.select().from(t.cannedAnswers).where(scope).orderBy(t.cannedAnswers.shortcut);
  }

  async function get(id: number): Promise<CannedAnswer> {
    const [row] = await db.select().from(t.cannedAnswers).where(eq(t.cannedAnswers.id, id)).limit(1);
    if (!row) throw new NotFoundError('canned answer');
    return row;
  }

  // Checked inside the writing transaction; the UNIQUE index stays the last word under a race.
  async function assertFree(tx: Db, shortcut: string, exceptId?: number) {
    const [taken] = await tx
      .select({ id: t.cannedAnswers.id })
      .from(t.cannedAnswers)
      .where(and(eq(t.cannedAnswers.shortcut, shortcut), exceptId !== undefined ? ne(t.cannedAnswers.id, exceptId) : undefined))
      .limit(1);
    if (taken) throw new HttpError(409, 'shortcut_taken', `the shortcut /${shortcut} is already used`);
  }

  async function assertTeam(tx: Db, teamId: number | null) {
    if (teamId === null) return;
    const [team] = await tx.select({ id: t.teams.id }).from(t.teams).where(eq(t.teams.id, teamId)).limit(1);
    if (!team) throw new HttpError(400, 'unknown_team', `unknown team: ${teamId}`);
  }

  async function assertFile(tx: Db, attachmentId: number | null | undefined) {
    if (attachmentId === null || attachmentId === undefined) return;
    const [file] = await tx.select({ state: t.attachments.state, messageId: t.attachments.messageId }).from(t.attachments).where(eq(t.attachments.id, attachmentId)).limit(1);
    if (!file || file.state !== 'stored' || file.messageId !== null) throw new HttpError(400, 'invalid_attachment', `file ${attachmentId} is not a stored upload`);
  }

  async function create(input: CannedAnswerInput, actor: string): Promise<CannedAnswer> {
    const at = new Date();
    return store.tx(async (tx) => {
      await assertFree(tx, input.shortcut);
      await assertTeam(tx, input.teamId);
      await assertFile(tx, input.attachmentId);
      const [row] = await tx.insert(t.cannedAnswers).values({ ...input, createdAt: at, updatedAt: at }).returning();
      await appendAudit(store, tx, { actor, action: 'canned_answer.created', subjectType: 'canned_answer', subjectId: row!.id, detail: { shortcut: input.shortcut, teamId: input.teamId } }, at);
      return row!;
    });
  }

  async function update(id: number, change: Partial<CannedAnswerInput>, actor: string): Promise<CannedAnswer> {
    const at = new Date();
    return store.tx(async (tx) => {
      const [current] = await tx.select({ id: t.cannedAnswers.id }).from(t.cannedAnswers).where(eq(t.cannedAnswers.id, id)).limit(1);
      if (!current) throw new NotFoundError('canned answer');
      if (change.shortcut !== undefined) await assertFree(tx, change.shortcut, id);
      if (change.teamId !== undefined) await assertTeam(tx, change.teamId);
      await assertFile(tx, change.attachmentId);
      const [row] = await tx.update(t.cannedAnswers).set({ ...change, updatedAt: at }).where(eq(t.cannedAnswers.id, id)).returning();
      await appendAudit(store, tx, { actor, action: 'canned_answer.changed', subjectType: 'canned_answer', subjectId: id, detail: { fields: Object.keys(change) } }, at);
      return row!;
    });
  }

  async function remove(id: number, actor: string): Promise<void> {
    await store.tx(async (tx) => {
      const [row] = await tx.delete(t.cannedAnswers).where(eq(t.cannedAnswers.id, id)).returning({ shortcut: t.cannedAnswers.shortcut });
      if (!row) throw new NotFoundError('canned answer');
      await appendAudit(store, tx, { actor, action: 'canned_answer.deleted', subjectType: 'canned_answer', subjectId: id, detail: { shortcut: row.shortcut } });
    });
  }

  return { list, get, create, update, remove };
}

export type CannedAnswers = ReturnType<typeof createCannedAnswers>;
