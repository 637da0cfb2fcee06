import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from 'typebox';
import { NotFoundError } from '../../core/errors.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import { fieldError, ValidationError, type FieldError } from '../../core/http/validation.ts';
import type { ChannelContext } from '../channel-adapter.ts';
import type { WebformSettings } from './config.ts';
import { threadToken, verifyThreadToken } from './thread-token.ts';

export const publicMessageBody = (maxText: number) =>
  Type.Object(
    {
      name: Type.String({ minLength: 1, maxLength: 120, description: 'Họ và tên người gửi' }),
      phone: Type.Optional(Type.String({ maxLength: 24, description: 'Số điện thoại Việt Nam; phone or email is required' })),
      email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
      text: Type.String({ minLength: 1, maxLength: maxText, description: 'Nội dung câu hỏi, phản ánh, kiến nghị' }),
      dossierCode: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9./-]{1,50}$', description: 'Mã hồ sơ TTHC' })),
      unit: Type.Optional(Type.String({ maxLength: 200, description: 'Xã, phường hoặc cơ quan liên quan' })),
      clientMessageId: Type.Optional(
        Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$', description: 'Set by the client so a retried submit is stored once' }),
      ),
      visitorKey: Type.Optional(
        Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'The key the first answer returned: later messages continue the same thread' }),
      ),
      source: Type.Optional(
        Type.Union([Type.Literal('web'), Type.Literal('app')], { description: "Which client sends it: the website's form ('web', the default) or the mobile app ('app'); the reports count them apart" }),
      ),
    },
    { additionalProperties: false },
  );

type PublicMessageBody = Static<ReturnType<typeof publicMessageBody>>;

const accepted = Type.Object({
  conversationId: Type.Integer(),
  messageId: Type.Integer(),
  duplicate: Type.Boolean({ description: 'True when this clientMessageId was already stored' }),
  threadToken: Type.String({ description: 'Lets the citizen read the answers to this conversation' }),
  visitorKey: Type.String({ description: 'Keep it and send it with later messages to continue this thread' }),
});

const threadMessage = Type.Object({
  id: Type.Integer(),
  from: Type.Union([Type.Literal('citizen'), Type.Literal('hotline')]),
  text: Type.Union([Type.String(), Type.Null()]),
  /** Files of the message; `url` (with the thread's token) downloads one the gateway holds. */
  attachments: Type.Array(
    Type.Object({
      kind: Type.String(),
      name: Type.Union([Type.String(), Type.Null()]),
      mimeType: Type.Union([Type.String(), Type.Null()]),
      size: Type.Union([Type.Integer(), Type.Null()]),
      url: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  createdAt: Type.String({ format: 'date-time' }),
});

/**
 * Turns a valid body into the normalized message, or lists what the citizen must fix. The
 * sender is the visitor key, never the phone or email typed in the form: those are unverified,
 * and keying on them would let anyone who types a citizen's number into that citizen's thread.
 */
export function toInboundMessage(inboxId: number, body: PublicMessageBody, raw: unknown, visitorKey: string, minted = false): InboundMessage {
  const errors: FieldError[] = [];
  const name = body.name.trim();
  const text = body.text.trim();
  if (!name) errors.push(fieldError('name', 'required'));
  if (!text) errors.push(fieldError('text', 'required', { max: body.text.length }));
  const phoneInput = body.phone?.trim();
  const phone = phoneInput ? normalizeVnPhone(phoneInput) : undefined;
  if (phoneInput && !phone) errors.push(fieldError('phone', 'format'));
  const email = body.email?.trim().toLowerCase() || undefined;
  if (!phoneInput && !email) errors.push(fieldError('contact', 'required'));
  if (errors.length) throw new ValidationError(errors);

  const externalUserId = `wfv:${createHash('sha256').update(visitorKey).digest('base64url').slice(0, 32)}`;
  // Scoped to what the client sends on every retry (the same visitor key, or the same phone or
  // email on a first submit), so one citizen's client id never collides with another's.
  const retryScope = body.visitorKey ?? (phone ? `tel:${phone}` : `mailto:${email}`);
  const externalMessageId = body.clientMessageId
    ? `cm:${createHash('sha256').update(`${retryScope}\n${body.clientMessageId}`).digest('base64url')}`
    : `wf:${randomUUID()}`;
  return {
    inboxId,
    externalMessageId,
    sender: {
      externalUserId,
      displayName: name,
      selfDeclared: true,
      // A key this server just drew belongs to nobody yet.
      ...(minted ? { minted: true } : {}),
      ...(phone ? { phone } : {}),
      ...(email ? { email } : {}),
    },
    text,
    attachments: [],
    sentAt: new Date(),
    source: body.source ?? 'web',
    metadata: {
      source: body.source ?? 'web',
      ...(body.dossierCode ? { dossierCode: body.dossierCode } : {}),
      ...(body.unit?.trim() ? { unit: body.unit.trim() } : {}),
    },
    raw,
  };
}

/** The public API the website and the mobile app post to, and the citizen's thread view. */
export async function registerWebformRoutes(app: FastifyInstance, context: ChannelContext<WebformSettings>): Promise<void> {
  const { inbox, settings, ingest, conversations, secret, metrics, config } = context;
  const prefix = context.isDefault ? '/api/public' : `/api/public/inboxes/${inbox.key}`;
  const perMinute = config.env.PUBLIC_RATE_LIMIT;
  const limit = (max: number) => ({ rateLimit: perMinute > 0 ? { max, timeWindow: '1 minute' } : (false as const) });
  const bodySchema = publicMessageBody(settings.maxTextLength);

  app.post(
    `${prefix}/messages`,
    {
      bodyLimit: 64 * 1024,
      config: limit(perMinute),
      schema: {
        tags: ['public'],
        summary: 'A citizen sends a question, complaint or petition (web form, mobile app)',
        body: bodySchema,
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const body = request.body as PublicMessageBody;
      // randomUUID draws from a pooled entropy buffer; randomBytes asks the OS-backed generator on every call.
      const visitorKey = body.visitorKey ?? randomUUID().replaceAll('-', '');
      const message = toInboundMessage(inbox.id, body, body, visitorKey, body.visitorKey === undefined);
      const [result] = await ingest([message]);
      metrics.messagesIngested.inc({ channel: 'webform', result: result!.duplicate ? 'duplicate' : 'stored' });
      return reply.status(202).send({
        conversationId: result!.conversationId,
        messageId: result!.messageId,
        duplicate: result!.duplicate,
        threadToken: threadToken(secret, result!.conversationId),
        visitorKey,
      });
    },
  );

  // The thread page's reply box: the citizen writes on (or asks for a person) without typing their
  // name and phone again; those come from the conversation the thread token opens. The visitor
  // key still decides whose thread the message joins, so a token alone writes as nobody.
  app.post(
    `${prefix}/conversations/:conversationId/messages`,
    {
      bodyLimit: 64 * 1024,
      config: limit(perMinute),
      schema: {
        tags: ['public'],
        summary: 'The citizen writes back in their thread (the thread page of the web form)',
        params: Type.Object({ conversationId: Type.Integer({ minimum: 1 }) }),
        body: Type.Object(
          {
            token: Type.String({ minLength: 1, maxLength: 64 }),
            visitorKey: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
            text: Type.String({ minLength: 1, maxLength: settings.maxTextLength }),
            clientMessageId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$' })),
          },
          { additionalProperties: false },
        ),
        response: { 202: accepted },
      },
    },
    async (request, reply) => {
      const { conversationId } = request.params as { conversationId: number };
      const body = request.body as { token: string; visitorKey: string; text: string; clientMessageId?: string };
      if (!verifyThreadToken(secret, conversationId, body.token)) throw new NotFoundError('conversation');
      const thread = await conversations.get(conversationId);
      const message = toInboundMessage(
        inbox.id,
        {
          name: thread.contactName ?? '-',
          ...(thread.contactPhone ? { phone: thread.contactPhone } : {}),
          ...(thread.contactEmail ? { email: thread.contactEmail } : {}),
          text: body.text,
          visitorKey: body.visitorKey,
          ...(body.clientMessageId ? { clientMessageId: body.clientMessageId } : {}),
        },
        { ...body, token: undefined },
        body.visitorKey,
      );
      const [result] = await ingest([message]);
      metrics.messagesIngested.inc({ channel: 'webform', result: result!.duplicate ? 'duplicate' : 'stored' });
      return reply.status(202).send({
        conversationId: result!.conversationId,
        messageId: result!.messageId,
        duplicate: result!.duplicate,
        threadToken: threadToken(secret, result!.conversationId),
        visitorKey: body.visitorKey,
      });
    },
  );

  app.get(
    `${prefix}/conversations/:conversationId/messages`,
    {
      config: limit(settings.threadReadsPerMinute),
      schema: {
        tags: ['public'],
        summary: "The citizen's own thread: their messages and the hotline's answers",
        params: Type.Object({ conversationId: Type.Integer({ minimum: 1 }) }),
        querystring: Type.Object({
          token: Type.String({ minLength: 1, maxLength: 64 }),
          after: Type.Optional(Type.Integer({ minimum: 0 })),
        }),
        response: { 200: Type.Object({ messages: Type.Array(threadMessage) }) },
      },
    },
    async (request) => {
      const { conversationId } = request.params as { conversationId: number };
      const { token, after } = request.query as { token: string; after?: number };
      if (!verifyThreadToken(secret, conversationId, token)) {
        throw new NotFoundError('conversation');
      }
      const rows = await conversations.messages(conversationId, { limit: 200, citizenView: true, ...(after !== undefined ? { afterId: after } : {}) });
      return {
        messages: rows
          .filter((row) => row.direction === 'in' || row.status !== 'failed')
          .map((row) => ({
            id: row.id,
            from: row.direction === 'in' ? ('citizen' as const) : ('hotline' as const),
            text: row.text,
            attachments: ((row.attachments as Attachment[] | null) ?? []).map((a) => {
              const key = typeof a.meta?.storageKey === 'string' ? a.meta.storageKey : null;
              return {
                kind: a.kind,
                name: a.name ?? null,
                mimeType: a.mimeType ?? null,
                size: a.size ?? null,
                url: key ? `${prefix}/conversations/${conversationId}/files/${key}?token=${encodeURIComponent(token)}` : null,
              };
            }),
            createdAt: row.createdAt.toISOString(),
          })),
      };
    },
  );

  app.get(
    `${prefix}/conversations/:conversationId/files/:key`,
    {
      config: limit(settings.threadReadsPerMinute),
      schema: {
        tags: ['public'],
        summary: "A file of the citizen's own thread (sent by them or by the hotline)",
        params: Type.Object({ conversationId: Type.Integer({ minimum: 1 }), key: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 64 }) }),
      },
    },
    async (request, reply) => {
      const { conversationId, key } = request.params as { conversationId: number; key: string };
      const { token } = request.query as { token: string };
      if (!verifyThreadToken(secret, conversationId, token)) throw new NotFoundError('file');
      // Only a file a visible message of this very thread carries: a key alone opens nothing.
      const rows = await conversations.messages(conversationId, { limit: 500, citizenView: true });
      const file = rows
        .filter((row) => row.direction === 'in' || row.status !== 'failed')
        .flatMap((row) => (row.attachments as Attachment[] | null) ?? [])
        .find((a) => a.meta?.storageKey === key);
      const bytes = file ? await context.files.read(key) : null;
      if (!file || !bytes) throw new NotFoundError('file');
      const type = file.mimeType ?? 'application/octet-stream';
      const inline = type.startsWith('image/') || type === 'application/pdf';
      const name = (file.name ?? `${file.kind}`).replace(/[^\x20-\x7e]|["\\]/g, '_');
      return reply
        .type(type)
        .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${name}"; filename*=UTF-8''${encodeURIComponent(file.name ?? file.kind)}`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; img-src 'self'; sandbox")
        .header('cache-control', 'private, max-age=3600')
        .send(bytes);
    },
  );
}
