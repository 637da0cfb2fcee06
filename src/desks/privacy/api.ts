import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../../core/accounts/accounts.ts';
import type { PersonalData } from './personal-data.ts';
import { requestKinds, type NewRequest, type PrivacyRequests } from './requests.ts';
import type { Store } from '../../core/store/store.ts';
import { actorOf, requireAdmin, requirePrincipal, requireSupervisor } from '../../core/http/auth.ts';

const security = [{ bearerAuth: [] }];
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));

const NewRequestBody = Type.Object(
  {
    kind: literals(requestKinds),
    requesterName: Type.String({ minLength: 1, maxLength: 200 }),
    requesterContact: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
    receivedVia: Type.String({ minLength: 1, maxLength: 40 }),
    details: Type.Optional(Type.String({ maxLength: 4000 })),
    contactId: Type.Optional(Type.Integer({ minimum: 1 })),
    receivedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

/**
 * Citizens' personal-data requests with their timers, the export of what is held about a contact
 * and its erasure. Supervisors log and work requests; an erasure needs an admin.
 */
export async function privacyApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; requests: PrivacyRequests; personalData: PersonalData }) {
  const { requests, personalData } = deps;
  requirePrincipal(app, deps);
  const actor = (request: FastifyRequest) => ({ ref: actorOf(request), agentId: request.principal?.kind === 'agent' ? request.principal.agentId : null });

  app.post('/privacy-requests', { schema: { tags: ['privacy'], summary: 'Log a citizen\u2019s request about their personal data; its timers start at receipt (supervisors)', security, body: NewRequestBody } }, async (request, reply) => {
    requireSupervisor(request);
    const { receivedAt, ...body } = request.body as Omit<NewRequest, 'receivedAt'> & { receivedAt?: string };
    const created = await requests.receive({ ...body, ...(receivedAt ? { receivedAt: new Date(receivedAt) } : {}) }, actor(request));
    return reply.code(201).send(created);
  });

  app.get(
    '/privacy-requests',
    { schema: { tags: ['privacy'], summary: 'Requests: open ones first, nearest deadline first, with overdue flags (supervisors)', security, querystring: Type.Object({ open: Type.Optional(Type.Boolean()) }) } },
    async (request) => {
      requireSupervisor(request);
      const { open } = request.query as { open?: boolean };
      return { items: await requests.list({ ...(open ? { open } : {}) }) };
    },
  );

  app.get('/privacy-requests/:id', { schema: { tags: ['privacy'], summary: 'One request (supervisors)', security, params: Id } }, async (request) => {
    requireSupervisor(request);
    return requests.find((request.params as { id: number }).id);
  });

  app.post('/privacy-requests/:id/acknowledge', { schema: { tags: ['privacy'], summary: 'The citizen was told the request was received (supervisors)', security, params: Id } }, async (request) => {
    requireSupervisor(request);
    return requests.acknowledge((request.params as { id: number }).id, actor(request));
  });

  app.post(
    '/privacy-requests/:id/contact',
    { schema: { tags: ['privacy'], summary: 'Name the contact the request is about, once the requester is checked (supervisors)', security, params: Id, body: Type.Object({ contactId: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }) } },
    async (request) => {
      requireSupervisor(request);
      return requests.link((request.params as { id: number }).id, (request.body as { contactId: number }).contactId, actor(request));
    },
  );

  app.post(
    '/privacy-requests/:id/complete',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Close a request: done (an erasure erases the contact; admins) or refused with the reason the citizen is told',
        security,
        params: Id,
        body: Type.Object({ outcome: literals(['done', 'refused'] as const), note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      requireSupervisor(request);
      const { id } = request.params as { id: number };
      const { outcome, note } = request.body as { outcome: 'done' | 'refused'; note?: string };
      if (outcome === 'done' && (await requests.find(id)).kind === 'erasure') requireAdmin(request);
      return requests.complete(id, outcome, note, actor(request));
    },
  );

  app.get(
    '/contacts/:id/personal-data',
    { schema: { tags: ['privacy'], summary: 'Everything held about a contact, as a JSON file for the citizen (supervisors; audited as an export)', security, params: Id } },
    async (request, reply) => {
      requireSupervisor(request);
      const { id } = request.params as { id: number };
      const document = await personalData.exportOf(id, actorOf(request));
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="du-lieu-ca-nhan-${id}.json"`)
        .send(JSON.stringify(document, null, 2));
    },
  );
}
