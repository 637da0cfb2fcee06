import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../../src/channels/webchat/types.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../../helpers/postgres.ts';
import { startSmtpSink, type SinkMail, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { widgetVisitor } from '../../helpers/widget-visitor.ts';
import { emailEnv } from '../../helpers/email-env.ts';

/** The email inbox only sends in these tests: its IMAP side points at a server that hangs up. */
const noMailbox = (port: number) => ({ host: '127.0.0.1', port, user: 'hotro1022', password: 'unused' });

const pgReady = await postgresAvailable();

/** 1.2 s: long enough for a widget's "seen" to land first, short enough for a test. */
const delayMinutes = 0.02;
const delayMs = delayMinutes * 60_000;
/** Past the delay and a few sweeps (every delay/2): a second mail would have come by now. */
const settleMs = delayMs * 3;
const chatPage = 'https://1022.dongthap.gov.vn/hoi-dap';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  id: number;
  direction: string;
  senderType: string;
  text: string | null;
  status: string;
  metadata: Record<string, unknown> | null;
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A mailbox server that hangs up on every connection: the email inbox's IMAP side fails, its
 * SMTP side works. Held open for the suite, so no other test's server can take its port.
 */
async function refusingMailbox(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A stored visitor message (its metadata a JSON null, as ingest writes it) and a send about it. */
async function raceSetup(gw: TestApp, address: string) {
  const inbox = (channel: string) => gw.app.gateway.inboxes.find((i) => i.channel === channel)!;
  const [stored] = await gw.app.gateway.ingest([
    { inboxId: inbox('webchat').id, externalMessageId: `race-${address}`, sender: { externalUserId: `webchat:${address}` }, text: 'hỏi', attachments: [], sentAt: new Date(), raw: {} },
  ]);
  const request = (node: TestApp) =>
    node.app.gateway.outreach.send({ contactId: stored!.contactId, inboxId: inbox('email').id, address, text: 'một lần', once: { messageIds: [stored!.messageId], key: 'raceTest' } });
  return { stored: stored!, request };
}

const dialects = [
  { name: 'sqlite', url: (dir: string) => ({ url: `file:${join(dir, 'gateway.db')}`, drop: async () => {} }) },
  ...(pgReady ? [{ name: 'pg', url: () => freshPgUrl() }] : []),
];

describe.each(dialects)('live chat answers by email ($name)', ({ url }) => {
  let sink: SmtpSink;
  let mailbox: Awaited<ReturnType<typeof refusingMailbox>>;
  let dir: string;
  let db: { url: string; drop: () => Promise<void> };
  let env: Record<string, string>;
  const running: TestApp[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    mailbox = await refusingMailbox();
    dir = mkdtempSync(join(tmpdir(), 'gw1022-fallback-'));
    db = url(dir);
    env = {
      DATABASE_URL: db.url,
      CONFIG_FILE: testConfigFile({
        businessHours: undefined,
        inboxes: [{ key: 'webchat', channel: 'webchat', name: 'Trò chuyện', settings: { emailFallbackAfterMinutes: delayMinutes, chatPageUrl: chatPage } }],
      }),
      ...emailEnv(noMailbox(mailbox.port), sink, { EMAIL_POLL_INTERVAL_MS: '60000', EMAIL_ATTACHMENTS_DIR: join(dir, 'attachments') }),
    };
  });
  afterAll(async () => {
    for (const gw of running) await gw.close().catch(() => undefined);
    await sink?.close();
    await mailbox?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A gateway on the suite's store (a restart is a second call after closing the first). */
  async function gateway(): Promise<TestApp> {
    const gw = await startTestApp({ env });
    running.push(gw);
    return gw;
  }
  async function stop(gw: TestApp): Promise<void> {
    running.splice(running.indexOf(gw), 1);
    await gw.close();
  }

  const mailsTo = (address: string): SinkMail[] => sink.mails.filter((mail) => mail.to.includes(address));
  const messages = (gw: TestApp, conversationId: number) => gw.app.gateway.conversations.messages(conversationId, { limit: 500 }) as Promise<Row[]>;
  const reply = async (gw: TestApp, conversationId: number, text: string): Promise<number> => {
    const res = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth, payload: { text } });
    expect(res.statusCode).toBe(201);
    return res.json().messageId as number;
  };
  const markOf = async (gw: TestApp, conversationId: number, messageId: number) =>
    (await messages(gw, conversationId)).find((row) => row.id === messageId)?.metadata?.emailFallback as Record<string, unknown> | undefined;

  /** A visitor who fills the pre-chat form (or not), asks, and leaves. */
  async function ask(gw: TestApp, question: string, profile?: { name: string; email?: string; phone?: string }, stay = false) {
    const { v } = await widgetVisitor(gw);
    if (profile) v.send({ t: 'profile', ...profile });
    v.send({ t: 'msg', cid: 'q1', text: question });
    const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
    await v.waitFor((f) => f.t === 'ack' && f.cid === 'q1');
    await gw.app.gateway.inbound.idle();
    if (!stay) await v.close();
    return { v, conversationId: session.conversationId };
  }

  it('emails an answer the visitor did not see, once, and tells the agent', async () => {
    const gw = await gateway();
    const address = 'hoa.nguyen@example.vn';
    const { conversationId } = await ask(gw, 'Cho tôi gặp nhân viên, tôi hỏi về hồ sơ tách thửa', { name: 'Nguyễn Thị Hoa', email: address });
    const answer = 'Hồ sơ của chị đang ở bộ phận một cửa của xã, dự kiến trả kết quả ngày 20/11.';
    const answerId = await reply(gw, conversationId, answer);

    const mail = await sink.waitFor((m) => m.to.includes(address));
    expect(mail.parsed.subject).toMatch(/^Trả lời câu hỏi của bạn từ 1022 Đồng Tháp \[HT-\d{4}-\d{6}\]$/);
    expect(mail.parsed.from?.value[0]?.address).toBe('hotro1022@dongthap.test');
    const body = mail.parsed.text ?? '';
    expect(body).toContain('Kính gửi Nguyễn Thị Hoa,');
    expect(body).toContain('câu hỏi bạn đã gửi qua khung trò chuyện');
    expect(body).toContain(answer);
    expect(body).toContain(chatPage);
    // The bot's "an operator will answer" notice is not an answer: it stays out of the mail.
    const botNotice = (await messages(gw, conversationId)).find((row) => row.senderType === 'bot');
    expect(botNotice?.text).toBeTruthy();
    expect(body).not.toContain(botNotice!.text!);

    // The mail is a message of the visitor's contact in the email inbox, sent by the outbox.
    const mark = await until(() => markOf(gw, conversationId, answerId), 'the answer marked');
    const emailConversation = await gw.app.gateway.conversations.get(mark.conversationId as number);
    const chatConversation = await gw.app.gateway.conversations.get(conversationId);
    expect(emailConversation).toMatchObject({ channel: 'email', contactId: chatConversation.contactId });
    const sent = await until(async () => (await messages(gw, emailConversation.id)).find((row) => row.id === mark.messageId && row.status === 'sent'), 'the email marked sent');
    expect(sent.text).toContain(answer);
    // The agent reads where it went, the address masked.
    const activity = (await messages(gw, conversationId)).filter((row) => row.direction === 'activity' && row.metadata?.emailFallback);
    expect(activity).toHaveLength(1);
    expect(activity[0]!.text).toBe(`Khách chưa xem câu trả lời sau 0,02 phút: đã gửi qua email tới h***@example.vn.`);
    expect(JSON.stringify(activity[0])).not.toContain('hoa.nguyen');

    // More sweeps, then a restart: still one mail.
    await sleep(settleMs);
    expect(mailsTo(address)).toHaveLength(1);
    await stop(gw);
    const again = await gateway();
    await sleep(settleMs);
    expect(mailsTo(address)).toHaveLength(1);
    await stop(again);
  });

  it('sends an answer written just before a shutdown after the restart, once', async () => {
    let gw = await gateway();
    const address = 'truoc.khi.tat@example.vn';
    const { conversationId } = await ask(gw, 'Cho tôi gặp nhân viên về giấy phép xây dựng', { name: 'Lê Văn Bình', email: address });
    await reply(gw, conversationId, 'Giấy phép xây dựng nhà ở riêng lẻ do UBND xã cấp.');
    await stop(gw);
    gw = await gateway();
    const mail = await sink.waitFor((m) => m.to.includes(address));
    expect(mail.parsed.text).toContain('Giấy phép xây dựng nhà ở riêng lẻ do UBND xã cấp.');
    await sleep(settleMs);
    expect(mailsTo(address)).toHaveLength(1);
    await stop(gw);
  });

  it('sends nothing for an answer the visitor saw, nor to a visitor who left no email', async () => {
    const gw = await gateway();
    const before = sink.mails.length;
    // The one who reads the answer in the widget, and says so.
    const reader = await ask(gw, 'Cho tôi gặp nhân viên về đăng ký kết hôn', { name: 'Phạm Thu', email: 'thu.pham@example.vn' }, true);
    const seenId = await reply(gw, reader.conversationId, 'Anh chị đến UBND xã nơi một trong hai người cư trú.');
    const shown = await reader.v.waitFor<Extract<ServerFrame, { t: 'msg' }>>((f) => f.t === 'msg' && f.m.id === seenId);
    reader.v.send({ t: 'seen', id: shown.m.id });
    await until(async () => (await messages(gw, reader.conversationId)).find((row) => row.id === seenId && row.status === 'read'), 'the answer read');
    await reader.v.close();
    // A phone only, and no form at all.
    const byPhone = await ask(gw, 'Cho tôi gặp nhân viên về bảo hiểm y tế', { name: 'Trần Tâm', phone: '0912 345 678' });
    const byPhoneAnswer = await reply(gw, byPhone.conversationId, 'Thẻ BHYT hộ gia đình đăng ký tại UBND xã.');
    const anonymous = await ask(gw, 'Cho tôi gặp nhân viên về căn cước');
    const anonymousAnswer = await reply(gw, anonymous.conversationId, 'Làm căn cước tại công an xã.');
    // And one who left an email and did not read: the sweep that mails them has seen the others.
    const control = 'doi.chung@example.vn';
    const away = await ask(gw, 'Cho tôi gặp nhân viên về đất đai', { name: 'Võ Minh', email: control });
    await reply(gw, away.conversationId, 'Chuyển mục đích sử dụng đất nộp tại bộ phận một cửa.');

    await sink.waitFor((m) => m.to.includes(control));
    expect(await until(() => markOf(gw, byPhone.conversationId, byPhoneAnswer), 'phone-only answer marked')).toMatchObject({ skipped: 'no_address' });
    expect(await until(() => markOf(gw, anonymous.conversationId, anonymousAnswer), 'anonymous answer marked')).toMatchObject({ skipped: 'no_address' });
    await sleep(settleMs);
    expect(mailsTo('thu.pham@example.vn')).toHaveLength(0);
    expect(await markOf(gw, reader.conversationId, seenId)).toBeUndefined();
    expect(sink.mails.slice(before).map((mail) => mail.to)).toEqual([[control]]);
    await stop(gw);
  });

  it("never files the answer under another contact's address", async () => {
    const gw = await gateway();
    const emailInbox = gw.app.gateway.inboxes.find((inbox) => inbox.channel === 'email')!;
    const address = 'da.co@example.vn';
    // A citizen who wrote to the mailbox before owns this address in the email inbox.
    await gw.app.gateway.ingest([
      { inboxId: emailInbox.id, externalMessageId: '<earlier@example.vn>', sender: { externalUserId: address, email: address }, text: 'Thư cũ', attachments: [], sentAt: new Date(), raw: {}, suppressAutoReply: true },
    ]);
    const before = sink.mails.length;
    const { conversationId } = await ask(gw, 'Cho tôi gặp nhân viên về thuế đất', { name: 'Người lạ', email: address });
    const answerId = await reply(gw, conversationId, 'Thuế sử dụng đất phi nông nghiệp nộp tại chi cục thuế.');
    expect(await until(() => markOf(gw, conversationId, answerId), 'the answer marked')).toMatchObject({ skipped: 'address_in_use' });
    const note = (await messages(gw, conversationId)).find((row) => row.direction === 'activity' && row.metadata?.emailFallback);
    expect(note?.text).toContain('d***@example.vn');
    expect(note?.text).toContain('thuộc một liên hệ khác');
    await sleep(settleMs);
    expect(sink.mails.length).toBe(before);
    await stop(gw);
  });

  it('queues one send when sweeps race for the same message, whatever its metadata held', async () => {
    const gw = await gateway();
    const { stored, request } = await raceSetup(gw, 'dua.mot@example.vn');
    const results = await Promise.all([request(gw), request(gw), request(gw)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['already', 'already', 'queued']);
    const row = (await messages(gw, stored.conversationId)).find((m) => m.id === stored.messageId)!;
    expect(row.metadata).toMatchObject({ raceTest: { messageId: expect.any(Number) } });
    await stop(gw);
  });

  it('includes a knowledge-base answer of the bot, not its greeting', async () => {
    const gw = await gateway();
    const address = 'hoi.cccd@example.vn';
    const { conversationId } = await ask(gw, 'lam cccd o dau vay ad', { name: 'Đỗ Hạnh', email: address });
    const bot = (await messages(gw, conversationId)).find((row) => row.senderType === 'bot')!;
    expect(bot.metadata?.kb).toBe('cap-can-cuoc');
    const mail = await sink.waitFor((m) => m.to.includes(address));
    expect(mail.parsed.text).toContain(bot.text!.split('\n')[0]);
    await stop(gw);
  });
});

describe.skipIf(!pgReady)('live chat answers by email on two gateway nodes (pg)', () => {
  let sink: SmtpSink;
  let mailbox: Awaited<ReturnType<typeof refusingMailbox>>;
  let db: { url: string; drop: () => Promise<void> };
  const nodes: TestApp[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    mailbox = await refusingMailbox();
    db = freshPgUrl();
    const env = {
      DATABASE_URL: db.url,
      CONFIG_FILE: testConfigFile({ businessHours: undefined, inboxes: [{ key: 'webchat', channel: 'webchat', name: 'Trò chuyện', settings: { emailFallbackAfterMinutes: delayMinutes } }] }),
      ...emailEnv(noMailbox(mailbox.port), sink, { EMAIL_POLL_INTERVAL_MS: '60000' }),
    };
    nodes.push(await startTestApp({ env }), await startTestApp({ env }));
  });
  afterAll(async () => {
    for (const gw of nodes) await gw.close().catch(() => undefined);
    await sink?.close();
    await mailbox?.close();
    await db?.drop();
  });

  it('queues one send when two nodes race for the same message', async () => {
    const [a, b] = nodes as [TestApp, TestApp];
    const { request } = await raceSetup(a, 'dua.hai@example.vn');
    const results = await Promise.all([request(a), request(b), request(a), request(b)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['already', 'already', 'already', 'queued']);
  });

  it('mails each unseen answer once while both nodes sweep', async () => {
    const [a, b] = nodes as [TestApp, TestApp];
    const addresses = ['mot@example.vn', 'hai@example.vn', 'ba@example.vn', 'bon@example.vn'];
    await Promise.all(
      addresses.map(async (address, i) => {
        const node = i % 2 ? b : a;
        const { v } = await widgetVisitor(node);
        v.send({ t: 'profile', name: `Công dân ${i}`, email: address });
        v.send({ t: 'msg', cid: 'q', text: `Cho tôi gặp nhân viên, câu hỏi số ${i}` });
        const session = await v.waitFor<Extract<ServerFrame, { t: 'session' }>>((f) => f.t === 'session');
        await v.close();
        const res = await node.app.inject({ method: 'POST', url: `/api/v1/conversations/${session.conversationId}/messages`, headers: node.auth, payload: { text: `Trả lời số ${i}` } });
        expect(res.statusCode).toBe(201);
      }),
    );
    await Promise.all(addresses.map((address) => sink.waitFor((m) => m.to.includes(address))));
    await sleep(settleMs);
    for (const [i, address] of addresses.entries()) {
      const mails = sink.mails.filter((m) => m.to.includes(address));
      expect(mails).toHaveLength(1);
      expect(mails[0]!.parsed.text).toContain(`Trả lời số ${i}`);
    }
  });
});

describe('email fallback settings', () => {
  const boot = (settings: Record<string, unknown>) =>
    startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ inboxes: [{ key: 'webchat', channel: 'webchat', name: 'Trò chuyện', settings }] }) } }).then((gw) => gw.close());

  it('refuses at boot an email inbox that does not exist, and a negative delay', async () => {
    await expect(boot({ emailFallbackInbox: 'hop-thu-khac' })).rejects.toThrow(/settings\.emailFallbackInbox: "hop-thu-khac" is not an email inbox \(email inboxes: none configured\)/);
    await expect(boot({ emailFallbackAfterMinutes: -1 })).rejects.toThrow(/emailFallbackAfterMinutes/);
    await expect(boot({ chatPageUrl: 'javascript:alert(1)' })).rejects.toThrow(/chatPageUrl/);
    // Off, or no email inbox at all: the gateway starts.
    await boot({ emailFallbackAfterMinutes: 0 });
    await boot({});
  });
});
