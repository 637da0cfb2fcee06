import { createHmac, timingSafeEqual } from 'node:crypto';

// RFC 5322 threading owned by the channel: our Message-IDs, In-Reply-To and References, the
// reply-to token of plus addressing and the ticket code in the subject.

/** A mailbox as `{name, address}`, address lowercased; null when there is none. */
export function parseAddress(value: string): { name?: string; address: string } | null {
  const angle = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value);
  const bare = /^\s*([^\s<>@"]+@[^\s<>@"]+\.[^\s<>@"]+)\s*$/.exec(value);
  const address = (angle?.[2] ?? bare?.[1])?.toLowerCase();
  if (!address || !isAddress(address)) return null;
  const name = angle?.[1]?.trim();
  return { address, ...(name ? { name } : {}) };
}

export function isAddress(value: string): boolean {
  return value.length <= 254 && /^[^\s@<>()[\]\\,;:"]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value);
}

/** Every `<id>` in a header value (In-Reply-To, References), in order, without repeats. */
export function messageIds(value: string | string[] | undefined | null): string[] {
  if (!value) return [];
  const text = Array.isArray(value) ? value.join(' ') : value;
  const found = [...text.matchAll(/<([^<>\s]+)>/g)].map((m) => `<${m[1]}>`);
  if (found.length === 0) {
    // Some clients write ids without the angle brackets.
    found.push(...text.split(/\s+/).filter((part) => /^[^\s<>]+@[^\s<>]+$/.test(part)).map((part) => `<${part}>`));
  }
  return [...new Set(found)];
}

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/**
 * The Message-ID of a reply: the same for every try of one message (a send that timed out but
 * went through and is sent again carries the same id, so mail clients show it once), and never
 * the same across deployments or inboxes (the secret and the inbox id are part of it).
 */
export function replyMessageId(secret: string, inboxId: number, messageId: number, domain: string): string {
  return `<1022.${inboxId}.${messageId}.${hmac(secret, `email-message-id:${inboxId}:${messageId}`).slice(0, 12)}@${domain}>`;
}

/** The token in `user+<token>@domain`: the conversation id and a MAC, lowercase so a server
 * that folds the local part's case still delivers a token that checks. */
export function replyToken(secret: string, conversationId: number): string {
  return `c${conversationId}-${hmac(secret, `email-reply-token:${conversationId}`).slice(0, 16)}`;
}

export function verifyReplyToken(secret: string, token: string): number | null {
  const match = /^c(\d{1,15})-([0-9a-f]{16})$/.exec(token.toLowerCase());
  if (!match) return null;
  const conversationId = Number(match[1]);
  const expected = Buffer.from(replyToken(secret, conversationId));
  const given = Buffer.from(token.toLowerCase());
  return expected.length === given.length && timingSafeEqual(expected, given) ? conversationId : null;
}

/** `hotro1022+c12-…@domain` for `hotro1022@domain`. */
export function plusAddress(address: string, token: string): string {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}+${token}${address.slice(at)}`;
}

/** What follows the `+` in those of `addresses` that are plus-addresses of `ourAddress` (lowercased). */
export function plusTokens(ourAddress: string, addresses: string[]): string[] {
  const at = ourAddress.lastIndexOf('@');
  const local = ourAddress.slice(0, at).toLowerCase();
  const domain = ourAddress.slice(at + 1).toLowerCase();
  return addresses
    .map((address) => address.toLowerCase())
    .filter((lower) => lower.endsWith(`@${domain}`) && lower.startsWith(`${local}+`))
    .map((lower) => lower.slice(local.length + 1, lower.length - domain.length - 1));
}

/** The conversation named by a reply-to token in any of the addresses, or null. */
export function conversationFromAddresses(secret: string, ourAddress: string, addresses: string[]): number | null {
  for (const token of plusTokens(ourAddress, addresses)) {
    const conversationId = verifyReplyToken(secret, token);
    if (conversationId !== null) return conversationId;
  }
  return null;
}

/** The conversation id from a ticket code in the subject (the pattern's last group), or null. */
export function conversationFromSubject(subject: string | undefined, pattern: RegExp): number | null {
  if (!subject) return null;
  const match = pattern.exec(subject);
  if (!match) return null;
  const groups = match.slice(1).filter((group) => group !== undefined);
  const id = Number(groups.at(-1));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export function ticketCode(format: string, conversationId: number, createdAt: Date, timeZone: string): string {
  if (!format) return '';
  const year = new Intl.DateTimeFormat('en', { timeZone, year: 'numeric' }).format(createdAt);
  return format.replaceAll('{year}', year).replaceAll('{id}', String(conversationId).padStart(6, '0'));
}

/** "Re: <subject> [code]": one Re: however many the thread collected, the code added once. */
export function replySubject(parentSubject: string | undefined, code: string, fallback: string): string {
  let subject = (parentSubject ?? '').trim();
  // Re:, RE:, Fwd:, TL: (trả lời), Trả lời:, AW: and SV: (German, Nordic clients) collected on the way.
  const prefix = /^(re|fw|fwd|tl|trả lời|aw|sv)\s*(\[\d+\])?\s*:\s*/i;
  while (prefix.test(subject)) subject = subject.replace(prefix, '');
  if (!subject) subject = fallback;
  if (code && !subject.includes(code)) subject = `${subject} [${code}]`;
  return `Re: ${subject}`;
}

/** The subject of a mail that starts a thread (a chat answer sent by email): as given, with
 * the code, so a reply to it is filed by the code even if its client drops In-Reply-To. */
export function firstSubject(subject: string, code: string): string {
  const trimmed = subject.trim();
  return code && !trimmed.includes(code) ? `${trimmed} [${code}]` : trimmed;
}

/**
 * References of a reply: the parent's References and the parent's own id (RFC 5322 3.6.4). A
 * long thread keeps its first id (the thread root) and the most recent ones.
 */
export function replyReferences(parentReferences: string[], parentId: string, keep = 20): string[] {
  const all = [...new Set([...parentReferences, parentId])];
  if (all.length <= keep) return all;
  return [all[0]!, ...all.slice(all.length - (keep - 1))];
}
