import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type HeaderLines, type ParsedMail } from 'mailparser';
import sanitizeHtml from 'sanitize-html';
import type { AttachmentStore } from '../../core/attachments.ts';
import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import { stripQuotedHistory } from './quotes.ts';
import { conversationFromAddresses, conversationFromSubject, messageIds } from './threading.ts';
import type { EmailMetadata, FetchedMail } from './types.ts';

/** Text kept whole in raw, HTML kept sanitized in metadata: bounded so one mail cannot bloat a row. */
const maxRawText = 1024 * 1024;
const maxHtml = 256 * 1024;
const maxHeaderBytes = 64 * 1024;
const maxReferences = 30;

/** The raw header values of one name, unfolded, in order (the parser's own view can merge or
 * reinterpret them; loop detection wants what the sender wrote). */
export function rawHeaders(lines: HeaderLines, name: string): string[] {
  const key = name.toLowerCase();
  return lines
    .filter((line) => line.key === key)
    .map((line) => line.line.slice(line.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim());
}

/**
 * Why a mail must never be answered automatically (RFC 3834 and what robots really send), or
 * null for a person's mail. Two robots answering each other is the loop this prevents.
 */
export function automatedReason(parsed: Pick<ParsedMail, 'headerLines'>, fromAddress: string | undefined): string | null {
  const lines = parsed.headerLines;
  const first = (name: string) => rawHeaders(lines, name)[0];
  const autoSubmitted = first('auto-submitted');
  if (autoSubmitted !== undefined && autoSubmitted.split(';')[0]!.trim().toLowerCase() !== 'no') return `auto-submitted: ${autoSubmitted.slice(0, 40)}`;
  if (first('x-autoreply') !== undefined) return 'x-autoreply';
  if (first('x-autorespond') !== undefined) return 'x-autorespond';
  if (first('x-autoresponder') !== undefined) return 'x-autoresponder';
  const precedence = first('precedence')?.toLowerCase();
  if (precedence && ['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `precedence: ${precedence}`;
  if (first('list-id') !== undefined) return 'list-id';
  const contentType = first('content-type')?.toLowerCase() ?? '';
  if (/^multipart\/report\b/.test(contentType)) return 'bounce: multipart/report';
  const returnPath = first('return-path');
  if (returnPath !== undefined && /^<\s*>$/.test(returnPath)) return 'bounce: null return-path';
  const local = fromAddress?.split('@')[0]?.toLowerCase();
  if (local && /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+.-].*)?$/.test(local)) return `sender: ${local}`;
  return null;
}

/** Mail storms: past `max` mails from one sender within the window, the rest is flagged. */
export function createSenderRateLimit(max: number, windowMs: number) {
  const seen = new Map<string, number[]>();
  return {
    /** Records a mail and tells whether the sender is over the limit with it. */
    hit(sender: string, at: Date): boolean {
      const now = at.getTime();
      const recent = (seen.get(sender) ?? []).filter((time) => now - time < windowMs && time <= now);
      recent.push(now);
      seen.set(sender, recent);
      // A map of every sender ever seen would only grow: forget the quiet ones now and then.
      if (seen.size > 10_000) for (const [key, times] of seen) if (times.every((time) => now - time >= windowMs)) seen.delete(key);
      return recent.length > max;
    },
  };
}

export type SenderRateLimit = ReturnType<typeof createSenderRateLimit>;

const addresses = (value: AddressObject | AddressObject[] | undefined): Array<{ address: string; name?: string }> =>
  (Array.isArray(value) ? value : value ? [value] : [])
    .flatMap((object) => object.value.flatMap((entry) => (entry.group ? entry.group : [entry])))
    .filter((entry): entry is typeof entry & { address: string } => Boolean(entry.address))
    .map((entry) => ({ address: entry.address.toLowerCase(), ...(entry.name ? { name: entry.name.normalize('NFC') } : {}) }));

export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: sanitizeHtml.defaults.allowedTags.filter((tag) => tag !== 'img').concat(['img', 'font', 'center']),
    allowedAttributes: { a: ['href', 'title', 'rel', 'target'], img: ['src', 'alt', 'width', 'height'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'], font: ['color'] },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    // Remote images are tracking pixels: only pictures carried in the mail itself (cid:) stay.
    allowedSchemesByTag: { img: ['cid'] },
    transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow', target: '_blank' }) },
  });
}

/** Plain text of (already sanitized) HTML, for mails that carry no text part. */
export function htmlToText(html: string): string {
  const blocks = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote|table)>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ');
  const text = sanitizeHtml(blocks, { allowedTags: [], allowedAttributes: {} });
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };
  return text
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (entity) => entities[entity]!)
    .replace(/[ \t\u00a0]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function unreadable(mail: FetchedMail, context: InboundContext, error: unknown): InboundMessage {
  return {
    inboxId: context.inboxId,
    externalMessageId: `<sha256.${createHash('sha256').update(mail.source).digest('hex').slice(0, 40)}@unreadable.invalid>`,
    sender: { externalUserId: 'unknown-sender@invalid' },
    text: null,
    attachments: [],
    sentAt: mail.internalDate ?? new Date(),
    metadata: { automated: 'unreadable MIME' },
    raw: { mailbox: mail.mailbox, uidValidity: mail.uidValidity, uid: mail.uid, size: mail.size, error: error instanceof Error ? error.message : String(error), head: mail.source.subarray(0, 8192).toString('latin1') },
    suppressAutoReply: true,
    ...(mail.history ? { history: true } : {}),
  };
}

export interface InboundContext {
  inboxId: number;
  secret: string;
  /** The hotline's own address (plus-addressed reply tokens are read from it). */
  ourAddress: string;
  ticketPattern: RegExp;
  /** The conversation of a phiếu whose code the subject quotes (see ChannelContext). */
  quotedTicket: (text: string) => Promise<number | null>;
  attachments: AttachmentStore;
  rateLimit: SenderRateLimit;
}

/**
 * One fetched mail as the normalized inbound message: the Message-ID is the dedupe key (a mail
 * without one gets the hash of its bytes, so a refetch is still the same message), the text is
 * the plain part without quoted history, attachments are stored on disk, threading hints come
 * from the reply-to token, In-Reply-To, References and the ticket code in the subject.
 */
export async function toInboundMessage(mail: FetchedMail, context: InboundContext): Promise<InboundMessage> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(mail.source, { keepCidLinks: true, skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (error) {
    // A mail no parser reads is still stored (and never answered), so it cannot block the
    // mailbox's cursor; agents see its start in raw.
    return unreadable(mail, context, error);
  }
  const from = addresses(parsed.from)[0];
  const senderAddress = from?.address ?? rawHeaders(parsed.headerLines, 'return-path')[0]?.replace(/[<>]/g, '').toLowerCase();
  const externalUserId = senderAddress || 'unknown-sender@invalid';

  const messageId = messageIds(parsed.messageId)[0] ?? `<sha256.${createHash('sha256').update(mail.source).digest('hex').slice(0, 40)}@no-message-id.invalid>`;
  const inReplyTo = messageIds(parsed.inReplyTo)[0];
  const references = messageIds(parsed.references).slice(-maxReferences);
  const subject = parsed.subject?.normalize('NFC');

  const recipients = [...addresses(parsed.to), ...addresses(parsed.cc)].map((entry) => entry.address);
  const deliveredTo = ['delivered-to', 'x-original-to', 'envelope-to'].flatMap((name) => rawHeaders(parsed.headerLines, name)).map((v) => v.replace(/[<>]/g, '').trim().toLowerCase());
  const tokenConversation = conversationFromAddresses(context.secret, context.ourAddress, [...deliveredTo, ...recipients]);
  // The most specific reference first: the token, then In-Reply-To, then References (newest
  // first); the subject's conversation reference, else a phiếu code it quotes, only when the mail
  // names no earlier message at all.
  const hintedIds = [...new Set([...(inReplyTo ? [inReplyTo] : []), ...[...references].reverse()])];
  const subjectConversation =
    hintedIds.length === 0 && subject ? (conversationFromSubject(subject, context.ticketPattern) ?? (await context.quotedTicket(subject)) ?? null) : null;
  const conversationId = tokenConversation ?? subjectConversation ?? undefined;

  const sanitized = typeof parsed.html === 'string' && parsed.html ? sanitizeEmailHtml(parsed.html.normalize('NFC')) : undefined;
  const html = sanitized?.slice(0, maxHtml);
  // The plain part when there is one; an HTML-only mail is read from its sanitized HTML.
  const fullText = (parsed.text?.trim() || (sanitized ? htmlToText(sanitized) : '')).normalize('NFC').replace(/\r\n?/g, '\n').trim();
  const displayText = fullText ? stripQuotedHistory(fullText) : '';

  const stored: Attachment[] = [];
  for (const part of parsed.attachments) {
    // Parts of a bounce report (the returned message, the delivery status) are not citizens' files.
    if (part.contentType === 'message/delivery-status' || part.contentType === 'message/rfc822-headers') continue;
    const saved = await context.attachments.save({ bytes: part.content, ...(part.filename ? { name: part.filename } : {}), declaredType: part.contentType });
    stored.push(saved.ok ? { ...saved.attachment, meta: { ...saved.attachment.meta, ...(part.cid ? { cid: part.cid } : {}) } } : saved.attachment);
  }

  const arrived = mail.internalDate ?? new Date();
  const automated = automatedReason(parsed, senderAddress);
  const overLimit = senderAddress ? context.rateLimit.hit(senderAddress, arrived) : false;
  const reason = automated ?? (overLimit ? 'sender rate limit' : null);
  const sentAt = parsed.date && !Number.isNaN(parsed.date.getTime()) && parsed.date.getTime() < arrived.getTime() + 86_400_000 ? parsed.date : arrived;

  const metadata: EmailMetadata = {
    ...(subject ? { subject } : {}),
    messageId,
    ...(inReplyTo ? { inReplyTo } : {}),
    ...(references.length ? { references } : {}),
    ...(from ? { from: from.address } : {}),
    ...(addresses(parsed.to).length ? { to: addresses(parsed.to).map((a) => a.address) } : {}),
    ...(addresses(parsed.cc).length ? { cc: addresses(parsed.cc).map((a) => a.address) } : {}),
    ...(html ? { html } : {}),
    ...(displayText !== fullText ? { quoteStripped: true } : {}),
    ...(reason ? { automated: reason } : {}),
    ...(mail.truncated ? { truncated: true } : {}),
    ...(mail.history ? { imported: true } : {}),
  };

  let headerBytes = 0;
  const headers = parsed.headerLines.filter((line) => (headerBytes += line.line.length) <= maxHeaderBytes).map((line) => line.line);
  return {
    inboxId: context.inboxId,
    externalMessageId: messageId,
    sender: { externalUserId, ...(senderAddress ? { email: senderAddress } : {}), ...(from?.name ? { displayName: from.name } : {}) },
    text: displayText || null,
    attachments: stored,
    sentAt,
    metadata: metadata as Record<string, unknown>,
    raw: { mailbox: mail.mailbox, uidValidity: mail.uidValidity, uid: mail.uid, size: mail.size, headers, text: fullText.slice(0, maxRawText) },
    ...(conversationId !== undefined || hintedIds.length ? { thread: { ...(conversationId !== undefined ? { conversationId } : {}), ...(hintedIds.length ? { externalMessageIds: hintedIds } : {}) } } : {}),
    ...(reason || mail.history ? { suppressAutoReply: true } : {}),
    ...(mail.history ? { history: true } : {}),
  };
}
