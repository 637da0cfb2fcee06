import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The visitor's key, kept in the widget's localStorage: a random visitor id and the conversation
 * it may read, signed with the inbox's secret. Nothing is stored server-side and every node can
 * check it, like the web form's thread token. Whoever holds it reads that conversation only.
 */
export interface VisitorSession {
  visitorId: string;
  /** 0 until the visitor's first message opens a conversation. */
  conversationId: number;
}

const mac = (secret: string, session: VisitorSession) =>
  createHmac('sha256', secret).update(`webchat-visitor:${session.visitorId}:${session.conversationId}`).digest('base64url').slice(0, 32);

export function newVisitorId(): string {
  return randomBytes(16).toString('base64url');
}

export function visitorToken(secret: string, session: VisitorSession): string {
  return `${session.visitorId}.${session.conversationId}.${mac(secret, session)}`;
}

export function verifyVisitorToken(secret: string, token: unknown): VisitorSession | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const match = /^([A-Za-z0-9_-]{22})\.(\d{1,15})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!match) return null;
  const session = { visitorId: match[1]!, conversationId: Number(match[2]) };
  const expected = Buffer.from(mac(secret, session));
  const given = Buffer.from(match[3]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? session : null;
}

/** A capability for one stored file: its URL works for whoever was given it (the visitor who
 * sent it, the agents reading the conversation), and for nobody guessing keys. */
export function fileSignature(secret: string, key: string): string {
  return createHmac('sha256', secret).update(`webchat-file:${key}`).digest('base64url').slice(0, 32);
}

export function verifyFileSignature(secret: string, key: string, signature: string): boolean {
  const expected = Buffer.from(fileSignature(secret, key));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
