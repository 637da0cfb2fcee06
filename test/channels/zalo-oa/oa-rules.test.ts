import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotaExpiry } from '../../../src/channels/zalo-oa/window.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { freshPgUrl, postgresAvailable } from '../../helpers/postgres.ts';
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
  zaloEnv,
  zaloIds,
  type PlatformStandin,
} from '../../helpers/platform-standins.ts';

// The Official Account's own rules, end to end against the stand-in of openapi.zalo.me: the
// reply quota as Zalo counts it, followers, details shared through the request-info form (and
// the link to the citizen's earlier calls and dossiers), and sending that form.

async function citizenWrites(gateway: TestApp, userId: string, msgId: string): Promise<number> {
  const event = fixture<{ timestamp: string; sender: { id: string }; message: { msg_id: string } }>('zalo-oa', 'user_send_text');
  event.sender.id = userId;
  event.message.msg_id = msgId;
  event.timestamp = String(Date.now());
  expect((await postZaloEvent(gateway, event)).status).toBe(200);
  await quiet(gateway);
  return (await conversationOf(gateway, userId))!;
}

/** A follow / unfollow event as Zalo posts it. */
const followEvent = (name: 'follow' | 'unfollow', userId: string, at = Date.now()) => ({
  app_id: zaloIds.appId,
  oa_id: zaloIds.oaId,
  user_id_by_app: '552177279717587731',
  event_name: name,
  timestamp: String(at),
  source: 'oa_profile',
  follower: { id: userId },
});

/** What Zalo posts when the citizen answers the request-info form. */
const submitInfoEvent = (userId: string, info: Record<string, string>) => ({
  app_id: zaloIds.appId,
  oa_id: zaloIds.oaId,
  user_id_by_app: '552177279717587732',
  event_name: 'user_submit_info',
  timestamp: String(Date.now()),
  sender: { id: userId },
  recipient: { id: zaloIds.oaId },
  info,
});

const pgReady = await postgresAvailable();

describe.each([['SQLite'], ['PostgreSQL']] as const)('Zalo OA: quota, followers and shared details (%s)', (dialect) => {
  let standin: PlatformStandin;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;
  let pgDb: ReturnType<typeof freshPgUrl> | undefined;
  const skip = dialect === 'PostgreSQL' && !pgReady;

  const identityOf = async (userId: string) => {
    const { store } = gateway.app.gateway;
    const [row] = await store.db.select().from(store.t.contactIdentities).where(eq(store.t.contactIdentities.externalUserId, userId)).limit(1);
    return row;
  };
  const contactView = async (contactId: number) => {
    const response = await gateway.app.inject({ method: 'GET', url: `/api/v1/contacts/${contactId}`, headers: gateway.auth });
    expect(response.statusCode).toBe(200);
    return response.json() as { id: number; name: string | null; phone: string | null; identities: Array<{ externalUserId: string; following: boolean | null }>; conversations: Array<{ id: number }> };
  };

  beforeAll(async () => {
    if (skip) return;
    standin = await startPlatformStandin();
    const configFile = writeConfigFile({ outbox: { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 2000 } });
    if (dialect === 'PostgreSQL') pgDb = freshPgUrl();
    gateway = await startTestApp({ env: { ...zaloEnv(standin), CONFIG_FILE: configFile, ...(pgDb ? { DATABASE_URL: pgDb.url } : {}) } });
    api = gatewayApi(gateway);
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    await standin?.close();
    await pgDb?.drop();
  });

  it.skipIf(skip)("reads Zalo's expired_date as Vietnam's time", () => {
    expect(quotaExpiry('2026-12-09 10:30:00')?.toISOString()).toBe('2026-12-09T03:30:00.000Z');
    expect(quotaExpiry('1796787000000')?.toISOString()).toBe(new Date(1796787000000).toISOString());
    expect(quotaExpiry(undefined)).toBeUndefined();
  });

  it.skipIf(skip)("shows the agent what Zalo's quota API says is left, and until when", async () => {
    const userId = '930000000000000001';
    const conversationId = await citizenWrites(gateway, userId, 'q-1');
    await takeOver(gateway, conversationId);
    // Zalo's count, not the fixed 8: 3 replies left until a time Zalo names.
    standin.zalo.quotas.set(userId, { quota_type: 'reply', remain: 3, total: 8, expired_date: '2099-12-09 10:30:00' });
    const window = await api.window(conversationId);
    expect(window).toMatchObject({ open: true, remainingReplies: 3, closesAt: '2099-12-09T03:30:00.000Z', source: 'platform' });
    expect(window.reason).toContain('3/8');
    expect(window.reason).toContain('09/12/2099');
    expect(standin.zalo.quotaCalls).toContain(userId);
    // The reply goes out (the count is Zalo's to keep).
    expect((await api.reply(conversationId, 'Hồ sơ của anh/chị đang được xử lý.')).statusCode).toBe(201);
    await waitFor(() => standin.zalo.sends.some((s) => s.userId === userId), 'the reply to reach Zalo');
  });

  it.skipIf(skip)('refuses a send only when Zalo says no replies remain, with its reason', async () => {
    const userId = '930000000000000002';
    const conversationId = await citizenWrites(gateway, userId, 'q-2');
    await takeOver(gateway, conversationId);
    standin.zalo.quotas.set(userId, { quota_type: 'reply', remain: 0, total: 8, expired_date: '2099-12-09 10:30:00' });
    const before = standin.zalo.sends.length;
    const refused = await api.reply(conversationId, 'Trả lời thêm');
    expect(refused.statusCode).toBe(409);
    expect(refused.body).toMatchObject({ code: 'window_closed', message: expect.stringContaining('Zalo báo đã dùng hết 8 lượt') });
    expect(await api.window(conversationId)).toMatchObject({ open: false, remainingReplies: 0, source: 'platform' });
    expect((await api.messages(conversationId)).filter((m) => m.direction === 'out' && m.senderType === 'agent')).toHaveLength(0);
    expect(standin.zalo.sends.length).toBe(before);

    // The citizen writes again: Zalo renews the quota and the gateway asks again at once.
    standin.zalo.quotas.set(userId, { quota_type: 'reply', remain: 8, total: 8, expired_date: '2099-12-11 10:30:00' });
    await citizenWrites(gateway, userId, 'q-2b');
    expect(await api.window(conversationId)).toMatchObject({ open: true, remainingReplies: 8, source: 'platform' });
  });

  it.skipIf(skip)('falls back to the 48 h / 8 replies rule, said to be an estimate, when the quota cannot be read', async () => {
    const userId = '930000000000000003';
    // Zalo answers the quota call with its transient error.
    standin.zalo.quotas.set(userId, { error: -100, message: 'Internal error, please try again' });
    const conversationId = await citizenWrites(gateway, userId, 'q-3');
    await takeOver(gateway, conversationId);
    const window = await api.window(conversationId);
    // The rule counts what went out since the citizen wrote: the bot's answer to the first message.
    const out = (await api.messages(conversationId)).filter((m) => m.direction === 'out').length;
    expect(out).toBe(1);
    expect(window).toMatchObject({ open: true, remainingReplies: 8 - out, source: 'rule' });
    expect(window.reason).toContain('Ước tính theo quy tắc 48 giờ / 8 lượt');
    expect((await api.reply(conversationId, 'Vẫn trả lời được')).statusCode).toBe(201);
  });

  it.skipIf(skip)('keeps a follow on the contact without opening a conversation or answering, and an unfollow too', async () => {
    const userId = '930000000000000004';
    expect((await postZaloEvent(gateway, followEvent('follow', userId))).status).toBe(200);
    const identity = await identityOf(userId);
    expect(identity).toBeDefined();
    expect(await conversationOf(gateway, userId)).toBeUndefined();
    const followed = await contactView(identity!.contactId);
    expect(followed.identities).toEqual([expect.objectContaining({ externalUserId: userId, following: true })]);
    expect(followed.conversations).toEqual([]);

    // Zalo retries the same follow: still one identity.
    expect((await postZaloEvent(gateway, followEvent('follow', userId))).status).toBe(200);
    expect((await postZaloEvent(gateway, followEvent('unfollow', userId, Date.now() + 1000))).status).toBe(200);
    const unfollowed = await contactView(identity!.contactId);
    expect(unfollowed.identities).toEqual([expect.objectContaining({ externalUserId: userId, following: false })]);
    // A late retry of the older follow does not undo the unfollow.
    expect((await postZaloEvent(gateway, followEvent('follow', userId, Date.now() - 60_000))).status).toBe(200);
    expect((await contactView(identity!.contactId)).identities[0]!.following).toBe(false);

    // Nothing was said to them: no bot answer, no greeting.
    await quiet(gateway);
    expect(standin.zalo.sends.filter((s) => s.userId === userId)).toEqual([]);
    const { store } = gateway.app.gateway;
    expect(await store.db.select().from(store.t.contactIdentities).where(eq(store.t.contactIdentities.externalUserId, userId))).toHaveLength(1);
  });

  it.skipIf(skip)('stores the phone a citizen shares through the request-info form on their contact', async () => {
    const userId = '930000000000000005';
    await citizenWrites(gateway, userId, 'q-5');
    const before = await identityOf(userId);
    const shared = submitInfoEvent(userId, { name: 'Phạm Thị Dung', phone: '0912000555', address: '12 Nguyễn Huệ', city: 'Đồng Tháp', district: 'Cao Lãnh', ward: 'Phường 1' });
    expect((await postZaloEvent(gateway, shared)).status).toBe(200);
    const contact = await contactView(before!.contactId);
    expect(contact.phone).toBe('84912000555');
  });

  it.skipIf(skip)("links the Zalo identity to the contact that already has the phone, so the earlier call and dossier show with it", async () => {
    const { store } = gateway.app.gateway;
    const { t } = store;
    const now = new Date();
    // The citizen called the hotline and filed a dossier before ever writing on Zalo.
    const [known] = await store.db.insert(t.contacts).values({ name: 'Võ Văn Em', phone: '84912000666', createdAt: now, updatedAt: now }).returning({ id: t.contacts.id });
    const [call] = await store.db
      .insert(t.calls)
      .values({ direction: 'in', number: '84912000666', startedAt: now, durationSeconds: 95, contactId: known!.id, source: 'manual', createdAt: now })
      .returning({ id: t.calls.id });
    const [dossier] = await store.db
      .insert(t.dossiers)
      .values({ code: 'H12.82-261201-0066', procedure: 'Đăng ký khai sinh', applicantName: 'Võ Văn Em', applicantPhone: '84912000666', contactId: known!.id, createdAt: now, updatedAt: now })
      .returning({ id: t.dossiers.id });

    const userId = '930000000000000006';
    const conversationId = await citizenWrites(gateway, userId, 'q-6');
    const zaloContact = (await identityOf(userId))!.contactId;
    expect(zaloContact).not.toBe(known!.id);

    expect((await postZaloEvent(gateway, submitInfoEvent(userId, { name: 'Võ Văn Em', phone: '84912000666', address: 'Ấp 3, xã Tân Hòa' }))).status).toBe(200);

    // One contact now: the one with the call and the dossier, holding the Zalo identity and conversation.
    expect((await identityOf(userId))!.contactId).toBe(known!.id);
    const contact = await contactView(known!.id);
    expect(contact.identities.map((i) => i.externalUserId)).toContain(userId);
    expect(contact.conversations.map((c) => c.id)).toContain(conversationId);
    const [callRow] = await store.db.select({ contactId: t.calls.contactId }).from(t.calls).where(eq(t.calls.id, call!.id));
    const [dossierRow] = await store.db.select({ contactId: t.dossiers.contactId }).from(t.dossiers).where(eq(t.dossiers.id, dossier!.id));
    expect(callRow!.contactId).toBe(known!.id);
    expect(dossierRow!.contactId).toBe(known!.id);
    expect(await store.db.select().from(t.contacts).where(eq(t.contacts.id, zaloContact))).toHaveLength(0);
    // Merged the way an agent would, and audited as the OA's doing.
    const audit = await store.db.select().from(t.auditEvents).where(eq(t.auditEvents.action, 'contact.merged'));
    expect(audit.some((row) => row.subjectId === String(known!.id) && String(row.actor).startsWith('zalo-oa:'))).toBe(true);
  });

  it.skipIf(skip)('sends the request-info form from a conversation, and only on a channel that has one', async () => {
    const userId = '930000000000000007';
    const conversationId = await citizenWrites(gateway, userId, 'q-7');
    const response = await gateway.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/request-contact-info`, headers: gateway.auth });
    expect(response.statusCode, response.body).toBe(201);
    const sent = await waitFor(() => standin.zalo.sends.find((s) => s.userId === userId && (s.message.attachment as { payload?: { template_type?: string } } | undefined)?.payload?.template_type === 'request_user_info'), 'the form to reach Zalo');
    expect(sent.message).toEqual({
      attachment: {
        type: 'template',
        payload: {
          template_type: 'request_user_info',
          elements: [{ title: expect.stringContaining('Chia sẻ thông tin liên hệ'), subtitle: expect.stringContaining('số điện thoại'), image_url: expect.any(String) }],
        },
      },
    });
    const recorded = await waitFor(async () => (await api.messages(conversationId)).find((m) => m.metadata?.requestContactInfo === true && m.status === 'sent'), 'the form to be recorded as sent');
    expect(recorded).toMatchObject({ direction: 'out', senderType: 'agent', externalId: sent.messageId });

    // A conversation of a channel without such a form is refused, and nothing is queued.
    const { store, ingest } = gateway.app.gateway;
    const [webform] = await store.db.select({ id: store.t.inboxes.id }).from(store.t.inboxes).where(eq(store.t.inboxes.channel, 'webform')).limit(1);
    const [stored] = await ingest([{ inboxId: webform!.id, externalMessageId: 'wf-q-7', sender: { externalUserId: 'visitor-q-7' }, text: 'Câu hỏi qua biểu mẫu', attachments: [], sentAt: new Date(), raw: {} }]);
    const refused = await gateway.app.inject({ method: 'POST', url: `/api/v1/conversations/${stored!.conversationId}/request-contact-info`, headers: gateway.auth });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'not_supported' });
  });
});
