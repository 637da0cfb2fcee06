import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zaloError, type ZaloFailure } from '../../../src/channels/zalo-oa/api-client.ts';
import { resolveZaloSettings, zaloEnvVariables, zaloSettings, zaloSettingsFromEnv } from '../../../src/channels/zalo-oa/config.ts';
import { normalizeZaloEvent, verifyZaloSignature, zaloSignature } from '../../../src/channels/zalo-oa/webhook.ts';
import { splitText } from '../../../src/channels/shared/split-text.ts';
import { estimatedZaloWindow, quotaWindow, zaloReplyWindow } from '../../../src/channels/zalo-oa/window.ts';
import { fixture, zaloIds, zaloSignatureHeader } from '../../helpers/platform-standins.ts';

describe('zaloError: vendor failures to channel errors', () => {
  const cases: Array<[string, ZaloFailure, string, boolean]> = [
    ['rate limit -32', { kind: 'api', code: -32, message: 'Exceeded the limit' }, 'rate_limited', true],
    ['transient -100', { kind: 'api', code: -100 }, 'network', true],
    ['token invalid -216', { kind: 'api', code: -216, message: 'Access token is invalid' }, 'auth_failed', false],
    ['token expired -124', { kind: 'api', code: -124 }, 'auth_failed', false],
    ['no interaction -213', { kind: 'api', code: -213 }, 'window_closed', false],
    ['7 days -230', { kind: 'api', code: -230 }, 'window_closed', false],
    ['window -232', { kind: 'api', code: -232 }, 'window_closed', false],
    ['night time -234', { kind: 'api', code: -234 }, 'window_closed', false],
    ['blocked -217', { kind: 'api', code: -217 }, 'rejected', false],
    ['restricted -227', { kind: 'api', code: -227 }, 'rejected', false],
    ['refused -244', { kind: 'api', code: -244 }, 'rejected', false],
    ['invalid parameter -201', { kind: 'api', code: -201 }, 'rejected', false],
    ['HTTP 429', { kind: 'http', status: 429 }, 'rate_limited', true],
    ['HTTP 502', { kind: 'http', status: 502 }, 'network', true],
    ['HTTP 401', { kind: 'http', status: 401 }, 'auth_failed', false],
    ['HTTP 404', { kind: 'http', status: 404 }, 'rejected', false],
    ['connection refused', { kind: 'network', cause: new TypeError('fetch failed') }, 'network', true],
    ['timeout', { kind: 'network', cause: new DOMException('The operation timed out', 'TimeoutError') }, 'network', true],
    ['refresh refused', { kind: 'refresh', detail: 'Zalo OAuth: -14014' }, 'auth_failed', false],
    ['attachment gone', { kind: 'attachment', detail: 'HTTP 404', retryable: false }, 'invalid', false],
    ['unsupported', { kind: 'unsupported', detail: 'sticker' }, 'unsupported', false],
  ];
  it.each(cases)('%s', (_name, failure, kind, retryable) => {
    const error = zaloError(failure, 'vi');
    expect(error).toMatchObject({ channel: 'zalo-oa', kind, retryable });
    expect(error.message.length).toBeGreaterThan(10);
  });

  it("keeps Zalo's code and text in the reason the agent reads, in the deployment's language", () => {
    expect(zaloError({ kind: 'api', code: -213, message: 'User has not followed OA' }, 'vi').message).toBe(
      'Zalo không cho gửi tin lúc này: công dân chưa quan tâm OA, không tương tác gần đây hoặc đang ngoài khung giờ nhận tin. (Zalo -213: User has not followed OA)',
    );
    expect(zaloError({ kind: 'api', code: -213, message: 'User has not followed OA' }, 'en').message).toContain('does not follow the OA');
    expect(zaloError({ kind: 'network', cause: new DOMException('x', 'TimeoutError') }, 'vi').message).toContain('(timeout)');
  });
});

describe('zaloReplyWindow', () => {
  const limits = { windowHours: 48, freeReplies: 8 };
  const now = new Date('2026-03-10T08:00:00Z');
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);

  it('is closed before the citizen ever wrote', () => {
    expect(zaloReplyWindow({ lastInboundAt: null, outboundSinceInbound: 0, now, senderType: 'agent' }, limits, 'vi')).toMatchObject({ open: false });
  });
  it('is open within 48 h with the free replies left and when it closes', () => {
    expect(zaloReplyWindow({ lastInboundAt: hoursAgo(47), outboundSinceInbound: 3, now, senderType: 'agent' }, limits, 'vi')).toEqual({
      open: true,
      remainingReplies: 5,
      closesAt: new Date(hoursAgo(47).getTime() + 48 * 3_600_000),
      reason: 'Còn 5/8 lượt trả lời miễn phí trong 48 giờ kể từ tin nhắn cuối của công dân.',
    });
  });
  it('closes after 48 h', () => {
    expect(zaloReplyWindow({ lastInboundAt: hoursAgo(48), outboundSinceInbound: 0, now, senderType: 'agent' }, limits, 'en')).toMatchObject({
      open: false,
      reason: expect.stringContaining('More than 48 hours'),
    });
  });
  it('closes after 8 replies', () => {
    expect(zaloReplyWindow({ lastInboundAt: hoursAgo(1), outboundSinceInbound: 8, now, senderType: 'agent' }, limits, 'vi')).toMatchObject({ open: false, remainingReplies: 0 });
  });
  it('follows configured limits', () => {
    expect(zaloReplyWindow({ lastInboundAt: hoursAgo(30), outboundSinceInbound: 0, now, senderType: 'agent' }, { windowHours: 24, freeReplies: 8 }, 'vi').open).toBe(false);
  });
});

describe("quotaWindow: Zalo's own count", () => {
  const now = new Date('2026-12-07T03:00:00Z');
  const format = (date: Date) => date.toISOString();
  it('is open while replies remain, until the expiry Zalo names', () => {
    expect(quotaWindow({ quota_type: 'reply', remain: '3', total: '8', expired_date: '2026-12-09 10:30:00' }, now, 'en', format)).toEqual({
      open: true,
      source: 'platform',
      remainingReplies: 3,
      closesAt: new Date('2026-12-09T03:30:00Z'),
      reason: 'Zalo reports 3/8 free replies left, until 2026-12-09T03:30:00.000Z.',
    });
  });
  it('closes when none remain, and when the quota expired', () => {
    expect(quotaWindow({ remain: 0, total: 8, expired_date: '2026-12-09 10:30:00' }, now, 'vi', format)).toMatchObject({ open: false, remainingReplies: 0, reason: expect.stringContaining('đã dùng hết 8') });
    expect(quotaWindow({ remain: 2, total: 8, expired_date: '2026-12-07 09:59:00' }, now, 'vi', format)).toMatchObject({ open: false, reason: expect.stringContaining('đã hết lúc') });
  });
  it('says the fixed rule is an estimate', () => {
    const hourAgo = new Date(now.getTime() - 3_600_000);
    expect(estimatedZaloWindow({ lastInboundAt: hourAgo, outboundSinceInbound: 2, now, senderType: 'agent' }, { windowHours: 48, freeReplies: 8 }, 'en')).toMatchObject({
      open: true,
      source: 'rule',
      remainingReplies: 6,
      reason: expect.stringContaining("Estimated by the 48 hours / 8 replies rule: Zalo's quota could not be read."),
    });
  });
});

describe('splitText', () => {
  it('keeps short texts whole and cuts long ones at spaces', () => {
    expect(splitText('  xin chào  ', 2000)).toEqual(['xin chào']);
    const text = Array.from({ length: 100 }, (_, i) => `từ${i}`).join(' ');
    const parts = splitText(text, 120);
    expect(parts.every((part) => part.length <= 120)).toBe(true);
    expect(parts.join(' ')).toBe(text);
  });
  it('never cuts an emoji in half', () => {
    const text = `${'a'.repeat(119)}😀${'b'.repeat(10)}`;
    const parts = splitText(text, 120);
    expect(parts.join('')).toBe(text);
    expect(parts[0]).toBe('a'.repeat(119));
  });
});

describe('Zalo OA settings', () => {
  it('config/env.example documents every variable the channel reads, and the channel reads them all', () => {
    const example = readFileSync(new URL('../../../config/env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const variable of zaloEnvVariables) expect(listed, variable).toContain(variable);
    const env = Object.fromEntries(zaloEnvVariables.map((variable) => [variable, `value-of-${variable}`]));
    expect(Object.keys(zaloSettingsFromEnv(env)!)).toHaveLength(zaloEnvVariables.length);
  });
  it('makes no inbox when ZALO_OA_APP_ID is unset, and takes the variables that are set', () => {
    expect(zaloSettingsFromEnv({ ZALO_OA_SECRET_KEY: 'x' })).toBeNull();
    expect(zaloSettingsFromEnv({ ZALO_OA_APP_ID: '1', ZALO_OA_SECRET_KEY: 's', ZALO_APP_SECRET: 'a' })).toEqual({ appId: '1', oaSecretKey: 's', appSecret: 'a' });
  });
  it('applies defaults and names a missing secret', () => {
    const parsed = zaloSettings.parse({ appId: '1', oaSecretKey: 's', appSecret: 'a' });
    expect(parsed).toMatchObject({ apiBaseUrl: 'https://openapi.zalo.me', oauthBaseUrl: 'https://oauth.zaloapp.com', windowHours: 48, freeReplies: 8 });
    const missing = zaloSettings.safeParse({ appId: '1', oaSecretKey: 's' });
    expect(missing.success).toBe(false);
    expect(JSON.stringify(missing.error!.issues)).toContain('ZALO_APP_SECRET');
  });
  it('reads { env: NAME } secrets of a YAML inbox from the environment', () => {
    const settings = zaloSettings.parse({ appId: '1', oaSecretKey: { env: 'OA_KEY' }, appSecret: 'a' });
    expect(resolveZaloSettings('zalo-x', settings, { OA_KEY: 'from-env' }).oaSecretKey).toBe('from-env');
    expect(() => resolveZaloSettings('zalo-x', settings, {})).toThrow('inbox "zalo-x" settings.oaSecretKey: environment variable OA_KEY is not set');
  });
});

describe('Zalo webhook rules', () => {
  it('computes the signature as Zalo documents it: sha256(app_id + body + timestamp + OA secret key)', () => {
    const raw = JSON.stringify(fixture('zalo-oa', 'user_send_text'));
    expect(`mac=${zaloSignature(zaloIds.appId, raw, '1767225600000', 'k')}`).toBe(zaloSignatureHeader(zaloIds.appId, raw, 'k'));
    expect(verifyZaloSignature(zaloSignatureHeader(zaloIds.appId, raw, 'k'), zaloIds.appId, Buffer.from(raw), '1767225600000', 'k')).toBe(true);
    expect(verifyZaloSignature('mac=short', zaloIds.appId, Buffer.from(raw), '1767225600000', 'k')).toBe(false);
  });
  it('turns an OA echo into an outbound message whose sender of record is the citizen', () => {
    const normalized = normalizeZaloEvent(fixture('zalo-oa', 'oa_send_text'), 7);
    expect(normalized).toMatchObject({ kind: 'message', message: { echo: true, sender: { externalUserId: '2512523625412515' }, inboxId: 7 } });
  });
  it('files a quoted reply with the quoted message', () => {
    const event = fixture<{ message: Record<string, unknown> }>('zalo-oa', 'user_send_text');
    event.message.quote_msg_id = 'zmid-9';
    expect(normalizeZaloEvent(event, 1)).toMatchObject({ message: { thread: { externalMessageIds: ['zmid-9'] }, metadata: { replyTo: 'zmid-9' } } });
  });
});
