import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import type { SentPart } from '../shared/own-sends.ts';
import type { Message } from './types.ts';

/** What one listener message means for the gateway (`part`: what an own message looks like, to
 * tell the echo of a gateway send from a message typed on the phone). */
export type PersonalNormalized = { kind: 'message'; message: InboundMessage; part: SentPart } | { kind: 'ignored'; reason: string };

/** Group conversations are keyed by the group, not by whoever wrote in it. */
export const groupIdentity = (groupId: string) => `group:${groupId}`;

type Content = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

/** zca-js leaves `params` as Zalo's JSON text (file size and extension, image size, coordinates). */
function paramsOf(content: Content): Record<string, unknown> {
  const raw = content.params;
  if (typeof raw !== 'string' || !raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The attachment and the text a message of type `msgType` carries. */
function contentOf(msgType: string, content: Message['data']['content']): { text: string | null; attachments: Attachment[] } {
  if (typeof content === 'string') return { text: content.length > 0 ? content : null, attachments: [] };
  const c = content as Content;
  const href = str(c.href);
  const url = href ? { url: href } : {};
  const thumb = str(c.thumb) ? { thumbnail: str(c.thumb) } : {};
  const params = paramsOf(c);
  switch (msgType) {
    case 'chat.photo':
    case 'chat.doodle':
      // A caption typed with the photo comes as its title.
      return { text: str(c.title) ?? null, attachments: [{ kind: 'image', ...url, meta: { ...thumb } }] };
    case 'chat.gif':
      return { text: null, attachments: [{ kind: 'image', ...url, mimeType: 'image/gif', meta: { gif: true, ...thumb } }] };
    case 'chat.sticker':
      return { text: null, attachments: [{ kind: 'sticker', meta: { ...(c.id !== undefined ? { stickerId: String(c.id) } : {}), ...(c.catId !== undefined ? { categoryId: String(c.catId) } : {}) } }] };
    case 'share.file': {
      const size = Number(params.fileSize);
      return {
        text: null,
        attachments: [
          {
            kind: 'file',
            ...url,
            ...(str(c.title) ? { name: str(c.title)! } : {}),
            ...(Number.isFinite(size) && size > 0 ? { size } : {}),
            meta: { ...(str(params.fileExt) ? { extension: str(params.fileExt) } : {}), ...(str(params.checksum) ? { checksum: str(params.checksum) } : {}) },
          },
        ],
      };
    }
    case 'chat.voice':
      return { text: null, attachments: [{ kind: 'audio', ...url }] };
    case 'chat.video.msg':
      return { text: null, attachments: [{ kind: 'video', ...url, meta: { ...thumb } }] };
    case 'chat.location.new': {
      const latitude = Number(params.latitude ?? params.lat);
      const longitude = Number(params.longitude ?? params.lng ?? params.long);
      return { text: str(c.title) ?? null, attachments: [{ kind: 'location', meta: { latitude: Number.isFinite(latitude) ? latitude : undefined, longitude: Number.isFinite(longitude) ? longitude : undefined } }] };
    }
    case 'chat.recommended':
    case 'chat.link':
      // A message with a link: the title is what the citizen typed, href the link.
      return {
        text: str(c.title) ?? href ?? null,
        attachments: href ? [{ kind: 'link', url: href, meta: { ...thumb, ...(str(c.description) ? { description: str(c.description) } : {}) } }] : [],
      };
    default:
      // Whatever Zalo adds later: keep what there is, typed by Zalo's name.
      return { text: str(c.title) ?? null, attachments: [{ kind: 'link', ...url, meta: { zaloType: msgType } }] };
  }
}

/**
 * Maps one message of the listener to a normalized message. Direct messages from citizens come
 * in; group messages only from the groups configured as part of this inbox. The account's own
 * direct messages (typed on the phone, or echoes of the gateway's sends, which the caller drops)
 * become outgoing messages of the citizen's conversation; its own group messages are not followed.
 */
export function normalizePersonalMessage(message: Message, inboxId: number, groups: ReadonlyMap<string, string | undefined>): PersonalNormalized {
  const { data } = message;
  const isGroup = message.type === 1;
  if (message.isSelf && isGroup) return { kind: 'ignored', reason: 'own group message' };
  if (isGroup && !groups.has(message.threadId)) return { kind: 'ignored', reason: 'group not configured' };
  if (!data.msgId) return { kind: 'ignored', reason: 'no msgId' };
  const { text, attachments } = contentOf(data.msgType, data.content);
  if (text === null && attachments.length === 0) return { kind: 'ignored', reason: `empty ${data.msgType}` };
  const sentMs = Number(data.ts);
  const metadata: Record<string, unknown> = { zaloType: data.msgType };
  const quoted = data.quote?.globalMsgId ? String(data.quote.globalMsgId) : undefined;
  if (quoted) metadata.replyTo = quoted;
  if (data.quote?.msg) metadata.quotedText = data.quote.msg;
  if (isGroup) metadata.author = { id: String(data.uidFrom), name: data.dName || null };
  // Typed on the account's phone: a person of the commune answered outside the gateway.
  if (message.isSelf) Object.assign(metadata, { sentOutsideGateway: true, sentFromPhone: true });
  const kind = attachments[0]?.kind;
  const part: SentPart = text !== null && attachments.length === 0 ? { kind: 'text', text } : { kind: kind === 'image' ? 'image' : 'file' };
  const groupName = isGroup ? groups.get(message.threadId) : undefined;
  return {
    kind: 'message',
    part,
    message: {
      inboxId,
      externalMessageId: String(data.msgId),
      sender: isGroup
        ? { externalUserId: groupIdentity(message.threadId), ...(groupName ? { displayName: groupName } : {}) }
        : // For an own message the thread is the citizen's, and dName is the account's own name.
          { externalUserId: message.threadId, ...(data.dName && !message.isSelf ? { displayName: data.dName } : {}) },
      text,
      attachments,
      sentAt: Number.isFinite(sentMs) && sentMs > 0 ? new Date(sentMs) : new Date(),
      metadata,
      raw: data,
      ...(message.isSelf ? { echo: true } : {}),
      // A quote files the message with the quoted one, even if that conversation was resolved.
      ...(quoted ? { thread: { externalMessageIds: [quoted] } } : {}),
    },
  };
}
