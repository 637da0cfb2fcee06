import { createHmac, timingSafeEqual } from 'node:crypto';
import { messageIds, plusTokens } from './threading.ts';

// Delivery status notifications (RFC 3464) about the replies we sent: a bounce marks the reply it
// names failed, with the reason, and never becomes a citizen's message.

/** One failed recipient of a DSN. */
export interface BouncedRecipient {
  recipient?: string;
  /** RFC 3463 enhanced status, e.g. 5.1.1. */
  status?: string;
  /** What the remote server said, e.g. "smtp; 550 5.1.1 User unknown". */
  diagnostic?: string;
}

/** What a DSN tells about one of our mails. */
export interface DeliveryReport {
  /** failed: the mail will not arrive; delayed: the MTA is still trying (nothing to mark). */
  action: 'failed' | 'delayed' | 'other';
  recipients: BouncedRecipient[];
  /** Message-ID of the returned mail (its headers part, or an Original-Message-ID field). */
  originalMessageId?: string;
}

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/**
 * The VERP token of the envelope sender of one reply: the message's id and a MAC, so a bounce
 * sent to `hotro1022+b<id>-<mac>@domain` names the reply without trusting anything the remote
 * MTA copied. Distinct from the conversation reply token (`c...`).
 */
export function bounceToken(secret: string, messageId: number): string {
  return `b${messageId}-${hmac(secret, `email-bounce:${messageId}`).slice(0, 16)}`;
}

/** The message id named by a VERP address among `addresses`, or null. */
export function messageFromBounceAddress(secret: string, ourAddress: string, addresses: string[]): number | null {
  for (const token of plusTokens(ourAddress, addresses)) {
    const match = /^b(\d{1,15})-([0-9a-f]{16})$/.exec(token);
    if (!match) continue;
    const id = Number(match[1]);
    const expected = Buffer.from(bounceToken(secret, id));
    const given = Buffer.from(token);
    if (expected.length === given.length && timingSafeEqual(expected, given)) return id;
  }
  return null;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

/** Header fields of one block, unfolded, names lowercased (first occurrence wins). */
function fields(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of block.replace(/\r\n/g, '\n').replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!out.has(name)) out.set(name, line.slice(colon + 1).trim());
  }
  return out;
}

function splitHead(text: string): Part {
  const normalized = text.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  return end < 0 ? { headers: fields(normalized), body: '' } : { headers: fields(normalized.slice(0, end)), body: normalized.slice(end + 2) };
}

const boundaryOf = (contentType: string | undefined) => /boundary\s*=\s*(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '')?.slice(1).find(Boolean);

/** The parts of a multipart body, one level, and those of any multipart inside it. */
function parts(part: Part, depth = 0): Part[] {
  const boundary = boundaryOf(part.headers.get('content-type'));
  if (!boundary || depth > 2) return [];
  const found: Part[] = [];
  const chunks = part.body.split(`--${boundary}`).slice(1);
  for (const chunk of chunks) {
    if (chunk.startsWith('--')) break;
    const inner = splitHead(chunk.replace(/^[ \t]*\n/, ''));
    found.push(inner, ...parts(inner, depth + 1));
  }
  return found;
}

const typeOf = (part: Part) => (part.headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();

/**
 * Reads an RFC 3464 report (multipart/report; report-type=delivery-status) from a mail's raw
 * bytes; null when the mail is not one. Our own walk over the MIME parts: the parser the channel
 * uses folds the delivery-status part into the mail's text.
 */
export function readDeliveryReport(source: Buffer): DeliveryReport | null {
  // Reports are small and 7-bit; the returned original mail may be big, and is not needed whole.
  const top = splitHead(source.subarray(0, 512 * 1024).toString('latin1'));
  const contentType = top.headers.get('content-type') ?? '';
  if (!/^multipart\/report\b/i.test(contentType)) return null;
  const all = parts(top);
  const status = all.find((part) => ['message/delivery-status', 'message/global-delivery-status'].includes(typeOf(part)));
  if (!status) return null;
  const blocks = status.body.replace(/\r\n/g, '\n').split(/\n\s*\n/).map((block) => block.trim()).filter(Boolean).map(fields);
  const perMessage = blocks[0] ?? new Map<string, string>();
  const perRecipient = blocks.slice(1).filter((block) => block.has('action') || block.has('final-recipient'));
  const strip = (value: string | undefined) => value?.replace(/^[a-z0-9-]+\s*;\s*/i, '').trim();
  const failed = perRecipient.filter((block) => block.get('action')?.toLowerCase() === 'failed');
  const delayed = perRecipient.some((block) => block.get('action')?.toLowerCase() === 'delayed');
  const returned = all.find((part) => ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers'].includes(typeOf(part)));
  const returnedId = returned ? messageIds(splitHead(returned.body).headers.get('message-id'))[0] : undefined;
  const originalMessageId = returnedId ?? messageIds(perMessage.get('original-message-id') ?? perMessage.get('x-original-message-id'))[0];
  return {
    action: failed.length ? 'failed' : delayed ? 'delayed' : 'other',
    recipients: (failed.length ? failed : perRecipient).map((block) => ({
      ...(strip(block.get('final-recipient') ?? block.get('original-recipient')) ? { recipient: strip(block.get('final-recipient') ?? block.get('original-recipient'))! } : {}),
      ...(block.get('status') ? { status: block.get('status')! } : {}),
      ...(block.get('diagnostic-code') ? { diagnostic: block.get('diagnostic-code')! } : {}),
    })),
    ...(originalMessageId ? { originalMessageId } : {}),
  };
}

/** The reason shown on the failed reply: the status and what the remote server said. */
export function bounceReason(report: DeliveryReport): string {
  const reasons = report.recipients.map((r) => [r.recipient, r.status, stripSmtp(r.diagnostic)].filter(Boolean).join(' '));
  return reasons.join('; ').slice(0, 500) || report.action;
}

const stripSmtp = (value: string | undefined) => value?.replace(/^smtp\s*;\s*/i, '').replace(/\s+/g, ' ').trim();

/** A mail that is a bounce of one of ours: the reply it names and the report, if it has one. */
export interface Bounce {
  /** Our message's id, from the VERP address the bounce was delivered to. */
  messageId?: number;
  report?: DeliveryReport;
}

/**
 * Whether a mail is a bounce of one of our mails: delivered to a VERP address of ours, or an RFC
 * 3464 report. Null for every other mail (including auto-replies, which are the citizen's).
 */
export function readBounce(source: Buffer, secret: string, ourAddress: string): Bounce | null {
  const report = readDeliveryReport(source) ?? undefined;
  const head = source.subarray(0, 64 * 1024).toString('latin1').replace(/\r\n/g, '\n');
  const end = head.indexOf('\n\n');
  const lines = (end < 0 ? head : head.slice(0, end)).replace(/\n[ \t]+/g, ' ').split('\n');
  const addresses = lines
    .filter((line) => /^(delivered-to|x-original-to|envelope-to|to)\s*:/i.test(line))
    .flatMap((line) => [...line.matchAll(/[^\s<>,;:"]+@[^\s<>,;"]+/g)].map((m) => m[0]));
  const messageId = messageFromBounceAddress(secret, ourAddress, addresses) ?? undefined;
  if (messageId === undefined && !report) return null;
  return { ...(messageId !== undefined ? { messageId } : {}), ...(report ? { report } : {}) };
}
