import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { z } from 'zod';
import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import { HttpError } from '../../core/errors.ts';
import type { Ingest } from '../../core/ingest.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { ChannelContext } from '../channel-adapter.ts';
import type { OwnSends, SentPart } from '../shared/own-sends.ts';
import type { ProfileCache } from '../shared/profiles.ts';
import type { MessengerAttachment, MessengerEvent, MessengerWebhookBody } from './types.ts';

/** `sha256=<hex HMAC-SHA256(app secret, raw body)>`, the X-Hub-Signature-256 header's value. */
export function messengerSignature(appSecret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody).digest('hex')}`;
}

const sameBytes = (a: string, b: string) => {
  const given = Buffer.from(a, 'utf8');
  const expected = Buffer.from(b, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

/** Checks X-Hub-Signature-256 over the raw bytes, in constant time. */
export function verifyMessengerSignature(header: string, appSecret: string, rawBody: Buffer): boolean {
  return sameBytes(header.trim().toLowerCase(), messengerSignature(appSecret, rawBody));
}

function toAttachment(attachment: MessengerAttachment): Attachment {
  const payload = attachment.payload ?? {};
  const link = typeof payload.url === 'string' ? payload.url : attachment.url;
  const url = link ? { url: link } : {};
  switch (attachment.type) {
    case 'image':
      return payload.sticker_id !== undefined
        ? { kind: 'sticker', ...url, meta: { stickerId: String(payload.sticker_id) } }
        : { kind: 'image', ...url };
    case 'video':
    case 'audio':
    case 'file':
      return { kind: attachment.type, ...url };
    case 'location':
      return {
        kind: 'location',
        ...url,
        ...(attachment.title ? { name: attachment.title } : {}),
        meta: { latitude: payload.coordinates?.lat, longitude: payload.coordinates?.long },
      };
    case 'fallback':
      return { kind: 'link', ...url, ...(typeof payload.title === 'string' ? { name: payload.title } : {}) };
    default:
      // Templates (in echoes), reels, story mentions...: kept with Facebook's own type.
      return { kind: 'link', ...url, meta: { messengerType: attachment.type, payload } };
  }
}

// The parts of a messaging event the gateway reads, with the types it reads them as. An event
// that does not fit is kept for inspection rather than half-used or failing the whole batch.
const platformId = z.union([z.string().min(1), z.number()]);
const attachmentShape = z.looseObject({
  type: z.string(),
  url: z.string().nullish(),
  title: z.string().nullish(),
  payload: z
    .looseObject({
      url: z.string().nullish(),
      title: z.string().nullish(),
      sticker_id: z.union([z.string(), z.number()]).nullish(),
      coordinates: z.looseObject({ lat: z.number(), long: z.number() }).nullish(),
    })
    .nullish(),
});
const eventShape = z.looseObject({
  sender: z.looseObject({ id: platformId }),
  recipient: z.looseObject({ id: platformId }),
  timestamp: z.number().optional(),
  message: z
    .looseObject({
      mid: z.string().min(1),
      text: z.string().nullish(),
      attachments: z.array(attachmentShape).nullish(),
      quick_reply: z.looseObject({ payload: z.string() }).nullish(),
      reply_to: z.looseObject({ mid: z.string() }).nullish(),
      is_echo: z.boolean().nullish(),
      app_id: z.union([z.string(), z.number()]).optional(),
      is_deleted: z.boolean().nullish(),
    })
    .optional(),
  postback: z.looseObject({ title: z.string().nullish(), payload: z.string().nullish(), mid: z.string().min(1).nullish() }).optional(),
  delivery: z.looseObject({ mids: z.array(z.string()).nullish(), watermark: z.number().nullish() }).optional(),
  read: z.looseObject({ watermark: z.number().nullish() }).optional(),
});

/** Why an event cannot be used, as schema paths and rules (never the values), or null. */
export function unusableMessengerEvent(event: unknown): string | null {
  const parsed = eventShape.safeParse(event);
  if (parsed.success) return null;
  return parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.code}`)
    .join('; ');
}

/** What one messaging event means for the gateway. */
export type MessengerNormalized =
  | { kind: 'message'; message: InboundMessage; part: SentPart; appId?: string }
  /** Everything sent to `person` up to the watermark reached them; `mids` names some of it. */
  | { kind: 'receipt'; status: 'delivered' | 'read'; person: string; mids: string[]; upTo: Date | null }
  | { kind: 'ignored'; reason: string };

/**
 * Maps one `entry[].messaging[]` event to a normalized message: messages (with quick-reply
 * payloads), postbacks, and echoes of what the page sent (the person is their sender of record).
 * Deliveries and reads are receipts of what the page sent; reactions and referrals are ignored.
 */
export function normalizeMessengerEvent(event: MessengerEvent, inboxId: number): MessengerNormalized {
  const sentAt = Number.isFinite(event.timestamp) && event.timestamp > 0 ? new Date(event.timestamp) : new Date();
  const senderId = event.sender?.id;
  const recipientId = event.recipient?.id;
  if (!senderId || !recipientId) return { kind: 'ignored', reason: 'no sender or recipient' };

  if (event.message) {
    const { message } = event;
    if (!message.mid) return { kind: 'ignored', reason: 'message without mid' };
    if (message.is_deleted) return { kind: 'ignored', reason: 'deleted message' };
    const echo = message.is_echo === true;
    const attachments = (message.attachments ?? []).map(toAttachment);
    const text = typeof message.text === 'string' && message.text.length > 0 ? message.text : null;
    const metadata: Record<string, unknown> = {};
    if (message.quick_reply?.payload !== undefined) metadata.quickReplyPayload = message.quick_reply.payload;
    if (message.reply_to?.mid) metadata.replyTo = message.reply_to.mid;
    if (echo) {
      metadata.sentOutsideGateway = true;
      if (message.app_id !== undefined) metadata.appId = String(message.app_id);
    }
    const first = attachments[0]?.kind;
    const part: SentPart = text !== null && attachments.length === 0 ? { kind: 'text', text } : { kind: first === 'image' ? 'image' : 'file' };
    return {
      kind: 'message',
      part,
      ...(echo && message.app_id !== undefined ? { appId: String(message.app_id) } : {}),
      message: {
        inboxId,
        externalMessageId: message.mid,
        sender: { externalUserId: String(echo ? recipientId : senderId) },
        text,
        attachments,
        sentAt,
        metadata,
        raw: event,
        ...(echo ? { echo: true } : {}),
        // A swipe-reply files the message with the one it answers, even in a resolved conversation.
        ...(message.reply_to?.mid ? { thread: { externalMessageIds: [message.reply_to.mid] } } : {}),
      },
    };
  }

  if (event.postback) {
    const { postback } = event;
    // Older API versions send postbacks without a mid: the sender and time identify a click.
    const externalMessageId = postback.mid ?? `postback:${senderId}:${event.timestamp}`;
    const text = postback.title ?? postback.payload ?? null;
    return {
      kind: 'message',
      part: { kind: 'text', text: text ?? '' },
      message: {
        inboxId,
        externalMessageId,
        sender: { externalUserId: String(senderId) },
        text,
        attachments: [],
        sentAt,
        metadata: { postback: true, ...(postback.payload !== undefined ? { postbackPayload: postback.payload } : {}) },
        raw: event,
      },
    };
  }

  const receipt = event.delivery ? { status: 'delivered' as const, ...event.delivery } : event.read ? { status: 'read' as const, ...event.read, mids: [] } : null;
  if (receipt) {
    const upTo = Number.isFinite(receipt.watermark) && receipt.watermark > 0 ? new Date(receipt.watermark) : null;
    const mids = (receipt.mids ?? []).filter((mid) => typeof mid === 'string');
    return { kind: 'receipt', status: receipt.status, person: String(senderId), mids, upTo };
  }
  const kind = ['reaction', 'referral', 'optin'].find((name) => name in event) ?? 'unknown';
  return { kind: 'ignored', reason: kind };
}

export interface MessengerWebhookDeps {
  /** `/webhooks/facebook` for the default inbox, `/webhooks/facebook/<key>` for the others. */
  path: string;
  inboxId: number;
  pageId: string;
  appSecret: string;
  verifyToken: string;
  /** Our app's id once known: echoes carrying it are our own sends. */
  appId(): string | undefined;
  ingest: Ingest;
  markDelivery: ChannelContext<unknown>['markDelivery'];
  markDeliveryUpTo: ChannelContext<unknown>['markDeliveryUpTo'];
  metrics: Metrics;
  logger: FastifyBaseLogger;
  ownSends: OwnSends;
  profiles: ProfileCache;
  keepUnusable: ChannelContext<unknown>['keepUnusable'];
}

/**
 * The page's webhook: the GET verification handshake and the signed POSTs. A POST may carry many
 * entries with many events each: all of its messages are stored in one ingest call (one
 * transaction) before the 200, and profile fetches start only after it.
 */
export async function registerMessengerWebhook(app: FastifyInstance, deps: MessengerWebhookDeps): Promise<void> {
  const { ingest, metrics, logger, ownSends, profiles } = deps;
  // This scope is the channel's own: its JSON parser keeps the bytes the signature covers.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.get(
    deps.path,
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Facebook webhook verification: answers hub.challenge when hub.verify_token matches',
        querystring: Type.Object({
          'hub.mode': Type.Optional(Type.String()),
          'hub.verify_token': Type.Optional(Type.String()),
          'hub.challenge': Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const token = query['hub.verify_token'] ?? '';
      if (query['hub.mode'] !== 'subscribe' || !query['hub.challenge'] || !sameBytes(token, deps.verifyToken)) {
        throw new HttpError(403, 'verification_failed', 'hub.verify_token does not match');
      }
      return reply.type('text/plain; charset=utf-8').send(query['hub.challenge']);
    },
  );

  app.post(
    deps.path,
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Messenger events for the page (signed with X-Hub-Signature-256)',
        response: { 200: Type.String() },
      },
    },
    async (request, reply) => {
      const header = request.headers['x-hub-signature-256'];
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      if (typeof header !== 'string' || !verifyMessengerSignature(header, deps.appSecret, raw)) {
        throw new HttpError(403, 'invalid_signature', 'X-Hub-Signature-256 is missing or does not match');
      }
      let body: MessengerWebhookBody;
      try {
        body = JSON.parse(raw.toString('utf8')) as MessengerWebhookBody;
      } catch {
        throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
      }
      // Signed by Facebook but not a batch we can read: acknowledged (Facebook would retry it for
      // hours) and kept.
      if (!body || typeof body !== 'object' || !Array.isArray(body.entry)) {
        await deps.keepUnusable('body: no entry list', body);
        return reply.type('text/plain').send('EVENT_RECEIVED');
      }
      if (body.object !== 'page') return reply.type('text/plain').send('EVENT_RECEIVED');

      const ourApp = deps.appId();
      const messages: InboundMessage[] = [];
      const receipts: Array<Extract<MessengerNormalized, { kind: 'receipt' }>> = [];
      let ownEchoes = 0;
      for (const [e, entry] of body.entry.entries()) {
        if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
          await deps.keepUnusable(`entry[${e}]: not an object`, entry);
          continue;
        }
        if (String(entry.id) !== deps.pageId) {
          logger.debug({ pageId: typeof entry.id === 'string' ? entry.id : undefined }, 'Messenger entry for another page');
          continue;
        }
        if (entry.messaging != null && !Array.isArray(entry.messaging)) {
          await deps.keepUnusable(`entry[${e}].messaging: not an array`, entry);
          continue;
        }
        for (const [i, event] of (entry.messaging ?? []).entries()) {
          const unusable = unusableMessengerEvent(event);
          if (unusable) {
            await deps.keepUnusable(`entry[${e}].messaging[${i}]: ${unusable}`, event);
            continue;
          }
          const normalized = normalizeMessengerEvent(event, deps.inboxId);
          if (normalized.kind === 'ignored') continue;
          if (normalized.kind === 'receipt') {
            receipts.push(normalized);
            continue;
          }
          const { message } = normalized;
          if (message.echo) {
            const own = ourApp
              ? normalized.appId === ourApp
              : ownSends.isOwn({ id: message.externalMessageId, recipient: message.sender.externalUserId, part: normalized.part });
            if (own) {
              ownEchoes++;
              continue;
            }
          }
          messages.push(message);
        }
      }

      const people = new Set(messages.filter((message) => !message.echo).map((message) => message.sender.externalUserId));
      const cached = new Map(await Promise.all([...people].map(async (id) => [id, await profiles.cached(id)] as const)));
      for (const message of messages) {
        const profile = message.echo ? null : cached.get(message.sender.externalUserId);
        if (!profile || profile.failed) continue;
        message.sender = {
          ...message.sender,
          ...(profile.displayName ? { displayName: profile.displayName } : {}),
          ...(profile.avatarUrl ? { avatarUrl: profile.avatarUrl } : {}),
        };
      }

      const results = await ingest(messages);
      for (const receipt of receipts) {
        await deps.markDelivery(receipt.mids, receipt.status);
        if (receipt.upTo) await deps.markDeliveryUpTo(receipt.person, receipt.upTo, receipt.status);
      }
      const duplicates = results.filter((result) => result.duplicate).length;
      if (results.length - duplicates) metrics.messagesIngested.inc({ channel: 'messenger', result: 'stored' }, results.length - duplicates);
      if (duplicates) metrics.messagesIngested.inc({ channel: 'messenger', result: 'duplicate' }, duplicates);
      if (ownEchoes) metrics.messagesIngested.inc({ channel: 'messenger', result: 'own_echo' }, ownEchoes);
      const everyone = new Set(messages.map((message) => message.sender.externalUserId));
      if (everyone.size) reply.raw.once('finish', () => profiles.request(everyone));
      return reply.type('text/plain').send('EVENT_RECEIVED');
    },
  );
}
