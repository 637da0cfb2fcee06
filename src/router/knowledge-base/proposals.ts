import { and, asc, desc, eq, lt } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import type { Store } from '../../core/store/store.ts';
import type { KbProposalView, ProposalStatus } from '../../contracts/knowledge.ts';

export type { KbProposalView, ProposalStatus };

/**
 * Removes what identifies a citizen from their question before anyone reviews it: phone numbers,
 * emails, ID and dossier codes, long digit runs, street addresses and the names people introduce
 * themselves with. The question only has to keep how it was asked, never who asked it.
 */
export function redactQuestion(text: string): string {
  return (
    text
      .normalize('NFC')
      .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '…')
      // Dossier and ticket codes (H12.82-260115-0001, 1022-2026-000123).
      .replace(/\b[A-Z]\d{1,3}(\.\d{1,3})*-\d{6}-\d{3,}\b/gi, '…')
      .replace(/\b\d{4}-\d{4}-\d{3,}\b/g, '…')
      // Phone numbers and ID numbers, with or without spaces and dots between the digits.
      .replace(/(\+?84|0)(?:[\s.-]?\d){8,10}\b/g, '…')
      .replace(/\b\d(?:[\s.-]?\d){5,}\b/g, '…')
      // "tên tôi là Nguyễn Văn A", "tui tên Ba", "em là Lan": the name after the introduction.
      .replace(/(?<![\p{L}])(tên (?:tôi|tui|em|mình|con|cháu)(?: là)?|(?:tôi|tui|em|mình|con|cháu) tên(?: là)?|(?:tôi|tui|em|mình|con|cháu) là)\s+((?:\S+\s*){1,5})/giu, (_all, intro: string, rest: string) => {
        // The name is the run of capitalised words after the introduction ("Lê Văn Tư,").
        const name = /^(?:\p{Lu}[\p{L}]*[\s,.]*){1,5}/u.exec(rest)?.[0] ?? '';
        return name ? `${intro} … ${rest.slice(name.length)}` : `${intro} ${rest}`;
      })
      // House numbers and streets: "số 12 đường ...", "nhà 45/3 hẻm ...".
      .replace(/\b(số|nhà)\s+\d+[\w/]*/giu, '$1 …')
      .replace(/\s{2,}/g, ' ')
      .trim()
  );
}

/**
 * Learning from the operators: when an operator answers a handed-off question with a
 * knowledge-base entry, that question becomes a proposed new way of asking for the entry.
 * A supervisor accepts (possibly edited), edits or rejects it; only an accepted one joins the
 * entry's questions, so the bot never learns without a person's yes.
 */
export function createKbProposals(store: Store) {
  const { db, t } = store;

  /** The citizen's last message before the handoff the operator answered: what they asked. */
  async function questionBefore(conversationId: number, beforeMessageId: number): Promise<string | null> {
    const [row] = await db
      .select({ text: t.messages.text })
      .from(t.messages)
      .where(and(eq(t.messages.conversationId, conversationId), eq(t.messages.direction, 'in'), lt(t.messages.id, beforeMessageId)))
      .orderBy(desc(t.messages.id))
      .limit(1);
    return row?.text?.trim() || null;
  }

  return {
    redact: redactQuestion,

    /**
     * Records a proposal for the operator's reply `replyMessageId` that sent `entryId` in
     * `conversationId`; the question is the citizen's last message before `handoffMessageId`
     * (or before the reply). Returns null when there is no question or it was proposed already.
     */
    async propose(input: { entryId: string; conversationId: number; replyMessageId: number; handoffMessageId: number | null; by: string }): Promise<number | null> {
      const asked = await questionBefore(input.conversationId, input.handoffMessageId ?? input.replyMessageId);
      if (!asked) return null;
      const question = redactQuestion(asked);
      if (question.replace(/…/g, '').trim().length < 3) return null;
      return store.tx(async (tx) => {
        const [existing] = await tx.select({ id: t.kbProposals.id }).from(t.kbProposals).where(eq(t.kbProposals.replyMessageId, input.replyMessageId)).limit(1);
        if (existing) return null;
        const [row] = await tx
          .insert(t.kbProposals)
          .values({ entryId: input.entryId, question, status: 'pending', conversationId: input.conversationId, replyMessageId: input.replyMessageId, proposedBy: input.by, proposedAt: new Date() })
          .returning({ id: t.kbProposals.id });
        return row!.id;
      });
    },

    async list(status: ProposalStatus | 'all' = 'pending', limit = 200): Promise<KbProposalView[]> {
      const rows = await db
        .select()
        .from(t.kbProposals)
        .where(status === 'all' ? undefined : eq(t.kbProposals.status, status))
        .orderBy(asc(t.kbProposals.id))
        .limit(limit);
      return rows.map((r) => ({
        id: r.id,
        entryId: r.entryId,
        question: r.question,
        status: r.status as ProposalStatus,
        conversationId: r.conversationId,
        proposedBy: r.proposedBy,
        proposedAt: r.proposedAt.toISOString(),
        decidedBy: r.decidedBy,
        decidedAt: r.decidedAt?.toISOString() ?? null,
        acceptedQuestion: r.acceptedQuestion,
      }));
    },

    /**
     * Decides a pending proposal. `accept` runs `addQuestion` (which writes the entry and reloads
     * the knowledge base) before the proposal is marked, so a failed write leaves it pending.
     */
    async decide(
      id: number,
      decision: { accept: true; question?: string; addQuestion: (entryId: string, question: string) => Promise<void> } | { accept: false },
      by: string,
    ): Promise<{ status: ProposalStatus; question: string }> {
      const [row] = await db.select().from(t.kbProposals).where(eq(t.kbProposals.id, id)).limit(1);
      if (!row) throw new NotFoundError('proposal');
      if (row.status !== 'pending') throw new HttpError(409, 'already_decided', `the proposal was ${row.status} already`);
      const question = decision.accept ? redactQuestion(decision.question ?? row.question) : row.question;
      if (decision.accept) {
        if (question.length < 3) throw new HttpError(400, 'invalid_question', 'the question is empty');
        await decision.addQuestion(row.entryId, question);
      }
      const status: ProposalStatus = decision.accept ? 'accepted' : 'rejected';
      const changed = await store.tx(async (tx) => {
        const updated = await tx
          .update(t.kbProposals)
          .set({ status, decidedBy: by, decidedAt: new Date(), acceptedQuestion: decision.accept ? question : null })
          .where(and(eq(t.kbProposals.id, id), eq(t.kbProposals.status, 'pending')))
          .returning({ id: t.kbProposals.id });
        if (updated.length) await appendAudit(store, tx, { actor: by, action: `kb_proposal.${status}`, subjectType: 'kb_proposal', subjectId: id, detail: { entryId: row.entryId } });
        return updated.length > 0;
      });
      if (!changed) throw new HttpError(409, 'already_decided', 'someone decided the proposal meanwhile');
      return { status, question };
    },
  };
}

export type KbProposals = ReturnType<typeof createKbProposals>;
