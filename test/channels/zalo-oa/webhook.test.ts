import { and, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import {
  conversationOf,
  withNormalizedAttachments,
  fixture,
  gatewayApi,
  postZaloEvent,
  quiet,
  startPlatformStandin,
  waitFor,
  writeConfigFile,
  zaloEnv,
  zaloIds,
  zaloOaSecretKey,
  zaloSignatureHeader,
  type PlatformStandin,
} from '../../helpers/platform-standins.ts';

type ZaloEvent = {
  timestamp: string;
  sender: { id: string };
  recipient: { id: string };
  message: { msg_id: string; text?: string };
  [key: string]: unknown;
};

/** A fixture sent by another citizen (fresh ids), so tests sharing the gateway stay apart. */
function eventFrom(name: string, userId: string, options: { msgId?: string; at?: number } = {}): ZaloEvent {
  const event = fixture<ZaloEvent>('zalo-oa', name);
  const echo = name.startsWith('oa_send_');
  if (echo) event.recipient.id = userId;
  else event.sender.id = userId;
  if (options.msgId) event.message.msg_id = options.msgId;
  if (options.at) event.timestamp = String(options.at);
  return event;
}

describe('Zalo OA webhook', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  const messagesOf = async (userId: string) => {
    const conversationId = await conversationOf(gateway, userId);
    return conversationId ? withNormalizedAttachments(gateway, await api.messages(conversationId)) : [];
  };
  /** What the citizen and people wrote: the bot's answers and routing activity left aside. */
  const conversationOfPeople = async (userId: string) =>
    (await messagesOf(userId)).filter((m) => (m.direction === 'in' || m.direction === 'out') && m.senderType !== 'bot');

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gateway = await startTestApp({ env: zaloEnv(standin) });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('stores a signed event once when Zalo posts it three times', async () => {
    const event = eventFrom('user_send_text', '900000000000000001');
    for (let i = 0; i < 3; i++) {
      const response = await postZaloEvent(gateway, event);
      expect(response.status).toBe(200);
    }
    const messages = (await messagesOf('900000000000000001')).filter((m) => m.direction === 'in');
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      direction: 'in',
      senderType: 'contact',
      externalId: '96d3cdf3af150460909',
      text: 'Cho tôi hỏi thủ tục đăng ký khai sinh cho con cần giấy tờ gì?',
      status: 'received',
      sentAt: new Date(1767225600000).toISOString(),
    });
  });

  it('normalizes images, files, stickers, gifs, audio, video, locations and links', async () => {
    const userId = '900000000000000002';
    const names = ['user_send_image', 'user_send_file', 'user_send_sticker', 'user_send_gif', 'user_send_audio', 'user_send_video', 'user_send_location', 'user_send_link'];
    for (const name of names) expect((await postZaloEvent(gateway, eventFrom(name, userId))).status).toBe(200);
    const messages = (await messagesOf(userId)).filter((m) => m.direction === 'in');
    const byEvent = Object.fromEntries(messages.map((m) => [m.metadata!.zaloEvent as string, m]));
    expect(Object.keys(byEvent).sort()).toEqual([...names].sort());
    expect(byEvent.user_send_image).toMatchObject({
      text: 'Ảnh giấy chứng sinh',
      attachments: [{ kind: 'image', url: 'https://s240-ava-talk.zadn.vn/a/b/c/d/1.jpg', meta: { thumbnail: 'https://s240-ava-talk.zadn.vn/thumb/a/b/c/d/1.jpg' } }],
    });
    expect(byEvent.user_send_file).toMatchObject({
      text: null,
      attachments: [{ kind: 'file', name: 'to-khai-khai-sinh.pdf', size: 58213, url: 'https://f20-zpc.zdn.vn/1234/to-khai-khai-sinh.pdf', meta: { extension: 'pdf' } }],
    });
    expect(byEvent.user_send_sticker!.attachments).toEqual([
      { kind: 'sticker', url: 'https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid=bfe458bf64fa8da4d4eb&size=130', meta: { stickerId: 'bfe458bf64fa8da4d4eb' } },
    ]);
    expect(byEvent.user_send_gif!.attachments).toMatchObject([{ kind: 'image', mimeType: 'image/gif', url: 'https://media.giphy.com/media/cam-on.gif' }]);
    expect(byEvent.user_send_audio!.attachments).toEqual([{ kind: 'audio', url: 'https://voice-talk.zadn.vn/a/b/ghi-am.aac' }]);
    expect(byEvent.user_send_video!.attachments).toMatchObject([{ kind: 'video', url: 'https://video-talk.zadn.vn/a/ngap-nuoc.mp4', meta: { description: 'Đường ngập nước' } }]);
    expect(byEvent.user_send_location).toMatchObject({ text: 'Vị trí ổ gà', attachments: [{ kind: 'location', meta: { latitude: 10.4602, longitude: 105.6329 } }] });
    expect(byEvent.user_send_link!.attachments).toMatchObject([
      { kind: 'link', url: 'https://dichvucong.gov.vn/p/home/dvc-trang-chu.html', meta: { description: 'Cổng Dịch vụ công quốc gia' } },
    ]);
    // The platform's payload is kept verbatim for audit and replay.
    const [stored] = await gateway.app.gateway.store.db
      .select({ raw: gateway.app.gateway.store.t.messages.raw })
      .from(gateway.app.gateway.store.t.messages)
      .where(eq(gateway.app.gateway.store.t.messages.externalId, '4e5f6a7b8c9d0e1f2a3b'));
    expect(stored!.raw).toEqual(eventFrom('user_send_location', userId));
  });

  it('answers 401 to a wrong or missing signature and stores nothing', async () => {
    const userId = '900000000000000003';
    const event = eventFrom('user_send_text', userId, { msgId: 'unsigned-1' });
    const raw = JSON.stringify(event);
    const tampered = raw.replace('khai sinh', 'khai tử');
    const cases = [
      await postZaloEvent(gateway, event, { signature: null }),
      await postZaloEvent(gateway, event, { signature: 'mac=' + '0'.repeat(64) }),
      await postZaloEvent(gateway, event, { secret: 'not-the-oa-secret' }),
      await postZaloEvent(gateway, event, { appId: '1' }),
      // Signed for one body, delivered with another: the bytes, not the meaning, are signed.
      await postZaloEvent(gateway, event, { rawBody: tampered, signature: zaloSignatureHeader(zaloIds.appId, raw, zaloOaSecretKey) }),
    ];
    for (const response of cases) {
      expect(response.status).toBe(401);
      expect(((await response.json()) as { code: string }).code).toBe('invalid_signature');
    }
    expect(await messagesOf(userId)).toHaveLength(0);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const response = await postZaloEvent(gateway, null, { rawBody: '{"timestamp":"1767225600000", "event_name":', signature: 'mac=' + 'a'.repeat(64) });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: string }).code).toBe('invalid_json');
  });

  it('records oa_send_* echoes typed in the OA manager as outbound sent outside the gateway', async () => {
    const userId = '900000000000000004';
    await postZaloEvent(gateway, eventFrom('user_send_text', userId, { msgId: 'q-4' }));
    const response = await postZaloEvent(gateway, eventFrom('oa_send_text', userId, { msgId: 'echo-4' }));
    expect(response.status).toBe(200);
    const messages = await conversationOfPeople(userId);
    expect(messages.map((m) => [m.direction, m.senderType, m.externalId, m.status])).toEqual([
      ['in', 'contact', 'q-4', 'received'],
      ['out', 'outside', 'echo-4', 'sent'],
    ]);
    expect(messages[1]!.text).toBe('Chào anh/chị, tổng đài 1022 đã nhận câu hỏi.');
  });

  it('drops the echo of its own send, even when the echo arrives before the send is answered', async () => {
    const userId = '900000000000000005';
    await postZaloEvent(gateway, eventFrom('user_send_text', userId, { msgId: 'q-5', at: Date.now() }));
    const conversationId = (await conversationOf(gateway, userId))!;
    // The bot answers first; the race is staged for the agent's reply.
    await quiet(gateway);
    let echoStatus = 0;
    standin.zalo.beforeAnswer = async (sent) => {
      // Zalo's echo overtakes the answer to our send: the gateway has no message id yet.
      const echo = eventFrom('oa_send_text', sent.userId, { msgId: sent.messageId, at: Date.now() });
      echo.message.text = String(sent.message.text);
      echoStatus = (await postZaloEvent(gateway, echo)).status;
    };
    try {
      expect((await api.reply(conversationId, 'Anh/chị cần mang giấy chứng sinh và CCCD.')).statusCode).toBe(201);
      const sent = await waitFor(async () => (await messagesOf(userId)).find((m) => m.senderType === 'agent' && m.status === 'sent'), 'the reply to be sent');
      expect(echoStatus).toBe(200);
      const messages = await conversationOfPeople(userId);
      expect(messages.filter((m) => m.direction === 'out')).toEqual([sent]);
      expect(sent).toMatchObject({ senderType: 'agent', externalId: standin.zalo.sends.at(-1)!.messageId });
      // A late echo (after the answer was recorded) is a plain duplicate.
      const late = eventFrom('oa_send_text', userId, { msgId: sent.externalId!, at: Date.now() });
      expect((await postZaloEvent(gateway, late)).status).toBe(200);
      expect((await conversationOfPeople(userId)).filter((m) => m.direction === 'out')).toEqual([sent]);
    } finally {
      standin.zalo.beforeAnswer = undefined;
    }
  });

  it('stores nothing for follows, unfollows and receipts', async () => {
    const userId = '900000000000000006';
    const follow = fixture<Record<string, unknown>>('zalo-oa', 'follow');
    (follow.follower as { id: string }).id = userId;
    const unfollow = { ...follow, event_name: 'unfollow' };
    const seen = eventFrom('user_seen_message', userId);
    for (const event of [follow, unfollow, seen]) expect((await postZaloEvent(gateway, event)).status).toBe(200);
    expect(await messagesOf(userId)).toHaveLength(0);
  });

  it('keeps anonymous chats apart and refuses to answer them through the follower API', async () => {
    await postZaloEvent(gateway, fixture('zalo-oa', 'anonymous_send_text'));
    const conversationId = await conversationOf(gateway, 'anonymous:a5f8e2d1c4b3');
    expect(conversationId).toBeDefined();
    const [question] = await api.messages(conversationId!);
    expect(question!.metadata).toMatchObject({ anonymous: true, anonymousConversationId: 'c0nv3r5a710n' });
  });

  it('fetches a profile once, after acknowledging, and caches it in the inbox state', async () => {
    const userId = '900000000000000007';
    standin.zalo.profileDelayMs = 400;
    try {
      const started = Date.now();
      const response = await postZaloEvent(gateway, eventFrom('user_send_text', userId, { msgId: 'p-1' }));
      expect(response.status).toBe(200);
      // The webhook answered before the platform's (slow) profile answer could have arrived.
      expect(Date.now() - started).toBeLessThan(400);
      await postZaloEvent(gateway, eventFrom('user_send_text', userId, { msgId: 'p-2' }));
      const { store } = gateway.app.gateway;
      const { t } = store;
      const cached = await waitFor(async () => {
        const [row] = await store.db.select({ value: t.settings.value }).from(t.settings).where(like(t.settings.key, `inbox.%.profile.${userId}`));
        return row?.value;
      }, 'the profile to be cached');
      expect(JSON.parse(cached)).toMatchObject({ displayName: 'Công dân 0007', avatarUrl: `https://s120-ava-talk.zadn.vn/${userId}.jpg`, phone: '84912345678' });
      await postZaloEvent(gateway, eventFrom('user_send_text', userId, { msgId: 'p-3' }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(standin.zalo.profileCalls.filter((id) => id === userId)).toHaveLength(1);
    } finally {
      standin.zalo.profileDelayMs = 0;
    }
  });
});

describe('Zalo OA webhook with several OAs', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    const configFile = writeConfigFile({
      inboxes: [
        { key: 'webform', channel: 'webform', name: 'Biểu mẫu web', settings: {} },
        { key: 'zalo-tinh', channel: 'zalo-oa', name: 'Zalo OA tỉnh', settings: {} },
        {
          key: 'zalo-cao-lanh',
          channel: 'zalo-oa',
          name: 'Zalo OA TP Cao Lãnh',
          settings: {
            appId: '2222222222222222222',
            oaSecretKey: { env: 'ZALO_CAO_LANH_OA_SECRET_KEY' },
            appSecret: { env: 'ZALO_CAO_LANH_APP_SECRET' },
            accessToken: { env: 'ZALO_CAO_LANH_ACCESS_TOKEN' },
            apiBaseUrl: standin.url,
            oauthBaseUrl: standin.url,
            // The fixtures keep the platform times of their recording.
            webhookMaxAgeSeconds: 0,
          },
        },
      ],
    });
    gateway = await startTestApp({
      env: {
        ...zaloEnv(standin),
        CONFIG_FILE: configFile,
        ZALO_CAO_LANH_OA_SECRET_KEY: 'cao-lanh-oa-secret',
        ZALO_CAO_LANH_APP_SECRET: 'cao-lanh-app-secret',
        ZALO_CAO_LANH_ACCESS_TOKEN: 'zalo-access-0',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('answers each OA on its own path with its own secret', async () => {
    const event = eventFrom('user_send_text', '900000000000000100', { msgId: 'cl-1' });
    const signed = { path: '/webhooks/zalo-oa/zalo-cao-lanh', appId: '2222222222222222222', secret: 'cao-lanh-oa-secret' };
    expect((await postZaloEvent(gateway, event, signed)).status).toBe(200);
    // The province OA's path does not take the city OA's signature, and the other way round.
    expect((await postZaloEvent(gateway, event, { ...signed, path: '/webhooks/zalo-oa' })).status).toBe(401);
    expect((await postZaloEvent(gateway, event, { path: '/webhooks/zalo-oa/zalo-cao-lanh' })).status).toBe(401);
    expect((await postZaloEvent(gateway, eventFrom('user_send_text', '900000000000000100', { msgId: 'tinh-1' }))).status).toBe(200);

    const { store } = gateway.app.gateway;
    const { t } = store;
    const rows = await store.db
      .select({ key: t.inboxes.key, externalId: t.messages.externalId })
      .from(t.messages)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.messages.inboxId))
      .where(and(eq(t.inboxes.channel, 'zalo-oa'), eq(t.messages.direction, 'in')));
    expect(rows.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: 'zalo-cao-lanh', externalId: 'cl-1' },
      { key: 'zalo-tinh', externalId: 'tinh-1' },
    ]);
  });
});

describe('Zalo OA webhook replay refusal', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gateway = await startTestApp({ env: { ...zaloEnv(standin), ZALO_WEBHOOK_MAX_AGE_SECONDS: '300' } });
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('refuses a correctly signed event whose timestamp is more than five minutes away, and stores nothing', async () => {
    const stale = eventFrom('user_send_text', '900000000000000901', { msgId: 'replay-1', at: Date.now() - 6 * 60_000 });
    const response = await postZaloEvent(gateway, stale);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('stale_event');
    const ahead = eventFrom('user_send_text', '900000000000000902', { msgId: 'replay-2', at: Date.now() + 6 * 60_000 });
    expect((await postZaloEvent(gateway, ahead)).status).toBe(401);
    expect(await conversationOf(gateway, '900000000000000901')).toBeUndefined();
    expect(await conversationOf(gateway, '900000000000000902')).toBeUndefined();

    const fresh = eventFrom('user_send_text', '900000000000000903', { msgId: 'replay-3', at: Date.now() - 60_000 });
    expect((await postZaloEvent(gateway, fresh)).status).toBe(200);
    expect(await conversationOf(gateway, '900000000000000903')).toBeDefined();
  });
});
