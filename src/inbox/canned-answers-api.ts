import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { createCannedAnswers, type CannedAnswerInput } from '../core/canned-answers.ts';
import type { Store } from '../core/store/store.ts';
import type { AttachmentFiles } from '../core/attachment-files.ts';
import { HttpError } from '../core/errors.ts';
import { actorOf, conversationScope, requirePrincipal, requireSupervisor } from '../core/http/auth.ts';

const security = [{ bearerAuth: [] }];
const NullableInteger = Type.Unsafe<number | null>({ type: ['integer', 'null'] });
const Shortcut = Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,39}$', description: 'Typed after `/` in the reply box' });
const CannedAnswer = Type.Object({
  id: Type.Integer(),
  shortcut: Type.String(),
  title: Type.String(),
  body: Type.String(),
  teamId: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  attachmentId: Type.Union([Type.Integer(), Type.Null()], { description: 'A file sent with it (from POST /uploads)' }),
});
const fields = {
  shortcut: Shortcut,
  title: Type.String({ minLength: 1, maxLength: 120 }),
  body: Type.String({ minLength: 1, maxLength: 10_000 }),
  teamId: NullableInteger,
  attachmentId: Type.Optional(NullableInteger),
};
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Canned answers: every agent reads their teams' and everyone's; supervisors and admins keep them. */
export async function cannedAnswersApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; attachmentFiles: AttachmentFiles }) {
  const canned = createCannedAnswers(deps.store);
  requirePrincipal(app, deps);

  app.post(
    '/canned-answers/:id/file',
    {
      schema: {
        tags: ['inbox'],
        summary: "A copy of the canned answer's file as the caller's own upload, for a reply's attachmentIds",
        security,
        params: IdParams,
        response: { 201: Type.Object({ id: Type.Integer(), kind: Type.String(), name: Type.Union([Type.String(), Type.Null()]), mimeType: Type.String(), size: Type.Integer() }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const answer = await canned.get(id);
      const scope = conversationScope(request.principal);
      if (scope && answer.teamId !== null && !scope.teamIds.includes(answer.teamId)) throw new HttpError(403, 'forbidden', "this canned answer belongs to another team");
      if (answer.attachmentId === null) throw new HttpError(404, 'no_file', 'this canned answer has no file');
      const copyId = await deps.store.tx((db) => deps.attachmentFiles.copyFor(db, answer.attachmentId!, actorOf(request)));
      const { row } = await deps.attachmentFiles.read(copyId);
      return reply.status(201).send({ id: copyId, kind: row.kind, name: row.name, mimeType: row.mimeType ?? 'application/octet-stream', size: row.size ?? 0 });
    },
  );

  app.get(
    '/canned-answers',
    {
      schema: {
        tags: ['inbox'],
        summary: "Canned answers the caller may use: an agent gets their teams' and everyone's; supervisors, admins and integrations all",
        security,
        response: { 200: Type.Array(CannedAnswer) },
      },
    },
    async (request) => {
      const scope = conversationScope(request.principal);
      return canned.list(scope ? { teamIds: scope.teamIds } : {});
    },
  );

  app.post(
    '/canned-answers',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Create a canned answer (supervisor or admin)',
        security,
        body: Type.Object({ ...fields, teamId: Type.Optional(NullableInteger) }, { additionalProperties: false }),
        response: { 201: CannedAnswer },
      },
    },
    async (request, reply) => {
      requireSupervisor(request);
      const body = request.body as Omit<CannedAnswerInput, 'teamId'> & { teamId?: number | null };
      return reply.status(201).send(await canned.create({ ...body, teamId: body.teamId ?? null }, actorOf(request)));
    },
  );

  app.patch(
    '/canned-answers/:id',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Change a canned answer (supervisor or admin)',
        security,
        params: IdParams,
        body: Type.Partial(Type.Object(fields), { additionalProperties: false, minProperties: 1 }),
        response: { 200: CannedAnswer },
      },
    },
    async (request) => {
      requireSupervisor(request);
      const { id } = request.params as { id: number };
      return canned.update(id, request.body as Partial<CannedAnswerInput>, actorOf(request));
    },
  );

  app.delete(
    '/canned-answers/:id',
    { schema: { tags: ['inbox'], summary: 'Delete a canned answer (supervisor or admin)', security, params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      requireSupervisor(request);
      const { id } = request.params as { id: number };
      await canned.remove(id, actorOf(request));
      return reply.status(204).send();
    },
  );
}
