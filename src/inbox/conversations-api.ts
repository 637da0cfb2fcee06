import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { createApiToken } from '../core/api-tokens.ts';
import type { ConversationFilter, Conversations } from '../core/conversations.ts';
import type { ConversationStatus } from '../core/domain/types.ts';
import type { Outbox } from '../core/outbox.ts';
import type { Store } from '../core/store/store.ts';
import type { Accounts } from '../core/accounts/accounts.ts';
import { actorOf, conversationScope, requireAdmin, requirePrincipal, visibleConversation } from '../core/http/auth.ts';

const Status = Type.Union([Type.Literal('open'), Type.Literal('pending'), Type.Literal('resolved')]);
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const ConversationSummary = Type.Object({
  id: Type.Integer(),
  status: Status,
  inboxId: Type.Integer(),
  channel: Type.String(),
  /** The client of a shared inbox the citizen wrote from: the web form's 'web' or 'app'. */
  source: Nullable(Type.String()),
  contactId: Type.Integer(),
  contactName: Nullable(Type.String()),
  teamId: Nullable(Type.Integer()),
  assigneeId: Nullable(Type.Integer()),
  lastMessageAt: DateTime,
  lastInboundAt: Nullable(DateTime),
  createdAt: DateTime,
  resolvedAt: Nullable(DateTime),
  handler: Type.Union([Type.Literal('bot'), Type.Literal('human')]),
  waitingSince: Nullable(DateTime),
  labelIds: Type.Array(Type.Integer(), { description: 'Labels on the conversation (see /labels)' }),
});

const Conversation = Type.Intersect([
  ConversationSummary,
  Type.Object({ contactPhone: Nullable(Type.String()), contactEmail: Nullable(Type.String()) }),
]);

const Message = Type.Object({
  id: Type.Integer(),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out'), Type.Literal('note'), Type.Literal('activity')]),
  senderType: Type.String(),
  senderRef: Nullable(Type.String()),
  text: Nullable(Type.String()),
  attachments: Type.Unknown(),
  status: Type.String(),
  error: Nullable(Type.String()),
  externalId: Nullable(Type.String()),
  metadata: Type.Unknown(),
  createdAt: DateTime,
  sentAt: Nullable(DateTime),
});

/** A nullable integer in a request body. Not anyOf: with type coercion on, Ajv would turn
 * null into 0 in the integer branch before trying the null one. */
const NullableInteger = Type.Unsafe<number | null>({ type: ['integer', 'null'] });

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const security = [{ bearerAuth: [] }];

/** REST API for integrations and the agents' inbox: conversations, messages, replies, status. */
export async function conversationsApi(app: FastifyInstance, deps: { store: Store; conversations: Conversations; outbox: Outbox; accounts: Accounts }) {
  const { store, conversations, outbox } = deps;
  requirePrincipal(app, deps);

  const visible = (request: FastifyRequest, id: number) => visibleConversation(conversations, request, id);

  app.get(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'List conversations, most recent activity first',
        security,
        querystring: Type.Object({
          status: Type.Optional(Status),
          inboxId: Type.Optional(Type.Integer()),
          channel: Type.Optional(Type.String()),
          source: Type.Optional(Type.String({ maxLength: 20, description: "The client of a shared inbox: 'web' or 'app' (the web form)" })),
          teamId: Type.Optional(Type.Integer()),
          assigneeId: Type.Optional(Type.Integer()),
          contactId: Type.Optional(Type.Integer()),
          labelId: Type.Optional(Type.Integer({ minimum: 1 })),
          from: Type.Optional(Type.String({ format: 'date-time', description: 'Last message at or after this time' })),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Last message at or before this time' })),
          q: Type.Optional(
            Type.String({ minLength: 1, maxLength: 200, description: "Search, accents ignored, in the contact's name, phone and email and in the messages" }),
          ),
          cursor: Type.Optional(Type.String({ maxLength: 100 })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(ConversationSummary), nextCursor: Nullable(Type.String()) }) },
      },
    },
    async (request) => {
      const { from, to, ...filter } = request.query as Omit<ConversationFilter, 'from' | 'to'> & { from?: string; to?: string };
      const scope = conversationScope(request.principal);
      const page = await conversations.list({ ...filter, ...(from ? { from: new Date(from) } : {}), ...(to ? { to: new Date(to) } : {}), ...(scope ? { visibleTo: scope } : {}) });
      // A search reads contacts' personal data by what it matched: audited as a search.
      const action = filter.q ? 'conversation.search' : 'conversation.list';
      await conversations.audit({ actor: actorOf(request), action, detail: { filter: { ...filter, from, to }, count: page.items.length } });
      return page;
    },
  );

  app.get(
    '/conversations/:id',
    { schema: { tags: ['conversations'], summary: 'One conversation with its contact', security, params: IdParams, response: { 200: Conversation } } },
    async (request) => {
      const { id } = request.params as { id: number };
      const conversation = await visible(request, id);
      await conversations.audit({ actor: actorOf(request), action: 'conversation.read', subjectType: 'conversation', subjectId: id, detail: { contactId: conversation.contactId } });
      return conversation;
    },
  );

  app.get(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: "A conversation's messages in order; `after` resumes from the last id seen",
        security,
        params: IdParams,
        querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }),
        response: { 200: Type.Object({ items: Type.Array(Message) }) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const { after, limit } = request.query as { after?: number; limit: number };
      await visible(request, id);
      const items = await conversations.messages(id, { limit, ...(after !== undefined ? { afterId: after } : {}) });
      await conversations.audit({ actor: actorOf(request), action: 'conversation.messages.read', subjectType: 'conversation', subjectId: id, detail: { count: items.length } });
      return { items };
    },
  );

  app.post(
    '/conversations/:id/messages',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Reply to the citizen (sent through the outbox on their channel) or add an internal note',
        security,
        params: IdParams,
        body: Type.Object(
          {
            text: Type.String({ minLength: 1, maxLength: 10_000 }),
            private: Type.Boolean({ default: false, description: 'true: an internal note the citizen never sees' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ messageId: Type.Integer(), status: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const body = request.body as { text: string; private: boolean };
      await visible(request, id);
      const actor = actorOf(request);
      if (body.private) {
        const note = await conversations.addNote(id, body.text, actor);
        return reply.status(201).send({ messageId: note.messageId, status: 'sent' });
      }
      const sent = await outbox.enqueueReply({ conversationId: id, text: body.text, senderType: 'agent', senderRef: actor });
      // A person answering takes the conversation from the bot until they give it back.
      if ((await conversations.get(id)).handler !== 'human') await conversations.route(id, { handler: 'human' }, actor);
      return reply.status(201).send({ messageId: sent.messageId, status: 'queued' });
    },
  );

  app.get(
    '/conversations/:id/window',
    {
      schema: {
        tags: ['conversations'],
        summary: "The channel's messaging window now: may a reply go, until when, how many free replies are left",
        security,
        params: IdParams,
        response: {
          200: Type.Object({
            open: Type.Boolean(),
            reason: Type.Optional(Type.String()),
            closesAt: Type.Optional(DateTime),
            remainingReplies: Type.Optional(Type.Integer()),
          }),
        },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      await visible(request, id);
      return outbox.replyWindow(id);
    },
  );

  app.patch(
    '/conversations/:id',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Change status, move to a team, assign to an agent (manual override), take over from or give back to the bot',
        security,
        params: IdParams,
        body: Type.Object(
          {
            status: Type.Optional(Status),
            teamId: Type.Optional(NullableInteger),
            assigneeId: Type.Optional(NullableInteger),
            handler: Type.Optional(Type.Union([Type.Literal('bot'), Type.Literal('human')])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Object({ id: Type.Integer(), status: Status, changed: Type.Boolean() }) },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const { status, ...change } = request.body as { status?: ConversationStatus; teamId?: number | null; assigneeId?: number | null; handler?: 'bot' | 'human' };
      await visible(request, id);
      const actor = actorOf(request);
      let changed = false;
      if (Object.keys(change).length) {
        await conversations.route(id, change, actor);
        changed = true;
      }
      if (status) changed = (await conversations.setStatus(id, status, actor)) || changed;
      return { id, status: (await conversations.get(id)).status as ConversationStatus, changed };
    },
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API token (admin only); the token is shown once',
        security,
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 80 }), role: Type.Union([Type.Literal('admin'), Type.Literal('integration')]) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.Integer(), token: Type.String() }) },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { name: string; role: 'admin' | 'integration' };
      const created = await createApiToken(store, { ...body, actor: actorOf(request) });
      return reply.status(201).send(created);
    },
  );
}
