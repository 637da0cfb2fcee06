import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ZaloPersonalClient } from '../../../src/channels/zalo-personal/types.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { FakeZca, groupMessage, userMessage } from '../../helpers/fake-zca.ts';
import { conversationOf, gatewayApi, waitFor, withNormalizedAttachments, type ApiMessage } from '../../helpers/platform-standins.ts';

// The gateway runs for real (store, ingest, outbox, admin API); only zca-js is the fake, behind
// the channel's one seam.
const holder = vi.hoisted(() => ({ client: null as ZaloPersonalClient | null }));
vi.mock('../../../src/channels/zalo-personal/api-client.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../src/channels/zalo-personal/api-client.ts')>()),
  createZcaClient: () => holder.client!,
}));

const sessionKey = 'k'.repeat(20) + '-personal-session-key-for-tests';
const groupId = '5550000000000000001';

function configFile(limits = { perCitizen: { max: 2, windowSeconds: 2 }, perAccount: { max: 100, windowSeconds: 3600 } }) {
  return testConfigFile({
    router: { enabled: false },
    outbox: { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 3000 },
    inboxes: [
      { key: 'webform', channel: 'webform', name: 'Biểu mẫu' },
      {
        key: 'zalo-xa-tan-hoa',
        channel: 'zalo-personal',
        name: 'Zalo UBND xã Tân Hòa',
        settings: { groups: [{ id: groupId, name: 'Nhóm Zalo ấp 3' }], sendLimits: limits, reconnect: { baseDelayMs: 20, maxDelayMs: 100 }, listenerLeaseMs: 3000 },
      },
    ],
  });
}

describe('personal Zalo account (zca-js) in the gateway', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-zp-'));
  const env = { DATABASE_URL: `file:${join(dir, 'gateway.db')}`, ZALO_PERSONAL_SESSION_KEY: sessionKey, CONFIG_FILE: configFile() };
  let fake: FakeZca;
  let gateway: TestApp;
  let api: ReturnType<typeof gatewayApi>;
  let files: Server;
  let filesUrl = '';

  const inbox = async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/api/v1/inboxes', headers: gateway.auth });
    return (response.json() as Array<{ id: number; key: string; status: string; statusDetail: string | null }>).find((i) => i.key === 'zalo-xa-tan-hoa')!;
  };
  const signIn = async (method: 'GET' | 'POST') => {
    const { id } = await inbox();
    const response = await gateway.app.inject({ method, url: `/api/v1/inboxes/${id}/sign-in`, headers: gateway.auth });
    expect(response.statusCode).toBe(200);
    return response.json() as { step: string; qrImage?: string; displayName?: string | null; reason?: string };
  };
  const replies = (conversationId: number, count: number) =>
    waitFor(async () => {
      const out = (await api.messages(conversationId)).filter((m) => m.direction === 'out');
      return out.length === count && out.every((m) => m.status === 'sent' || m.status === 'failed') ? out : null;
    }, `${count} replies to settle`);

  beforeAll(async () => {
    files = createServer((request, response) => {
      if (request.url === '/files/giay-hen.png') response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from('89504e470d0a1a0a0000', 'hex'));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
    fake = new FakeZca();
    holder.client = fake;
    gateway = await startTestApp({ env, listen: false });
    api = gatewayApi(gateway);
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => files?.close(resolve));
  });

  it('starts signed out and says so to admins', async () => {
    const row = await waitFor(async () => ((await inbox()).status === 'needs_reconnect' ? inbox() : null), 'the inbox to need a sign-in');
    expect(row.statusDetail).toContain('Chưa đăng nhập');
    expect(fake.logins).toHaveLength(0);
    expect(await signIn('GET')).toEqual({ step: 'idle' });
  });

  it('signs in by the QR code shown to the admin and keeps the session sealed', async () => {
    const started = await signIn('POST');
    expect(started.step).toBe('waiting_scan');
    expect(started.qrImage).toMatch(/^data:image\/png;base64,iVBOR/);
    // A second click does not start a second sign-in.
    expect((await signIn('POST')).qrImage).toBe(started.qrImage);

    fake.scan('UBND xã Tân Hòa');
    await waitFor(async () => (await signIn('GET')).step === 'scanned', 'the scan to show');
    fake.confirm();
    const done = await waitFor(async () => {
      const state = await signIn('GET');
      return state.step === 'signed_in' ? state : null;
    }, 'the sign-in to finish');
    expect(done.displayName).toBe('UBND xã Tân Hòa');
    await waitFor(async () => (await inbox()).status === 'active', 'the inbox to be active');
    await waitFor(() => fake.listener.started === 1, 'the listener to start');

    const { store } = gateway.app.gateway;
    const [row] = await store.db.select().from(store.t.settings).where(like(store.t.settings.key, '%zalo-personal.session'));
    expect(row!.value).not.toContain('SECRET-COOKIE-VALUE');
    expect(row!.value).not.toContain(fake.credentials.imei);
    expect(JSON.parse(row!.value)).toMatchObject({ v: 1, iv: expect.any(String), tag: expect.any(String) });
  });

  it('takes direct messages in once each, whatever the listener repeats', async () => {
    const citizen = '6001000000000000001';
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000001', content: 'Cho hỏi làm căn cước ở đâu?' }));
    const conversationId = await waitFor(() => conversationOf(gateway, citizen), 'the conversation');
    // After a reconnect Zalo hands back what it already sent.
    fake.listener.emit('old_messages', [userMessage(citizen, { msgId: '7000000000001', content: 'Cho hỏi làm căn cước ở đâu?' })], 0);
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000001', content: 'Cho hỏi làm căn cước ở đâu?' }));
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000002', msgType: 'chat.photo', content: { title: 'Ảnh CCCD', description: '', href: 'https://photo.zdn.vn/a.jpg', thumb: 'https://photo.zdn.vn/t.jpg', childnumber: 0, action: '', params: '{"width":800}', type: '' } }));
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000003', msgType: 'share.file', content: { title: 'to-khai.pdf', description: '', href: 'https://f.zdn.vn/to-khai.pdf', thumb: '', childnumber: 0, action: '', params: '{"fileSize":"20480","fileExt":"pdf"}', type: '' } }));
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000004', msgType: 'chat.sticker', content: { id: 21345, catId: 10 } }));
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000005', msgType: 'chat.recommended', content: { title: 'xem giúp https://dichvucong.gov.vn', description: 'Cổng DVC', href: 'https://dichvucong.gov.vn', thumb: '', childnumber: 0, action: 'recommened.link', params: '', type: '' } }));
    // What the channel made of each event (the API shows files by their stored state instead).
    const messages = await withNormalizedAttachments(
      gateway,
      await waitFor(async () => {
        const all = (await api.messages(conversationId)).filter((m) => m.direction === 'in');
        return all.length >= 5 ? all : null;
      }, 'five messages'),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const inbound = (await api.messages(conversationId)).filter((m) => m.direction === 'in');
    expect(inbound).toHaveLength(5);
    const byId = (id: string) => messages.find((m) => (m as ApiMessage & { externalId: string }).externalId === id)!;
    expect(byId('7000000000001').text).toBe('Cho hỏi làm căn cước ở đâu?');
    expect(byId('7000000000002').attachments).toEqual([expect.objectContaining({ kind: 'image', url: 'https://photo.zdn.vn/a.jpg' })]);
    expect(byId('7000000000003').attachments).toEqual([expect.objectContaining({ kind: 'file', name: 'to-khai.pdf', size: 20480 })]);
    expect(byId('7000000000004').attachments).toEqual([expect.objectContaining({ kind: 'sticker', meta: { stickerId: '21345', categoryId: '10' } })]);
    expect(byId('7000000000005')).toMatchObject({ text: 'xem giúp https://dichvucong.gov.vn', attachments: [expect.objectContaining({ kind: 'link', url: 'https://dichvucong.gov.vn' })] });
  });

  it('follows only the groups configured as part of the inbox', async () => {
    fake.listener.emit('message', groupMessage('5559999999999999999', '6001000000000000002', { msgId: '7000000000010', content: 'tin nhóm khác' }));
    fake.listener.emit('message', groupMessage(groupId, '6001000000000000002', { msgId: '7000000000011', content: 'Ấp 3 mất điện từ sáng' }));
    const conversationId = await waitFor(() => conversationOf(gateway, `group:${groupId}`), 'the group conversation');
    const [message] = (await api.messages(conversationId)).filter((m) => m.direction === 'in');
    expect(message).toMatchObject({ text: 'Ấp 3 mất điện từ sáng', metadata: expect.objectContaining({ author: { id: '6001000000000000002', name: 'Nguyễn Văn A' } }) });
    const { store } = gateway.app.gateway;
    expect(await store.db.select().from(store.t.messages).where(eq(store.t.messages.externalId, '7000000000010'))).toHaveLength(0);
  });

  it('answers with text and files, and files a quoted reply with the quoted message', async () => {
    const citizen = '6001000000000000003';
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000020', content: 'Xin giấy hẹn' }));
    const conversationId = await waitFor(() => conversationOf(gateway, citizen), 'the conversation');
    // The REST reply takes text only; answers with files come from the desks through the outbox.
    await gateway.app.gateway.outbox.enqueueReply({
      conversationId,
      text: 'Giấy hẹn của anh đây',
      attachments: [{ kind: 'image', url: `${filesUrl}/files/giay-hen.png`, name: 'giay-hen.png' }],
      senderType: 'agent',
    });
    const [sent] = await replies(conversationId, 1);
    expect(sent!.status).toBe('sent');
    const send = fake.sends.find((s) => s.threadId === citizen)!;
    expect(send.type).toBe(0);
    expect(send.content.msg).toBe('Giấy hẹn của anh đây');
    const [attachment] = send.content.attachments as Array<{ data: Buffer; filename: string; metadata: { totalSize: number } }>;
    expect(attachment).toMatchObject({ filename: 'giay-hen.png', metadata: { totalSize: 10 } });
    expect(attachment!.data.subarray(0, 4).toString('hex')).toBe('89504e47');

    // The citizen quotes the answer: it lands in the same conversation.
    const quoted = Number(sent!.externalId);
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000021', content: 'Cảm ơn', quote: { ownerId: '0', cliMsgId: 1, globalMsgId: quoted, cliMsgType: 1, ts: Date.now(), msg: 'Giấy hẹn của anh đây', attach: '', fromD: '', ttl: 0 } }));
    await waitFor(async () => (await api.messages(conversationId)).some((m) => m.text === 'Cảm ơn' && m.metadata?.replyTo === String(quoted)), 'the quoted reply in the conversation');
  });

  it('holds replies past the per-citizen limit in the queue and sends them later, spending no attempt', async () => {
    const citizen = '6001000000000000004';
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000030', content: 'Hỏi nhiều câu' }));
    const conversationId = await waitFor(() => conversationOf(gateway, citizen), 'the conversation');
    for (const text of ['một', 'hai', 'ba']) expect((await api.reply(conversationId, text)).statusCode).toBe(201);
    const waiting = await waitFor(async () => (await api.messages(conversationId)).find((m) => m.text === 'ba' && m.error?.includes('Đang chờ lượt gửi')), 'the third reply to wait');
    expect(waiting.status).toBe('queued');
    expect(fake.sends.filter((s) => s.threadId === citizen).map((s) => s.content.msg)).toEqual(['một', 'hai']);
    const out = await replies(conversationId, 3);
    expect(out.map((m) => m.status)).toEqual(['sent', 'sent', 'sent']);
    expect(fake.sends.filter((s) => s.threadId === citizen).map((s) => s.content.msg)).toEqual(['một', 'hai', 'ba']);
    const { store } = gateway.app.gateway;
    const [row] = await store.db.select({ attempts: store.t.outbox.attempts }).from(store.t.outbox).where(eq(store.t.outbox.messageId, waiting.id));
    expect(row!.attempts).toBe(1);
  });

  it('reconnects a dropped listener with a fresh sign-in and asks for what it missed', async () => {
    const before = fake.logins.length;
    const old = fake.listener;
    old.emit('closed', 1006, 'network');
    await waitFor(() => fake.logins.length > before && fake.listener !== old && fake.listener.started === 1, 'a new sign-in and listener');
    await waitFor(() => fake.listener.oldRequests.length > 0, 'the catch-up request');
    // The newest message taken in is where Zalo is asked to resume.
    expect(fake.listener.oldRequests[0]).toEqual({ type: 0, lastMsgId: '7000000000030' });
    expect(fake.logins.at(-1)).toEqual(fake.credentials);
    await waitFor(async () => (await inbox()).status === 'active' && (await inbox()).statusDetail === null, 'the inbox to be healthy again');
  });

  it('records what the officer types on the phone once, as an outgoing message, and never stores the echo of a gateway send', async () => {
    const citizen = '6001000000000000005';
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000040', content: 'Xã có làm thủ tục chứng thực không?' }));
    const conversationId = await waitFor(() => conversationOf(gateway, citizen), 'the conversation');
    const sendsBefore = fake.sends.length;

    // Typed on the account's phone: zca-js reports it as the account's own message to the citizen.
    const typed = userMessage('0', { msgId: '7000000000041', idTo: citizen, dName: 'UBND xã Tân Hòa', content: 'Có, sáng thứ Hai đến thứ Sáu.' });
    fake.listener.emit('message', typed);
    fake.listener.emit('message', userMessage('0', { msgId: '7000000000041', idTo: citizen, dName: 'UBND xã Tân Hòa', content: 'Có, sáng thứ Hai đến thứ Sáu.' }));
    await waitFor(async () => (await api.messages(conversationId)).some((m) => m.externalId === '7000000000041'), 'the phone reply', 5000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const fromPhone = (await api.messages(conversationId)).filter((m) => m.externalId === '7000000000041');
    expect(fromPhone).toHaveLength(1);
    expect(fromPhone[0]).toMatchObject({ direction: 'out', text: 'Có, sáng thứ Hai đến thứ Sáu.', metadata: expect.objectContaining({ sentOutsideGateway: true, sentFromPhone: true }) });
    // Recorded, not sent again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.sends.length).toBe(sendsBefore);

    // The gateway's own reply comes back as an own message with the msgId the send returned: one row.
    expect((await api.reply(conversationId, 'Anh mang bản chính và bản sao.')).statusCode).toBe(201);
    const sent = await waitFor(async () => (await api.messages(conversationId)).find((m) => m.text === 'Anh mang bản chính và bản sao.' && m.status === 'sent'), 'the reply to be sent');
    fake.listener.emit('message', userMessage('0', { msgId: sent.externalId!, idTo: citizen, content: 'Anh mang bản chính và bản sao.' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const copies = (await api.messages(conversationId)).filter((m) => m.text === 'Anh mang bản chính và bản sao.');
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ direction: 'out', senderType: 'agent', externalId: sent.externalId });
    expect(fake.sends.filter((s) => s.threadId === citizen).map((s) => s.content.msg)).toEqual(['Anh mang bản chính và bản sao.']);
  });

  it('drops the echo of a gateway send that arrives before the send has answered', async () => {
    const citizen = '6001000000000000006';
    fake.listener.emit('message', userMessage(citizen, { msgId: '7000000000050', content: 'Cho hỏi giờ làm việc' }));
    const conversationId = await waitFor(() => conversationOf(gateway, citizen), 'the conversation');
    // zca-js may deliver the own-message echo while sendMessage is still waiting for its answer.
    const original = fake.sendHook;
    fake.sendHook = (content, threadId, msgId) => {
      if (threadId === citizen) fake.listener.emit('message', userMessage('0', { msgId: String(msgId), idTo: citizen, content: content.msg }));
    };
    try {
      expect((await api.reply(conversationId, 'Từ 7 giờ đến 17 giờ.')).statusCode).toBe(201);
      const [sent] = await replies(conversationId, 1);
      expect(sent).toMatchObject({ status: 'sent', senderType: 'agent' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await api.messages(conversationId)).filter((m) => m.text === 'Từ 7 giờ đến 17 giờ.')).toHaveLength(1);
    } finally {
      fake.sendHook = original;
    }
  });

  it('marks the inbox "needs reconnect" when Zalo refuses the session, and sends fail with the reason', async () => {
    const alerts: Array<{ status: string; detail: string | null }> = [];
    gateway.app.gateway.events.on('inbox.status', (event) => alerts.push(event));
    fake.loginOutcome = 'refuse';
    fake.listener.emit('closed', 3003, 'kicked');
    const row = await waitFor(async () => ((await inbox()).status === 'needs_reconnect' ? inbox() : null), 'the inbox to need reconnecting', 15_000);
    expect(row.statusDetail).toContain('quét lại mã QR');
    expect(alerts.at(-1)).toMatchObject({ status: 'needs_reconnect' });

    const citizen = '6001000000000000001';
    const conversationId = (await conversationOf(gateway, citizen))!;
    expect((await api.reply(conversationId, 'Anh mang CCCD đến UBND xã')).statusCode).toBe(201);
    const failed = await waitFor(async () => (await api.messages(conversationId)).find((m) => m.text === 'Anh mang CCCD đến UBND xã' && m.status === 'failed'), 'the reply to fail');
    expect(failed.error).toContain('quét lại mã QR');
  });

  it('signs in again after a restart with the stored session, without the phone', async () => {
    await gateway.close();
    fake = new FakeZca();
    fake.loginOutcome = 'refuse';
    holder.client = fake;
    gateway = await startTestApp({ env, listen: false });
    api = gatewayApi(gateway);
    // Zalo still refuses the stored session: the inbox stays signed out until a new QR code.
    await waitFor(async () => fake.logins.length >= 3 && (await inbox()).status === 'needs_reconnect', 'the refused session to be given up');
    await signIn('POST');
    fake.confirm();
    await waitFor(async () => (await inbox()).status === 'active', 'the inbox to be active');
    await gateway.close();

    fake = new FakeZca();
    holder.client = fake;
    gateway = await startTestApp({ env, listen: false });
    api = gatewayApi(gateway);
    await waitFor(() => fake.listener.started === 1, 'the listener to start from the stored session');
    expect(fake.logins).toEqual([fake.credentials]);
    await waitFor(async () => (await inbox()).status === 'active', 'the inbox to be active');
  });
});
