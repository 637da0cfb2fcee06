import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDeliveryReport } from '../../../src/channels/email/bounces.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { dovecotAvailability, startDovecot, type Dovecot, type TestMailbox } from '../../helpers/dovecot.ts';
import { emailEnv, hotlineAddress } from '../../helpers/email-env.ts';
import { startSmtpSink, type SinkMail, type SmtpSink } from '../../helpers/smtp-sink.ts';

const users = ['history', 'verp', 'headers'] as const;
const { available } = dovecotAvailability();

const compose = (options: Mail.Options): Promise<Buffer> => new MailComposer({ to: hotlineAddress, ...options }).compile().build();

async function until<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A delivery status notification as Postfix writes it (RFC 3464: multipart/report with a
 * human part, message/delivery-status and the returned message's headers).
 */
function postfixDsn(options: { to: string; recipient: string; action: 'failed' | 'delayed'; returned: string; returnedType?: string }): Buffer {
  const boundary = '4F1A2B3C.1638316800/mx.example.vn';
  const failed = options.action === 'failed';
  return Buffer.from(
    [
      'Return-Path: <>',
      `Delivered-To: ${options.to}`,
      'Received: by mx.example.vn (Postfix) id 4F1A2B3C; Wed,  1 Dec 2021 08:00:00 +0700 (+07)',
      'Date: Wed,  1 Dec 2021 08:00:00 +0700 (+07)',
      'From: MAILER-DAEMON@mx.example.vn (Mail Delivery System)',
      `Subject: ${failed ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
      `To: ${options.to}`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
      'Content-Transfer-Encoding: 7bit',
      `Message-Id: <20211201010000.4F1A2B3C.${options.action}.${Math.random().toString(36).slice(2)}@mx.example.vn>`,
      '',
      'This is a MIME-encapsulated message.',
      '',
      `--${boundary}`,
      'Content-Description: Notification',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'This is the mail system at host mx.example.vn.',
      '',
      failed ? "I'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients." : 'Your message could not be delivered for 4 hours. It will be retried.',
      '',
      `--${boundary}`,
      'Content-Description: Delivery report',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.vn',
      'X-Postfix-Queue-ID: 4F1A2B3C',
      'Arrival-Date: Wed,  1 Dec 2021 07:59:58 +0700 (+07)',
      '',
      `Final-Recipient: rfc822; ${options.recipient}`,
      `Original-Recipient: rfc822;${options.recipient}`,
      `Action: ${options.action}`,
      `Status: ${failed ? '5.1.1' : '4.4.1'}`,
      'Remote-MTA: dns; mx.example.vn',
      failed
        ? `Diagnostic-Code: smtp; 550 5.1.1 <${options.recipient}>: Recipient address\r\n    rejected: User unknown in virtual mailbox table`
        : 'Diagnostic-Code: X-Postfix; connect to mx.example.vn[203.0.113.7]:25: Connection timed out',
      '',
      `--${boundary}`,
      `Content-Description: ${options.returnedType === 'message/rfc822' ? 'Undelivered Message' : 'Undelivered Message Headers'}`,
      `Content-Type: ${options.returnedType ?? 'text/rfc822-headers'}`,
      '',
      options.returned.replace(/\r?\n/g, '\r\n').trim(),
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}

/** The headers part of a mail the gateway sent, as the remote MTA copies it back. */
const headersOf = (mail: SinkMail) => {
  const raw = mail.raw.toString('utf8');
  return raw.slice(0, raw.search(/\r?\n\r?\n/));
};

interface OutRow {
  id: number;
  conversation_id: number;
  status: string;
  error: string | null;
  external_id: string | null;
}

describe('delivery status notifications (RFC 3464)', () => {
  it('reads the failed recipient, the reason and the returned Message-ID of a Postfix report', () => {
    const report = readDeliveryReport(
      postfixDsn({ to: hotlineAddress, recipient: 'nguoidan@example.vn', action: 'failed', returned: 'From: 1022 <hotro1022@dongthap.test>\nTo: nguoidan@example.vn\nMessage-ID: <1022.1.5.abc@dongthap.test>\nSubject: Re: hỏi' }),
    );
    expect(report).toEqual({
      action: 'failed',
      recipients: [{ recipient: 'nguoidan@example.vn', status: '5.1.1', diagnostic: 'smtp; 550 5.1.1 <nguoidan@example.vn>: Recipient address rejected: User unknown in virtual mailbox table' }],
      originalMessageId: '<1022.1.5.abc@dongthap.test>',
    });
    const delayed = readDeliveryReport(postfixDsn({ to: hotlineAddress, recipient: 'a@example.vn', action: 'delayed', returned: 'Message-ID: <x@y.vn>' }));
    expect(delayed?.action).toBe('delayed');
    // A citizen's mail is no report.
    expect(readDeliveryReport(Buffer.from('From: a@example.vn\r\nContent-Type: text/plain\r\n\r\nmultipart/report'))).toBeNull();
  });
});

describe.skipIf(!available)('email go-live: the mailbox history and bounces, with dovecot and an SMTP sink', () => {
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let dir: string;
  const open: TestApp[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot(users);
    sink = await startSmtpSink();
    dir = mkdtempSync(join(tmpdir(), 'gw1022-golive-'));
  });
  afterAll(async () => {
    for (const gw of open) await gw.close().catch(() => undefined);
    await sink?.close();
    await dovecot?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function gateway(mailbox: TestMailbox): Promise<TestApp> {
    const gw = await startTestApp({
      env: {
        DATABASE_URL: `file:${join(dir, `${mailbox.user}.db`)}`,
        ...emailEnv({ host: dovecot.host, port: dovecot.port, user: mailbox.user, password: mailbox.password }, sink, { EMAIL_PLUS_ADDRESSING: 'true', EMAIL_POLL_INTERVAL_MS: '500', EMAIL_ATTACHMENTS_DIR: join(dir, 'attachments') }),
      },
    });
    open.push(gw);
    return gw;
  }
  const close = async (gw: TestApp) => {
    open.splice(open.indexOf(gw), 1);
    await gw.close();
  };
  const settle = async (gw: TestApp) => {
    await gw.app.gateway.inbound.idle();
    await gw.app.gateway.outbox.drain();
  };
  const emailRows = <T>(gw: TestApp, query: ReturnType<typeof sql>) => gw.app.gateway.store.rows<T>(gw.app.gateway.store.db, query);
  const outgoing = (gw: TestApp) => emailRows<OutRow>(gw, sql`select id, conversation_id, status, error, external_id from messages where direction = 'out' order by id`);

  it('stores 50 old mails as history, answers none of them, and answers the 1 new mail once', async () => {
    const mailbox = dovecot.mailbox('history');
    const citizens = Array.from({ length: 25 }, (_, i) => `congdan${i}@history.example.vn`);
    const twoYearsAgo = new Date(Date.now() - 2 * 365 * 86_400_000);
    for (let i = 0; i < 50; i++) {
      await mailbox.deliver(
        await compose({ from: citizens[i % 25], subject: `Hỏi thủ tục ${i}`, text: 'Làm giấy khai sinh cho con cần gì?', messageId: `<history-${i}@history.example.vn>` }),
        // Some of it years old, the rest from the last days: all of it was there before the gateway.
        i < 10 ? twoYearsAgo : new Date(Date.now() - 3_600_000),
      );
    }
    const toCitizens = () => sink.mails.filter((mail) => mail.to.some((to) => to.endsWith('@history.example.vn')));

    let gw = await gateway(mailbox);
    const stored = await until(async () => {
      const found = await emailRows<{ id: number; metadata: string | Record<string, unknown> }>(gw, sql`select id, metadata from messages where direction = 'in'`);
      return found.length >= 50 ? found : null;
    }, 'the 50 old mails');
    await settle(gw);
    await pause(1000);
    await settle(gw);
    expect(stored).toHaveLength(50);
    for (const row of stored) expect((typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata).imported).toBe(true);
    expect(toCitizens()).toHaveLength(0);
    expect(await outgoing(gw)).toHaveLength(0);
    // One record per citizen, resolved, in nobody's queue.
    const conversations = await emailRows<{ status: string; handler: string; team_id: number | null; assignee_id: number | null; waiting_since: unknown }>(gw, sql`select status, handler, team_id, assignee_id, waiting_since from conversations`);
    expect(conversations).toHaveLength(25);
    expect(conversations.every((c) => c.status === 'resolved' && c.team_id === null && c.assignee_id === null && c.waiting_since === null)).toBe(true);

    // The first new mail after the connection is a citizen's question like any other.
    await mailbox.deliver(await compose({ from: citizens[3], subject: 'Hỏi lại', text: 'Làm giấy khai sinh cho con cần gì?', messageId: '<history-new@history.example.vn>' }));
    await sink.waitFor((mail) => mail.to.includes(citizens[3]!));
    await settle(gw);
    await pause(1000);
    await settle(gw);
    expect(toCitizens()).toHaveLength(1);
    const newRow = await emailRows<{ metadata: string | Record<string, unknown> }>(gw, sql`select metadata from messages where external_id = ${'<history-new@history.example.vn>'}`);
    expect((typeof newRow[0]!.metadata === 'string' ? JSON.parse(newRow[0]!.metadata) : newRow[0]!.metadata).imported).toBeUndefined();

    // Mail the server received long ago (a copy moved in, a mailbox restored) is history on a running gateway too.
    await mailbox.deliver(await compose({ from: citizens[7], subject: 'Thư cũ', text: 'Làm giấy khai sinh cho con cần gì?', messageId: '<history-late@history.example.vn>' }), twoYearsAgo);
    await until(async () => (await emailRows(gw, sql`select id from messages where external_id = ${'<history-late@history.example.vn>'}`)).length === 1, 'the late old mail');
    await settle(gw);
    await pause(800);
    expect(toCitizens()).toHaveLength(1);
    await close(gw);

    // The server renumbers the mailbox: it is read again, as history, and nobody is answered twice.
    mailbox.setUidValidity(Number(await mailbox.uidValidity()) + 11);
    gw = await gateway(mailbox);
    await until(async () => {
      const [row] = await emailRows<{ value: string }>(gw, sql`select value from settings where key like ${'%imap.cursor.history@%'}`);
      return row && (JSON.parse(row.value) as { lastUid: number }).lastUid >= 52;
    }, 'the renumbered mailbox read again');
    await settle(gw);
    await pause(800);
    expect(toCitizens()).toHaveLength(1);
    expect(await emailRows(gw, sql`select id from messages where direction = 'in'`)).toHaveLength(52);
    await close(gw);
  }, 120_000);

  it('a bounce to the reply\'s VERP address marks that reply failed with the reason and opens nothing', async () => {
    const mailbox = dovecot.mailbox('verp');
    const gw = await gateway(mailbox);
    // Let the first connection pass, so the citizen's mail is new, not history.
    await until(async () => (await emailRows(gw, sql`select key from settings where key like ${'%imap.cursor.verp@%'}`)).length === 1, 'the first connection');
    await mailbox.deliver(await compose({ from: 'Lê Văn Tâm <tam.le@nowhere.example.vn>', subject: 'Khai sinh', text: 'Làm giấy khai sinh cho con cần gì?', messageId: '<verp-q@nowhere.example.vn>' }));
    const reply = await sink.waitFor((mail) => mail.to.includes('tam.le@nowhere.example.vn'));
    await settle(gw);
    // The envelope sender names this very reply; the From stays the hotline's.
    expect(reply.from).toMatch(/^hotro1022\+b\d+-[0-9a-f]{16}@dongthap\.test$/);
    expect(reply.parsed.from?.value[0]?.address).toBe(hotlineAddress);
    const [sent] = await outgoing(gw);
    expect(sent!.status).toBe('sent');
    expect(reply.from).toBe(`hotro1022+b${sent!.id}-${reply.from.split('-')[1]}`);
    const conversationsBefore = await emailRows(gw, sql`select id from conversations`);

    await mailbox.deliver(postfixDsn({ to: reply.from, recipient: 'tam.le@nowhere.example.vn', action: 'failed', returned: headersOf(reply) }));
    const failed = await until(async () => (await outgoing(gw)).find((row) => row.id === sent!.id && row.status === 'failed'), 'the reply marked failed');
    expect(failed.error).toContain('5.1.1');
    expect(failed.error).toContain('User unknown');
    expect(failed.error).toMatch(/^Thư không đến được người dân/);
    await pause(800);
    expect(await emailRows(gw, sql`select id from conversations`)).toEqual(conversationsBefore);
    expect(await emailRows(gw, sql`select id from messages where direction = 'in'`)).toHaveLength(1);
    const contacts = await emailRows<{ email: string | null }>(gw, sql`select email from contacts`);
    expect(contacts.map((c) => c.email)).toEqual(['tam.le@nowhere.example.vn']);
    // The agent's view of the conversation says why.
    const items = (await gw.app.inject({ url: `/api/v1/conversations/${sent!.conversation_id}/messages`, headers: gw.auth })).json().items as Array<{ id: number; status: string; error: string | null }>;
    expect(items.find((m) => m.id === sent!.id)).toMatchObject({ status: 'failed' });
    await close(gw);
  }, 60_000);

  it('a report sent to the hotline\'s own address is matched by the returned Message-ID; a delay changes nothing', async () => {
    const mailbox = dovecot.mailbox('headers');
    const gw = await gateway(mailbox);
    await until(async () => (await emailRows(gw, sql`select key from settings where key like ${'%imap.cursor.headers@%'}`)).length === 1, 'the first connection');
    await mailbox.deliver(await compose({ from: 'Phạm Thị Hoa <hoa.pham@nowhere.example.vn>', subject: 'Hỏi', text: 'Xin hỏi lệ phí chứng thực bản sao?', messageId: '<headers-q@nowhere.example.vn>' }));
    await sink.waitFor((mail) => mail.to.includes('hoa.pham@nowhere.example.vn'));
    await settle(gw);
    const [question] = await emailRows<{ conversation_id: number }>(gw, sql`select conversation_id from messages where direction = 'in'`);
    const posted = await gw.app.inject({ method: 'POST', url: `/api/v1/conversations/${question!.conversation_id}/messages`, headers: gw.auth, payload: { text: 'Chào chị Hoa, tổ tư pháp trả lời: mỗi trang bản sao một giá, xin chị xem bảng niêm yết.' } });
    const agentReplyId = posted.json().messageId as number;
    const agentMail = await sink.waitFor((mail) => Boolean(mail.parsed.text?.includes('tổ tư pháp trả lời')));
    await settle(gw);

    // Some servers bounce to the From address and quote the whole mail: no VERP token to read.
    const returned = agentMail.raw.toString('utf8');
    await mailbox.deliver(postfixDsn({ to: hotlineAddress, recipient: 'hoa.pham@nowhere.example.vn', action: 'delayed', returned, returnedType: 'message/rfc822' }));
    await until(async () => {
      const [row] = await emailRows<{ value: string }>(gw, sql`select value from settings where key like ${'%imap.cursor.headers@%'}`);
      return row && (JSON.parse(row.value) as { lastUid: number }).lastUid >= 2;
    }, 'the delay report read');
    await pause(300);
    expect((await outgoing(gw)).find((row) => row.id === agentReplyId)?.status).toBe('sent');

    await mailbox.deliver(postfixDsn({ to: hotlineAddress, recipient: 'hoa.pham@nowhere.example.vn', action: 'failed', returned, returnedType: 'message/rfc822' }));
    const failed = await until(async () => (await outgoing(gw)).find((row) => row.id === agentReplyId && row.status === 'failed'), 'the agent reply marked failed');
    expect(failed.error).toContain('550 5.1.1');
    // Only the agent's reply: the bot's answer before it went through.
    expect((await outgoing(gw)).filter((row) => row.status === 'failed')).toHaveLength(1);
    expect(await emailRows(gw, sql`select id from conversations`)).toHaveLength(1);
    expect(await emailRows(gw, sql`select id from messages where direction = 'in'`)).toHaveLength(1);
    await close(gw);
  }, 60_000);
});
