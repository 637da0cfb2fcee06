import { and, desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import type { Conversations } from '../core/conversations.ts';
import { HttpError, NotFoundError } from '../core/errors.ts';
import { actorOf, requireAdmin, requirePrincipal, requireSupervisor, visibleConversation } from '../core/http/auth.ts';
import type { Outbox } from '../core/outbox.ts';
import type { Store } from '../core/store/store.ts';
import { decideRoute } from './decide-route.ts';
import { addQuestion, EntryRejected } from './knowledge-base/editor.ts';
import type { KbProposals } from './knowledge-base/proposals.ts';
import { localDay, reviewState } from './knowledge-base/review.ts';
import type { Router } from './router.ts';

/** What the router wrote on its handoff: the entries it considered and why it did not answer. */
interface HandoffMetadata {
  handoff?: string;
  candidates?: Array<{ entryId: string; score: number }>;
  terms?: string[];
  suggested?: string[];
}

/**
 * What an operator's reply records when it is a knowledge-base entry the bot suggested: which
 * entry, the bot's confidence, whether it was reviewed then, and the handoff it came from (the
 * material for learning from operators' choices).
 */
export interface KbSuggestionMetadata {
  kbSuggestion: { entryId: string; score: number | null; reviewState: string; suggested: boolean; handoffMessageId: number | null };
}

const security = [{ bearerAuth: [] }];

/** What the bot would answer (the inbox's suggested reply, testing) and the knowledge base's reload. */
export async function routerApi(
  app: FastifyInstance,
  deps: { store: Store; router: Router; accounts: Accounts; outbox: Outbox; conversations: Conversations; timeZone: string; proposals: KbProposals; teams: ReadonlySet<string> },
) {
  const { router, store, outbox, conversations, proposals } = deps;
  const { t } = store;
  requirePrincipal(app, deps);

  /** The conversation's latest handoff by the router, if any. */
  async function lastHandoff(conversationId: number): Promise<{ id: number; metadata: HandoffMetadata } | null> {
    const rows = await store.db
      .select({ id: t.messages.id, metadata: t.messages.metadata })
      .from(t.messages)
      .where(and(eq(t.messages.conversationId, conversationId), eq(t.messages.direction, 'activity'), eq(t.messages.senderRef, 'router')))
      .orderBy(desc(t.messages.id))
      .limit(1);
    const row = rows[0];
    return row ? { id: row.id, metadata: (row.metadata ?? {}) as HandoffMetadata } : null;
  }

  const Considered = Type.Object({
    entryId: Type.String(),
    title: Type.String(),
    answer: Type.String(),
    score: Type.Union([Type.Number(), Type.Null()]),
    reviewState: Type.String(),
    /** True for the entry the bot would have sent had it been reviewed. */
    suggested: Type.Boolean(),
  });

  app.get(
    '/conversations/:id/considered-entries',
    {
      schema: {
        tags: ['router'],
        summary: 'The knowledge-base entries the bot considered when it handed the conversation to people, and why it did not answer',
        security,
        params: Type.Object({ id: Type.Integer() }),
        response: {
          200: Type.Object({
            handoffMessageId: Type.Union([Type.Integer(), Type.Null()]),
            reason: Type.Union([Type.String(), Type.Null()]),
            terms: Type.Array(Type.String()),
            entries: Type.Array(Considered),
          }),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      await visibleConversation(conversations, request, id);
      const handoff = await lastHandoff(id);
      if (!handoff) return { handoffMessageId: null, reason: null, terms: [], entries: [] };
      const today = localDay(new Date(), deps.timeZone);
      const suggested = new Set(handoff.metadata.suggested ?? []);
      const scores = new Map((handoff.metadata.candidates ?? []).map((c) => [c.entryId, c.score]));
      const ids = [...new Set([...(handoff.metadata.suggested ?? []), ...(handoff.metadata.candidates ?? []).map((c) => c.entryId)])];
      const entries = ids.flatMap((entryId) => {
        const entry = router.knowledge.matcher.entry(entryId);
        return entry ? [{ entryId, title: entry.title, answer: entry.answer.trim(), score: scores.get(entryId) ?? null, reviewState: reviewState(entry, today), suggested: suggested.has(entryId) }] : [];
      });
      return { handoffMessageId: handoff.id, reason: handoff.metadata.handoff ?? null, terms: handoff.metadata.terms ?? [], entries };
    },
  );

  app.post(
    '/conversations/:id/considered-entries/:entryId/send',
    {
      schema: {
        tags: ['router'],
        summary: "Send a knowledge-base entry the bot considered as the operator's reply (a suggestion the operator chose, recorded on the message)",
        security,
        params: Type.Object({ id: Type.Integer(), entryId: Type.String({ maxLength: 120 }) }),
        response: { 201: Type.Object({ messageId: Type.Integer(), status: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { id, entryId } = request.params as { id: number; entryId: string };
      const conversation = await visibleConversation(conversations, request, id);
      const entry = router.knowledge.matcher.entry(entryId);
      if (!entry) throw new NotFoundError('knowledge-base entry');
      const handoff = await lastHandoff(id);
      const candidate = handoff?.metadata.candidates?.find((c) => c.entryId === entryId);
      const metadata: KbSuggestionMetadata = {
        kbSuggestion: {
          entryId,
          score: candidate?.score ?? null,
          reviewState: reviewState(entry, localDay(new Date(), deps.timeZone)),
          suggested: handoff?.metadata.suggested?.includes(entryId) ?? false,
          handoffMessageId: handoff?.id ?? null,
        },
      };
      const actor = actorOf(request);
      const sent = await outbox.enqueueReply({ conversationId: id, text: entry.answer.trim(), senderType: 'agent', senderRef: actor, metadata: { ...metadata } });
      // As with any reply typed by a person: the conversation stays with people.
      if (conversation.handler !== 'human') await conversations.route(id, { handler: 'human' }, actor);
      // The citizen's question, answered by a person with this entry, is proposed as a new way of
      // asking for it; a supervisor decides whether the bot learns it.
      await proposals.propose({ entryId, conversationId: id, replyMessageId: sent.messageId, handoffMessageId: handoff?.id ?? null, by: actor });
      return reply.status(201).send({ messageId: sent.messageId, status: 'queued' });
    },
  );

  app.post(
    '/router/answer',
    {
      schema: {
        tags: ['router'],
        summary: 'What the bot would do with a text, without side effects (testing, suggested answers)',
        security,
        body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 5000 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            decision: Type.Union([Type.Literal('answer'), Type.Literal('clarify'), Type.Literal('handoff')]),
            entryId: Type.Optional(Type.String()),
            /** The entry's answer and title, for the inbox's suggested reply. */
            answer: Type.Optional(Type.String()),
            title: Type.Optional(Type.String()),
            reason: Type.Optional(Type.String()),
            score: Type.Number(),
            candidates: Type.Array(Type.Object({ entryId: Type.String(), score: Type.Number() })),
          }),
        },
      },
    },
    async (request) => {
      const { text } = request.body as { text: string };
      const d = decideRoute({ handler: 'bot', pendingChoices: null }, { text, suppressAutoReply: false, attachments: 0 }, router.rules(), new Date());
      const candidates = d.kind === 'ignore' ? [] : (d.match?.candidates ?? []);
      const score = candidates[0]?.score ?? 0;
      switch (d.kind) {
        case 'answer': {
          const entry = router.knowledge.matcher.entry(d.entryId);
          return { decision: 'answer', entryId: d.entryId, score: d.score, candidates, ...(entry ? { answer: entry.answer.trim(), title: entry.title } : {}) };
        }
        case 'greeting':
        case 'thanks':
          // Greetings and thanks get the bot's own friendly line, not a knowledge-base entry.
          return { decision: 'answer', entryId: `_${d.kind}`, score: 1, candidates };
        case 'clarify':
          return { decision: 'clarify', score: d.score, candidates };
        case 'handoff':
          return { decision: 'handoff', reason: d.reason, score, candidates };
        case 'ignore':
          return { decision: 'handoff', reason: d.reason, score, candidates };
      }
    },
  );

  app.post(
    '/knowledge-base/reload',
    { schema: { tags: ['router'], summary: 'Reload the knowledge base now (admin)', security, response: { 200: Type.Object({ reloaded: Type.Boolean(), entries: Type.Integer() }) } } },
    async (request) => {
      requireAdmin(request);
      const reloaded = router.knowledge.reload();
      return { reloaded, entries: router.knowledge.matcher.size };
    },
  );

  const Proposal = Type.Object({
    id: Type.Integer(),
    entryId: Type.String(),
    /** The citizen's words, with names, numbers, addresses and codes removed. */
    question: Type.String(),
    status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected')]),
    conversationId: Type.Union([Type.Integer(), Type.Null()]),
    proposedBy: Type.String(),
    proposedAt: Type.String(),
    decidedBy: Type.Union([Type.String(), Type.Null()]),
    decidedAt: Type.Union([Type.String(), Type.Null()]),
    acceptedQuestion: Type.Union([Type.String(), Type.Null()]),
  });
  const ProposalId = Type.Object({ id: Type.Integer() });

  app.get(
    '/kb-proposals',
    {
      schema: {
        tags: ['router'],
        summary: 'Ways of asking learned from operators, for supervisors to accept, edit or reject',
        security,
        querystring: Type.Object({ status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('rejected'), Type.Literal('all')], { default: 'pending' }) }),
        response: { 200: Type.Array(Proposal) },
      },
    },
    async (request) => {
      requireSupervisor(request);
      return proposals.list((request.query as { status: 'pending' | 'accepted' | 'rejected' | 'all' }).status);
    },
  );

  app.post(
    '/kb-proposals/:id/accept',
    {
      schema: {
        tags: ['router'],
        summary: "Accept a proposal (optionally edited): it joins the entry's questions and the bot answers it from now on",
        security,
        params: ProposalId,
        body: Type.Object({ question: Type.Optional(Type.String({ minLength: 3, maxLength: 500 })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ status: Type.String(), question: Type.String() }) },
      },
    },
    async (request) => {
      requireSupervisor(request);
      const { id } = request.params as { id: number };
      const { question } = (request.body ?? {}) as { question?: string };
      return proposals.decide(
        id,
        {
          accept: true,
          question,
          addQuestion: async (entryId, text) => {
            try {
              addQuestion(router.knowledge, entryId, text, deps.teams);
            } catch (error) {
              if (error instanceof EntryRejected) throw new HttpError(400, 'invalid_entry', error.message, { problems: error.problems });
              throw error;
            }
          },
        },
        actorOf(request),
      );
    },
  );

  app.post(
    '/kb-proposals/:id/reject',
    { schema: { tags: ['router'], summary: 'Reject a proposal: nothing is learned', security, params: ProposalId, response: { 200: Type.Object({ status: Type.String(), question: Type.String() }) } } },
    async (request) => {
      requireSupervisor(request);
      return proposals.decide((request.params as { id: number }).id, { accept: false }, actorOf(request));
    },
  );
}
