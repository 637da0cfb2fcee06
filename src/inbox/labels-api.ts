import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import type { Conversations } from '../core/conversations.ts';
import type { EventBus } from '../core/events.ts';
import { createLabels } from '../core/labels.ts';
import type { Store } from '../core/store/store.ts';
import { actorOf, requirePrincipal, requireSupervisor, visibleConversation } from '../core/http/auth.ts';

const security = [{ bearerAuth: [] }];
const Color = Type.Unsafe<string | null>({ type: ['string', 'null'], pattern: '^#[0-9a-fA-F]{6}$', description: '#rrggbb' });
const Label = Type.Object({ id: Type.Integer(), key: Type.String(), name: Type.String(), color: Type.Union([Type.String(), Type.Null()]) });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const LinkParams = Type.Object({ id: Type.Integer({ minimum: 1 }), labelId: Type.Integer({ minimum: 1 }) });
const LinkResult = Type.Object({ conversationId: Type.Integer(), labelIds: Type.Array(Type.Integer()), changed: Type.Boolean() });

/** Labels: supervisors and admins keep the list; any agent who may see a conversation labels it. */
export async function labelsApi(app: FastifyInstance, deps: { store: Store; events: EventBus; conversations: Conversations; accounts: Accounts }) {
  const labels = createLabels(deps.store, deps.events);
  requirePrincipal(app, deps);

  app.get('/labels', { schema: { tags: ['inbox'], summary: 'Every label', security, response: { 200: Type.Array(Label) } } }, async () => labels.list());

  app.post(
    '/labels',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Create a label (supervisor or admin)',
        security,
        body: Type.Object(
          { key: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }), name: Type.String({ minLength: 1, maxLength: 60 }), color: Type.Optional(Color) },
          { additionalProperties: false },
        ),
        response: { 201: Label },
      },
    },
    async (request, reply) => {
      requireSupervisor(request);
      const body = request.body as { key: string; name: string; color?: string | null };
      return reply.status(201).send(await labels.create({ key: body.key, name: body.name, color: body.color?.toLowerCase() ?? null }, actorOf(request)));
    },
  );

  app.patch(
    '/labels/:id',
    {
      schema: {
        tags: ['inbox'],
        summary: "Rename or recolour a label (supervisor or admin)",
        security,
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })), color: Type.Optional(Color) }, { additionalProperties: false, minProperties: 1 }),
        response: { 200: Label },
      },
    },
    async (request) => {
      requireSupervisor(request);
      const { id } = request.params as { id: number };
      const body = request.body as { name?: string; color?: string | null };
      return labels.update(id, { ...body, ...(body.color ? { color: body.color.toLowerCase() } : {}) }, actorOf(request));
    },
  );

  app.delete(
    '/labels/:id',
    { schema: { tags: ['inbox'], summary: 'Delete a label and take it off every conversation (supervisor or admin)', security, params: IdParams, response: { 204: Type.Null() } } },
    async (request, reply) => {
      requireSupervisor(request);
      await labels.remove((request.params as { id: number }).id, actorOf(request));
      return reply.status(204).send();
    },
  );

  for (const [method, on] of [['PUT', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/conversations/:id/labels/:labelId',
      schema: {
        tags: ['conversations'],
        summary: on ? 'Put a label on a conversation' : 'Take a label off a conversation',
        security,
        params: LinkParams,
        response: { 200: LinkResult },
      },
      handler: async (request) => {
        const { id, labelId } = request.params as { id: number; labelId: number };
        await visibleConversation(deps.conversations, request, id);
        const result = await labels.set(id, labelId, on, actorOf(request));
        return { conversationId: id, ...result };
      },
    });
  }
}
