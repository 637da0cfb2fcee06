import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { jpegWithGps, pdf } from '../helpers/files.ts';
import { dovecotAvailability, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { emailEnv, hotlineAddress } from '../helpers/email-env.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import {
  conversationOf,
  fixture,
  gatewayApi,
  graphIds,
  messengerEnv,
  postMessengerBatch,
  postZaloEvent,
  quiet,
  startPlatformStandin,
  waitFor,
  zaloEnv,
  type ApiMessage,
  type PlatformStandin,
} from '../helpers/platform-standins.ts';

const password = 'Lúa-chín-vàng-đồng-2026!';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
type FileView = { id: number | null; kind: string; name: string | null; mimeType: string | null; size: number | null; state: string | null; detail: string | null; url: string | null };
const filesOf = (messages: ApiMessage[]) => messages.flatMap((m) => (m.attachments ?? []) as FileView[]);

describe('files both ways: citizens’ files kept and shown, agents’ files sent on each channel', () => {
  let standin: PlatformStandin;
  let gw: TestApp;
  let api: ReturnType<typeof gatewayApi>;

  /** The file states of a conversation once none is pending. */
  async function settledFiles(conversationId: number): Promise<FileView[]> {
    return waitFor(
      async () => {
        await gw.app.gateway.attachmentFiles.drain();
        const files = filesOf(await api.messages(conversationId));
        return files.length && files.every((f) => f.state !== 'pending') ? files : null;
      },
      'the files to be fetched',
    );
  }

  async function messengerImage(psid: string, mid: string, url: string): Promise<number> {
    const at = Date.now();
    const batch = {
      object: 'page',
      entry: [{ id: graphIds.pageId, time: at, messaging: [{ sender: { id: psid }, recipient: { id: graphIds.pageId }, timestamp: at, message: { mid, attachments: [{ type: 'image', payload: { url } }] } }] }],
    };
    expect((await postMessengerBatch(gw, batch)).status).toBe(200);
    return waitFor(() => conversationOf(gw, psid), 'the conversation');
  }

  async function zaloFile(userId: string, msgId: string, url: string, name: string): Promise<number> {
    const event = fixture<Record<string, unknown> & { sender: { id: string }; message: { msg_id: string; attachments: Array<{ payload: Record<string, unknown> }> } }>('zalo-oa', 'user_send_file');
    event.sender.id = userId;
    event.message.msg_id = msgId;
    event.message.attachments[0]!.payload = { ...event.message.attachments[0]!.payload, url, name };
    event.timestamp = String(Date.now());
    expect((await postZaloEvent(gw, event)).status).toBe(200);
    return waitFor(() => conversationOf(gw, userId), 'the conversation');
  }

  async function upload(bytes: Buffer, name: string, type: string, headers: Record<string, string> = gw.auth) {
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(bytes)], { type }), name);
    const response = await fetch(`${gw.url}/api/v1/uploads`, { method: 'POST', headers, body: form });
    return { status: response.status, body: (await response.json()) as { id: number; mimeType: string; size: number; name: string | null; code?: string } };
  }

  async function replyWith(conversationId: number, body: Record<string, unknown>) {
    const response = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth, payload: body });
    return { status: response.statusCode, body: response.json() as { messageId: number; message?: string } };
  }

  const agentReply = (conversationId: number, messageId: number) =>
    waitFor(async () => {
      const reply = (await api.messages(conversationId)).find((m) => m.id === messageId);
      return reply && (reply.status === 'sent' || reply.status === 'failed') ? reply : null;
    }, 'the reply to settle');

  beforeAll(async () => {
    standin = await startPlatformStandin();
    gw = await startTestApp({
      env: {
        ...zaloEnv(standin),
        ...messengerEnv(standin),
        CONFIG_FILE: testConfigFile({
          outbox: { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 5000 },
          attachments: { maxBytes: 3 * 1024 * 1024, fetch: { baseDelayMs: 20, maxDelayMs: 40, pollIntervalMs: 30, maxAttempts: 4, timeoutMs: 1000 } },
          security: { signInAttemptsPerMinute: 1000 },
        }),
      },
    });
    api = gatewayApi(gw);
  });
  afterAll(async () => {
    await gw?.close();
    await standin?.close();
  });

  it('keeps a Messenger photo whose link answers once and then 404s, with its GPS tag gone, for the agent once the link is dead', async () => {
    const photo = jpegWithGps();
    standin.files.set('giay-khai-sinh.jpg', { type: 'image/jpeg', body: photo, once: true });
    const conversationId = await messengerImage('8200000000000001', 'm_file-1', `${standin.url}/files/giay-khai-sinh.jpg`);
    const [file] = await settledFiles(conversationId);
    expect(file).toMatchObject({ kind: 'image', state: 'stored', mimeType: 'image/jpeg', url: `/api/v1/attachments/${file!.id}` });
    // The platform's link is dead now: the bytes come from the gateway's own store.
    expect((await fetch(`${standin.url}/files/giay-khai-sinh.jpg`)).status).toBe(404);
    expect(standin.fileRequests.get('giay-khai-sinh.jpg')).toBe(2);

    const download = await fetch(`${gw.url}${file!.url}`, { headers: gw.auth });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/jpeg');
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-disposition')).toMatch(/^inline; filename="giay-khai-sinh\.jpg"/);
    const kept = Buffer.from(await download.arrayBuffer());
    expect(photo.includes(Buffer.from('GPSLatitude'))).toBe(true);
    expect(kept.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(kept.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    const { store } = gw.app.gateway;
    const audited = await store.db.select().from(store.t.auditEvents).where(eq(store.t.auditEvents.action, 'attachment.download'));
    expect(audited.map((a) => a.subjectId)).toContain(String(file!.id));
  });

  it('keeps a Zalo file after the platform failed twice (retried with backoff), and marks a file over the limit too big with no bytes', async () => {
    const form = pdf('To khai khai sinh');
    standin.files.set('to-khai.pdf', { type: 'application/pdf', body: form, failFirst: 2 });
    const conversationId = await zaloFile('2512523625410001', 'zfile-ok-1', `${standin.url}/files/to-khai.pdf`, 'tờ khai khai sinh.pdf');
    const [file] = await settledFiles(conversationId);
    expect(file).toMatchObject({ kind: 'file', state: 'stored', mimeType: 'application/pdf', name: 'tờ khai khai sinh.pdf', size: form.length });
    expect(standin.fileRequests.get('to-khai.pdf')).toBe(3);
    const download = await fetch(`${gw.url}${file!.url}?download=true`, { headers: gw.auth });
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="to khai khai sinh.pdf"; filename*=UTF-8''${encodeURIComponent('tờ khai khai sinh.pdf')}`);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(form);

    standin.files.set('ho-so-lon.pdf', { type: 'application/pdf', body: pdf('big', 3 * 1024 * 1024) });
    const big = await zaloFile('2512523625410002', 'zfile-big-1', `${standin.url}/files/ho-so-lon.pdf`, 'ho-so-lon.pdf');
    const [tooBig] = await settledFiles(big);
    expect(tooBig).toMatchObject({ state: 'too_large', url: null });
    const { store } = gw.app.gateway;
    const [row] = await store.db.select().from(store.t.attachments).where(eq(store.t.attachments.id, tooBig!.id!));
    expect(row!.storageKey).toBeNull();
    expect((await gw.app.inject({ url: `/api/v1/attachments/${tooBig!.id}`, headers: gw.auth })).statusCode).toBe(404);

    // A link whose transfer hangs halfway is given up at the fetch timeout and tried again.
    const hung = pdf('Giay uy quyen');
    standin.files.set('uy-quyen.pdf', { type: 'application/pdf', body: hung, stallFirst: 1 });
    const [resumed] = await settledFiles(await zaloFile('2512523625410009', 'zfile-hung-1', `${standin.url}/files/uy-quyen.pdf`, 'giấy ủy quyền.pdf'));
    expect(resumed).toMatchObject({ state: 'stored', size: hung.length });
    expect(standin.fileRequests.get('uy-quyen.pdf')).toBe(2);
    // The gateway hung up on the stalled transfer itself (a lease running out would have left it open).
    expect(await waitFor(() => standin.files.get('uy-quyen.pdf')!.stallsDropped, 'the stalled transfer dropped')).toBe(1);

    // A link that never answers ends "could not be fetched", with why; the message stays.
    const lost = await zaloFile('2512523625410003', 'zfile-lost-1', `${standin.url}/files/khong-co.pdf`, 'khong-co.pdf');
    const [failed] = await settledFiles(lost);
    expect(failed).toMatchObject({ state: 'failed', detail: 'HTTP 404', url: null });
  });

  it('shows stickers and locations as what they are, and answers 403 to an agent of another team', async () => {
    const sticker = fixture<Record<string, unknown> & { sender: { id: string }; timestamp: string }>('zalo-oa', 'user_send_sticker');
    sticker.sender.id = '2512523625410004';
    sticker.timestamp = String(Date.now());
    expect((await postZaloEvent(gw, sticker)).status).toBe(200);
    const stickerConversation = await waitFor(() => conversationOf(gw, '2512523625410004'), 'the conversation');
    const [shown] = filesOf(await api.messages(stickerConversation));
    expect(shown).toMatchObject({ id: null, kind: 'sticker', state: null });

    const teams = Object.fromEntries((await gw.app.inject({ url: '/api/v1/teams', headers: gw.auth })).json().map((t: { key: string; id: number }) => [t.key, t.id]));
    const conversationId = (await conversationOf(gw, '2512523625410001'))!;
    await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${conversationId}`, headers: gw.auth, payload: { teamId: teams['ho-tich-tu-phap'], assigneeId: null } });
    const created = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'nv.datdai', displayName: 'Đất đai', role: 'agent', teams: ['dat-dai-xay-dung'], password } });
    expect(created.statusCode, created.body).toBe(201);
    const login = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nv.datdai', password } });
    const session = (login.cookies as Array<{ name: string; value: string }>).find((c) => c.name === 'gw_session')!.value;
    const [file] = filesOf(await api.messages(conversationId));
    const denied = await gw.app.inject({ url: `/api/v1/attachments/${file!.id}`, headers: { cookie: `gw_session=${session}` } });
    expect(denied.statusCode).toBe(403);
    expect(denied.body).not.toContain('PDF');
  });

  it('sends an agent’s PDF on Zalo (upload/file, then a file message) and Messenger (attachment upload, then send); the message ends sent', async () => {
    const form = pdf('Mau to khai');
    const uploaded = await upload(form, 'mẫu tờ khai.pdf', 'application/pdf');
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({ mimeType: 'application/pdf', size: form.length, name: 'mẫu tờ khai.pdf' });

    const zaloConversation = (await conversationOf(gw, '2512523625410001'))!;
    await quiet(gw);
    const zaloReply = await replyWith(zaloConversation, { text: 'Anh/chị điền mẫu này giúp em.', attachmentIds: [uploaded.body.id] });
    expect(zaloReply.status, JSON.stringify(zaloReply.body)).toBe(201);
    const zaloSent = await agentReply(zaloConversation, zaloReply.body.messageId);
    expect(zaloSent).toMatchObject({ status: 'sent', error: null });
    expect(standin.zalo.uploads.at(-1)).toMatchObject({ kind: 'file', name: 'mẫu tờ khai.pdf', size: form.length, sha256: sha256(form) });
    const fileToken = standin.zalo.sends.find((s) => (s.message.attachment as { type?: string } | undefined)?.type === 'file');
    expect(fileToken?.message).toEqual({ attachment: { type: 'file', payload: { token: expect.stringMatching(/^zfile-/) } } });
    // The file cannot be sent twice, and the message shows it.
    expect((await replyWith(zaloConversation, { attachmentIds: [uploaded.body.id] })).status).toBe(400);
    expect(filesOf([zaloSent])).toEqual([expect.objectContaining({ id: uploaded.body.id, state: 'stored', name: 'mẫu tờ khai.pdf' })]);

    const messengerConversation = (await conversationOf(gw, '8200000000000001'))!;
    const again = await upload(form, 'mẫu tờ khai.pdf', 'application/pdf');
    const fbReply = await replyWith(messengerConversation, { attachmentIds: [again.body.id] });
    expect(fbReply.status).toBe(201);
    expect(await agentReply(messengerConversation, fbReply.body.messageId)).toMatchObject({ status: 'sent' });
    const fbUpload = standin.graph.uploads.at(-1)!;
    expect(fbUpload).toMatchObject({ message: { attachment: { type: 'file', payload: { is_reusable: true } } }, name: 'mẫu tờ khai.pdf', sha256: sha256(form) });
    expect(standin.graph.sends.at(-1)!.body).toMatchObject({ recipient: { id: '8200000000000001' }, message: { attachment: { type: 'file', payload: { attachment_id: fbUpload.attachmentId } } } });
  });

  it('ends a file Zalo refuses (a picture over 1 MB) as a failed delivery with the reason, and refuses bad uploads with a 4xx', async () => {
    const picture = Buffer.concat([jpegWithGps().subarray(0, -2), Buffer.alloc(1_200_000, 0x11), Buffer.from([0xff, 0xd9])]);
    const uploaded = await upload(picture, 'anh-lon.jpg', 'image/jpeg');
    expect(uploaded.status).toBe(201);
    const conversationId = (await conversationOf(gw, '2512523625410001'))!;
    const before = standin.zalo.uploads.length;
    const reply = await replyWith(conversationId, { attachmentIds: [uploaded.body.id] });
    const failed = await agentReply(conversationId, reply.body.messageId);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('Zalo');
    expect(failed.error).toContain('anh-lon.jpg');
    expect(standin.zalo.uploads.length).toBe(before);

    expect((await upload(Buffer.from('MZ\x90\x00 not a document', 'latin1'), 'setup.exe', 'application/octet-stream')).status).toBe(415);
    expect((await upload(pdf('x', 3 * 1024 * 1024 + 10), 'lon.pdf', 'application/pdf')).status).toBe(413);
    expect((await replyWith(conversationId, { attachmentIds: [999_999] })).status).toBe(400);
    expect((await replyWith(conversationId, {})).status).toBe(400);
  });

  it('sends a canned answer’s form template as a file, again and again', async () => {
    const template = pdf('Mau don de nghi trich luc');
    const uploaded = await upload(template, 'mẫu đơn trích lục.pdf', 'application/pdf');
    const created = await gw.app.inject({
      method: 'POST',
      url: '/api/v1/canned-answers',
      headers: gw.auth,
      payload: { shortcut: 'mau-trich-luc', title: 'Mẫu đơn trích lục', body: 'Anh/chị điền mẫu đơn đính kèm.', attachmentId: uploaded.body.id },
    });
    expect(created.statusCode, created.body).toBe(201);
    const answer = created.json() as { id: number; attachmentId: number };
    expect(answer.attachmentId).toBe(uploaded.body.id);
    const bad = await gw.app.inject({ method: 'POST', url: '/api/v1/canned-answers', headers: gw.auth, payload: { shortcut: 'sai', title: 'x', body: 'y', attachmentId: 987_654 } });
    expect(bad.statusCode).toBe(400);

    const conversationId = (await conversationOf(gw, '8200000000000001'))!;
    for (let round = 0; round < 2; round++) {
      const copy = await gw.app.inject({ method: 'POST', url: `/api/v1/canned-answers/${answer.id}/file`, headers: gw.auth });
      expect(copy.statusCode, copy.body).toBe(201);
      const file = copy.json() as { id: number; name: string };
      expect(file).toMatchObject({ name: 'mẫu đơn trích lục.pdf' });
      const reply = await replyWith(conversationId, { text: 'Anh/chị điền mẫu đơn đính kèm.', attachmentIds: [file.id] });
      expect(await agentReply(conversationId, reply.body.messageId)).toMatchObject({ status: 'sent' });
      expect(standin.graph.uploads.at(-1)).toMatchObject({ name: 'mẫu đơn trích lục.pdf', sha256: sha256(template) });
    }
  });

  it('lets the web-form citizen see the hotline’s file in their own thread, and only there', async () => {
    const asked = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Trần Thị B', phone: '0912 000 111', text: 'Cho em xin mẫu tờ khai' } });
    const { conversationId, threadToken } = asked.json() as { conversationId: number; threadToken: string };
    await quiet(gw);
    const form = pdf('Mau cho cong dan');
    const uploaded = await upload(form, 'mau.pdf', 'application/pdf');
    const reply = await replyWith(conversationId, { text: 'Mẫu đây ạ', attachmentIds: [uploaded.body.id] });
    expect((await agentReply(conversationId, reply.body.messageId)).status).toBe('sent');
    const thread = (await gw.app.inject({ url: `/api/public/conversations/${conversationId}/messages?token=${threadToken}` })).json() as { messages: Array<{ attachments: Array<{ url: string | null; name: string }> }> };
    const url = thread.messages.flatMap((m) => m.attachments).find((a) => a.name === 'mau.pdf')!.url!;
    const file = await gw.app.inject({ url });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload).toEqual(form);
    expect((await gw.app.inject({ url: url.replace(threadToken, 'x'.repeat(threadToken.length)) })).statusCode).toBe(404);
  });
});

const email = dovecotAvailability();

describe.skipIf(!email.available)('files both ways by email: dovecot IMAP in, SMTP sink out', () => {
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let gw: TestApp;

  beforeAll(async () => {
    dovecot = await startDovecot(['files']);
    sink = await startSmtpSink();
    const mailbox = dovecot.mailbox('files');
    gw = await startTestApp({ env: emailEnv({ host: dovecot.host, port: dovecot.port, user: mailbox.user, password: mailbox.password }, sink, { EMAIL_POLL_INTERVAL_MS: '300' }) });
  });
  afterAll(async () => {
    await gw?.close();
    await sink?.close();
    await dovecot?.stop();
  });

  it('keeps a citizen’s PDF for the agent and sends the agent’s PDF back as a MIME part; the reply ends sent', async () => {
    const scan = pdf('Don de nghi cap ban sao');
    const raw = await new MailComposer({
      from: 'Võ Thị Mai <mai.vo@example.vn>',
      to: hotlineAddress,
      subject: 'Gửi đơn đề nghị',
      text: 'Tôi gửi đơn đề nghị cấp bản sao.',
      messageId: '<files-both-ways@example.vn>',
      attachments: [{ filename: 'đơn đề nghị.pdf', content: scan, contentType: 'application/pdf' }],
    })
      .compile()
      .build();
    await dovecot.mailbox('files').deliver(raw);
    const api = gatewayApi(gw);
    const conversationId = await waitFor(async () => (await api.conversations('email'))[0]?.id, 'the mail to arrive');
    const [file] = await waitFor(async () => filesOf(await api.messages(conversationId)).filter((f) => f.state === 'stored'), 'the stored file');
    expect(file).toMatchObject({ kind: 'file', name: 'đơn đề nghị.pdf', mimeType: 'application/pdf', size: scan.length });
    const download = await gw.app.inject({ url: file!.url!, headers: gw.auth });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload).toEqual(scan);

    const answer = pdf('Mau to khai cap ban sao');
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(answer)], { type: 'application/pdf' }), 'tờ khai cấp bản sao.pdf');
    const uploaded = (await (await fetch(`${gw.url}/api/v1/uploads`, { method: 'POST', headers: gw.auth, body: form })).json()) as { id: number };
    await quiet(gw);
    const reply = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth, payload: { text: 'Chị điền tờ khai đính kèm.', attachmentIds: [uploaded.id] } });
    expect(reply.statusCode, reply.body).toBe(201);
    const mail = await sink.waitFor((m) => m.parsed.attachments.some((a) => a.filename === 'tờ khai cấp bản sao.pdf'));
    const part = mail.parsed.attachments.find((a) => a.filename === 'tờ khai cấp bản sao.pdf')!;
    expect(part.contentType).toBe('application/pdf');
    expect(part.content).toEqual(answer);
    expect(mail.to).toEqual(['mai.vo@example.vn']);
    const sent = await waitFor(async () => (await api.messages(conversationId)).find((m) => m.id === (reply.json() as { messageId: number }).messageId && m.status === 'sent'), 'the reply to be sent');
    expect(sent.error).toBeNull();
  });
});
