import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { createApiToken } from '../core/api-tokens.ts';
import type { ConversationFilter, Conversations } from '../core/conversations.ts';
import type { ConversationStatus } from '../core/domain/types.ts';
import type { Outbox } from '../core/outbox.ts';
import type { Store } from '../core/store/store.ts';
import type { Accounts } from '../core/accounts/accounts.ts';
import type { AttachmentFiles } from '../core/attachment-files.ts';
import { HttpError } from '../core/errors.ts';
import { t, type Locale } from '../core/i18n/index.ts';
import type { ChannelFeature } from '../contracts/channels.ts';
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
  attachments: Type.Array(
    Type.Object(
      {
        id: Nullable(Type.Integer({ description: 'Null for what is not a file (sticker, location, link)' })),
        kind: Type.String(),
        name: Nullable(Type.String()),
        mimeType: Nullable(Type.String()),
        size: Nullable(Type.Integer()),
        state: Nullable(Type.String({ description: 'stored | pending | too_large | refused_type | failed' })),
        detail: Nullable(Type.String({ description: 'Why it is not stored' })),
        url: Nullable(Type.String({ description: '/api/v1/attachments/:id once stored; the link or map of a link or location' })),
        meta: Type.Optional(Type.Unknown()),
      },
      { additionalProperties: false },
    ),
  ),
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
export async function conversationsApi(
  app: FastifyInstance,
  deps: {
    store: Store;
    conversations: Conversations;
    outbox: Outbox;
    accounts: Accounts;
    attachmentFiles: AttachmentFiles;
    /** What a channel offers beyond replying (its definition says; the app looks it up). */
    featuresOf: (channel: string) => readonly ChannelFeature[];
    locale: Locale;
  },
) {
  const { store, conversations, outbox, attachmentFiles } = deps;
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
      const rows = await conversations.messages(id, { limit, ...(after !== undefined ? { afterId: after } : {}) });
      const files = await attachmentFiles.viewsOf(rows);
      const items = rows.map((row) => ({ ...row, attachments: files.get(row.id) ?? [] }));
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
            text: Type.Optional(Type.String({ minLength: 1, maxLength: 10_000 })),
            attachmentIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10, description: 'Files from POST /uploads, sent with the reply' })),
            private: Type.Boolean({ default: false, description: 'true: an internal note the citizen never sees' }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ messageId: Type.Integer(), status: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const body = request.body as { text?: string; attachmentIds?: number[]; private: boolean };
      const conversation = await visible(request, id);
      const actor = actorOf(request);
      const fileIds = body.attachmentIds ?? [];
      if (!body.text && fileIds.length === 0) throw new HttpError(400, 'empty_reply', 'a reply needs text or files (attachmentIds)');
      if (body.private) {
        if (fileIds.length || !body.text) throw new HttpError(400, 'note_files', 'an internal note is text only');
        const note = await conversations.addNote(id, body.text, actor);
        return reply.status(201).send({ messageId: note.messageId, status: 'sent' });
      }
      // The platform's count of free replies is read before the commit, which cannot wait on it.
      await outbox.prepareWindowFor(conversation);
      // The files and the reply are one commit: a file is sent once, by the reply that took it.
      const queued = await store.tx(async (db) => {
        const attachments = await attachmentFiles.uploadsFor(db, fileIds, actor);
        const reply = await outbox.queueWithin(db, { conversationId: id, text: body.text ?? null, attachments, senderType: 'agent', senderRef: actor });
        await attachmentFiles.attachWithin(db, fileIds, reply.messageId, reply.conversationId);
        return reply;
      });
      outbox.announce(queued);
      // A person answering takes the conversation from the bot until they give it back.
      if (conversation.handler !== 'human') await conversations.route(id, { handler: 'human' }, actor);
      // Sent already where the channel delivers on commit (the web form's thread), else queued.
      return reply.status(201).send({ messageId: queued.messageId, status: queued.delivered ? 'sent' : 'queued' });
    },
  );

  app.post(
    '/conversations/:id/request-contact-info',
    {
      schema: {
        tags: ['conversations'],
        summary: "Send the channel's form asking the citizen to share name and phone (Zalo OA's request-info template); their answer links them to the contact with that phone",
        security,
        params: IdParams,
        response: { 201: Type.Object({ messageId: Type.Integer(), status: Type.String() }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: number };
      const conversation = await visible(request, id);
      if (!deps.featuresOf(conversation.channel).includes('request_contact_info')) {
        throw new HttpError(409, 'not_supported', 'this channel has no form to ask for contact details');
      }
      const actor = actorOf(request);
      // The channel sends its form (it holds the form's texts); the message records that it went.
      const sent = await outbox.enqueueReply({ conversationId: id, text: t(deps.locale, 'requestInfo.sent'), senderType: 'agent', senderRef: actor, metadata: { requestContactInfo: true } });
      await conversations.audit({ actor, action: 'contact.info_requested', subjectType: 'conversation', subjectId: id });
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
            source: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('rule')], { description: "platform: the platform's own count; rule: the channel's fixed rule (an estimate)" })),
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
