import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import {
  conversationOf,
  fixture,
  gatewayApi,
  postZaloEvent,
  quiet,
  startPlatformStandin,
  takeOver,
  waitFor,
  writeConfigFile,
  zaloIds,
  zaloEnv,
  type ApiMessage,
  type PlatformStandin,
} from '../../helpers/platform-standins.ts';

const hour = 3_600_000;

/**
 * A citizen writes to the OA at `at` (platform time); resolves with their conversation id once
 * the bot has answered it (or not) and the outbox is idle again.
 */
async function citizenWrites(gateway: TestApp, userId: string, msgId: string, at = Date.now()): Promise<number> {
  const event = fixture<{ timestamp: string; sender: { id: string }; message: { msg_id: string; text: string } }>('zalo-oa', 'user_send_text');
  event.sender.id = userId;
  event.message.msg_id = msgId;
  event.timestamp = String(at);
  const response = await postZaloEvent(gateway, event);
  expect(response.status).toBe(200);
  await quiet(gateway);
  return (await conversationOf(gateway, userId))!;
}

/** A citizen whose conversation an agent has taken: the bot is silent, the 8 replies are the agent's. */
async function citizenWithAgent(gateway: TestApp, userId: string): Promise<number> {
  const conversationId = await citizenWrites(gateway, userId, `${userId}-a`);
  await takeOver(gateway, conversationId);
  await citizenWrites(gateway, userId, `${userId}-b`);
  return conversationId;
}

const csRequests = (standin: PlatformStandin) => standin.requests.filter((r) => r.path === '/v3.0/oa/message/cs').length;

describe('Zalo OA outbound', () => {
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
    const configFile = writeConfigFile({ outbox: { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 2000 } });
    gateway = await startTestApp({ env: { ...zaloEnv(standin), CONFIG_FILE: configFile } });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('takes the received and seen marks of its messages, never going back', async () => {
    const userId = '910000000000000011';
    const conversationId = await citizenWrites(gateway, userId, 'o-11');
    expect((await api.reply(conversationId, 'Trả lời thứ nhất')).statusCode).toBe(201);
    expect((await api.reply(conversationId, 'Trả lời thứ hai')).statusCode).toBe(201);
    const [first, second] = await settled(conversationId, 2);
    const mark = (eventName: string, message: Record<string, unknown>) => ({
      app_id: zaloIds.appId,
      event_name: eventName,
      timestamp: String(Date.now()),
      sender: { id: userId },
      recipient: { id: zaloIds.oaId },
      message,
    });
    const statuses = async () => (await api.messages(conversationId)).filter((m) => m.direction === 'out' && m.senderType === 'agent').map((m) => m.status);

    expect((await postZaloEvent(gateway, mark('user_received_message', { msg_id: first!.externalId }))).status).toBe(200);
    expect(await statuses()).toEqual(['delivered', 'sent']);
    expect((await postZaloEvent(gateway, mark('user_seen_message', { msg_ids: [first!.externalId, second!.externalId] }))).status).toBe(200);
    expect(await statuses()).toEqual(['read', 'read']);
    expect((await postZaloEvent(gateway, mark('user_received_message', { msg_id: second!.externalId }))).status).toBe(200);
    expect(await statuses()).toEqual(['read', 'read']);
    // A mark naming ids the OA never sent changes nothing and is still acknowledged.
    expect((await postZaloEvent(gateway, mark('user_seen_message', { msg_ids: ['never-sent'] }))).status).toBe(200);
  });

  it("delivers an agent's reply as a customer-service message and records Zalo's message id", async () => {
    const conversationId = await citizenWrites(gateway, '910000000000000001', 'o-1');
    const reply = await api.reply(conversationId, 'Chào anh/chị, hồ sơ khai sinh cần tờ khai và giấy chứng sinh.');
    expect(reply).toMatchObject({ statusCode: 201, body: { status: 'queued' } });
    const [sent] = await settled(conversationId, 1);
    const platform = standin.zalo.sends.find((s) => s.message.text === 'Chào anh/chị, hồ sơ khai sinh cần tờ khai và giấy chứng sinh.')!;
    expect(platform).toMatchObject({ accessToken: 'zalo-access-0', message: { text: 'Chào anh/chị, hồ sơ khai sinh cần tờ khai và giấy chứng sinh.' } });
    expect(sent).toMatchObject({ status: 'sent', externalId: platform.messageId, senderType: 'agent', error: null });
  });

  it('splits a long reply and sends images and files by uploading them first', async () => {
    const userId = '910000000000000002';
    const conversationId = await citizenWrites(gateway, userId, 'o-2');
    const mark = standin.zalo.sends.length;
    const words = Array.from({ length: 900 }, (_, i) => `từ${i}`).join(' ');
    expect((await api.reply(conversationId, words)).statusCode).toBe(201);
    standin.files.set('giay-hen.png', { type: 'image/png', body: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') });
    standin.files.set('huong-dan.pdf', { type: 'application/pdf', body: Buffer.from('%PDF-1.4 hướng dẫn') });
    await gateway.app.gateway.outbox.enqueueReply({
      conversationId,
      text: 'Mời anh/chị xem giấy hẹn và hướng dẫn.',
      attachments: [
        { kind: 'image', url: `${standin.url}/files/giay-hen.png` },
        { kind: 'file', url: `${standin.url}/files/huong-dan.pdf`, name: 'huong-dan.pdf' },
      ],
      senderType: 'agent',
      senderRef: 'test',
    });
    const out = await settled(conversationId, 2);
    expect(out.map((m) => m.status)).toEqual(['sent', 'sent']);

    const sends = standin.zalo.sends.slice(mark).filter((s) => s.userId === userId);
    const texts = sends.filter((s) => typeof s.message.text === 'string').map((s) => s.message.text as string);
    expect(texts.slice(0, -1).every((text) => text.length <= 2000)).toBe(true);
    expect(texts.slice(0, -1).join(' ')).toBe(words);
    expect(texts.at(-1)).toBe('Mời anh/chị xem giấy hẹn và hướng dẫn.');
    expect(standin.zalo.uploads.slice(-2)).toMatchObject([
      { kind: 'image', name: 'giay-hen.png', size: 16 },
      { kind: 'file', name: 'huong-dan.pdf', size: Buffer.byteLength('%PDF-1.4 hướng dẫn') },
    ]);
    const [image, file] = sends.slice(-2);
    expect(image!.message).toEqual({
      attachment: { type: 'template', payload: { template_type: 'media', elements: [{ media_type: 'image', attachment_id: expect.stringMatching(/^zatt-/) }] } },
    });
    expect(file!.message).toEqual({ attachment: { type: 'file', payload: { token: expect.stringMatching(/^zfile-/) } } });
    // The gateway message keeps the first platform id (its echo is dropped, the others' too).
    expect(out[0]!.externalId).toBe(sends[0]!.messageId);
  });

  it("refuses a reply 48 h after the citizen's last message with 409 window_closed", async () => {
    const conversationId = await citizenWrites(gateway, '910000000000000003', 'o-3', Date.now() - 49 * hour);
    const before = csRequests(standin);
    const reply = await api.reply(conversationId, 'Trả lời muộn');
    expect(reply.statusCode).toBe(409);
    expect(reply.body).toMatchObject({ code: 'window_closed', message: expect.stringContaining('Đã quá 48 giờ') });
    expect(await api.window(conversationId)).toMatchObject({ open: false });
    expect((await api.messages(conversationId)).filter((m) => m.direction === 'out')).toHaveLength(0);
    expect(csRequests(standin)).toBe(before);
  });

  it('allows 8 free replies, then refuses until the citizen writes again', async () => {
    const userId = '910000000000000004';
    const conversationId = await citizenWithAgent(gateway, userId);
    expect(await api.window(conversationId)).toMatchObject({ open: true, remainingReplies: 8 });
    for (let i = 1; i <= 8; i++) expect((await api.reply(conversationId, `Trả lời ${i}`)).statusCode).toBe(201);
    const ninth = await api.reply(conversationId, 'Trả lời 9');
    expect(ninth.statusCode).toBe(409);
    expect(ninth.body).toMatchObject({ code: 'window_closed', message: expect.stringContaining('8 lượt trả lời miễn phí') });
    expect(await api.window(conversationId)).toMatchObject({ open: false, remainingReplies: 0 });
    await settled(conversationId, 8);

    await citizenWrites(gateway, userId, 'o-4c');
    expect(await api.window(conversationId)).toMatchObject({ open: true, remainingReplies: 8 });
    expect((await api.reply(conversationId, 'Trả lời 9')).statusCode).toBe(201);
    await settled(conversationId, 9);
  });

  it('fails at once with the reason when Zalo refuses, and retries a rate limit', async () => {
    const refused = '910000000000000005';
    const limited = '910000000000000006';
    const refusedConversation = await citizenWrites(gateway, refused, 'o-5');
    const limitedConversation = await citizenWrites(gateway, limited, 'o-6');
    standin.zalo.userErrors.set(refused, { error: -213, message: 'User has not followed OA' });
    standin.zalo.userErrors.set(limited, { error: -32, message: 'Exceeded the limit of request per minute', times: 2 });

    const before = csRequests(standin);
    await api.reply(refusedConversation, 'Không tới được');
    const [failed] = await settled(refusedConversation, 1);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('Zalo -213: User has not followed OA') });
    expect(failed!.error).toContain('chưa quan tâm OA');

    await api.reply(limitedConversation, 'Tới sau hai lần bị giới hạn');
    const [sent] = await settled(limitedConversation, 1);
    expect(sent).toMatchObject({ status: 'sent', error: null });
    // One try for the refusal, three (two limited, one through) for the rate-limited reply.
    expect(csRequests(standin) - before).toBe(4);
  });

  it('does not send to anonymous chats through the follower API', async () => {
    await postZaloEvent(gateway, fixture('zalo-oa', 'anonymous_send_text'));
    const conversationId = (await conversationOf(gateway, 'anonymous:a5f8e2d1c4b3'))!;
    // The window is Zalo's 48 h one, but the citizen's id is not a follower's.
    const event = fixture<{ timestamp: string }>('zalo-oa', 'anonymous_send_text');
    event.timestamp = String(Date.now());
    await postZaloEvent(gateway, { ...event, message: { ...(event as unknown as { message: object }).message, msg_id: 'anon-2' } });
    await api.reply(conversationId, 'Giờ làm việc: 7h-17h');
    const [failed] = await settled(conversationId, 1);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringContaining('anonymous chat') });
  });
});

describe('Zalo OA outbound on a flaky platform', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    const configFile = writeConfigFile({
      // A send that takes longer than sendTimeoutMs is abandoned and tried again.
      outbox: { maxAttempts: 40, baseDelayMs: 5, maxDelayMs: 40, sendTimeoutMs: 300, leaseMs: 2000, pollIntervalMs: 20, batchSize: 20 },
    });
    gateway = await startTestApp({ env: { ...zaloEnv(standin), CONFIG_FILE: configFile } });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('delivers every reply exactly once and in order per conversation (5 citizens x 8 replies)', async () => {
    const citizens = Array.from({ length: 5 }, (_, i) => `92000000000000000${i}`);
    const conversations = new Map<string, number>();
    for (const userId of citizens) conversations.set(userId, await citizenWithAgent(gateway, userId));

    // 30 % retryable errors (rate limit, 502, -100) and 10 % answers held past the timeout, from
    // a seeded generator: the same run every time.
    standin.faults = { seed: 1022, failureRate: 0.3, slowRate: 0.1, slowMs: 900 };
    for (let i = 1; i <= 8; i++) {
      for (const userId of citizens) expect((await api.reply(conversations.get(userId)!, `${userId} trả lời ${i}`)).statusCode).toBe(201);
    }

    const all = await waitFor(
      async () => {
        const rows: ApiMessage[] = [];
        for (const id of conversations.values()) rows.push(...(await api.messages(id)).filter((m) => m.direction === 'out' && m.senderType === 'agent'));
        return rows.length === 40 && rows.every((m) => m.status === 'sent' || m.status === 'failed') ? rows : null;
      },
      'all 40 replies to settle',
      60_000,
    );
    standin.faults = null;

    expect(all.filter((m) => m.status !== 'sent')).toEqual([]);
    for (const userId of citizens) {
      // The agent's replies as the platform got them (the bot's first answer left aside).
      const received = standin.zalo.sends.filter((s) => s.userId === userId && String(s.message.text).startsWith(userId)).map((s) => s.message.text);
      expect(received).toEqual(Array.from({ length: 8 }, (_, i) => `${userId} trả lời ${i + 1}`));
    }
    // Each gateway message carries the id of the one platform message that delivered it.
    const platformIds = new Map(standin.zalo.sends.map((s) => [s.message.text, s.messageId]));
    for (const message of all) expect(message.externalId).toBe(platformIds.get(message.text));
    // The faults really happened: more attempts than replies.
    expect(csRequests(standin)).toBeGreaterThan(40 + 10);
  });
});
