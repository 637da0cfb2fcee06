import { eq, like } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InboxState, InboxStatus } from '../../../src/channels/channel-adapter.ts';
import { createZaloApiClient } from '../../../src/channels/zalo-oa/api-client.ts';
import { createZaloTokens, tokensKey, type StoredTokens } from '../../../src/channels/zalo-oa/tokens.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import {
  conversationOf,
  fixture,
  gatewayApi,
  postZaloEvent,
  quiet,
  startPlatformStandin,
  waitFor,
  writeConfigFile,
  zaloEnv,
  zaloIds,
  type PlatformStandin,
} from '../../helpers/platform-standins.ts';

async function citizenWrites(gateway: TestApp, userId: string, msgId: string): Promise<number> {
  const event = fixture<{ timestamp: string; sender: { id: string }; message: { msg_id: string } }>('zalo-oa', 'user_send_text');
  event.sender.id = userId;
  event.message.msg_id = msgId;
  event.timestamp = String(Date.now());
  expect((await postZaloEvent(gateway, event)).status).toBe(200);
  // The bot answers (or fails to) before the test stages what it wants to see.
  await quiet(gateway);
  return (await conversationOf(gateway, userId))!;
}

async function storedTokens(gateway: TestApp): Promise<StoredTokens | null> {
  const { store } = gateway.app.gateway;
  const [row] = await store.db.select({ value: store.t.settings.value }).from(store.t.settings).where(like(store.t.settings.key, `inbox.%.${tokensKey}`));
  return row ? (JSON.parse(row.value) as StoredTokens) : null;
}

async function inboxStatus(gateway: TestApp): Promise<{ status: string; statusDetail: string | null }> {
  const { store } = gateway.app.gateway;
  const [row] = await store.db
    .select({ status: store.t.inboxes.status, statusDetail: store.t.inboxes.statusDetail })
    .from(store.t.inboxes)
    .where(eq(store.t.inboxes.channel, 'zalo-oa'));
  return row!;
}

const quietConfig = () => writeConfigFile({ outbox: { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 5000 } });

describe('Zalo OA token lifecycle', () => {
  let standin: PlatformStandin;
  let gateway: TestApp | undefined;

  beforeAll(async () => {
    standin = await startPlatformStandin();
  });
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });
  afterAll(async () => {
    await standin?.close();
  });

  it('checks the token at start and reports the OA connected', async () => {
    gateway = await startTestApp({ env: { ...zaloEnv(standin), CONFIG_FILE: quietConfig() } });
    await waitFor(() => standin.requests.some((r) => r.path === '/v2.0/oa/getoa'), 'the OA check');
    await waitFor(async () => (await inboxStatus(gateway!)).status === 'active', 'status active');
    // The first pair comes from the environment and is kept in the store from then on.
    expect(await storedTokens(gateway)).toMatchObject({ accessToken: 'zalo-access-0', refreshToken: 'zalo-refresh-0' });
  });

  it('refreshes once when two sends find the token expired at the same time, and persists the new pair', async () => {
    standin.zalo.validAccessTokens.add('zalo-access-x');
    standin.zalo.validRefreshTokens.add('zalo-refresh-x');
    gateway = await startTestApp({ env: { ...zaloEnv(standin), ZALO_OA_ACCESS_TOKEN: 'zalo-access-x', ZALO_OA_REFRESH_TOKEN: 'zalo-refresh-x', CONFIG_FILE: quietConfig() } });
    const api = gatewayApi(gateway);
    const first = await citizenWrites(gateway, '930000000000000001', 't-1');
    const second = await citizenWrites(gateway, '930000000000000002', 't-2');
    await waitFor(async () => (await inboxStatus(gateway!)).status === 'active', 'status active');

    // Zalo expires the token; its refresh answers slowly, so both sends meet it mid-flight.
    standin.zalo.validAccessTokens.delete('zalo-access-x');
    standin.zalo.refreshDelayMs = 300;
    const refreshesBefore = standin.zalo.refreshCalls.length;
    const mark = standin.zalo.sends.length;
    try {
      await Promise.all([api.reply(first, 'Gửi khi token hết hạn 1'), api.reply(second, 'Gửi khi token hết hạn 2')]);
      await waitFor(async () => {
        const out = [...(await api.messages(first)), ...(await api.messages(second))].filter((m) => m.senderType === 'agent');
        return out.length === 2 && out.every((m) => m.status === 'sent');
      }, 'both replies sent');
    } finally {
      standin.zalo.refreshDelayMs = 0;
    }

    const calls = standin.zalo.refreshCalls.slice(refreshesBefore);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      secretKey: standin.zalo.appSecret,
      form: { app_id: zaloIds.appId, grant_type: 'refresh_token', refresh_token: 'zalo-refresh-x' },
    });
    const issued = standin.zalo.issued.at(-1)!;
    const sends = standin.zalo.sends.slice(mark);
    expect(sends.map((s) => s.accessToken)).toEqual([issued.accessToken, issued.accessToken]);
    const stored = await storedTokens(gateway);
    expect(stored).toMatchObject({ accessToken: issued.accessToken, refreshToken: issued.refreshToken });
    // expires_in came as the string "90000".
    expect(stored!.expiresAt - stored!.issuedAt).toBe(90_000_000);
    expect(stored!.lease).toBeUndefined();
  });

  it('marks the inbox needs_reconnect when Zalo refuses the refresh, and fails sends with the reason', async () => {
    gateway = await startTestApp({ env: { ...zaloEnv(standin), ZALO_OA_ACCESS_TOKEN: 'zalo-access-dead', ZALO_OA_REFRESH_TOKEN: 'zalo-refresh-dead', CONFIG_FILE: quietConfig() } });
    const statuses: Array<{ status: string; detail: string | null }> = [];
    gateway.app.gateway.events.on('inbox.status', (event) => statuses.push({ status: event.status, detail: event.detail }));
    const api = gatewayApi(gateway);
    // The start-up check meets the dead token, the refresh is refused.
    const status = await waitFor(async () => {
      const row = await inboxStatus(gateway!);
      return row.status === 'needs_reconnect' ? row : null;
    }, 'status needs_reconnect');
    expect(status.statusDetail).toContain('Không gia hạn được mã truy cập của Zalo OA');
    expect(status.statusDetail).toContain('-14014');
    expect(statuses.map((s) => s.status)).toContain('needs_reconnect');
    // What an administrator sees of the connection.
    const inboxes = (await gateway.app.inject({ url: '/api/v1/inboxes', headers: gateway.auth })).json() as Array<{ channel: string; status: string; statusDetail: string }>;
    expect(inboxes.find((inbox) => inbox.channel === 'zalo-oa')).toMatchObject({ status: 'needs_reconnect', statusDetail: status.statusDetail });

    const conversationId = await citizenWrites(gateway, '930000000000000003', 't-3');
    const refreshesBefore = standin.zalo.refreshCalls.length;
    await api.reply(conversationId, 'Không gửi được');
    const failed = await waitFor(async () => (await api.messages(conversationId)).find((m) => m.senderType === 'agent' && m.status === 'failed'), 'the reply to fail');
    expect(failed.error).toBe(status.statusDetail);
    expect(failed.error!.match(/Không gia hạn được/g)).toHaveLength(1);
    // Final at once: no retries, and no second try of the spent refresh token.
    expect(standin.zalo.refreshCalls.length).toBe(refreshesBefore);
    expect(await storedTokens(gateway)).toMatchObject({ failure: { reason: expect.stringContaining('-14014') } });
  });

  it('refreshes ahead of expiry on a timer, spending each refresh token once', async () => {
    standin.zalo.expiresIn = '2';
    const refreshesBefore = standin.zalo.refreshCalls.length;
    try {
      // The first token is refused at start: the refresh gives a pair that lives 2 s.
      standin.zalo.validRefreshTokens.add('zalo-refresh-t');
      gateway = await startTestApp({ env: { ...zaloEnv(standin), ZALO_OA_ACCESS_TOKEN: 'zalo-access-old', ZALO_OA_REFRESH_TOKEN: 'zalo-refresh-t', CONFIG_FILE: quietConfig() } });
      await waitFor(() => standin.zalo.refreshCalls.length >= refreshesBefore + 2, 'a refresh ahead of expiry', 8000);
      standin.zalo.expiresIn = '90000';
      await waitFor(() => standin.zalo.refreshCalls.length >= refreshesBefore + 3, 'the next refresh', 8000);
      const used = standin.zalo.refreshCalls.slice(refreshesBefore).map((call) => call.form.refresh_token);
      expect(new Set(used).size).toBe(used.length);
      const last = standin.zalo.issued.at(-1)!;
      await waitFor(async () => (await storedTokens(gateway!))?.refreshToken === last.refreshToken, 'the last pair stored');
    } finally {
      standin.zalo.expiresIn = '90000';
    }
  });
});

/** The inbox state as the store implements it: `update` is an atomic read-modify-write. */
function memoryState(): InboxState & { values: Map<string, string> } {
  const values = new Map<string, string>();
  return {
    values,
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => void values.set(key, value),
    update: async (key, fn) => {
      await new Promise((resolve) => setImmediate(resolve));
      const next = fn(values.get(key) ?? null);
      if (next === null) return values.get(key) ?? null;
      values.set(key, next);
      return next;
    },
  };
}

describe('Zalo OA tokens shared by several nodes', () => {
  let standin: PlatformStandin;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    standin = await startPlatformStandin();
  });
  afterAll(async () => {
    await standin?.close();
  });

  const node = (state: InboxState, statuses: InboxStatus[], settings = { accessToken: 'zalo-access-0', refreshToken: 'zalo-refresh-0' }) =>
    createZaloTokens({
      state,
      client: createZaloApiClient({ apiBaseUrl: standin.url, oauthBaseUrl: standin.url, appId: zaloIds.appId, appSecret: standin.zalo.appSecret, locale: 'vi', requestTimeoutMs: 5000 }),
      settings,
      locale: 'vi',
      logger,
      setStatus: async (status) => void statuses.push(status),
    });

  it('lets one node refresh while the other waits for the new pair (lease in the shared state)', async () => {
    const state = memoryState();
    const statuses: InboxStatus[] = [];
    const a = node(state, statuses);
    const b = node(state, statuses);
    expect(await a.accessToken()).toBe('zalo-access-0');
    expect(await b.accessToken()).toBe('zalo-access-0');
    standin.zalo.refreshDelayMs = 300;
    const before = standin.zalo.refreshCalls.length;
    try {
      const stale = (current: StoredTokens) => current.accessToken === 'zalo-access-0';
      const [fromA, fromB] = await Promise.all([a.refresh(stale), b.refresh(stale)]);
      expect(standin.zalo.refreshCalls.length - before).toBe(1);
      const issued = standin.zalo.issued.at(-1)!;
      expect([fromA, fromB]).toEqual([issued.accessToken, issued.accessToken]);
      expect(JSON.parse(state.values.get(tokensKey)!)).toMatchObject({ refreshToken: issued.refreshToken });
    } finally {
      standin.zalo.refreshDelayMs = 0;
    }
  });

  it('takes new tokens from the settings once the stored pair has failed (an admin reconnected the OA)', async () => {
    const state = memoryState();
    const statuses: InboxStatus[] = [];
    const broken = node(state, statuses, { accessToken: 'zalo-access-gone', refreshToken: 'zalo-refresh-gone' });
    await expect(broken.refresh((current) => current.accessToken === 'zalo-access-gone')).rejects.toMatchObject({ kind: 'auth_failed', retryable: false });
    expect(statuses).toEqual(['needs_reconnect']);
    await expect(broken.accessToken()).rejects.toMatchObject({ retryable: false });

    // A node restarted with the tokens the admin obtained again.
    standin.zalo.validAccessTokens.add('zalo-access-new');
    const repaired = node(state, statuses, { accessToken: 'zalo-access-new', refreshToken: 'zalo-refresh-new' });
    expect(await repaired.accessToken()).toBe('zalo-access-new');
    // ...while a node still running with the spent tokens does not put them back.
    const stale = node(state, statuses, { accessToken: 'zalo-access-gone', refreshToken: 'zalo-refresh-gone' });
    expect(await stale.accessToken()).toBe('zalo-access-new');
  });
});
