import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { messengerError, type MessengerFailure } from '../../../src/channels/messenger/api-client.ts';
import { messengerEnvVariables, messengerSettings, messengerSettingsFromEnv, resolveMessengerSettings } from '../../../src/channels/messenger/config.ts';
import { messengerSignature, normalizeMessengerEvent, verifyMessengerSignature } from '../../../src/channels/messenger/webhook.ts';
import { messengerReplyWindow } from '../../../src/channels/messenger/window.ts';
import { facebookSignatureHeader } from '../../helpers/platform-standins.ts';

describe('messengerError: Graph failures to channel errors', () => {
  const graph = (status: number, code?: number, subcode?: number, transient?: boolean): MessengerFailure => ({
    kind: 'graph',
    status,
    ...(code !== undefined ? { code } : {}),
    ...(subcode !== undefined ? { subcode } : {}),
    ...(transient ? { transient } : {}),
    message: 'x',
  });
  const cases: Array<[string, MessengerFailure, string, boolean]> = [
    ['app rate limit 4', graph(400, 4), 'rate_limited', true],
    ['user rate limit 17', graph(400, 17), 'rate_limited', true],
    ['page rate limit 32', graph(400, 32), 'rate_limited', true],
    ['too many calls 613', graph(400, 613), 'rate_limited', true],
    ['HTTP 429', graph(429), 'rate_limited', true],
    ['unknown 1', graph(500, 1), 'network', true],
    ['service 2', graph(503, 2), 'network', true],
    ['is_transient', graph(400, 100, undefined, true), 'network', true],
    ['HTML 500', graph(500), 'network', true],
    ['token 190', graph(400, 190), 'auth_failed', false],
    ['outside window 10/2018278', graph(400, 10, 2018278), 'window_closed', false],
    ['outside window 2018108', graph(400, 100, 2018108), 'window_closed', false],
    ['user unavailable 551', graph(400, 551), 'rejected', false],
    ['not available 200/1545041', graph(400, 200, 1545041), 'rejected', false],
    ['no such user 100/2018001', graph(400, 100, 2018001), 'rejected', false],
    ['permission 10', graph(403, 10), 'rejected', false],
    ['invalid parameter 100', graph(400, 100), 'rejected', false],
    ['network', { kind: 'network', cause: new TypeError('fetch failed') }, 'network', true],
    ['unsupported', { kind: 'unsupported', detail: 'sticker' }, 'unsupported', false],
  ];
  it.each(cases)('%s', (_name, failure, kind, retryable) => {
    expect(messengerError(failure, 'vi')).toMatchObject({ channel: 'messenger', kind, retryable });
  });
  it("keeps Facebook's code, subcode and text in the reason", () => {
    expect(messengerError({ kind: 'graph', status: 400, code: 10, subcode: 2018278, message: 'outside of allowed window' }, 'en').message).toBe(
      'Outside the Messenger reply window: the person must write again first. (Facebook 10/2018278: outside of allowed window)',
    );
  });
});

describe('messengerReplyWindow', () => {
  const now = new Date('2026-03-10T08:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
  const standard = { windowHours: 24, humanAgent: false, humanAgentDays: 7 };
  const human = { ...standard, humanAgent: true };
  const at = (h: number, limits = standard, senderType: 'agent' | 'bot' = 'agent') =>
    messengerReplyWindow({ lastInboundAt: hoursAgo(h), outboundSinceInbound: 30, now, senderType }, limits, 'vi');

  it('is open for 24 h whatever the number of replies', () => {
    expect(at(23)).toEqual({ open: true, closesAt: new Date(hoursAgo(23).getTime() + 24 * 3_600_000) });
  });
  it('closes after 24 h without the Human Agent permission', () => {
    expect(at(25)).toMatchObject({ open: false, reason: expect.stringContaining('Đã quá 24 giờ') });
  });
  it('stays open 7 days with the HUMAN_AGENT tag when the page has the permission', () => {
    expect(at(25, human)).toMatchObject({ open: true, sendOptions: { tag: 'HUMAN_AGENT' } });
    expect(at(7 * 24 - 1, human).open).toBe(true);
    expect(at(7 * 24, human)).toMatchObject({ open: false, reason: expect.stringContaining('7 ngày') });
  });
  it('never lets the bot use the HUMAN_AGENT tag', () => {
    expect(at(25, human, 'bot')).toMatchObject({ open: false });
    expect(at(23, human, 'bot').open).toBe(true);
  });
  it('is closed before the person ever wrote', () => {
    expect(messengerReplyWindow({ lastInboundAt: null, outboundSinceInbound: 0, now, senderType: 'agent' }, human, 'en')).toMatchObject({ open: false });
  });
});

describe('Messenger settings', () => {
  it('config/env.example documents every variable the channel reads, and the channel reads them all', () => {
    const example = readFileSync(new URL('../../../config/env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const variable of messengerEnvVariables) expect(listed, variable).toContain(variable);
    const env = Object.fromEntries(messengerEnvVariables.map((variable) => [variable, variable === 'FB_HUMAN_AGENT' ? 'true' : `value-of-${variable}`]));
    expect(Object.keys(messengerSettingsFromEnv(env)!)).toHaveLength(messengerEnvVariables.length);
  });
  it('makes no inbox when FB_PAGE_ID is unset, and reads FB_HUMAN_AGENT as a flag', () => {
    expect(messengerSettingsFromEnv({ FB_APP_SECRET: 'x' })).toBeNull();
    expect(messengerSettingsFromEnv({ FB_PAGE_ID: '1', FB_HUMAN_AGENT: 'true' })).toEqual({ pageId: '1', humanAgent: true });
    expect(messengerSettingsFromEnv({ FB_PAGE_ID: '1', FB_HUMAN_AGENT: 'no' })).toEqual({ pageId: '1', humanAgent: false });
    const bad = messengerSettings.safeParse({ ...messengerSettingsFromEnv({ FB_PAGE_ID: '1', FB_HUMAN_AGENT: 'maybe' }), appSecret: 'a', verifyToken: 'v', pageAccessToken: 't' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['humanAgent']);
  });
  it('applies defaults and names a missing secret', () => {
    expect(messengerSettings.parse({ pageId: '1', appSecret: 'a', verifyToken: 'v', pageAccessToken: 't' })).toMatchObject({
      graphBaseUrl: 'https://graph.facebook.com',
      graphVersion: 'v23.0',
      humanAgent: false,
    });
    const missing = messengerSettings.safeParse({ pageId: '1', appSecret: 'a', verifyToken: 'v' });
    expect(JSON.stringify(missing.error!.issues)).toContain('FB_PAGE_ACCESS_TOKEN');
  });
  it('reads { env: NAME } secrets of a YAML inbox from the environment', () => {
    const settings = messengerSettings.parse({ pageId: '1', appSecret: { env: 'PAGE2_SECRET' }, verifyToken: 'v', pageAccessToken: 't' });
    expect(resolveMessengerSettings('fb-2', settings, { PAGE2_SECRET: 's2' }).appSecret).toBe('s2');
    expect(() => resolveMessengerSettings('fb-2', settings, {})).toThrow('PAGE2_SECRET is not set');
  });
});

describe('Messenger webhook rules', () => {
  it('signs like Facebook and compares the raw bytes', () => {
    const raw = '{"object":"page","entry":[]}';
    expect(messengerSignature('s', raw)).toBe(facebookSignatureHeader('s', raw));
    expect(verifyMessengerSignature(facebookSignatureHeader('s', raw), 's', Buffer.from(raw))).toBe(true);
    expect(verifyMessengerSignature(facebookSignatureHeader('s', raw), 's', Buffer.from(`${raw} `))).toBe(false);
  });
  it('gives a postback without mid a stable id, so a retried batch stores it once', () => {
    const event = { sender: { id: '1' }, recipient: { id: '2' }, timestamp: 1767225600000, postback: { title: 'Bắt đầu', payload: 'GET_STARTED' } };
    const a = normalizeMessengerEvent(event, 1);
    const b = normalizeMessengerEvent(structuredClone(event), 1);
    expect(a).toMatchObject({ kind: 'message', message: { externalMessageId: 'postback:1:1767225600000', text: 'Bắt đầu' } });
    expect(b).toMatchObject({ message: { externalMessageId: 'postback:1:1767225600000' } });
  });
  it('files a swipe-reply with the message it answers', () => {
    const event = { sender: { id: '1' }, recipient: { id: '2' }, timestamp: 1, message: { mid: 'm_2', text: 'Đúng', reply_to: { mid: 'm_1' } } };
    expect(normalizeMessengerEvent(event, 1)).toMatchObject({ message: { thread: { externalMessageIds: ['m_1'] } } });
  });
});
