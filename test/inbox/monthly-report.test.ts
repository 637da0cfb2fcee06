// Builds the province's published month (November 2021, DESIGN.md section 1) through the
// gateway's own doors — call records imported as the switchboard writes them, citizens writing on
// Zalo, Facebook, email and the website, operators opening, answering and recording ratings,
// citizens voting on the rating page — and reads the report back.
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonthlyReport } from '../../src/desks/tickets/monthly-report.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { dovecotAvailability, startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { graphIds, messengerEnv, postMessengerBatch, postZaloEvent, startPlatformStandin, zaloEnv, zaloIds, type PlatformStandin } from '../helpers/platform-standins.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { emailEnv } from '../helpers/email-env.ts';

const { available: imapAvailable, reason } = dovecotAvailability();
if (!imapAvailable && process.env.CI === 'true') throw new Error(`the email part needs dovecot under CI: ${reason}`);

const november = { phone: 2010, email: 23, zaloOa: 95, webform: 138, messenger: 61 };
const callsIn = 2475;
const callsOut = 1721;
const tthc = 213;
const inProgress = 57;
const notSatisfied = 1;
const noResponse = 36;

/** 08:00 on a day of November 2021 in Vietnam (UTC+7). */
const novemberDay = (index: number) => new Date(Date.UTC(2021, 10, 1 + (index % 30), 1, 0, 0));
const local = (at: Date) => new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');

/** Runs `work` over `items` with a few requests in flight, as several operators would. */
async function inParallel<T>(items: T[], work: (item: T, index: number) => Promise<void>, width = 6): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

describe.skipIf(!imapAvailable)('monthly report: the November 2021 month of the province', () => {
  let gw: TestApp;
  let standin: PlatformStandin;
  let dovecot: Dovecot;
  let sink: SmtpSink;

  async function api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, expected = [200, 201]): Promise<T> {
    const response = await fetch(`${gw.url}${path}`, {
      method,
      headers: { ...gw.auth, ...(body === undefined ? {} : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    if (!expected.includes(response.status)) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  }

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(Date.UTC(2021, 10, 1, 1)));
    standin = await startPlatformStandin();
    dovecot = await startDovecot(['report']);
    sink = await startSmtpSink();
    const mailbox = dovecot.mailbox('report');
    gw = await startTestApp({
      env: {
        ...zaloEnv(standin),
        ...messengerEnv(standin),
        CONFIG_FILE: testConfigFile({ router: { enabled: false } }),
        ...emailEnv({ host: dovecot.host, port: dovecot.port, user: mailbox.user, password: mailbox.password }, sink, { EMAIL_POLL_INTERVAL_MS: '300' }),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await standin?.close();
    await sink?.close();
    await dovecot?.stop();
    vi.useRealTimers();
  });

  it('prints the province’s figures: 2,327 tickets, 4,196 calls, 98.37% satisfied over 2,270 answered', { timeout: 240_000 }, async () => {
    const { store } = gw.app.gateway;

    // October, for the month-on-month change: a few calls and tickets the November report must not count.
    vi.setSystemTime(new Date(Date.UTC(2021, 9, 20, 2)));
    for (let i = 0; i < 5; i++) await api('POST', '/api/v1/tickets', { type: 'question', subject: `Tháng 10 #${i}`, channel: 'phone' });
    const october = ['uniqueid,direction,number,calldate,billsec', ...Array.from({ length: 7 }, (_, i) => `oct-${i},in,0912000${String(i).padStart(3, '0')},2021-10-15 09:00:00,60`)].join('\n');
    expect(await api('POST', '/api/v1/calls/import', october)).toMatchObject({ imported: 7 });

    // The switchboard's call records of November, as a CSV export (Asterisk-style columns, local times).
    const cdr = ['uniqueid,src,dst,calldate,billsec'];
    for (let i = 0; i < callsIn; i++) cdr.push(`in-${i},09${String(10_000_000 + i).slice(0, 8)},1022,${local(new Date(novemberDay(i).getTime() + (i % 480) * 60_000))},${60 + (i % 300)}`);
    for (let i = 0; i < callsOut; i++) cdr.push(`out-${i},1022,08${String(20_000_000 + i).slice(0, 8)},${local(new Date(novemberDay(i).getTime() + (i % 480) * 60_000))},${30 + (i % 200)}`);
    const csv = cdr.join('\n');
    expect(await api('POST', '/api/v1/calls/import', csv)).toEqual({ imported: callsIn + callsOut, duplicates: 0, errors: [] });
    // The same file again (an operator's second click) adds nothing.
    expect(await api('POST', '/api/v1/calls/import', csv)).toMatchObject({ imported: 0, duplicates: callsIn + callsOut });

    // Citizens write on the other channels during the month: one conversation each.
    const conversations: Record<'zaloOa' | 'messenger' | 'webform' | 'email', number[]> = { zaloOa: [], messenger: [], webform: [], email: [] };
    for (let i = 0; i < november.zaloOa; i++) {
      vi.setSystemTime(novemberDay(i));
      const event = { app_id: zaloIds.appId, user_id_by_app: `app-${i}`, event_name: 'user_send_text', timestamp: String(Date.now()), sender: { id: `zalo-user-${i}` }, recipient: { id: zaloIds.oaId }, message: { text: `Hỏi về thủ tục số ${i}`, msg_id: `zalo-msg-${i}` } };
      expect((await postZaloEvent(gw, event)).status).toBe(200);
    }
    for (let i = 0; i < november.messenger; i++) {
      vi.setSystemTime(novemberDay(i));
      const batch = { object: 'page', entry: [{ id: graphIds.pageId, time: Date.now(), messaging: [{ sender: { id: `psid-${i}` }, recipient: { id: graphIds.pageId }, timestamp: Date.now(), message: { mid: `m_nov_${i}`, text: `Cho hỏi việc số ${i}` } }] }] };
      expect((await postMessengerBatch(gw, batch)).status).toBe(200);
    }
    for (let i = 0; i < november.webform; i++) {
      vi.setSystemTime(novemberDay(i));
      const sent = await api<{ conversationId: number }>('POST', '/api/public/messages', { name: `Công dân web ${i}`, phone: `09${String(30_000_000 + i)}`, text: `Câu hỏi trên website số ${i}` }, [202]);
      conversations.webform.push(sent.conversationId);
    }
    vi.setSystemTime(novemberDay(3));
    const mailbox = dovecot.mailbox('report');
    for (let i = 0; i < november.email; i++) {
      const raw = await new MailComposer({ from: `Người dân ${i} <nguoidan${i}@example.vn>`, to: 'hotro1022@dongthap.test', subject: `Hỏi đáp số ${i}`, text: `Nội dung thư số ${i}` }).compile().build();
      await mailbox.deliver(raw);
    }
    const byChannel = async (channel: string) =>
      (await store.rows<{ id: number }>(store.db, sql`select c.id from conversations c join inboxes i on i.id = c.inbox_id where i.channel = ${channel} order by c.id`)).map((r) => Number(r.id));
    const deadline = performance.now() + 60_000;
    while ((await byChannel('email')).length < november.email && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    conversations.email = await byChannel('email');
    conversations.zaloOa = await byChannel('zalo-oa');
    conversations.messenger = await byChannel('messenger');
    expect(Object.fromEntries(Object.entries(conversations).map(([k, v]) => [k, v.length]))).toEqual({ zaloOa: 95, messenger: 61, webform: 138, email: 23 });

    // Operators open a ticket for each: phone ones from the inbound calls, the rest from their conversations.
    const inbound: number[] = [];
    for (let beforeId: number | undefined; ; ) {
      const page = await api<{ items: Array<{ id: number }> }>('GET', `/api/v1/calls?month=2021-11&direction=in&limit=500${beforeId ? `&beforeId=${beforeId}` : ''}`);
      if (!page.items.length) break;
      inbound.push(...page.items.map((c) => c.id));
      beforeId = page.items.at(-1)!.id;
    }
    expect(inbound).toHaveLength(callsIn);
    const sources = [
      ...inbound.slice(0, november.phone).map((callId) => ({ callId })),
      ...(['email', 'zaloOa', 'webform', 'messenger'] as const).flatMap((channel) => conversations[channel].map((conversationId) => ({ conversationId }))),
    ];
    const tickets: Array<{ id: number; code: string; source: { callId?: number; conversationId?: number } }> = [];
    await inParallel(sources, async (source, i) => {
      vi.setSystemTime(novemberDay(i));
      const created = await api<{ id: number; code: string }>('POST', '/api/v1/tickets', { type: i % 9 === 0 ? 'complaint' : 'question', subject: `Phiếu ${i}`, tthc: i < tthc, field: i % 3 === 0 ? 'Hộ tịch' : 'Đất đai', ...source });
      tickets[i] = { ...created, source };
    });
    expect(new Set(tickets.map((t) => t.code)).size).toBe(2327);
    expect(tickets.every((t) => /^1022-2021-\d{6}$/.test(t.code))).toBe(true);

    // 57 stay in progress (some at a department); the others are answered, most at the hotline.
    const [unit] = (await api<{ items: Array<{ id: number; kind: string }> }>('GET', '/api/v1/units')).items.filter((u) => u.kind === 'department');
    vi.setSystemTime(new Date(Date.UTC(2021, 10, 29, 2)));
    for (const ticket of tickets.slice(0, 20)) await api('POST', `/api/v1/tickets/${ticket.id}/actions`, { action: 'forward', unitId: unit!.id });
    const answered = tickets.slice(inProgress);
    await inParallel(answered, async (ticket) => {
      await api('POST', `/api/v1/tickets/${ticket.id}/actions`, { action: 'answer', comment: 'Hồ sơ gồm tờ khai và giấy tờ tùy thân; nộp tại Bộ phận một cửa cấp xã.' });
    });

    // Ratings: phone ones recorded by the operator on the call; the others by the citizens on the rating page.
    const silent = answered.slice(0, noResponse);
    const voting = answered.slice(noResponse);
    const unhappy = voting.find((t) => t.source.conversationId !== undefined && conversations.zaloOa.includes(t.source.conversationId))!;
    await inParallel(voting, async (ticket) => {
      const vote = ticket === unhappy ? 'not_satisfied' : 'satisfied';
      if (ticket.source.callId !== undefined) {
        await api('POST', `/api/v1/tickets/${ticket.id}/satisfaction`, { satisfaction: vote });
        return;
      }
      const link = gw.app.gateway.ticketDesk.voteLink(ticket.id).replace(/^https?:\/\/[^/]+/, gw.url);
      // Opening the link (what a mail scanner does) records nothing; the button does.
      expect((await fetch(link)).status).toBe(200);
      const response = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ vote, comment: vote === 'not_satisfied' ? 'Chờ lâu' : '' }) });
      expect(response.status).toBe(200);
    });

    // Three days after the last answers, those who never rated count as "no response".
    vi.setSystemTime(new Date(Date.UTC(2021, 11, 3, 2)));
    await gw.app.gateway.ticketDesk.sweep();

    const quiet = await api<{ satisfaction: string | null; history: Array<{ action: string }> }>('GET', `/api/v1/tickets/${silent[0]!.id}`);
    expect(quiet.satisfaction).toBe('no_response');
    expect(quiet.history.map((h) => h.action)).toEqual(['create', 'answer']);
    const report = await api<MonthlyReport>('GET', '/api/v1/reports/monthly?month=2021-11');
    expect(report.calls).toEqual({ in: 2475, out: 1721, total: 4196 });
    expect(report.interactions.total).toBe(317);
    expect(report.tickets).toBe(2327);
    expect(report.ticketsByChannel).toEqual({ phone: 2010, email: 23, 'zalo-oa': 95, webform: 138, messenger: 61 });
    expect(report.tthcTickets).toBe(213);
    expect(report.inProgress).toBe(57);
    expect(report.answered).toBe(2270);
    expect(report.satisfaction).toEqual({
      base: 2270,
      satisfied: { count: 2233, percent: 98.37 },
      notSatisfied: { count: notSatisfied, percent: 0.04 },
      noResponse: { count: 36, percent: 1.59 },
      awaiting: 0,
    });
    expect(report.rounding).toBe('half-up');
    expect(report.byLevel).toEqual({ '1': 2307, '2': 20 });
    expect(report.deadlines).toEqual({ onTime: 0, late: 0, openOverdue: 0 });
    expect(report.previous).toMatchObject({ month: '2021-10', tickets: 5, calls: { in: 7, out: 0, total: 7 } });
    expect(report.change).toEqual({ tickets: 2322, calls: 4189, interactions: 317 });

    // The exports carry the same figures and say how rates are rounded.
    const csvReport = await api<string>('GET', '/api/v1/reports/monthly?month=2021-11&format=csv');
    expect(csvReport).toContain('"Tổng số phiếu xử lý ý kiến, phản ánh, kiến nghị",2327,,5');
    expect(csvReport).toContain('Hài lòng hoặc thấy hữu ích,2233,98.37');
    expect(csvReport).toContain('làm tròn');
    const xlsx = await fetch(`${gw.url}/api/v1/reports/monthly?month=2021-11&format=xlsx`, { headers: gw.auth });
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as never);
    const cells = book.worksheets[0]!.getSheetValues().flatMap((row) => (Array.isArray(row) ? [row.slice(1, 3).join('|')] : []));
    expect(cells).toContain('Cuộc gọi đến|2475');
    expect(cells).toContain('Không phản hồi|36');
  });
});
