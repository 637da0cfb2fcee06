import { and, count, eq, like } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { startBotFrameworkStandin, type BotFrameworkStandin } from '../../helpers/botframework-standin.ts';
import { conversationOf, gatewayApi, quiet, takeOver, waitFor, writeConfigFile, type ApiMessage } from '../../helpers/platform-standins.ts';

/** A person writing to the hotline's bot, as a channel posts it to the messaging endpoint. */
function messageActivity(standin: BotFrameworkStandin, overrides: { id: string; from?: string; conversation?: string; channelId?: string; text?: string; value?: unknown }) {
  const channelId = overrides.channelId ?? 'msteams';
  return {
    type: 'message',
    id: overrides.id,
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    serviceUrl: standin.serviceUrl,
    channelId,
    from: { id: overrides.from ?? '29:1Xq-tdH3ZPmzNpPhVhGMdnA', name: 'Nguyễn Thị Lan', aadObjectId: 'b7e5a0c2-4f1d-4c8e-9a57-2d6f4e1b3c90' },
    conversation: { id: overrides.conversation ?? 'a:1qPz7Tc-personal-chat', conversationType: 'personal', tenantId: '5c6f1e2d-9a8b-4c7d-8e6f-1a2b3c4d5e6f' },
    recipient: { id: `28:${standin.appId}`, name: 'Tổng đài 1022' },
    text: overrides.text ?? 'Làm giấy khai sinh cho con cần những gì?',
    textFormat: 'plain',
    locale: 'vi-VN',
    ...(overrides.value !== undefined ? { value: overrides.value } : {}),
    channelData: { tenant: { id: '5c6f1e2d-9a8b-4c7d-8e6f-1a2b3c4d5e6f' } },
  };
}

const outboxConfig = { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 5000 };

describe('Bot Framework channel', () => {
  let standin: BotFrameworkStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;
  let inboxId: number;

  const post = (body: unknown, authorization?: string) =>
    fetch(`${gateway.url}/webhooks/botframework`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const signed = (body: unknown) => post(body, `Bearer ${standin.channelToken()}`);

  /** Messages stored for this inbox whose platform id contains `activityId`. */
  const storedWith = async (activityId: string) => {
    const { store } = gateway.app.gateway;
    const { t } = store;
    const [row] = await store.db
      .select({ n: count() })
      .from(t.messages)
      .where(and(eq(t.messages.inboxId, inboxId), like(t.messages.externalId, `%|${activityId}`)));
    return Number(row?.n ?? 0);
  };
  const conversationCount = async () => {
    const { store } = gateway.app.gateway;
    const [row] = await store.db.select({ n: count() }).from(store.t.conversations).where(eq(store.t.conversations.inboxId, inboxId));
    return Number(row?.n ?? 0);
  };
  const toConversation = (conversation: string) => standin.connector.filter((r) => r.conversationId === conversation && r.body.type === 'message');
  /** The agent's replies of a conversation, once `count` of them are sent or failed. */
  const settled = (conversationId: number, n: number) =>
    waitFor(async () => {
      const out = (await api.messages(conversationId)).filter((m) => m.direction === 'out' && m.senderType === 'agent');
      return out.length === n && out.every((m) => m.status === 'sent' || m.status === 'failed') ? out : null;
    }, `${n} replies to settle`);

  beforeAll(async () => {
    standin = await startBotFrameworkStandin();
    gateway = await startTestApp({ env: { ...standin.env, CONFIG_FILE: writeConfigFile({ outbox: outboxConfig }) } });
    api = gatewayApi(gateway);
    const { store } = gateway.app.gateway;
    const [inbox] = await store.db.select({ id: store.t.inboxes.id }).from(store.t.inboxes).where(eq(store.t.inboxes.channel, 'botframework'));
    inboxId = inbox!.id;
  });

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
  });

  it('stores a correctly signed activity once, even when the channel posts it three times', async () => {
    const activity = messageActivity(standin, { id: '1700000000001' });
    for (let i = 0; i < 3; i++) expect((await signed(activity)).status).toBe(200);
    expect(await storedWith('1700000000001')).toBe(1);

    const conversationId = (await conversationOf(gateway, 'msteams:29:1Xq-tdH3ZPmzNpPhVhGMdnA'))!;
    const [message] = (await api.messages(conversationId)).filter((m) => m.direction === 'in');
    expect(message).toMatchObject({ text: 'Làm giấy khai sinh cho con cần những gì?', externalId: 'a:1qPz7Tc-personal-chat|1700000000001' });
    expect(message!.metadata).toMatchObject({ channelId: 'msteams', conversationId: 'a:1qPz7Tc-personal-chat', tenantId: '5c6f1e2d-9a8b-4c7d-8e6f-1a2b3c4d5e6f' });
    // The Azure connector stays on the identity the inbox shows.
    const contact = await gateway.app.inject({ method: 'GET', url: `/api/v1/contacts/${(await api.conversations('botframework')).find((c) => c.id === conversationId)!.contactId}`, headers: gateway.auth });
    expect(contact.json().identities).toEqual([expect.objectContaining({ channel: 'botframework', externalUserId: 'msteams:29:1Xq-tdH3ZPmzNpPhVhGMdnA', displayName: 'Nguyễn Thị Lan' })]);
    await quiet(gateway);
  });

  it('refuses with 401 and stores nothing: no token, another key, expired, another audience, another serviceUrl', async () => {
    const before = await conversationCount();
    const cases: Array<[string, string | undefined]> = [
      ['no token', undefined],
      ['not a bearer token', `Basic ${Buffer.from('bot:secret').toString('base64')}`],
      ['signed by another key', `Bearer ${standin.channelToken({ key: standin.strangerKey })}`],
      ['expired', `Bearer ${standin.channelToken({ issuedSecondsAgo: 7200, expiresInSeconds: 3600 })}`],
      ['for another bot', `Bearer ${standin.channelToken({ audience: randomUUID() })}`],
      ['for another serviceUrl', `Bearer ${standin.channelToken({ serviceUrl: 'https://smba.trafficmanager.net/apac/' })}`],
    ];
    // The SDK prints the refused tokens' errors itself.
    const sdkLog = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const [what, authorization] of cases) {
        const activity = messageActivity(standin, { id: `1700000000401-${what.replaceAll(' ', '-')}`, from: '29:forger', conversation: 'a:forged' });
        const response = await post(activity, authorization);
        expect(response.status, what).toBe(401);
        expect(await storedWith(activity.id), what).toBe(0);
      }
    } finally {
      sdkLog.mockRestore();
    }
    // A body that is not even JSON is refused the same way when unsigned.
    expect((await post('not json at all')).status).toBe(401);
    expect(await conversationOf(gateway, 'msteams:29:forger')).toBeUndefined();
    expect(await conversationCount()).toBe(before);
  });

  it("sends the bot's answer to the connector in the person's conversation, replying to their activity", async () => {
    const conversation = 'a:1bot-answer-chat';
    expect((await signed(messageActivity(standin, { id: '1700000000101', from: '29:answered', conversation }))).status).toBe(200);
    await quiet(gateway);
    const conversationId = (await conversationOf(gateway, 'msteams:29:answered'))!;
    const bot = (await api.messages(conversationId)).filter((m) => m.direction === 'out' && m.senderType === 'bot');
    expect(bot.length).toBeGreaterThan(0);
    expect(bot.every((m) => m.status === 'sent')).toBe(true);

    const sent = toConversation(conversation);
    expect(sent.map((r) => r.body.text)).toEqual(bot.map((m) => m.text));
    for (const request of sent) {
      expect(request).toMatchObject({ path: `/v3/conversations/${encodeURIComponent(conversation)}/activities/1700000000101`, replyToId: '1700000000101', status: 200 });
      expect(request.body).toMatchObject({ type: 'message', replyToId: '1700000000101', conversation: { id: conversation }, recipient: { id: '29:answered' }, channelId: 'msteams' });
    }
    // With a token the bot got from the token endpoint with its own credentials.
    expect(standin.tokenGrants.some((grant) => grant.ok && grant.clientId === standin.appId)).toBe(true);
    expect(bot[0]!.externalId).toMatch(new RegExp(`^${conversation}\\|reply-\\d+$`));
  });

  it("sends an agent's reply to the person's latest activity", async () => {
    const conversation = 'a:1agent-reply-chat';
    expect((await signed(messageActivity(standin, { id: '1700000000201', from: '29:agent-reply', conversation }))).status).toBe(200);
    await quiet(gateway);
    const conversationId = (await conversationOf(gateway, 'msteams:29:agent-reply'))!;
    await takeOver(gateway, conversationId);
    expect((await signed(messageActivity(standin, { id: '1700000000202', from: '29:agent-reply', conversation, text: 'Tôi ở xã Mỹ An' }))).status).toBe(200);
    await quiet(gateway);

    expect((await api.reply(conversationId, 'Chào chị, hồ sơ gồm tờ khai và giấy chứng sinh.')).statusCode).toBe(201);
    const [reply] = await settled(conversationId, 1);
    expect(reply).toMatchObject({ status: 'sent', error: null });
    const request = toConversation(conversation).find((r) => r.body.text === 'Chào chị, hồ sơ gồm tờ khai và giấy chứng sinh.')!;
    expect(request).toMatchObject({ replyToId: '1700000000202', body: { replyToId: '1700000000202', conversation: { id: conversation } } });
    expect(request.authorization).toMatch(/^Bearer ey/);
  });

  it('retries a connector 5xx through the outbox, and ends a 403 failed without retrying', async () => {
    const conversation = 'a:1faults-chat';
    expect((await signed(messageActivity(standin, { id: '1700000000301', from: '29:faults', conversation }))).status).toBe(200);
    await quiet(gateway);
    const conversationId = (await conversationOf(gateway, 'msteams:29:faults'))!;
    await takeOver(gateway, conversationId);

    standin.failNext(502, 503);
    await api.reply(conversationId, 'Lần gửi gặp lỗi máy chủ');
    const [retried] = await settled(conversationId, 1);
    expect(retried).toMatchObject({ status: 'sent' });
    expect(toConversation(conversation).filter((r) => r.body.text === 'Lần gửi gặp lỗi máy chủ').map((r) => r.status)).toEqual([502, 503, 200]);

    standin.failNext(403);
    await api.reply(conversationId, 'Bot đã bị chặn');
    const [, refused] = await settled(conversationId, 2);
    expect(refused).toMatchObject({ status: 'failed' });
    expect(refused!.error).toContain('403');
    await quiet(gateway);
    expect(toConversation(conversation).filter((r) => r.body.text === 'Bot đã bị chặn').map((r) => r.status)).toEqual([403]);
  });

  it('sends files by URL with their content type, text and files in one activity', async () => {
    const conversation = 'a:1files-chat';
    expect((await signed(messageActivity(standin, { id: '1700000000351', from: '29:files', conversation }))).status).toBe(200);
    await quiet(gateway);
    const conversationId = (await conversationOf(gateway, 'msteams:29:files'))!;
    await takeOver(gateway, conversationId);
    await gateway.app.gateway.outbox.enqueueReply({
      conversationId,
      text: 'Mẫu đơn và sơ đồ đường đi:',
      senderType: 'agent',
      attachments: [
        { kind: 'file', url: 'https://dongthap.gov.vn/files/mau-don.pdf', name: 'mau-don.pdf' },
        { kind: 'image', url: 'https://dongthap.gov.vn/files/so-do.png?v=2' },
      ],
    });
    expect(await settled(conversationId, 1)).toEqual([expect.objectContaining({ status: 'sent' })]);
    const request = toConversation(conversation).find((r) => r.body.text === 'Mẫu đơn và sơ đồ đường đi:')!;
    expect(request.body.attachments).toEqual([
      { contentType: 'application/pdf', contentUrl: 'https://dongthap.gov.vn/files/mau-don.pdf', name: 'mau-don.pdf' },
      { contentType: 'image/png', contentUrl: 'https://dongthap.gov.vn/files/so-do.png?v=2' },
    ]);
  });

  it('acknowledges and keeps a signed activity it cannot use, and never answers it with 5xx', async () => {
    const before = await conversationCount();
    const unusable = [
      { type: 'message', channelId: 'msteams', serviceUrl: standin.serviceUrl, id: '1700000000501', text: 'no sender' },
      { type: 'message', channelId: 'webchat', serviceUrl: standin.serviceUrl, from: { id: 'dl_1' }, conversation: { id: 'c1' }, id: '1700000000502' },
      'this is not JSON',
      [1, 2, 3],
    ];
    for (const body of unusable) expect((await signed(body)).status).toBe(200);
    expect(await storedWith('1700000000501')).toBe(0);
    expect(await storedWith('1700000000502')).toBe(0);
    expect(await conversationCount()).toBe(before);
    const { store } = gateway.app.gateway;
    const kept = await store.db.select().from(store.t.unusablePayloads).where(and(eq(store.t.unusablePayloads.inboxId, inboxId), eq(store.t.unusablePayloads.channel, 'botframework'))).orderBy(store.t.unusablePayloads.id);
    expect(kept.slice(-4).map((row) => row.raw)).toEqual(unusable);
    expect(kept.slice(-4).every((row) => row.reason.length > 0)).toBe(true);
  });

  it('opens nothing when a member is added, and keeps the connector on identities from Web Chat and Direct Line', async () => {
    const before = await conversationCount();
    const added = {
      type: 'conversationUpdate',
      id: 'f:welcome-1',
      channelId: 'msteams',
      serviceUrl: standin.serviceUrl,
      from: { id: '29:new-member' },
      recipient: { id: `28:${standin.appId}` },
      conversation: { id: 'a:1new-member-chat', conversationType: 'personal' },
      membersAdded: [{ id: `28:${standin.appId}` }, { id: '29:new-member' }],
    };
    expect((await signed(added)).status).toBe(200);
    expect((await signed({ ...added, type: 'typing', id: 'typing-1' })).status).toBe(200);
    expect(await conversationCount()).toBe(before);
    expect(standin.connector.filter((r) => r.conversationId === 'a:1new-member-chat')).toEqual([]);

    for (const channelId of ['webchat', 'directline']) {
      const id = `1700000000600-${channelId}`;
      expect((await signed(messageActivity(standin, { id, channelId, from: 'dl_7f3a9c', conversation: `${channelId}-conv-1` }))).status).toBe(200);
      expect(await conversationOf(gateway, `${channelId}:dl_7f3a9c`)).toBeDefined();
    }
    // The same user id on two connectors is two identities.
    expect(await conversationOf(gateway, 'webchat:dl_7f3a9c')).not.toBe(await conversationOf(gateway, 'directline:dl_7f3a9c'));
    await quiet(gateway);
  });

  it('puts the rating question on hero-card buttons and reads the chosen one back; sends agents typing', async () => {
    const conversation = 'a:1rating-chat';
    expect((await signed(messageActivity(standin, { id: '1700000000701', from: '29:rating', conversation }))).status).toBe(200);
    await quiet(gateway);
    const conversationId = (await conversationOf(gateway, 'msteams:29:rating'))!;
    await takeOver(gateway, conversationId);

    const choices = [
      { title: 'Hài lòng', payload: 'vote:12.abc:satisfied' },
      { title: 'Không hài lòng', payload: 'vote:12.abc:not_satisfied' },
    ];
    await gateway.app.gateway.outbox.enqueueReply({ conversationId, text: 'Anh/chị có hài lòng với câu trả lời?', senderType: 'agent', metadata: { quickReplies: choices } });
    await settled(conversationId, 1);
    const request = toConversation(conversation).find((r) => r.body.text === 'Anh/chị có hài lòng với câu trả lời?')!;
    expect(request.body.attachments).toEqual([
      {
        contentType: 'application/vnd.microsoft.card.hero',
        content: expect.objectContaining({
          buttons: choices.map((choice) => ({ type: 'messageBack', title: choice.title, text: choice.title, displayText: choice.title, value: { quickReplyPayload: choice.payload } })),
        }),
      },
    ]);

    // Teams posts the click back as a message whose value carries the payload.
    const click = messageActivity(standin, { id: '1700000000702', from: '29:rating', conversation, text: 'Hài lòng', value: { quickReplyPayload: 'vote:12.abc:satisfied' } });
    expect((await signed(click)).status).toBe(200);
    const inbound = await waitFor(async () => (await api.messages(conversationId)).find((m: ApiMessage) => m.externalId === `${conversation}|1700000000702`), 'the click');
    expect(inbound.metadata).toMatchObject({ quickReplyPayload: 'vote:12.abc:satisfied' });

    gateway.app.gateway.events.emit('conversation.typing', { conversationId, by: 'agent', agentId: 1 });
    const typing = await waitFor(() => standin.connector.find((r) => r.conversationId === conversation && r.body.type === 'typing'), 'a typing activity');
    expect(typing).toMatchObject({ replyToId: '1700000000702', status: 200 });
  });

  it('marks the inbox connected when Entra ID gives the bot a token, and needing an admin when it refuses the credentials', async () => {
    const { store } = gateway.app.gateway;
    const statusOf = async (gw: TestApp) => {
      const [row] = await gw.app.gateway.store.db.select({ status: store.t.inboxes.status, detail: store.t.inboxes.statusDetail }).from(gw.app.gateway.store.t.inboxes).where(eq(gw.app.gateway.store.t.inboxes.channel, 'botframework'));
      return row!;
    };
    expect(await statusOf(gateway)).toMatchObject({ status: 'active' });

    // Another app registration whose secret Entra ID refuses (the SDK caches tokens per app id).
    const refused = await startTestApp({ env: { ...standin.env, BOTFRAMEWORK_APP_ID: randomUUID(), BOTFRAMEWORK_APP_PASSWORD: 'a-revoked-secret' } });
    try {
      const status = await waitFor(async () => {
        const row = await statusOf(refused);
        return row.status === 'needs_reconnect' ? row : null;
      }, 'the inbox to need its credentials fixed');
      expect(status.detail).toContain('invalid_client');
    } finally {
      await refused.close();
    }
  });

  it('answers 503 when the signing keys cannot be loaded, so the channel tries again, and stores nothing', async () => {
    // A port nothing listens on: the metadata download fails.
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const blind = await startTestApp({ env: { ...standin.env, BOTFRAMEWORK_OPENID_METADATA_URL: `https://127.0.0.1:${closed}/v1/.well-known/openidconfiguration` } });
    const sdkLog = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const response = await fetch(`${blind.url}/webhooks/botframework`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${standin.channelToken()}` },
        body: JSON.stringify(messageActivity(standin, { id: '1700000000901', from: '29:blind' })),
      });
      expect(response.status).toBe(503);
      expect(await conversationOf(blind, 'msteams:29:blind')).toBeUndefined();
    } finally {
      sdkLog.mockRestore();
      await blind.close();
    }
  });

  it('serves a second bot on its own path, each accepting only tokens for its own app id', async () => {
    const second = randomUUID();
    const inboxes = [
      { key: 'teams-1022', channel: 'botframework', name: 'Teams 1022', settings: {} },
      {
        key: 'teams-so-noi-vu',
        channel: 'botframework',
        name: 'Teams Sở Nội vụ',
        settings: { appId: second, appPassword: { env: 'TEAMS_SNV_SECRET' }, openIdMetadataUrl: standin.env.BOTFRAMEWORK_OPENID_METADATA_URL, loginUrl: standin.env.BOTFRAMEWORK_LOGIN_URL },
      },
    ];
    const two = await startTestApp({ env: { ...standin.env, TEAMS_SNV_SECRET: 'another-secret', CONFIG_FILE: writeConfigFile({ outbox: outboxConfig, inboxes }) } });
    const sdkLog = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const send = (path: string, audience: string, id: string) =>
        fetch(`${two.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${standin.channelToken({ audience })}` },
          body: JSON.stringify(messageActivity(standin, { id, from: `29:two-${id}`, conversation: `a:two-${id}` })),
        });
      expect((await send('/webhooks/botframework/teams-so-noi-vu', second, '1'))).toMatchObject({ status: 200 });
      expect((await send('/webhooks/botframework', standin.appId, '2'))).toMatchObject({ status: 200 });
      expect((await send('/webhooks/botframework/teams-so-noi-vu', standin.appId, '3'))).toMatchObject({ status: 401 });
      expect((await send('/webhooks/botframework', second, '4'))).toMatchObject({ status: 401 });

      const { store } = two.app.gateway;
      const rows = await store.db
        .select({ key: store.t.inboxes.key, externalUserId: store.t.contactIdentities.externalUserId })
        .from(store.t.contactIdentities)
        .innerJoin(store.t.inboxes, eq(store.t.inboxes.id, store.t.contactIdentities.inboxId));
      expect(rows.sort((a, b) => a.externalUserId.localeCompare(b.externalUserId))).toEqual([
        { key: 'teams-so-noi-vu', externalUserId: 'msteams:29:two-1' },
        { key: 'teams-1022', externalUserId: 'msteams:29:two-2' },
      ]);
    } finally {
      sdkLog.mockRestore();
      await two.close();
    }
  });
});
