import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import {
  conversationOf,
  gatewayApi,
  graphIds,
  messengerEnv,
  postMessengerBatch,
  quiet,
  startPlatformStandin,
  waitFor,
  writeConfigFile,
  type ApiMessage,
  type PlatformStandin,
} from '../../helpers/platform-standins.ts';

const hour = 3_600_000;

/**
 * A person writes to the page at `at` (platform time); resolves with their conversation id once
 * the bot has answered it (or not) and the outbox is idle again.
 */
async function personWrites(gateway: TestApp, psid: string, mid: string, at = Date.now()): Promise<number> {
  const batch = {
    object: 'page',
    entry: [{ id: graphIds.pageId, time: at, messaging: [{ sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: at, message: { mid, text: 'Cho tôi hỏi' } }] }],
  };
  expect((await postMessengerBatch(gateway, batch)).status).toBe(200);
  await quiet(gateway);
  return (await conversationOf(gateway, psid))!;
}

const agentTexts = (standin: PlatformStandin, psid: string, texts: string[]) =>
  standin.graph.sends.filter((s) => s.psid === psid && texts.includes((s.body.message as { text?: string }).text ?? ''));

const sendRequests = (standin: PlatformStandin) => standin.requests.filter((r) => r.path === `/v23.0/${graphIds.pageId}/messages`).length;
const outboxConfig = { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 2000 };

describe('Messenger outbound', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  /** The agent's replies of a conversation, once `count` of them are sent or failed. */
  const settled = (conversationId: number, count: number) =>
    waitFor(async () => {
      const out = (await api.messages(conversationId)).filter((m) => m.direction === 'out' && m.senderType === 'agent');
      return out.length === count && out.every((m) => m.status === 'sent' || m.status === 'failed') ? out : null;
    }, `${count} replies to settle`);

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gateway = await startTestApp({ env: { ...messengerEnv(standin), CONFIG_FILE: writeConfigFile({ outbox: outboxConfig }) } });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it("delivers an agent's reply through the Send API and records Facebook's message id", async () => {
    const conversationId = await personWrites(gateway, '8100000000000001', 'm_o-1');
    expect((await api.reply(conversationId, 'Chào bạn, tổng đài 1022 xin nghe.')).statusCode).toBe(201);
    const [sent] = await settled(conversationId, 1);
    const [platform] = agentTexts(standin, '8100000000000001', ['Chào bạn, tổng đài 1022 xin nghe.']);
    expect(platform!.body).toEqual({ recipient: { id: '8100000000000001' }, messaging_type: 'RESPONSE', message: { text: 'Chào bạn, tổng đài 1022 xin nghe.' } });
    expect(sent).toMatchObject({ status: 'sent', externalId: platform!.messageId, error: null });
  });

  it('sends images and files by URL, reusable', async () => {
    const psid = '8100000000000002';
    const conversationId = await personWrites(gateway, psid, 'm_o-2');
    const mark = standin.graph.sends.length;
    await gateway.app.gateway.outbox.enqueueReply({
      conversationId,
      text: 'Mẫu đơn và sơ đồ đường đi:',
      attachments: [
        { kind: 'file', url: 'https://dongthap.gov.vn/files/mau-don.pdf' },
        { kind: 'image', url: 'https://dongthap.gov.vn/files/so-do.png' },
      ],
      senderType: 'agent',
    });
    const [sent] = await settled(conversationId, 1);
    const bodies = standin.graph.sends.slice(mark).map((s) => s.body.message);
    expect(bodies).toEqual([
      { text: 'Mẫu đơn và sơ đồ đường đi:' },
      { attachment: { type: 'file', payload: { url: 'https://dongthap.gov.vn/files/mau-don.pdf', is_reusable: true } } },
      { attachment: { type: 'image', payload: { url: 'https://dongthap.gov.vn/files/so-do.png', is_reusable: true } } },
    ]);
    expect(sent!.externalId).toBe(standin.graph.sends[mark]!.messageId);
  });

  it("takes Facebook's receipts: delivered by mid, read up to the watermark, only this person's, never back", async () => {
    const psid = '8100000000000011';
    const conversationId = await personWrites(gateway, psid, 'm_o-11');
    expect((await api.reply(conversationId, 'Trả lời thứ nhất')).statusCode).toBe(201);
    const [first] = await settled(conversationId, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await api.reply(conversationId, 'Trả lời thứ hai')).statusCode).toBe(201);
    const [, second] = await settled(conversationId, 2);
    const other = await personWrites(gateway, '8100000000000012', 'm_o-12');
    expect((await api.reply(other, 'Trả lời người khác')).statusCode).toBe(201);
    await settled(other, 1);

    const receipt = (event: Record<string, unknown>) => ({
      object: 'page',
      entry: [{ id: graphIds.pageId, time: Date.now(), messaging: [{ sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), ...event }] }],
    });
    const statuses = async (id: number) => (await api.messages(id)).filter((m) => m.direction === 'out' && m.senderType === 'agent').map((m) => m.status);
    const firstSent = Date.parse(first!.sentAt!);

    // Delivered, named by mid (the watermark says the same of the first reply only).
    expect((await postMessengerBatch(gateway, receipt({ delivery: { mids: [first!.externalId], watermark: firstSent } }))).status).toBe(200);
    expect(await statuses(conversationId)).toEqual(['delivered', 'sent']);
    // Read up to the first reply: a read carries no mids, only the watermark.
    expect((await postMessengerBatch(gateway, receipt({ read: { watermark: firstSent } }))).status).toBe(200);
    expect(await statuses(conversationId)).toEqual(['read', 'sent']);
    // A late delivery receipt does not take a read message back.
    expect((await postMessengerBatch(gateway, receipt({ delivery: { mids: [first!.externalId, second!.externalId], watermark: firstSent } }))).status).toBe(200);
    expect(await statuses(conversationId)).toEqual(['read', 'delivered']);
    expect((await postMessengerBatch(gateway, receipt({ read: { watermark: Date.now() } }))).status).toBe(200);
    expect(await statuses(conversationId)).toEqual(['read', 'read']);
    // Someone else's reply is not theirs to read.
    expect(await statuses(other)).toEqual(['sent']);
  });

  it("refuses a reply 24 h after the person's last message with 409 window_closed", async () => {
    const conversationId = await personWrites(gateway, '8100000000000003', 'm_o-3', Date.now() - 25 * hour);
    const before = sendRequests(standin);
    const reply = await api.reply(conversationId, 'Trả lời muộn');
    expect(reply.statusCode).toBe(409);
    expect(reply.body).toMatchObject({ code: 'window_closed', message: expect.stringContaining('Đã quá 24 giờ') });
    expect(await api.window(conversationId)).toMatchObject({ open: false });
    expect(sendRequests(standin)).toBe(before);
  });

  it('fails at once with the reason on final errors and retries rate limits', async () => {
    const unavailable = '8100000000000004';
    const outside = '8100000000000005';
    const limited = '8100000000000006';
    const conversations = [
      await personWrites(gateway, unavailable, 'm_o-4'),
      await personWrites(gateway, outside, 'm_o-5'),
      await personWrites(gateway, limited, 'm_o-6'),
    ];
    standin.graph.userErrors.set(unavailable, { status: 400, error: { message: 'This person isn\'t available right now.', type: 'OAuthException', code: 551, error_subcode: 1545041 } });
    standin.graph.userErrors.set(outside, {
      status: 400,
      error: { message: '(#10) This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278 },
    });
    standin.graph.userErrors.set(limited, { status: 400, times: 2, error: { message: '(#613) Calls to this api have exceeded the rate limit.', type: 'OAuthException', code: 613 } });
    const before = sendRequests(standin);
    for (const id of conversations) await api.reply(id, 'Thử gửi');
    const [a] = await settled(conversations[0]!, 1);
    const [b] = await settled(conversations[1]!, 1);
    const [c] = await settled(conversations[2]!, 1);
    expect(a).toMatchObject({ status: 'failed', error: expect.stringContaining('Facebook 551/1545041') });
    expect(a!.error).toContain('không nhận được tin nhắn');
    expect(b).toMatchObject({ status: 'failed', error: expect.stringContaining('Ngoài thời hạn trả lời của Messenger') });
    expect(c).toMatchObject({ status: 'sent', error: null });
    expect(sendRequests(standin) - before).toBe(1 + 1 + 3);
  });

  it('marks the inbox needs_reconnect when Facebook refuses the page token', async () => {
    const conversationId = await personWrites(gateway, '8100000000000007', 'm_o-7');
    const token = standin.graph.pageToken;
    standin.graph.pageToken = 'rotated-by-facebook';
    try {
      await api.reply(conversationId, 'Token đã hết hạn');
      const [failed] = await settled(conversationId, 1);
      expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('Facebook 190') });
      const { store } = gateway.app.gateway;
      const [inbox] = await store.db.select({ status: store.t.inboxes.status, detail: store.t.inboxes.statusDetail }).from(store.t.inboxes).where(eq(store.t.inboxes.channel, 'messenger'));
      expect(inbox).toMatchObject({ status: 'needs_reconnect', detail: expect.stringContaining('kết nối lại Trang') });
    } finally {
      standin.graph.pageToken = token;
    }
  });
});

describe('Messenger outbound with the Human Agent permission', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gateway = await startTestApp({ env: { ...messengerEnv(standin), FB_HUMAN_AGENT: 'true', CONFIG_FILE: writeConfigFile({ outbox: outboxConfig }) } });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('answers within 24 h as RESPONSE, up to 7 days with the HUMAN_AGENT tag, and not after', async () => {
    const fresh = await personWrites(gateway, '8200000000000001', 'm_h-1');
    const dayOld = await personWrites(gateway, '8200000000000002', 'm_h-2', Date.now() - 30 * hour);
    const weekOld = await personWrites(gateway, '8200000000000003', 'm_h-3', Date.now() - 8 * 24 * hour);

    expect(await api.window(dayOld)).toMatchObject({ open: true, reason: expect.stringContaining('HUMAN_AGENT') });
    expect((await api.reply(fresh, 'Trong 24 giờ')).statusCode).toBe(201);
    expect((await api.reply(dayOld, 'Sau 30 giờ')).statusCode).toBe(201);
    const late = await api.reply(weekOld, 'Sau 8 ngày');
    expect(late.statusCode).toBe(409);
    expect(late.body).toMatchObject({ code: 'window_closed', message: expect.stringContaining('kể cả với thẻ HUMAN_AGENT') });

    const agent = ['Trong 24 giờ', 'Sau 30 giờ'];
    await waitFor(() => standin.graph.sends.filter((s) => agent.includes((s.body.message as { text: string }).text)).length === 2, 'two sends');
    const byPsid = new Map(standin.graph.sends.filter((s) => agent.includes((s.body.message as { text: string }).text)).map((s) => [s.psid, s.body]));
    expect(byPsid.get('8200000000000001')).toMatchObject({ messaging_type: 'RESPONSE' });
    expect(byPsid.get('8200000000000001')).not.toHaveProperty('tag');
    expect(byPsid.get('8200000000000002')).toMatchObject({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Sau 30 giờ' } });
  });
});

describe('Messenger outbound on a flaky platform', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    const configFile = writeConfigFile({
      // A send that takes longer than sendTimeoutMs is abandoned and tried again.
      outbox: { maxAttempts: 40, baseDelayMs: 5, maxDelayMs: 40, sendTimeoutMs: 300, leaseMs: 2000, pollIntervalMs: 20, batchSize: 20 },
    });
    gateway = await startTestApp({ env: { ...messengerEnv(standin), CONFIG_FILE: configFile } });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('delivers every reply exactly once and in order per conversation (5 people x 10 replies)', async () => {
    const people = Array.from({ length: 5 }, (_, i) => `830000000000000${i}`);
    const conversations = new Map<string, number>();
    for (const psid of people) conversations.set(psid, await personWrites(gateway, psid, `m_f-${psid}`));

    // 30 % retryable errors (613, transient 2, HTML 500) and 10 % answers held past the timeout,
    // from a seeded generator: the same run every time.
    standin.faults = { seed: 20261122, failureRate: 0.3, slowRate: 0.1, slowMs: 900 };
    for (let i = 1; i <= 10; i++) {
      for (const psid of people) expect((await api.reply(conversations.get(psid)!, `${psid} trả lời ${i}`)).statusCode).toBe(201);
    }

    const all = await waitFor(
      async () => {
        const rows: ApiMessage[] = [];
        for (const id of conversations.values()) rows.push(...(await api.messages(id)).filter((m) => m.direction === 'out' && m.senderType === 'agent'));
        return rows.length === 50 && rows.every((m) => m.status === 'sent' || m.status === 'failed') ? rows : null;
      },
      'all 50 replies to settle',
      60_000,
    );
    standin.faults = null;

    expect(all.filter((m) => m.status !== 'sent')).toEqual([]);
    for (const psid of people) {
      // The agent's replies as the platform got them (the bot's first answer left aside).
      const received = standin.graph.sends
        .map((s) => (s.body.message as { text: string }).text)
        .filter((text) => text.startsWith(`${psid} trả lời`));
      expect(received).toEqual(Array.from({ length: 10 }, (_, i) => `${psid} trả lời ${i + 1}`));
    }
    const platformIds = new Map(standin.graph.sends.map((s) => [(s.body.message as { text: string }).text, s.messageId]));
    for (const message of all) expect(message.externalId).toBe(platformIds.get(message.text!));
    expect(sendRequests(standin)).toBeGreaterThan(50 + 10);
  });
});
