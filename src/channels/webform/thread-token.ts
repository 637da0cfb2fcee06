import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The citizen's key to read their own thread: an HMAC of the conversation id, so nothing is
 * stored and every node can check it. Whoever holds it reads that conversation only.
 */
export function threadToken(secret: string, conversationId: number): string {
  return createHmac('sha256', secret).update(`webform-thread:${conversationId}`).digest('base64url').slice(0, 32);
}

export function verifyThreadToken(secret: string, conversationId: number, token: string): boolean {
  const expected = Buffer.from(threadToken(secret, conversationId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
