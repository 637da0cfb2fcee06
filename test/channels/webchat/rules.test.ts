import { describe, expect, it } from 'vitest';
import { webchatSettings } from '../../../src/channels/webchat/config.ts';
import { fileSignature, newVisitorId, verifyFileSignature, verifyVisitorToken, visitorToken } from '../../../src/channels/webchat/visitor-token.ts';

describe('live chat rules', () => {
  it('signs the visitor token over the visitor and the conversation', () => {
    const session = { visitorId: newVisitorId(), conversationId: 12 };
    const token = visitorToken('secret', session);
    expect(verifyVisitorToken('secret', token)).toEqual(session);
    expect(verifyVisitorToken('other', token)).toBeNull();
    expect(verifyVisitorToken('secret', token.replace('.12.', '.13.'))).toBeNull();
    expect(verifyVisitorToken('secret', `${token}x`)).toBeNull();
    expect(verifyVisitorToken('secret', 42)).toBeNull();
    const signature = fileSignature('secret', 'a'.repeat(64));
    expect(verifyFileSignature('secret', 'a'.repeat(64), signature)).toBe(true);
    expect(verifyFileSignature('secret', 'b'.repeat(64), signature)).toBe(false);
  });

  it('validates colours and origins before they reach a style sheet or a header', () => {
    expect(webchatSettings.parse({})).toMatchObject({ color: '#b71c1c', position: 'right', preChatForm: 'optional', allowedOrigins: [] });
    expect(webchatSettings.safeParse({ color: 'red;}body{display:none' }).success).toBe(false);
    expect(webchatSettings.safeParse({ allowedOrigins: ['https://dongthap.gov.vn/path'] }).success).toBe(false);
    expect(webchatSettings.safeParse({ allowedOrigins: ['https://dongthap.gov.vn', '*'] }).success).toBe(true);
  });
});
