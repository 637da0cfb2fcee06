import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { z } from 'zod';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import type { SharedDetails } from '../../core/identity-events.ts';
import { HttpError } from '../../core/errors.ts';
import type { Ingest } from '../../core/ingest.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { ChannelContext } from '../channel-adapter.ts';
import type { OwnSends, SentPart } from '../shared/own-sends.ts';
import type { ProfileCache } from '../shared/profiles.ts';
import type { ZaloAttachment, ZaloFollowEvent, ZaloMessageEvent, ZaloSubmitInfoEvent, ZaloWebhookEvent } from './types.ts';

/** Hex SHA-256 of app id + raw body + the body's timestamp + OA secret key (a hash, not an HMAC). */
export function zaloSignature(appId: string, rawBody: Buffer | string, timestamp: string, oaSecretKey: string): string {
  return createHash('sha256').update(appId).update(rawBody).update(timestamp).update(oaSecretKey).digest('hex');
}

/** Compares the `X-ZEvent-Signature: mac=<hex>` header with the expected hash in constant time. */
export function verifyZaloSignature(header: string, appId: string, rawBody: Buffer, timestamp: string, oaSecretKey: string): boolean {
  const given = Buffer.from(header.trim().replace(/^mac=/i, '').toLowerCase(), 'utf8');
  const expected = Buffer.from(zaloSignature(appId, rawBody, timestamp, oaSecretKey), 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What one webhook event means for the gateway. */
export type ZaloNormalized =
  | { kind: 'message'; message: InboundMessage; part: SentPart }
  /** `follow` / `unfollow`: the person's standing with the OA, no conversation. */
  | { kind: 'follow'; userId: string; following: boolean; at: Date }
  /** `user_submit_info`: what the citizen shared through the request-info form. */
  | { kind: 'shared'; userId: string; details: SharedDetails; at: Date }
  | { kind: 'receipt'; status: 'delivered' | 'read'; externalIds: string[] }
  | { kind: 'ignored'; reason: string };

/** What the citizen's app reports of the OA's messages: received on the phone, then seen. */
const receipts: Record<string, 'delivered' | 'read'> = { user_received_message: 'delivered', user_seen_message: 'read' };

const num = (value: string | number | undefined) => (value === undefined || value === '' ? undefined : Number(value));

function toAttachment(attachment: ZaloAttachment): Attachment {
  const payload = attachment.payload ?? {};
  const url = payload.url ? { url: payload.url } : {};
  const thumbnail = payload.thumbnail ? { thumbnail: payload.thumbnail } : {};
  switch (attachment.type) {
    case 'image':
      return { kind: 'image', ...url, meta: { ...thumbnail } };
    case 'gif':
      return { kind: 'image', ...url, mimeType: 'image/gif', meta: { gif: true, ...thumbnail } };
    case 'sticker':
      return { kind: 'sticker', ...url, meta: { ...(payload.id ? { stickerId: payload.id } : {}) } };
    case 'audio':
      return { kind: 'audio', ...url };
    case 'video':
      return { kind: 'video', ...url, meta: { ...thumbnail, ...(payload.description ? { description: payload.description } : {}) } };
    case 'file':
      return {
        kind: 'file',
        ...url,
        ...(payload.name ? { name: payload.name } : {}),
        ...(num(payload.size) !== undefined && Number.isFinite(num(payload.size)) ? { size: num(payload.size)! } : {}),
        meta: { ...(payload.type ? { extension: payload.type } : {}), ...(payload.checksum ? { checksum: payload.checksum } : {}) },
      };
    case 'location': {
      const coordinates = payload.coordinates;
      return { kind: 'location', meta: { latitude: num(coordinates?.latitude), longitude: num(coordinates?.longitude) } };
    }
    case 'link':
      return {
        kind: 'link',
        ...url,
        ...(payload.title ? { name: payload.title } : {}),
        meta: { ...thumbnail, ...(payload.description ? { description: payload.description } : {}) },
      };
    default:
      // Business cards and whatever Zalo adds later: keep what there is, typed by Zalo's name.
      return { kind: 'link', ...url, meta: { zaloType: attachment.type, payload } };
  }
}

const isMessageEvent = (name: string) => /^(user|anonymous|oa)_send_/.test(name);

// The parts of a message or receipt event the gateway reads, with the types it reads them as.
// An event that does not fit is kept for inspection rather than half-used or failing.
const zaloId = z.union([z.string().min(1), z.number()]);
const text = z.string().nullish();
const attachmentShape = z.looseObject({
  type: z.string(),
  payload: z
    .looseObject({
      url: text,
      thumbnail: text,
      id: z.union([z.string(), z.number()]).nullish(),
      name: text,
      size: z.union([z.string(), z.number()]).nullish(),
      checksum: text,
      type: text,
      description: text,
      title: text,
      coordinates: z.looseObject({ latitude: z.union([z.string(), z.number()]), longitude: z.union([z.string(), z.number()]) }).nullish(),
    })
    .nullish(),
});
const messageEventShape = z.looseObject({
  sender: z.looseObject({ id: zaloId }),
  recipient: z.looseObject({ id: zaloId }),
  message: z.looseObject({
    msg_id: zaloId,
    text,
    attachments: z.array(attachmentShape).nullish(),
    quote_msg_id: zaloId.nullish(),
    conversation_id: zaloId.nullish(),
  }),
});
const followEventShape = z.looseObject({ follower: z.looseObject({ id: zaloId }) });
const submitInfoEventShape = z.looseObject({
  sender: z.looseObject({ id: zaloId }),
  info: z.looseObject({ name: text, phone: z.union([z.string(), z.number()]).nullish() }),
});
const receiptEventShape = z.looseObject({
  message: z.looseObject({ msg_id: zaloId.nullish(), msg_ids: z.array(zaloId).nullish() }),
});

/** Why a message or receipt event cannot be used, as schema paths and rules (never the values),
 * or null (other events are not read, so never unusable). */
export function unusableZaloEvent(event: ZaloWebhookEvent): string | null {
  const name = String(event.event_name ?? '');
  const shape = receipts[name]
    ? receiptEventShape
    : isMessageEvent(name)
      ? messageEventShape
      : name === 'follow' || name === 'unfollow'
        ? followEventShape
        : name === 'user_submit_info'
          ? submitInfoEventShape
          : null;
  const parsed = shape?.safeParse(event);
  if (!parsed || parsed.success) return null;
  return parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.code}`)
    .join('; ');
}

/**
 * Maps one Zalo event to a normalized message. Citizen messages become inbound; `oa_send_*` are
 * what the OA sent (from the OA manager or from us) and become echoes, with the citizen as the
 * sender of record. Receipts name the OA's messages; follows and shared details concern the
 * person, not a conversation; the rest is not read.
 */
export function normalizeZaloEvent(event: ZaloWebhookEvent, inboxId: number): ZaloNormalized {
  const name = String(event.event_name ?? '');
  const receipt = receipts[name];
  if (receipt) {
    // Seen marks list several ids (msg_ids); a received mark may carry one (msg_id).
    const { msg_id: one, msg_ids: many } = ((event as { message?: { msg_id?: unknown; msg_ids?: unknown } }).message ?? {});
    const externalIds = [...(Array.isArray(many) ? many : []), ...(one !== undefined ? [one] : [])].filter((id) => typeof id === 'string' || typeof id === 'number').map(String);
    return externalIds.length ? { kind: 'receipt', status: receipt, externalIds } : { kind: 'ignored', reason: `${name} without msg_ids` };
  }
  const eventMs = Number(event.timestamp);
  const at = Number.isFinite(eventMs) && eventMs > 0 ? new Date(eventMs) : new Date();
  if (name === 'follow' || name === 'unfollow') {
    const follower = (event as unknown as ZaloFollowEvent).follower?.id;
    return follower ? { kind: 'follow', userId: String(follower), following: name === 'follow', at } : { kind: 'ignored', reason: `${name} without follower` };
  }
  if (name === 'user_submit_info') {
    const body = event as unknown as ZaloSubmitInfoEvent;
    const userId = body.sender?.id;
    if (!userId) return { kind: 'ignored', reason: 'user_submit_info without sender' };
    const phone = body.info?.phone !== undefined && body.info.phone !== null ? normalizeVnPhone(String(body.info.phone)) : null;
    const fullName = typeof body.info?.name === 'string' && body.info.name.trim() ? body.info.name.trim().slice(0, 200) : undefined;
    return { kind: 'shared', userId: String(userId), details: { ...(fullName ? { name: fullName } : {}), ...(phone ? { phone } : {}) }, at };
  }
  if (!isMessageEvent(name)) return { kind: 'ignored', reason: name || 'no event_name' };
  const body = event as unknown as ZaloMessageEvent;
  const msgId = body.message?.msg_id;
  const senderId = body.sender?.id;
  const recipientId = body.recipient?.id;
  if (!msgId || !senderId || !recipientId) return { kind: 'ignored', reason: `${name} without msg_id, sender or recipient` };

  const echo = name.startsWith('oa_send_');
  const anonymous = name.startsWith('anonymous_send_');
  const citizen = echo ? String(recipientId) : String(senderId);
  const attachments = (body.message.attachments ?? []).map(toAttachment);
  const text = typeof body.message.text === 'string' && body.message.text.length > 0 ? body.message.text : null;
  const sentMs = Number(body.timestamp);
  const metadata: Record<string, unknown> = { zaloEvent: name };
  if (body.message.quote_msg_id) metadata.replyTo = String(body.message.quote_msg_id);
  if (anonymous) {
    metadata.anonymous = true;
    if (body.message.conversation_id) metadata.anonymousConversationId = String(body.message.conversation_id);
  }
  if (echo) metadata.sentOutsideGateway = true;

  const kind = attachments[0]?.kind;
  const part: SentPart = text !== null && attachments.length === 0 ? { kind: 'text', text } : { kind: kind === 'image' ? 'image' : 'file' };
  return {
    kind: 'message',
    part,
    message: {
      inboxId,
      externalMessageId: String(msgId),
      // Anonymous chats have their own ids and reply API: keep them apart from followers.
      sender: { externalUserId: anonymous ? `anonymous:${citizen}` : citizen },
      text,
      attachments,
      sentAt: Number.isFinite(sentMs) && sentMs > 0 ? new Date(sentMs) : new Date(),
      metadata,
      raw: event,
      ...(echo ? { echo: true } : {}),
      // A quote files the message with the quoted one, even if that conversation was resolved.
      ...(body.message.quote_msg_id ? { thread: { externalMessageIds: [String(body.message.quote_msg_id)] } } : {}),
    },
  };
}

export interface ZaloWebhookDeps {
  /** `/webhooks/zalo-oa` for the default inbox, `/webhooks/zalo-oa/<key>` for the others. */
  path: string;
  inboxId: number;
  appId: string;
  oaSecretKey: string;
  /** Events signed longer ago than this (or ahead of now by it) are replays; 0: no check. */
  maxAgeSeconds: number;
  ingest: Ingest;
  markDelivery: ChannelContext<unknown>['markDelivery'];
  metrics: Metrics;
  logger: FastifyBaseLogger;
  ownSends: OwnSends;
  profiles: ProfileCache;
  keepUnusable: ChannelContext<unknown>['keepUnusable'];
  identities: ChannelContext<unknown>['identities'];
  /** A citizen wrote: the free replies Zalo counted for them start again. */
  renewQuota(userId: string): void;
}

/**
 * The webhook Zalo posts every OA event to. The signature is checked over the raw bytes before
 * anything in the body is used; the message is committed before the 200, and profile fetches
 * start only after it.
 */
export async function registerZaloWebhook(app: FastifyInstance, deps: ZaloWebhookDeps): Promise<void> {
  const { ingest, metrics, logger, ownSends, profiles } = deps;
  // This scope is the channel's own: its JSON parser keeps the bytes the signature covers.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    deps.path,
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Zalo OA events (signed with X-ZEvent-Signature)',
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      const header = request.headers['x-zevent-signature'];
      if (typeof header !== 'string' || header.length === 0) throw new HttpError(401, 'invalid_signature', 'missing X-ZEvent-Signature');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      let event: ZaloWebhookEvent;
      try {
        // Parsed only to read the timestamp the signature covers; nothing else is used before
        // the signature is checked.
        event = JSON.parse(raw.toString('utf8')) as ZaloWebhookEvent;
      } catch {
        throw new HttpError(400, 'invalid_json', 'the body is not valid JSON');
      }
      if (!event || typeof event !== 'object' || Array.isArray(event)) throw new HttpError(400, 'invalid_json', 'the body is not a JSON object');
      const timestamp = typeof event.timestamp === 'string' || typeof event.timestamp === 'number' ? String(event.timestamp) : '';
      if (!timestamp || !verifyZaloSignature(header, deps.appId, raw, timestamp, deps.oaSecretKey)) {
        throw new HttpError(401, 'invalid_signature', 'X-ZEvent-Signature does not match');
      }
      // The signature covers the timestamp, so an old one means the request was captured and
      // posted again: refused before anything is stored, like a bad signature.
      const age = Math.abs(Date.now() - Number(timestamp));
      if (deps.maxAgeSeconds > 0 && !(age <= deps.maxAgeSeconds * 1000)) {
        metrics.messagesIngested.inc({ channel: 'zalo-oa', result: 'replay_refused' });
        throw new HttpError(401, 'stale_event', `the event's timestamp is more than ${deps.maxAgeSeconds} s from now`);
      }

      const unusable = unusableZaloEvent(event);
      if (unusable) {
        // Signed by Zalo: acknowledged (Zalo would retry it) and kept.
        await deps.keepUnusable(`${String(event.event_name).slice(0, 60)}: ${unusable}`, event);
        return reply.send({ ok: true });
      }
      const normalized = normalizeZaloEvent(event, deps.inboxId);
      if (normalized.kind === 'ignored') {
        logger.debug({ event: normalized.reason }, 'Zalo event without a message');
        return reply.send({ ok: true });
      }
      if (normalized.kind === 'receipt') {
        await deps.markDelivery(normalized.externalIds, normalized.status);
        return reply.send({ ok: true });
      }
      if (normalized.kind === 'follow') {
        // The contact learns it; no conversation opens and the bot stays silent.
        await deps.identities.setFollowing(normalized.userId, normalized.following, normalized.at);
        metrics.messagesIngested.inc({ channel: 'zalo-oa', result: normalized.following ? 'follow' : 'unfollow' });
        if (normalized.following) reply.raw.once('finish', () => profiles.request([normalized.userId]));
        return reply.send({ ok: true });
      }
      if (normalized.kind === 'shared') {
        const linked = await deps.identities.shareDetails(normalized.userId, normalized.details, normalized.at);
        metrics.messagesIngested.inc({ channel: 'zalo-oa', result: linked.mergedFrom === null ? 'details_shared' : 'details_linked' });
        return reply.send({ ok: true });
      }
      const { message } = normalized;
      const userId = message.sender.externalUserId;
      if (message.echo && ownSends.isOwn({ id: message.externalMessageId, recipient: userId, part: normalized.part })) {
        metrics.messagesIngested.inc({ channel: 'zalo-oa', result: 'own_echo' });
        return reply.send({ ok: true });
      }
      const anonymous = userId.startsWith('anonymous:');
      if (!message.echo) deps.renewQuota(userId);
      if (!message.echo && !anonymous) {
        const profile = await profiles.cached(userId);
        if (profile && !profile.failed) {
          message.sender = {
            ...message.sender,
            ...(profile.displayName ? { displayName: profile.displayName } : {}),
            ...(profile.avatarUrl ? { avatarUrl: profile.avatarUrl } : {}),
            ...(profile.phone ? { phone: profile.phone } : {}),
          };
        }
      }
      const [result] = await ingest([message]);
      metrics.messagesIngested.inc({ channel: 'zalo-oa', result: result!.duplicate ? 'duplicate' : 'stored' });
      if (!anonymous) reply.raw.once('finish', () => profiles.request([userId]));
      return reply.send({ ok: true });
    },
  );
}
