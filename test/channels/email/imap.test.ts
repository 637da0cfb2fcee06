import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { dovecotAvailability, startDovecot, type Dovecot, type TestMailbox } from '../../helpers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.ts';
import { emailEnv, hotlineAddress } from '../../helpers/email-env.ts';

const hotline = hotlineAddress;
const users = ['restart', 'thread', 'noise', 'charset', 'renumber', 'files', 'outbound'] as const;
const { available } = dovecotAvailability();

/** A mail as a citizen's client writes it (nodemailer's own composer: real encodings). */
const compose = (options: Mail.Options): Promise<Buffer> => new MailComposer({ to: hotline, ...options }).compile().build();

async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Row {
  id: number;
  conversation_id: number;
  direction: string;
  sender_type: string;
  text: string | null;
  external_id: string | null;
  metadata: string | Record<string, unknown> | null;
  attachments: string | unknown[] | null;
  raw: string | Record<string, unknown> | null;
}
const json = <T>(value: unknown): T | null => (typeof value === 'string' ? (JSON.parse(value) as T) : ((value ?? null) as T | null));

async function rows(gw: TestApp, where = sql`1 = 1`): Promise<Row[]> {
  const { store } = gw.app.gateway;
  return store.rows<Row>(
    store.db,
    sql`select m.id, m.conversation_id, m.direction, m.sender_type, m.text, m.external_id, m.metadata, m.attachments, m.raw
        from messages m join inboxes i on i.id = m.inbox_id where i.channel = 'email' and ${where} order by m.id`,
  );
}
const inbound = (gw: TestApp) => rows(gw, sql`m.direction = 'in'`);

describe.skipIf(!available)('email channel: dovecot IMAP in, SMTP sink out', () => {
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let dir: string;
  const open: TestApp[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot(users);
    sink = await startSmtpSink();
    dir = mkdtempSync(join(tmpdir(), 'gw1022-email-'));
  });
  afterAll(async () => {
    for (const gw of open) await gw.close().catch(() => undefined);
    await sink?.close();
    await dovecot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A gateway reading `mailbox`, on a store file that outlives restarts. */
  async function gateway(mailbox: TestMailbox, env: Record<string, string> = {}): Promise<TestApp> {
    const gw = await startTestApp({
      env: {
        DATABASE_URL: `file:${join(dir, `${mailbox.user}.db`)}`,
        ...emailEnv({ host: dovecot.host, port: dovecot.port, user: mailbox.user, password: mailbox.password }, sink, { EMAIL_PLUS_ADDRESSING: 'true', EMAIL_POLL_INTERVAL_MS: '500', EMAIL_ATTACHMENTS_DIR: join(dir, 'attachments') }),
        ...env,
      },
    });
    open.push(gw);
    // Mail delivered before the first connection is the mailbox's history (never answered): the
    // tests of live mail deliver theirs once the gateway has read the mailbox.
    const { store } = gw.app.gateway;
    await until(async () => (await store.rows(store.db, sql`select key from settings where key like ${`%imap.cursor.${mailbox.user}@%`}`)).length > 0, 'the first connection');
    return gw;
  }
  const close = async (gw: TestApp) => {
    open.splice(open.indexOf(gw), 1);
    await gw.close();
  };

  it('stores 200 mails exactly once while the gateway restarts twice and loses its connection', async () => {
    const mailbox = dovecot.mailbox('restart');
    const total = 200;
    let delivered = 0;
    const delivering = (async () => {
      for (; delivered < total; delivered++) {
        // Twenty citizens, ten mails each, delivered while the gateway comes and goes.
        await mailbox.deliver(
          await compose({
            from: `Công dân ${delivered % 20} <citizen${delivered % 20}@example.vn>`,
            subject: `Câu hỏi số ${delivered}`,
            text: `Nội dung câu hỏi số ${delivered}`,
            messageId: `<restart-${delivered}@example.vn>`,
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    let gw = await gateway(mailbox);
    await until(async () => (await inbound(gw)).length >= 40, '40 mails before the first restart');
    await close(gw);
    const atFirstRestart = delivered;
    gw = await gateway(mailbox);
    await until(async () => (await inbound(gw)).length >= 100, 'more mail before the second restart');
    await close(gw);
    const atSecondRestart = delivered;
    // Both restarts happened while mail was still arriving.
    expect(atFirstRestart).toBeLessThan(total);
    expect(atSecondRestart).toBeLessThan(total);
    gw = await gateway(mailbox);
    // And the connection is cut under the running gateway: it reconnects and reads on.
    await until(async () => (await inbound(gw)).length >= 130, 'mail before the connection is cut');
    mailbox.kick();
    await delivering;
    const stored = await until(async () => {
      const found = await inbound(gw);
      return found.length >= total ? found : null;
    }, 'all 200 mails', 60_000);
    // A little longer: a late duplicate would show up now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const again = await inbound(gw);
    expect(again).toHaveLength(total);
    expect(new Set(stored.map((row) => row.external_id)).size).toBe(total);
    const numbers = again.map((row) => Number(/số (\d+)/.exec(row.text ?? '')?.[1])).sort((a, b) => a - b);
    expect(numbers).toEqual([...Array(total).keys()]);
    // Twenty citizens, so twenty conversations.
    expect(new Set(again.map((row) => row.conversation_id)).size).toBe(20);
    const conversations = await gw.app.inject({ url: '/api/v1/conversations?channel=email&limit=200', headers: gw.auth });
    expect(conversations.json().items).toHaveLength(20);
    await close(gw);
  });

  it('keeps a reply thread in one conversation and writes In-Reply-To, References and Reply-To', async () => {
    const mailbox = dovecot.mailbox('thread');
    // A resolved conversation is never reopened by a mail that does not name it, so only the
    // threading headers can bring the citizen's replies back to it.
    // No polling sweep within the test's time: new mail arrives through IMAP IDLE alone.
    const gw = await gateway(mailbox, { CONFIG_FILE: testConfigFile({ conversations: { reopenWithinDays: 0 } }), EMAIL_POLL_INTERVAL_MS: '600000' });
    const citizen = 'Nguyễn Thị Hoa <hoa.nguyen@example.vn>';
    await mailbox.deliver(
      await compose({ from: citizen, subject: 'Hỏi về cấp đổi thẻ căn cước', text: 'Tôi muốn đổi thẻ căn cước bị mất, cần làm gì ạ?', messageId: '<q1@example.vn>' }),
    );
    const first = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<q1@example.vn>'), 'the first mail');
    const threadA = first.conversation_id;
    expect(json<Record<string, unknown>>(first.metadata)).toMatchObject({ subject: 'Hỏi về cấp đổi thẻ căn cước', messageId: '<q1@example.vn>', from: 'hoa.nguyen@example.vn' });

    const reply = await gw.app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${threadA}/messages`,
      headers: gw.auth,
      payload: { text: 'Chào chị Hoa, chị mang CCCD cũ (nếu còn) đến bộ phận một cửa của phường.' },
    });
    expect(reply.statusCode).toBe(201);
    const agentMail = await sink.waitFor((mail) => Boolean(mail.parsed.text?.includes('Chào chị Hoa')));
    const ourId = agentMail.parsed.messageId!;
    expect(ourId).toMatch(/^<1022\.\d+\.\d+\.[0-9a-f]{12}@dongthap\.test>$/);
    expect(agentMail.header('in-reply-to')).toBe('<q1@example.vn>');
    expect(agentMail.header('references')).toBe('<q1@example.vn>');
    expect(agentMail.header('reply-to')).toMatch(new RegExp(`^hotro1022\\+c${threadA}-[0-9a-f]{16}@dongthap\\.test$`));
    expect(agentMail.parsed.subject).toMatch(/^Re: Hỏi về cấp đổi thẻ căn cước \[HT-\d{4}-\d{6}\]$/);
    expect(agentMail.header('auto-submitted')).toBeUndefined();
    expect(agentMail.to).toEqual(['hoa.nguyen@example.vn']);
    expect(agentMail.parsed.from?.value[0]).toMatchObject({ address: hotline, name: '1022 Đồng Tháp' });
    // The store keeps our Message-ID on the sent reply: a copy of it coming back is a duplicate.
    await until(async () => (await rows(gw, sql`m.external_id = ${ourId}`)).length === 1, 'our Message-ID stored on the reply');
    // The bot's own first answer is marked automatic, so a citizen's auto-responder stays quiet.
    const botMail = await sink.waitFor((mail) => mail.to.includes('hoa.nguyen@example.vn') && mail.header('auto-submitted') === 'auto-replied');
    expect(botMail.header('in-reply-to')).toBe('<q1@example.vn>');

    const resolved = await gw.app.inject({ method: 'PATCH', url: `/api/v1/conversations/${threadA}`, headers: gw.auth, payload: { status: 'resolved' } });
    expect(resolved.statusCode).toBe(200);
    // A new question opens its own conversation.
    await mailbox.deliver(await compose({ from: citizen, subject: 'Hỏi về đăng ký thường trú', text: 'Đăng ký thường trú cho con cần giấy tờ gì?', messageId: '<q2@example.vn>' }));
    const other = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<q2@example.vn>'), 'the unrelated mail');
    expect(other.conversation_id).not.toBe(threadA);

    // The citizen answers our reply: In-Reply-To names our Message-ID.
    await mailbox.deliver(
      await compose({
        from: citizen,
        subject: `Re: ${agentMail.parsed.subject}`,
        inReplyTo: ourId,
        references: ['<q1@example.vn>', ourId],
        messageId: '<q3@example.vn>',
        text: 'Cảm ơn. Tôi có cần mang sổ hộ khẩu không?\n\nVào Th 2, 23 thg 11, 2026 lúc 10:00 1022 Đồng Tháp <hotro1022@dongthap.test> đã viết:\n> Chào chị Hoa, chị mang CCCD cũ (nếu còn)\n> đến bộ phận một cửa của phường.\n',
      }),
    );
    const third = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<q3@example.vn>'), 'the reply');
    expect(third.conversation_id).toBe(threadA);
    expect(third.text).toBe('Cảm ơn. Tôi có cần mang sổ hộ khẩu không?');
    expect(json<Record<string, unknown>>(third.metadata)).toMatchObject({ quoteStripped: true, inReplyTo: ourId });
    expect(json<{ text: string }>(third.raw)!.text).toContain('> Chào chị Hoa');

    await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${threadA}/messages`, headers: gw.auth, payload: { text: 'Không cần sổ hộ khẩu chị nhé.' } });
    const second = await sink.waitFor((mail) => Boolean(mail.parsed.text?.includes('Không cần sổ hộ khẩu')));
    expect(second.header('in-reply-to')).toBe('<q3@example.vn>');
    expect(second.header('references')).toBe(`<q1@example.vn> ${ourId} <q3@example.vn>`);
    expect(second.parsed.subject).toBe(agentMail.parsed.subject);

    // A client that drops In-Reply-To: the plus-addressed Reply-To still finds the thread, even
    // though another conversation of the same citizen is open and newer.
    await mailbox.deliver(
      await compose({ from: citizen, to: second.header('reply-to'), subject: 'Thêm một câu hỏi', text: 'Lệ phí bao nhiêu ạ?', messageId: '<q4@example.vn>' }),
    );
    const fourth = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<q4@example.vn>'), 'the plus-addressed reply');
    expect(fourth.conversation_id).toBe(threadA);
    // Only the conversation reference in the subject.
    const code = /\[(HT-\d{4}-\d{6})\]/.exec(agentMail.parsed.subject!)![1];
    await mailbox.deliver(await compose({ from: citizen, subject: `Bổ sung hồ sơ ${code}`, text: 'Tôi gửi bổ sung thông tin.', messageId: '<q5@example.vn>' }));
    const fifth = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<q5@example.vn>'), 'the mail with the conversation reference');
    expect(fifth.conversation_id).toBe(threadA);
    // Or the phiếu opened for it: the citizen quotes the ticket's code, no header, no token.
    const ticket = await gw.app.inject({ method: 'POST', url: '/api/v1/tickets', headers: gw.auth, payload: { type: 'question', subject: 'Cấp đổi thẻ căn cước', conversationId: threadA } });
    expect(ticket.statusCode, ticket.body).toBe(201);
    const phieu = (ticket.json() as { code: string }).code;
    await mailbox.deliver(await compose({ from: citizen, subject: `Hỏi thêm về phiếu ${phieu}`, text: 'Phiếu của tôi đã xử lý tới đâu?', messageId: '<q6@example.vn>' }));
    const sixth = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<q6@example.vn>'), 'the mail quoting the phiếu');
    expect(sixth.conversation_id).toBe(threadA);
    // A forged token or code never files mail into someone else's conversation.
    await mailbox.deliver(
      await compose({ from: 'Kẻ giả mạo <intruder@example.vn>', to: second.header('reply-to'), subject: `Re: ${code}`, inReplyTo: ourId, text: 'xem trộm', messageId: '<x1@example.vn>' }),
    );
    const forged = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<x1@example.vn>'), 'the forged mail');
    expect([threadA, other.conversation_id]).not.toContain(forged.conversation_id);
    await mailbox.deliver(await compose({ from: 'Kẻ giả mạo <intruder@example.vn>', subject: `Về phiếu ${phieu}`, text: 'xem trộm phiếu', messageId: '<x2@example.vn>' }));
    const forgedTicket = await until(async () => (await inbound(gw)).find((row) => row.external_id === '<x2@example.vn>'), 'the mail quoting someone else\'s phiếu');
    expect([threadA, other.conversation_id]).not.toContain(forgedTicket.conversation_id);

    const citizenThreads = new Set((await inbound(gw)).filter((row) => json<{ from?: string }>(row.metadata)?.from === 'hoa.nguyen@example.vn').map((row) => row.conversation_id));
    expect([...citizenThreads].sort()).toEqual([threadA, other.conversation_id].sort());
    await close(gw);
  });

  it('stores auto-replies, bounces, list mail and mail storms but never answers them', async () => {
    const mailbox = dovecot.mailbox('noise');
    const gw = await gateway(mailbox);
    const robots: Array<[string, Buffer | string]> = [
      ['<auto1@example.vn>', await compose({ from: 'vanphong@example.vn', subject: 'Trả lời tự động: Vắng mặt', text: 'Tôi đang nghỉ phép.', messageId: '<auto1@example.vn>', headers: { 'Auto-Submitted': 'auto-replied' } })],
      ['<auto2@example.vn>', await compose({ from: 'hop-thu@example.vn', subject: 'Out of office', text: 'Away', messageId: '<auto2@example.vn>', headers: { 'X-Autoreply': 'yes' } })],
      ['<auto3@example.vn>', await compose({ from: 'tin-tuc@example.vn', subject: 'Bản tin', text: 'Bản tin tuần', messageId: '<auto3@example.vn>', headers: { Precedence: 'bulk' } })],
      ['<auto4@example.vn>', await compose({ from: 'thanh-vien@example.vn', subject: 'Thảo luận', text: 'Thư nhóm', messageId: '<auto4@example.vn>', headers: { 'List-Id': 'Nhom <nhom.example.vn>' } })],
      [
        '<bounce1@mx.example.vn>',
        [
          'From: Mail Delivery System <MAILER-DAEMON@mx.example.vn>',
          `To: ${hotline}`,
          'Subject: Undelivered Mail Returned to Sender',
          'Message-ID: <bounce1@mx.example.vn>',
          'Date: Mon, 23 Nov 2026 10:00:00 +0700',
          'MIME-Version: 1.0',
          'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
          '',
          '--b1',
          'Content-Type: text/plain; charset=utf-8',
          '',
          'This is the mail system at host mx.example.vn. Your message could not be delivered.',
          '--b1',
          'Content-Type: message/delivery-status',
          '',
          'Reporting-MTA: dns; mx.example.vn',
          '',
          'Final-Recipient: rfc822; nobody@example.vn',
          'Action: failed',
          'Status: 5.1.1',
          '',
          '--b1--',
          '',
        ].join('\r\n'),
      ],
    ];
    // A delivery report is no citizen's mail: one naming none of our replies is left in the
    // mailbox, never stored as a conversation (bounces of our replies: history-bounces.test.ts).
    const bounce = robots.pop()!;
    for (const [, raw] of robots) await mailbox.deliver(raw);
    await mailbox.deliver(bounce[1]);
    // A storm: one sender, 23 mails within the hour (the limit is 20).
    for (let i = 0; i < 23; i++) await mailbox.deliver(await compose({ from: 'bao.dong@example.vn', subject: `Cảnh báo ${i}`, text: `Cảnh báo số ${i}`, messageId: `<storm${i}@example.vn>` }));
    await mailbox.deliver(await compose({ from: 'Trần Văn Nam <nam.tran@example.vn>', subject: 'Xin chào', text: 'Xin chào tổng đài', messageId: '<person@example.vn>' }));

    const stored = await until(async () => {
      const found = await inbound(gw);
      return found.length >= robots.length + 24 ? found : null;
    }, 'every mail stored');
    await gw.app.gateway.inbound.idle();
    await gw.app.gateway.outbox.drain();
    const meta = (row: Row) => json<{ automated?: string; suppressAutoReply?: boolean }>(row.metadata) ?? {};
    const byId = new Map(stored.map((row) => [row.external_id, row]));
    for (const [id] of robots) {
      expect(meta(byId.get(id)!), id).toMatchObject({ suppressAutoReply: true });
    }
    expect(meta(byId.get('<auto1@example.vn>')!).automated).toMatch(/^auto-submitted/);
    expect(byId.has(bounce[0])).toBe(false);
    expect(stored.some((row) => json<{ from?: string }>(row.metadata)?.from?.startsWith('mailer-daemon'))).toBe(false);
    const storm = [...Array(23).keys()].map((i) => meta(byId.get(`<storm${i}@example.vn>`)!));
    expect(storm.slice(0, 20).every((m) => !m.suppressAutoReply)).toBe(true);
    expect(storm.slice(20).every((m) => m.suppressAutoReply && m.automated === 'sender rate limit')).toBe(true);
    expect(meta(byId.get('<person@example.vn>')!).suppressAutoReply).toBeUndefined();

    // The person got an answer; no robot did.
    const answered = new Set((await rows(gw, sql`m.direction = 'out'`)).map((row) => row.conversation_id));
    expect(answered.has(byId.get('<person@example.vn>')!.conversation_id)).toBe(true);
    for (const [id] of robots) expect(answered.has(byId.get(id)!.conversation_id), id).toBe(false);
    await sink.waitFor((mail) => mail.to.includes('nam.tran@example.vn'));
    expect(sink.mails.some((mail) => mail.to.some((to) => /vanphong|hop-thu|tin-tuc|thanh-vien|mailer-daemon/i.test(to)))).toBe(false);
    await close(gw);
  });

  it('decodes RFC 2047 Vietnamese subjects and bodies in other charsets', async () => {
    const mailbox = dovecot.mailbox('charset');
    const gw = await gateway(mailbox);
    const subject = 'Hỏi về đăng ký khai sinh cho con';
    const bytes = Buffer.from(subject, 'utf8');
    // Split inside a multi-byte character: a decoder must join the words before decoding.
    const cut = bytes.indexOf(Buffer.from('đ', 'utf8')) + 1;
    const encodedSubject = `=?UTF-8?B?${bytes.subarray(0, cut).toString('base64')}?=\r\n =?UTF-8?B?${bytes.subarray(cut).toString('base64')}?=`;
    // "Tôi muốn hỏi thủ tục" in windows-1258, Vietnamese Windows' own code page: base letters
    // plus combining tone marks.
    const cp1258 = Buffer.from([0x54, 0xf4, 0x69, 0x20, 0x6d, 0x75, 0xf4, 0xec, 0x6e, 0x20, 0x68, 0x6f, 0xd2, 0x69, 0x20, 0x74, 0x68, 0x75, 0xd2, 0x20, 0x74, 0x75, 0xf2, 0x63]);
    const raw = Buffer.concat([
      Buffer.from(
        [
          'From: =?windows-1258?Q?L=EA_V=E3n_Bi=CCnh?= <binh.le@example.vn>',
          `To: ${hotline}`,
          `Subject: ${encodedSubject}`,
          'Message-ID: <charset1@example.vn>',
          'Date: Mon, 23 Nov 2026 09:00:00 +0700',
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=windows-1258',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ].join('\r\n'),
      ),
      cp1258,
      Buffer.from('\r\n'),
    ]);
    await mailbox.deliver(raw);
    // Quoted-printable ISO-8859-1 in an HTML-only mail, for the sanitizer and the text fallback.
    await mailbox.deliver(
      [
        'From: =?UTF-8?Q?Ph=E1=BA=A1m_Th=E1=BB=8B_Lan?= <lan.pham@example.vn>',
        `To: ${hotline}`,
        'Subject: =?UTF-8?Q?Ph=E1=BA=A3n_=C3=A1nh_=C4=91=C6=B0=E1=BB=9Dng_h=E1=BB=8Fng?=',
        'Message-ID: <charset2@example.vn>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        '<p>=C4=90=C6=B0=E1=BB=9Dng b=E1=BB=8B h=E1=BB=8Fng</p><script>alert(1)</script><img src=3D"https://tracker.example/p.gif">',
        '',
      ].join('\r\n'),
      undefined,
      // Already read in another mail client: \Seen changes nothing for the gateway.
      ['\\Seen'],
    );
    const [first, second] = await until(async () => {
      const found = await inbound(gw);
      return found.length >= 2 ? found : null;
    }, 'both mails');
    expect(json<{ subject: string }>(first!.metadata)!.subject).toBe(subject);
    expect(first!.text).toBe('Tôi muốn hỏi thủ tục');
    expect(first!.text).toBe(first!.text!.normalize('NFC'));
    const contact = (await gw.app.inject({ url: `/api/v1/conversations/${first!.conversation_id}`, headers: gw.auth })).json();
    expect(contact).toMatchObject({ contactName: 'Lê Văn Bình', contactEmail: 'binh.le@example.vn' });
    const secondMeta = json<{ subject: string; html: string }>(second!.metadata)!;
    expect(secondMeta.subject).toBe('Phản ánh đường hỏng');
    expect(second!.text).toBe('Đường bị hỏng');
    expect(secondMeta.html).toContain('<p>Đường bị hỏng</p>');
    expect(secondMeta.html).not.toContain('script');
    expect(secondMeta.html).not.toContain('tracker.example');
    await close(gw);
  });

  it('reads a renumbered mailbox (new UIDVALIDITY) again without duplicates', async () => {
    const mailbox = dovecot.mailbox('renumber');
    for (let i = 0; i < 5; i++) await mailbox.deliver(await compose({ from: `dan${i}@example.vn`, subject: `Thư ${i}`, text: `Thư số ${i}`, messageId: `<renumber${i}@example.vn>` }));
    let gw = await gateway(mailbox);
    await until(async () => (await inbound(gw)).length === 5, 'the first five mails');
    await close(gw);

    const before = await mailbox.uidValidity();
    mailbox.setUidValidity(Number(before) + 7);
    expect(await mailbox.uidValidity()).toBe(before + 7n);
    for (let i = 5; i < 7; i++) await mailbox.deliver(await compose({ from: `dan${i}@example.vn`, subject: `Thư ${i}`, text: `Thư số ${i}`, messageId: `<renumber${i}@example.vn>` }));

    gw = await gateway(mailbox);
    await until(async () => (await inbound(gw)).length >= 7, 'the two new mails');
    const { store } = gw.app.gateway;
    const cursor = await until(async () => {
      const [row] = await store.rows<{ value: string }>(store.db, sql`select value from settings where key like ${'%imap.cursor.renumber@%'}`);
      const parsed = row ? (JSON.parse(row.value) as { uidValidity: string; lastUid: number }) : null;
      return parsed && parsed.uidValidity === String(before + 7n) && parsed.lastUid === 7 ? parsed : null;
    }, 'the cursor on the new UIDVALIDITY');
    expect(cursor.lastUid).toBe(7);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const all = await inbound(gw);
    expect(all).toHaveLength(7);
    expect(new Set(all.map((row) => row.external_id)).size).toBe(7);
    await close(gw);
  });

  it('keeps attachments on disk with name, type and size, without the photo location', async () => {
    const mailbox = dovecot.mailbox('files');
    const withLimits = testConfigFile({
      inboxes: [{ key: 'email', channel: 'email', name: 'Thư điện tử 1022', settings: { maxMessageBytes: 200 * 1024, maxAttachmentBytes: 64 * 1024 } }],
    });
    const gw = await gateway(mailbox, { CONFIG_FILE: withLimits });
    const exif = Buffer.concat([Buffer.from('Exif\0\0'), Buffer.from('GPSLatitude 10.4603 N GPSLongitude 105.6325 E')]);
    const segment = (marker: number, body: Buffer) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), body]);
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8]),
      segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
      segment(0xe1, exif),
      segment(0xdb, Buffer.alloc(65, 1)),
      segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
      Buffer.from([0x12, 0x34, 0x56, 0xff, 0xd9]),
    ]);
    await mailbox.deliver(
      await compose({
        from: 'Võ Thị Mai <mai.vo@example.vn>',
        subject: 'Gửi ảnh giấy tờ',
        text: 'Tôi gửi ảnh CCCD và đơn.',
        messageId: '<files1@example.vn>',
        attachments: [
          { filename: 'ảnh cccd.jpg', content: jpeg, contentType: 'image/jpeg' },
          { filename: 'đơn đề nghị.pdf', content: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'), contentType: 'application/pdf' },
          { filename: 'setup.exe', content: Buffer.from('MZ\x90\0\x03\0\0\0', 'latin1'), contentType: 'application/octet-stream' },
          { filename: 'giả-ảnh.png', content: Buffer.from('MZ pretending to be a picture', 'latin1'), contentType: 'image/png' },
        ],
      }),
    );
    const row = await until(async () => (await inbound(gw)).find((r) => r.external_id === '<files1@example.vn>'), 'the mail with files');
    const files = json<Array<{ kind: string; name: string; mimeType: string; size: number; meta: Record<string, unknown> }>>(row.attachments)!;
    expect(files.map((f) => [f.name, f.kind, f.mimeType])).toEqual([
      ['ảnh cccd.jpg', 'image', 'image/jpeg'],
      ['đơn đề nghị.pdf', 'file', 'application/pdf'],
      ['setup.exe', 'file', 'application/x-executable'],
      ['giả-ảnh.png', 'file', 'application/x-executable'],
    ]);
    expect(files[0]!.meta).toMatchObject({ metadataStripped: true });
    expect(files[0]!.size).toBe(jpeg.length - (exif.length + 4));
    expect(files[2]!.meta).toEqual({ rejected: 'type' });
    expect(files[3]!.meta).toEqual({ rejected: 'type' });
    const { readFileSync } = await import('node:fs');
    const key = files[0]!.meta.storageKey as string;
    const kept = readFileSync(join(dir, 'attachments', key.slice(0, 2), key));
    expect(kept.includes(Buffer.from('GPSLatitude'))).toBe(false);
    expect(kept.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));

    // Over the attachment limit: listed, not kept. Over the mail limit: read from its header.
    const scan = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(100 * 1024, 0x41)]);
    await mailbox.deliver(await compose({ from: 'mai.vo@example.vn', subject: 'Bản scan', text: 'Bản scan đơn', messageId: '<files2@example.vn>', attachments: [{ filename: 'scan.pdf', content: scan }] }));
    await mailbox.deliver(
      await compose({ from: 'mai.vo@example.vn', subject: 'Thư rất lớn', text: 'Kèm video', messageId: '<files3@example.vn>', attachments: [{ filename: 'video.mp4', content: Buffer.alloc(300 * 1024, 1) }] }),
    );
    const big = await until(async () => (await inbound(gw)).find((r) => r.external_id === '<files2@example.vn>'), 'the mail with a big file');
    expect(json<Array<{ name: string; meta: unknown }>>(big.attachments)).toEqual([expect.objectContaining({ name: 'scan.pdf', size: scan.length, meta: { rejected: 'too_large' } })]);
    const huge = await until(async () => (await inbound(gw)).find((r) => r.external_id === '<files3@example.vn>'), 'the mail over the size limit');
    expect(json<Record<string, unknown>>(huge.metadata)).toMatchObject({ subject: 'Thư rất lớn', truncated: true });
    expect(json(huge.attachments)).toBeNull();
    await close(gw);
  });

  it('retries a reply the SMTP server defers and shows one it refuses as failed', async () => {
    const mailbox = dovecot.mailbox('outbound');
    const gw = await gateway(mailbox);
    await mailbox.deliver(await compose({ from: 'Đặng Văn Phúc <phuc.dang@example.vn>', subject: 'Hỏi lệ phí', text: 'Lệ phí cấp bản sao bao nhiêu?', messageId: '<out1@example.vn>' }));
    const row = await until(async () => (await inbound(gw)).find((r) => r.external_id === '<out1@example.vn>'), 'the mail');
    await sink.waitFor((mail) => mail.to.includes('phuc.dang@example.vn'));
    await gw.app.gateway.inbound.idle();
    await gw.app.gateway.outbox.drain();

    sink.failNext(1, 451);
    await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${row.conversation_id}/messages`, headers: gw.auth, payload: { text: 'Lệ phí là 8.000 đồng một bản.' } });
    const delivered = await sink.waitFor((mail) => Boolean(mail.parsed.text?.includes('8.000 đồng')), 20_000);
    expect(delivered.header('in-reply-to')).toBe('<out1@example.vn>');
    expect(sink.mails.filter((mail) => mail.parsed.text?.includes('8.000 đồng'))).toHaveLength(1);

    sink.failNext(1, 550);
    const refused = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${row.conversation_id}/messages`, headers: gw.auth, payload: { text: 'Thư này bị từ chối.' } });
    const messageId = refused.json().messageId as number;
    const failed = await until(async () => {
      const items = (await gw.app.inject({ url: `/api/v1/conversations/${row.conversation_id}/messages`, headers: gw.auth })).json().items as Array<{ id: number; status: string; error: string | null }>;
      const item = items.find((m) => m.id === messageId);
      return item?.status === 'failed' ? item : null;
    }, 'the refused reply marked failed');
    expect(failed.error).toMatch(/^Máy chủ thư từ chối thư .*SMTP 550/);
    await close(gw);
  });
});

describe('email channel: a mailbox server that never answers', () => {
  it('does not hold up a shutdown while it waits for the greeting', async () => {
    // Accepts the connection and says nothing, as a hung server or a wrong port does.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const sink = await startSmtpSink();
    const dir = mkdtempSync(join(tmpdir(), 'gw1022-silent-'));
    try {
      const gw = await startTestApp({ env: { DATABASE_URL: `file:${join(dir, 'gateway.db')}`, ...emailEnv({ host: '127.0.0.1', port, user: 'hotro1022', password: 'unused' }, sink) } });
      await until(async () => sockets.size > 0, 'the IMAP connection', 10_000);
      const started = Date.now();
      await gw.close();
      // The greeting timeout is 30 s: a close that waited for it would take that long.
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
