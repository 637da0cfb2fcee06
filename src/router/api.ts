import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { HttpError } from '../core/errors.ts';
import { actorOf, requireAdmin, requirePrincipal, requireSupervisor } from '../core/http/auth.ts';
import type { Store } from '../core/store/store.ts';
import { decideRoute } from './decide-route.ts';
import { addQuestion, EntryRejected } from './knowledge-base/editor.ts';
import type { KbProposals } from './knowledge-base/proposals.ts';
import type { Router } from './router.ts';

const security = [{ bearerAuth: [] }];

/** What the bot would answer (the inbox's suggested reply, testing) and the knowledge base's reload. */
export async function routerApi(app: FastifyInstance, deps: { store: Store; router: Router; accounts: Accounts; proposals: KbProposals; teams: ReadonlySet<string> }) {
  const { router, proposals } = deps;
  requirePrincipal(app, deps);

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
