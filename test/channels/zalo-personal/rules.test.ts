import { describe, expect, it } from 'vitest';
import { createZcaClient } from '../../../src/channels/zalo-personal/api-client.ts';
import { reconnectDelayMs, threadTypes } from '../../../src/channels/zalo-personal/connection.ts';
import { normalizePersonalMessage } from '../../../src/channels/zalo-personal/inbound.ts';
import { reserveSlots, type SendLimits } from '../../../src/channels/zalo-personal/send-limits.ts';
import { createSessionStore } from '../../../src/channels/zalo-personal/session-store.ts';
import { qrEvents } from '../../../src/channels/zalo-personal/sign-in.ts';
import { SessionRejectedError } from '../../../src/channels/zalo-personal/types.ts';
import type { InboxState } from '../../../src/channels/channel-adapter.ts';
import { groupMessage, userMessage } from '../../helpers/fake-zca.ts';

const limits: SendLimits = { perCitizen: { max: 2, windowSeconds: 60 }, perAccount: { max: 3, windowSeconds: 3600 } };

function memoryState(): InboxState {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => void values.set(key, value),
    update: async (key, fn) => {
      const next = fn(values.get(key) ?? null);
      if (next !== null) values.set(key, next);
      return values.get(key) ?? null;
    },
  };
}

describe('send limits', () => {
  it('lets a citizen have `max` messages per window and says when the next may go', () => {
    let log = reserveSlots([], 'a', 1, 1000, limits);
    expect(log.ok).toBe(true);
    log = reserveSlots(log.ok ? log.log : [], 'a', 1, 2000, limits);
    expect(log.ok).toBe(true);
    const third = reserveSlots(log.ok ? log.log : [], 'a', 1, 3000, limits);
    expect(third).toEqual({ ok: false, at: 1000 + 60_000, limit: 'citizen' });
    // Someone else still gets an answer, until the account's own cap.
    const other = reserveSlots(log.ok ? log.log : [], 'b', 1, 3000, limits);
    expect(other.ok).toBe(true);
    const fourth = reserveSlots(other.ok ? other.log : [], 'c', 1, 4000, limits);
    expect(fourth).toEqual({ ok: false, at: 1000 + 3_600_000, limit: 'account' });
  });

  it('forgets sends older than the longest window and lets an oversized message go alone', () => {
    const old: Array<[number, string]> = [[0, 'a'], [1, 'a']];
    expect(reserveSlots(old, 'a', 1, 3_600_002, limits).ok).toBe(true);
    expect(reserveSlots([], 'a', 5, 0, limits)).toMatchObject({ ok: true });
  });
});

describe('reconnection backoff', () => {
  it('doubles from the first wait up to the cap, jittered in the upper half', () => {
    const reconnect = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 9].map((attempt) => reconnectDelayMs(attempt, reconnect, () => 0.999999))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(reconnectDelayMs(3, reconnect, () => 0)).toBe(2000);
  });
});

describe('sealed session', () => {
  const session = { credentials: { imei: 'imei-1', userAgent: 'UA', cookie: [] }, ownId: '1', displayName: 'Xã', savedAt: 5 };

  it('opens only with the same key and for the same inbox', async () => {
    const state = memoryState();
    await createSessionStore(state, 's'.repeat(32), 'zalo-a').save(session);
    expect(await createSessionStore(state, 's'.repeat(32), 'zalo-a').load()).toEqual(session);
    await expect(createSessionStore(state, 't'.repeat(32), 'zalo-a').load()).rejects.toThrow(/session key/);
    await expect(createSessionStore(state, 's'.repeat(32), 'zalo-b').load()).rejects.toThrow(/session key/);
    expect(await createSessionStore(state, 't'.repeat(32), 'zalo-a').savedAt()).toBe(5);
  });
});

describe('inbound messages', () => {
  const groups = new Map([['900', 'Nhóm ấp 1']]);

  it('makes the account’s own direct message an outgoing one of the citizen’s thread, and ignores its own group messages and unconfigured groups', () => {
    const own = userMessage('0', { msgId: '1', idTo: '6001', content: 'tự gửi' });
    expect(own.isSelf).toBe(true);
    expect(normalizePersonalMessage(own, 1, groups)).toMatchObject({
      kind: 'message',
      part: { kind: 'text', text: 'tự gửi' },
      message: { echo: true, externalMessageId: '1', sender: { externalUserId: '6001' }, text: 'tự gửi', metadata: { sentOutsideGateway: true, sentFromPhone: true } },
    });
    // The account's own name is not the citizen's.
    const normalized = normalizePersonalMessage(own, 1, groups);
    expect(normalized.kind === 'message' && normalized.message.sender).toEqual({ externalUserId: '6001' });
    expect(normalizePersonalMessage(groupMessage('900', '0', { msgId: '5', content: 'tự gửi nhóm', uidFrom: '0' }), 1, groups)).toEqual({ kind: 'ignored', reason: 'own group message' });
    expect(normalizePersonalMessage(groupMessage('901', '5', { msgId: '2', content: 'x' }), 1, groups)).toEqual({ kind: 'ignored', reason: 'group not configured' });
  });

  it('keeps a location’s coordinates and a quote’s id', () => {
    const location = normalizePersonalMessage(
      userMessage('7', { msgId: '3', msgType: 'chat.location.new', content: { title: 'UBND xã', description: '', href: '', thumb: '', childnumber: 0, action: '', params: '{"latitude":10.45,"longitude":105.63}', type: '' } }),
      1,
      groups,
    );
    expect(location).toMatchObject({ kind: 'message', message: { text: 'UBND xã', attachments: [{ kind: 'location', meta: { latitude: 10.45, longitude: 105.63 } }] } });
    const quote = normalizePersonalMessage(
      userMessage('7', { msgId: '4', content: 'ok', quote: { ownerId: '1', cliMsgId: 1, globalMsgId: 7123, cliMsgType: 1, ts: 0, msg: 'trước', attach: '', fromD: '', ttl: 0 } }),
      1,
      groups,
    );
    expect(quote).toMatchObject({ kind: 'message', message: { thread: { externalMessageIds: ['7123'] }, metadata: { replyTo: '7123', quotedText: 'trước' } } });
  });
});

describe('the real zca-js', () => {
  it('is loaded and wired: its enums match the channel’s, its client refuses bad credentials before any network', async () => {
    const zca = await import('zca-js');
    expect(threadTypes).toEqual({ user: zca.ThreadType.User, group: zca.ThreadType.Group });
    expect(qrEvents).toEqual({
      generated: zca.LoginQRCallbackEventType.QRCodeGenerated,
      expired: zca.LoginQRCallbackEventType.QRCodeExpired,
      scanned: zca.LoginQRCallbackEventType.QRCodeScanned,
      declined: zca.LoginQRCallbackEventType.QRCodeDeclined,
      gotLoginInfo: zca.LoginQRCallbackEventType.GotLoginInfo,
    });
    expect(new zca.Zalo({ checkUpdate: false, logging: false })).toBeInstanceOf(zca.Zalo);
    // No fetch may happen: the credentials are checked first and the update check is off.
    const realFetch = globalThis.fetch;
    let fetched = 0;
    globalThis.fetch = (async (...args: Parameters<typeof fetch>) => {
      fetched++;
      return realFetch(...args);
    }) as typeof fetch;
    try {
      await expect(createZcaClient().login({ imei: '', cookie: [], userAgent: '' })).rejects.toBeInstanceOf(SessionRejectedError);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(fetched).toBe(0);
  });
});
