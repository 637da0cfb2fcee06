import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import {
  conversationOf,
  fixture,
  gatewayApi,
  graphIds,
  messengerEnv,
  postMessengerBatch,
  postZaloEvent,
  startPlatformStandin,
  zaloEnv,
  zaloIds,
  type PlatformStandin,
} from '../helpers/platform-standins.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const pgUp = await postgresAvailable();

/** One Messenger batch for the page holding `events`. */
const batchOf = (...events: unknown[]) => ({ object: 'page', entry: [{ id: graphIds.pageId, time: Date.now(), messaging: events }] });
const from = (psid: string, message: Record<string, unknown>) => ({ sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), message });

// Found by a probe of a running gateway: each case answered 500 and lost the citizen's message of
// the same batch on every retry.
describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('platform batches the gateway did not expect (%s)', (_name, onPg) => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let dropSchema: (() => Promise<void>) | undefined;

  const messagesOf = async (userId: string) => {
    const id = await conversationOf(gateway, userId);
    return id ? gatewayApi(gateway).messages(id) : [];
  };
  const kept = async () => {
    const { store } = gateway.app.gateway;
    return store.db.select().from(store.t.unusablePayloads);
  };

  beforeAll(async () => {
    if (onPg && !pgUp) return;
    standin = await startPlatformStandin();
    const pg = onPg ? freshPgUrl() : undefined;
    dropSchema = pg?.drop;
    gateway = await startTestApp({ env: { ...messengerEnv(standin), ...zaloEnv(standin), ...(pg ? { DATABASE_URL: pg.url } : {}) } });
  });
  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
    await dropSchema?.();
  });

  it.skipIf(onPg && !pgUp)('stores a batch whose first event is a page echo to a person never seen', async () => {
    const psid = `${onPg ? 2 : 1}100000000000001`;
    const batch = batchOf(
      { sender: { id: graphIds.pageId }, recipient: { id: psid }, timestamp: Date.now() - 1000, message: { mid: `m_echo_first_${psid}`, is_echo: true, app_id: 263902037430900, text: 'Chào anh, tổng đài 1022 xin nghe.' } },
      from(psid, { mid: `m_citizen_after_echo_${psid}`, text: 'Cho tôi hỏi thủ tục khai sinh' }),
    );
    const response = await postMessengerBatch(gateway, batch);
    expect(response.status).toBe(200);
    const stored = await messagesOf(psid);
    expect(stored.filter((m) => m.externalId === `m_citizen_after_echo_${psid}` && m.direction === 'in')).toHaveLength(1);
    expect(stored.filter((m) => m.externalId === `m_echo_first_${psid}` && m.direction === 'out')).toHaveLength(1);
    // The retry Facebook would send stores nothing twice.
    expect((await postMessengerBatch(gateway, batch)).status).toBe(200);
    const ours = [`m_echo_first_${psid}`, `m_citizen_after_echo_${psid}`];
    expect((await messagesOf(psid)).filter((m) => ours.includes(m.externalId ?? ''))).toHaveLength(2);
  });

  it.skipIf(onPg && !pgUp)('stores a Zalo oa_send_text to a follower who has no conversation yet', async () => {
    const event = fixture<Record<string, unknown>>('zalo-oa', 'oa_send_text');
    const follower = `${onPg ? 2 : 1}512523625412599`;
    event.recipient = { id: follower };
    event.message = { text: 'OA viết trước', msg_id: `oa-first-${follower}` };
    const response = await postZaloEvent(gateway, event);
    expect(response.status).toBe(200);
    const stored = await messagesOf(follower);
    expect(stored.map((m) => [m.direction, m.externalId])).toEqual([['out', `oa-first-${follower}`]]);
  });

  it.skipIf(onPg && !pgUp)('acknowledges malformed signed events, keeps them, and stores every usable event of the batch', async () => {
    const psid = `${onPg ? 2 : 1}200000000000002`;
    const before = (await kept()).length;
    const malformed: unknown[] = [
      null,
      from(psid, { mid: 'm_bad_attachments_string', attachments: 'str' }),
      from(psid, { mid: 'm_bad_attachments_null', attachments: [null] }),
      from(psid, { mid: { nested: 1 }, text: 'mid is an object' }),
      { sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), postback: { title: { a: 1 }, payload: 'P' } },
      { sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), delivery: { mids: 'm_x', watermark: Date.now() } },
    ];
    const good = from(psid, { mid: `m_good_${psid}`, text: 'Câu hỏi hợp lệ' });
    const response = await postMessengerBatch(gateway, batchOf(...malformed.slice(0, 3), good, ...malformed.slice(3)));
    expect(response.status).toBe(200);
    expect((await messagesOf(psid)).filter((m) => m.direction === 'in').map((m) => m.externalId)).toEqual([`m_good_${psid}`]);

    // `messaging` not an array, and a body without an entry list: acknowledged and kept too.
    const notArray = await postMessengerBatch(gateway, { object: 'page', entry: [{ id: graphIds.pageId, time: 1, messaging: 'x' }] });
    expect(notArray.status).toBe(200);
    const noEntries = await postMessengerBatch(gateway, { object: 'page', entry: 'none' });
    expect(noEntries.status).toBe(200);

    const rows = (await kept()).slice(before);
    expect(rows).toHaveLength(malformed.length + 2);
    for (const row of rows) {
      expect(row.channel).toBe('messenger');
      // The reason names where and what is wrong, never the citizen's words.
      expect(row.reason).not.toContain('Câu hỏi');
      expect(row.reason).not.toContain(psid);
    }
    expect(rows.find((row) => row.reason.includes('message.mid'))?.raw).toMatchObject({ message: { text: 'mid is an object' } });
  });

  it.skipIf(onPg && !pgUp)('acknowledges and keeps a signed Zalo message event with fields of the wrong type', async () => {
    const event = fixture<Record<string, unknown>>('zalo-oa', 'user_send_text');
    const userId = `${onPg ? 2 : 1}333000000000003`;
    event.sender = { id: userId };
    event.message = { msg_id: 'z-bad-1', text: 'x', attachments: 'not a list' };
    const response = await postZaloEvent(gateway, event);
    expect(response.status).toBe(200);
    expect(await messagesOf(userId)).toEqual([]);
    const { store } = gateway.app.gateway;
    const rows = await store.db.select().from(store.t.unusablePayloads).where(eq(store.t.unusablePayloads.channel, 'zalo-oa'));
    expect(rows.some((row) => row.reason.includes('message.attachments'))).toBe(true);
    expect(zaloIds.appId).toBeTruthy();
  });
});
