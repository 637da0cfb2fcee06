import { like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import {
  conversationOf,
  withNormalizedAttachments,
  facebookSignatureHeader,
  fbAppSecret,
  fbVerifyToken,
  fixture,
  gatewayApi,
  graphIds,
  messengerEnv,
  postMessengerBatch,
  quiet,
  startPlatformStandin,
  waitFor,
  type ApiMessage,
  type PlatformStandin,
} from '../../helpers/platform-standins.ts';

type Batch = { object: string; entry: Array<{ id: string; time: number; messaging: Array<Record<string, unknown>> }> };

const first = '6543210987654321';
const second = '7654321098765432';

/** One text message from `psid`, as Facebook batches it. */
function textEvent(psid: string, mid: string, text: string, timestamp = Date.now()): Batch {
  return {
    object: 'page',
    entry: [{ id: graphIds.pageId, time: timestamp, messaging: [{ sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp, message: { mid, text } }] }],
  };
}

describe('Messenger webhook', () => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  const messagesOf = async (psid: string): Promise<ApiMessage[]> => {
    const id = await conversationOf(gateway, psid);
    return id ? withNormalizedAttachments(gateway, await api.messages(id)) : [];
  };

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gateway = await startTestApp({ env: messengerEnv(standin) });
    api = gatewayApi(gateway);
    // The app id (to recognize our own echoes) is looked up at start.
    await waitFor(() => standin.requests.some((r) => r.path === '/v23.0/app'), 'the app lookup');
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('answers the verification handshake with hub.challenge, and 403 to a wrong token', async () => {
    const ok = await fetch(`${gateway.url}/webhooks/facebook?hub.mode=subscribe&hub.verify_token=${fbVerifyToken}&hub.challenge=1158201444`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1158201444');
    const wrong = await fetch(`${gateway.url}/webhooks/facebook?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
    const missing = await fetch(`${gateway.url}/webhooks/facebook?hub.mode=subscribe&hub.challenge=1158201444`);
    expect(missing.status).toBe(403);
  });

  it('stores every message of a batch in one transaction, and each once when the batch comes twice', async () => {
    const batch = fixture<Batch>('messenger', 'batch');
    const { store } = gateway.app.gateway;
    const original = store.tx.bind(store);
    let transactions = 0;
    // Profiles are cached after the answer; slow them down so they cannot count here.
    standin.graph.profileDelayMs = 300;
    // Only the ingest's transactions count: the router also writes as soon as messages commit.
    store.tx = ((fn) => {
      if (fn.toString().includes('ingestOne')) transactions++;
      return original(fn);
    }) as typeof store.tx;
    let response: Response;
    try {
      response = await postMessengerBatch(gateway, batch);
    } finally {
      store.tx = original;
    }
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('EVENT_RECEIVED');
    expect(transactions).toBe(1);
    expect((await postMessengerBatch(gateway, batch)).status).toBe(200);

    const mids = (messages: ApiMessage[]) => messages.filter((m) => m.direction === 'in').map((m) => m.externalId);
    expect(mids(await messagesOf(first))).toEqual(['m_AbCdEf-text-1', 'm_AbCdEf-image-2', 'm_AbCdEf-sticker-3', 'm_AbCdEf-quick-4', 'm_AbCdEf-postback-5']);
    expect(mids(await messagesOf(second))).toEqual(['m_GhIjKl-file-1', 'm_GhIjKl-audio-2', 'm_GhIjKl-video-3', 'm_GhIjKl-location-4', 'm_GhIjKl-link-5', 'm_GhIjKl-reply-6']);
    await waitFor(() => standin.graph.profileCalls.includes(second), 'profiles fetched');
    standin.graph.profileDelayMs = 0;
  });

  it('normalizes texts, images, stickers, files, audio, video, locations, links, quick replies and postbacks', async () => {
    const byMid = new Map([...(await messagesOf(first)), ...(await messagesOf(second))].map((m) => [m.externalId, m]));
    expect(byMid.get('m_AbCdEf-text-1')).toMatchObject({ direction: 'in', text: 'Chào tổng đài, cho hỏi đổi giấy phép lái xe ở đâu?', sentAt: new Date(1767225600000).toISOString() });
    expect(byMid.get('m_AbCdEf-image-2')!.attachments).toEqual([{ kind: 'image', url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/gplx.jpg?_nc_cat=1&oh=abc' }]);
    expect(byMid.get('m_AbCdEf-sticker-3')!.attachments).toEqual([{ kind: 'sticker', url: 'https://scontent.xx.fbcdn.net/v/t39.1997-6/like.png', meta: { stickerId: '369239263222822' } }]);
    expect(byMid.get('m_AbCdEf-quick-4')).toMatchObject({ text: 'Rất hài lòng', metadata: { quickReplyPayload: 'CSAT_5' } });
    expect(byMid.get('m_AbCdEf-postback-5')).toMatchObject({ text: 'Tra cứu hồ sơ', metadata: { postback: true, postbackPayload: 'MENU_TRA_CUU_HO_SO' } });
    expect(byMid.get('m_GhIjKl-file-1')!.attachments).toEqual([{ kind: 'file', url: 'https://cdn.fbsbx.com/v/t59.2708-21/don-de-nghi.pdf?_nc_cat=1' }]);
    expect(byMid.get('m_GhIjKl-audio-2')!.attachments).toEqual([{ kind: 'audio', url: 'https://cdn.fbsbx.com/v/t59.3654-21/audioclip.mp4' }]);
    expect(byMid.get('m_GhIjKl-video-3')!.attachments).toEqual([{ kind: 'video', url: 'https://video.xx.fbcdn.net/v/t42.3356-2/ngap.mp4' }]);
    expect(byMid.get('m_GhIjKl-location-4')!.attachments).toEqual([
      { kind: 'location', url: 'https://l.facebook.com/l.php?u=map', name: 'Vị trí', meta: { latitude: 10.4602, longitude: 105.6329 } },
    ]);
    expect(byMid.get('m_GhIjKl-link-5')).toMatchObject({ text: 'https://dichvucong.gov.vn', attachments: [{ kind: 'link', url: 'https://dichvucong.gov.vn/', name: 'Cổng Dịch vụ công quốc gia' }] });
    expect(byMid.get('m_GhIjKl-reply-6')!.metadata).toMatchObject({ replyTo: 'm_page-reply-1' });
  });

  it('answers 403 to a wrong or missing signature and stores nothing; 400 to a body that is not JSON', async () => {
    const psid = '8000000000000001';
    const batch = textEvent(psid, 'm_unsigned-1', 'Không có chữ ký');
    const raw = JSON.stringify(batch);
    const responses = [
      await postMessengerBatch(gateway, batch, { signature: null }),
      await postMessengerBatch(gateway, batch, { signature: 'sha256=' + '0'.repeat(64) }),
      await postMessengerBatch(gateway, batch, { secret: 'another-app-secret' }),
      await postMessengerBatch(gateway, batch, { signature: facebookSignatureHeader(fbAppSecret, raw).replace('sha256=', 'sha1=') }),
      await postMessengerBatch(gateway, batch, { rawBody: raw.replace('Không', 'Có'), signature: facebookSignatureHeader(fbAppSecret, raw) }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('invalid_signature');
    }
    expect(await messagesOf(psid)).toEqual([]);

    const broken = '{"object":"page","entry":[';
    const bad = await postMessengerBatch(gateway, null, { rawBody: broken });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('invalid_json');
  });

  it('records echoes from the page inbox as outbound sent outside the gateway, and drops those of our app', async () => {
    expect((await postMessengerBatch(gateway, fixture('messenger', 'echo-page-inbox'))).status).toBe(200);
    expect((await postMessengerBatch(gateway, fixture('messenger', 'echo-own-app'))).status).toBe(200);
    const out = (await messagesOf(first)).filter((m) => m.direction === 'out' && m.senderType !== 'bot');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      senderType: 'outside',
      status: 'sent',
      externalId: 'm_echo-inbox-1',
      text: 'Anh/chị mang CCCD đến bộ phận một cửa nhé.',
      metadata: { sentOutsideGateway: true, appId: '263902037430900' },
    });
  });

  it("drops the echo of its own send even when it arrives before the Send API's answer", async () => {
    const psid = '8000000000000002';
    await postMessengerBatch(gateway, textEvent(psid, 'm_q-2', 'Hỏi về cấp đổi CCCD'));
    const conversationId = (await conversationOf(gateway, psid))!;
    // The bot answers first; the race is staged for the agent's reply.
    await quiet(gateway);
    let echoStatus = 0;
    standin.graph.beforeAnswer = async (sent) => {
      const echo = textEvent(graphIds.pageId, sent.messageId, String((sent.body.message as { text: string }).text));
      const event = echo.entry[0]!.messaging[0]!;
      event.sender = { id: graphIds.pageId };
      event.recipient = { id: psid };
      (event.message as Record<string, unknown>).is_echo = true;
      (event.message as Record<string, unknown>).app_id = Number(graphIds.appId);
      echoStatus = (await postMessengerBatch(gateway, echo)).status;
    };
    try {
      expect((await api.reply(conversationId, 'Anh/chị đến Công an xã với CCCD cũ.')).statusCode).toBe(201);
      await waitFor(async () => (await api.messages(conversationId)).some((m) => m.senderType === 'agent' && m.status === 'sent'), 'the reply to be sent');
    } finally {
      standin.graph.beforeAnswer = undefined;
    }
    expect(echoStatus).toBe(200);
    // Nothing "sent outside the gateway": the echo was recognized as ours.
    const out = (await api.messages(conversationId)).filter((m) => m.direction === 'out' && m.senderType !== 'bot');
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ senderType: 'agent', externalId: standin.graph.sends.at(-1)!.messageId });
  });

  it("ignores entries of other pages and events that are not messages", async () => {
    const psid = '8000000000000003';
    const batch = textEvent(psid, 'm_other-page', 'Sai trang');
    batch.entry[0]!.id = '999999999999999';
    batch.entry.push({
      id: graphIds.pageId,
      time: Date.now(),
      messaging: [
        { sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), delivery: { mids: ['m_x'], watermark: Date.now() } },
        { sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), read: { watermark: Date.now() } },
        { sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), reaction: { mid: 'm_x', action: 'react', reaction: 'love' } },
      ],
    });
    expect((await postMessengerBatch(gateway, batch)).status).toBe(200);
    expect(await messagesOf(psid)).toEqual([]);
  });

  it('fetches a profile once, after acknowledging, and caches it in the inbox state', async () => {
    const psid = '8000000000000004';
    standin.graph.profileDelayMs = 400;
    try {
      const started = Date.now();
      expect((await postMessengerBatch(gateway, textEvent(psid, 'm_p-1', 'Xin chào'))).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(400);
      await postMessengerBatch(gateway, textEvent(psid, 'm_p-2', 'Cho hỏi'));
      const { store } = gateway.app.gateway;
      const cached = await waitFor(async () => {
        const [row] = await store.db.select({ value: store.t.settings.value }).from(store.t.settings).where(like(store.t.settings.key, `inbox.%.profile.${psid}`));
        return row?.value;
      }, 'the profile to be cached');
      expect(JSON.parse(cached)).toMatchObject({ displayName: 'Lan Nguyễn 0004', avatarUrl: `https://platform-lookaside.fbsbx.com/${psid}.jpg` });
      await postMessengerBatch(gateway, textEvent(psid, 'm_p-3', 'Cảm ơn'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(standin.graph.profileCalls.filter((id) => id === psid)).toHaveLength(1);
    } finally {
      standin.graph.profileDelayMs = 0;
    }
  });
});
