// Customer care over HTTP with real sessions, on SQLite and PostgreSQL: the dossier export is
// imported (bad rows listed, good rows kept, a second file updates by code), a campaign draws its
// sample, the pre-notice reaches the citizen on Zalo (the platform stand-in receives it) or by SMS,
// an opt-out reply is honoured, the operator works the queue and records the answers, the
// complaint becomes a ticket for the unit in one call, and the results show it all.
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { startSmsSink, type SmsSink } from '../helpers/sms-sink.ts';
import { conversationOf, fixture, postZaloEvent, quiet, startPlatformStandin, waitFor, zaloEnv, type PlatformStandin } from '../helpers/platform-standins.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const strong = 'Lúa-chín-vàng-đồng-2026!';
const pg = await postgresAvailable();
if (!pg && process.env.CI === 'true') throw new Error('PostgreSQL must run at 127.0.0.1:5432 under CI');
const dialects = [{ name: 'SQLite', pg: false }, ...(pg ? [{ name: 'PostgreSQL', pg: true }] : [])];

const header = 'Mã hồ sơ,Tên thủ tục,Lĩnh vực,Nơi tiếp nhận,Cấp,Đơn vị,Người nộp,Số điện thoại,Email,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả,Trạng thái';
const rows = [
  'H12.82-261001-0001,Cấp bản sao trích lục hộ tịch,Hộ tịch,Trung tâm Phục vụ hành chính công tỉnh,Tỉnh,Sở Tư pháp,Trần Văn Bình,0912 000 111,,01/10/2026,05/10/2026,05/10/2026 10:30,Đã trả kết quả',
  'X01.82-261002-0002,Đăng ký khai sinh,Hộ tịch,Bộ phận một cửa phường Mỹ Tho,Xã,Phường Mỹ Tho,Lê Thị Cúc,0912000222,,02/10/2026,03/10/2026,03/10/2026,Đã trả kết quả',
  ',Đăng ký kết hôn,Hộ tịch,Bộ phận một cửa xã Mỹ Thọ,Xã,Xã Mỹ Thọ,Không Mã,0912000444,,02/10/2026,03/10/2026,03/10/2026,Đã trả kết quả',
  'X01.82-261003-0003,Chứng thực bản sao,Chứng thực,Bộ phận một cửa xã Mỹ Thọ,Xã,Xã Mỹ Thọ,Phạm Văn Dũng,0912000333,,02/10/2026,31/02/2026,03/10/2026,Đã trả kết quả',
  'X01.82-261004-0004,Chứng thực chữ ký,Chứng thực,Bộ phận một cửa xã Mỹ Thọ,Xã,Xã Mỹ Thọ,Phạm Văn Dũng,12345,,02/10/2026,03/10/2026,03/10/2026,Đã trả kết quả',
  'X01.82-261005-0005,Chứng thực chữ ký,Chứng thực,Bộ phận một cửa xã Mỹ Thọ,Xã,Xã Mỹ Thọ,Võ Thị Em,0912000555,,02/10/2026,03/10/2026,04/10/2026,Đã trả kết quả',
  'H12.82-261006-0006,Cấp phiếu lý lịch tư pháp,Lý lịch tư pháp,Trung tâm Phục vụ hành chính công tỉnh,Tỉnh,Sở Tư pháp,Đỗ Văn Giang,0912000666,,06/10/2026,20/10/2026,,Đang xử lý',
];

describe.each(dialects)('customer care over the API on $name', ({ pg: onPg }) => {
  let gw: TestApp;
  let standin: PlatformStandin;
  let sms: SmsSink;
  let drop: (() => Promise<void>) | undefined;
  let operator: Record<string, string>;
  let operatorId: number;
  let units: Record<string, number>;
  const inject = (options: InjectOptions) => gw.app.inject(options);
  const admin = (method: InjectOptions['method'], url: string, payload?: unknown) => inject({ method, url, headers: gw.auth, ...(payload === undefined ? {} : { payload: payload as never }) });
  const asOperator = (method: InjectOptions['method'], url: string, payload?: unknown) => inject({ method, url, headers: operator, ...(payload === undefined ? {} : { payload: payload as never }) });

  async function zaloCitizen(userId: string, msgId: string, text: string, phone?: string) {
    const event = fixture<{ timestamp: string; sender: { id: string }; message: { msg_id: string; text: string } }>('zalo-oa', 'user_send_text');
    event.sender.id = userId;
    event.message.msg_id = msgId;
    event.message.text = text;
    event.timestamp = String(Date.now());
    expect((await postZaloEvent(gw, event)).status).toBe(200);
    await quiet(gw);
    const conversationId = (await conversationOf(gw, userId))!;
    if (phone) {
      const conversation = (await admin('GET', `/api/v1/conversations/${conversationId}`)).json() as { contactId: number };
      const patched = await admin('PATCH', `/api/v1/contacts/${conversation.contactId}`, { phone });
      expect(patched.statusCode, patched.body).toBe(200);
    }
    return conversationId;
  }

  beforeAll(async () => {
    standin = await startPlatformStandin();
    sms = await startSmsSink();
    const env: Record<string, string> = {
      ...zaloEnv(standin),
      SMS_GATEWAY_URL: sms.url,
      SMS_GATEWAY_TOKEN: 'sms-token-1',
      CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, outbox: { baseDelayMs: 5, maxDelayMs: 50, pollIntervalMs: 20, sendTimeoutMs: 2000 }, care: { outboundNumber: '0277 3 1022 00' } }),
    };
    if (onPg) {
      const fresh = freshPgUrl();
      env.DATABASE_URL = fresh.url;
      drop = fresh.drop;
    }
    gw = await startTestApp({ env });
    const created = await admin('POST', '/api/v1/agents', { username: 'dtv.hoa', displayName: 'Điện thoại viên Hòa', role: 'agent', teams: ['tiep-nhan-chung'], password: strong });
    expect(created.statusCode, created.body).toBe(201);
    operatorId = created.json().id as number;
    const login = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'dtv.hoa', password: strong } });
    const cookies = login.cookies as Array<{ name: string; value: string }>;
    operator = { cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': login.json().csrfToken };
    units = Object.fromEntries(((await admin('GET', '/api/v1/units')).json() as { items: Array<{ id: number; key: string }> }).items.map((u) => [u.key, u.id]));
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await standin?.close();
    await sms?.close();
    await drop?.();
  });

  it('imports the export, lists bad rows with their reason, keeps the good ones, and updates by code', async () => {
    // Two citizens wrote to the OA before; their numbers are on their contacts.
    await zaloCitizen('930000000000000111', 'care-1', 'Xin chào', '0912000111');
    await zaloCitizen('930000000000000222', 'care-2', 'Xin chào', '0912000222');

    const csv = [header, ...rows].join('\n');
    const imported = await inject({ method: 'POST', url: '/api/v1/dossiers/import?mapping=mot-cua', headers: { ...gw.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toMatchObject({
      rows: 7,
      inserted: 4,
      updated: 0,
      errors: [
        { line: 4, code: null, reason: 'missing dossier code' },
        { line: 5, code: 'X01.82-261003-0003', reason: expect.stringContaining('unreadable dueAt "31/02/2026"') },
        { line: 6, code: 'X01.82-261004-0004', reason: 'not a Vietnamese phone number "12345"' },
      ],
    });
    // The same system's next file, as XLSX, with the remembered mapping: one status changed.
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Hồ sơ');
    sheet.addRow(header.split(','));
    const changed = rows[6]!.split(',');
    changed[11] = '';
    changed[12] = 'Chờ bổ sung';
    sheet.addRow(changed);
    const xlsx = Buffer.from(await book.xlsx.writeBuffer());
    const again = await inject({ method: 'POST', url: '/api/v1/dossiers/import?mapping=mot-cua', headers: { ...gw.auth, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, payload: xlsx });
    expect(again.json()).toMatchObject({ rows: 1, inserted: 0, updated: 1, errors: [] });
    expect(((await admin('GET', '/api/v1/dossiers/mappings')).json() as { items: Array<{ name: string }> }).items.map((m) => m.name)).toContain('mot-cua');
    // A file without a code column is refused whole, with the columns it has.
    const bad = await inject({ method: 'POST', url: '/api/v1/dossiers/import', headers: { ...gw.auth, 'content-type': 'text/csv' }, payload: 'a,b\n1,2' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('dossier code');
  });

  it('lists the imported dossiers by applicant without accents, phone, code, status and finishing days, page by page, for supervisors', async () => {
    const codes = async (query: string) => {
      const res = await admin('GET', `/api/v1/dossiers?${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { items: Array<{ code: string }> }).items.map((d) => d.code);
    };
    expect(await codes('q=tran van binh')).toEqual(['H12.82-261001-0001']);
    expect(await codes(`q=${encodeURIComponent('0912 000 222')}`)).toEqual(['X01.82-261002-0002']);
    expect(await codes('q=X01.82')).toEqual(['X01.82-261005-0005', 'X01.82-261002-0002']);
    expect(await codes(`q=${encodeURIComponent('()')}`)).toEqual([]);
    expect(await codes(`status=${encodeURIComponent('Chờ bổ sung')}`)).toEqual(['H12.82-261006-0006']);
    // Finished on 4 or 5 October, the 5th counted whole (one was returned at 10:30 that day).
    expect(await codes('finishedFrom=2026-10-04&finishedTo=2026-10-05')).toEqual(['X01.82-261005-0005', 'H12.82-261001-0001']);
    const first = (await admin('GET', '/api/v1/dossiers?limit=3')).json() as { items: Array<{ code: string; applicantName: string }>; nextBefore: number };
    expect(first.items).toHaveLength(3);
    const rest = (await admin('GET', `/api/v1/dossiers?limit=3&before=${first.nextBefore}`)).json() as { items: Array<{ code: string }>; nextBefore: number | null };
    expect(rest).toMatchObject({ items: [{ code: 'H12.82-261001-0001' }], nextBefore: null });
    expect(first.items.map((d) => d.applicantName)).toEqual(['Đỗ Văn Giang', 'Võ Thị Em', 'Lê Thị Cúc']);
    // Operators call from the queue; the list of applicants is not theirs. Every search is audited.
    expect((await asOperator('GET', '/api/v1/dossiers')).statusCode).toBe(403);
    const { store } = gw.app.gateway;
    const searches = await store.db.select({ detail: store.t.auditEvents.detail }).from(store.t.auditEvents).where(eq(store.t.auditEvents.action, 'dossier.search'));
    expect(searches.map((row) => (row.detail as { q: string | null }).q)).toContain('tran van binh');
  });

  it('tells the dossier status on any channel, and personal details only to the applicant', async () => {
    const ask = async (phone: string, text: string, dossierCode?: string) => {
      const sent = await inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Người hỏi', phone, text, ...(dossierCode ? { dossierCode } : {}) } });
      expect(sent.statusCode, sent.body).toBe(202);
      await quiet(gw);
      const messages = (await admin('GET', `/api/v1/conversations/${sent.json().conversationId}/messages`)).json() as { items: Array<{ direction: string; text: string }> };
      return messages.items.filter((m) => m.direction === 'out').at(-1)?.text ?? '';
    };
    const owner = await ask('0912000666', 'Hồ sơ H12.82-261006-0006 đến đâu rồi?');
    expect(owner).toContain('Chờ bổ sung');
    expect(owner).toContain('20/10/2026');
    expect(owner).toContain('Trung tâm Phục vụ hành chính công tỉnh');
    expect(owner).toContain('Đỗ Văn Giang');
    const stranger = await ask('0987111222', 'hồ sơ h12.82-261006-0006 đến đâu rồi');
    expect(stranger).toContain('Chờ bổ sung');
    expect(stranger).not.toContain('Đỗ Văn Giang');
    expect(stranger).not.toContain('lý lịch');
    expect(await ask('0987111223', 'Hồ sơ A99.82-000000-9999 đến đâu rồi?')).toContain('chưa tìm thấy hồ sơ A99.82-000000-9999');
    // The web form's code field with a status question is answered; with another question the
    // code only tells the agent which dossier it is about, and the bot answers the question.
    expect(await ask('0987111224', 'Cho hỏi hồ sơ của tôi xong chưa?', 'H12.82-261006-0006')).toContain('Chờ bổ sung');
    const other = await ask('0987111225', 'Cho tôi hỏi thủ tục đăng ký khai sinh cần giấy tờ gì?', 'H12.82-261006-0006');
    expect(other).not.toContain('Chờ bổ sung');
    expect(other).toContain('khai sinh');
  });

  it('draws a sample, announces it on Zalo (or SMS), honours an opt-out, and the operator works the queue to a ticket and the results', async () => {
    const created = await admin('POST', '/api/v1/campaigns', {
      name: 'Chăm sóc khách hàng tháng 10/2026',
      template: 'care',
      filter: { finishedFrom: '2026-10-01', finishedTo: '2026-10-31' },
      sampleSize: 3,
      stratifyBy: 'deskLevel',
      minPerStratum: 1,
      seed: 'thang-10',
      excludeDays: 90,
      noticeLeadMinutes: 0,
    });
    expect(created.statusCode, created.body).toBe(201);
    // Finished in October with a reachable citizen: the dossiers 0001, 0002 and 0005 (0006 is not finished).
    expect(created.json()).toMatchObject({ drawn: 3, strata: [{ key: 'commune', population: 2, allocated: 2 }, { key: 'province', population: 1, allocated: 1 }] });
    const campaignId = created.json().id as number;

    // Nobody is called before being told.
    expect((await asOperator('GET', `/api/v1/campaigns/${campaignId}/queue/next`)).statusCode).toBe(204);
    // In batches: the supervisor repeats until nobody remains.
    const firstBatch = await admin('POST', `/api/v1/campaigns/${campaignId}/notify?limit=2`);
    expect(firstBatch.json()).toMatchObject({ notified: 2, remaining: 1 });
    const lastBatch = await admin('POST', `/api/v1/campaigns/${campaignId}/notify?limit=2`);
    expect(lastBatch.json()).toMatchObject({ notified: 1, remaining: 0 });
    const byChannel = [firstBatch.json().byChannel, lastBatch.json().byChannel].reduce((sum: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(b).map((k) => [k, (sum[k] ?? 0) + b[k]!])), {});
    expect(byChannel).toEqual({ zalo: 2, email: 0, sms: 1, none: 0 });
    const notice = await waitFor(() => standin.zalo.sends.find((s) => s.userId === '930000000000000111' && String(s.message.text).includes('0277 3 1022 00')), 'the pre-notice on Zalo');
    expect(String(notice.message.text)).toContain('hỏi thăm ý kiến');
    expect(String(notice.message.text)).toContain('H12.82-261001-0001');
    expect(sms.texts).toEqual([{ to: '84912000555', text: expect.stringContaining('0277 3 1022 00'), auth: 'Bearer sms-token-1' }]);

    // The second citizen answers the notice with an opt-out: out of this campaign and of later ones.
    await zaloCitizen('930000000000000222', 'care-3', 'TỪ CHỐI');
    await waitFor(() => standin.zalo.sends.find((s) => s.userId === '930000000000000222' && String(s.message.text).includes('không được liên hệ')), 'the opt-out confirmation');

    // The operator takes the next citizen: the script, a tel: link, the questionnaire, no history yet.
    const seen = new Set<string>();
    let complained = 0;
    for (;;) {
      const next = await asOperator('GET', `/api/v1/campaigns/${campaignId}/queue/next`);
      if (next.statusCode === 204) break;
      const card = next.json() as { id: number; tel: string; dossier: { code: string }; script: { greeting: string; questionnaire: { questions: Array<{ key: string }> } }; history: unknown[]; outcomes: string[] };
      expect(seen.has(card.dossier.code)).toBe(false);
      seen.add(card.dossier.code);
      expect(card.tel).toMatch(/^tel:0912000\d{3}$/);
      expect(card.script.greeting).toContain(card.dossier.code);
      expect(card.outcomes).toEqual(['completed', 'no_answer', 'wrong_number', 'refused', 'call_back']);
      if (card.dossier.code === 'X01.82-261005-0005') {
        // No answer the first time: back in the queue later in the day, not now.
        const missed = await asOperator('POST', `/api/v1/campaign-targets/${card.id}/attempts`, { outcome: 'no_answer' });
        expect(missed.json()).toMatchObject({ status: 'no_answer', attempts: 1 });
        expect(new Date(missed.json().nextAttemptAt as string).getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
        continue;
      }
      // Answers are checked against the questionnaire.
      expect((await asOperator('POST', `/api/v1/campaign-targets/${card.id}/attempts`, { outcome: 'completed', answers: { overall: 'maybe' } })).statusCode).toBe(400);
      const recorded = await asOperator('POST', `/api/v1/campaign-targets/${card.id}/attempts`, {
        outcome: 'completed',
        durationSeconds: 240,
        answers: { overall: 'not_satisfied', satisfiedMost: 'Nhận kết quả nhanh', inconveniences: 'Phải đi lại hai lần vì thiếu hướng dẫn', suggestions: 'Niêm yết rõ thành phần hồ sơ' },
      });
      expect(recorded.statusCode, recorded.body).toBe(201);
      expect(recorded.json()).toMatchObject({ status: 'completed', satisfaction: 'not_satisfied', history: [{ outcome: 'completed' }] });
      // The complaint becomes a ticket forwarded to the dossier's unit, in one call.
      const ticket = await asOperator('POST', `/api/v1/campaign-targets/${card.id}/ticket`, {});
      expect(ticket.statusCode, ticket.body).toBe(201);
      expect(ticket.json()).toMatchObject({ code: expect.stringMatching(/^1022-\d{4}-\d{6}$/), forwardedTo: units['so-tu-phap'] });
      const opened = (await admin('GET', `/api/v1/tickets/${ticket.json().ticketId}`)).json() as { channel: string; level: number; status: string; body: string; callId: number | null };
      expect(opened).toMatchObject({ channel: 'phone', level: 2, status: 'waiting_unit', callId: expect.any(Number) });
      expect(opened.body).toContain('Phải đi lại hai lần');
      expect((await asOperator('POST', `/api/v1/campaign-targets/${card.id}/ticket`, {})).statusCode).toBe(409);
      complained += 1;
    }
    // The opted-out citizen is never offered; the one who did not answer comes back later.
    expect([...seen].sort()).toEqual(['H12.82-261001-0001', 'X01.82-261005-0005']);
    expect(complained).toBe(1);

    const results = (await admin('GET', `/api/v1/campaigns/${campaignId}/results`)).json();
    expect(results).toMatchObject({ sample: 3, notified: 3, reached: 1, completed: 1, responseRate: 33.33, reachRate: 33.33, byStatus: { completed: 1, no_answer: 1, opted_out: 1 } });
    expect(results.byUnit).toEqual([{ key: 'Sở Tư pháp', responses: 1, satisfied: 0, neutral: 0, notSatisfied: 1, satisfiedPercent: 0 }]);
    expect(results.byDeskLevel.map((g: { key: string }) => g.key)).toEqual(['province']);
    expect(results.notSatisfied).toEqual([expect.objectContaining({ code: 'H12.82-261001-0001', ticketId: expect.any(Number) })]);
    expect(results.texts.map((t: { question: string; text: string }) => [t.question, t.text])).toEqual([
      ['satisfiedMost', 'Nhận kết quả nhanh'],
      ['inconveniences', 'Phải đi lại hai lần vì thiếu hướng dẫn'],
      ['suggestions', 'Niêm yết rõ thành phần hồ sơ'],
    ]);
    // Each answer says how its citizen felt and which ticket it became, so the results screen turns it into one at most once.
    expect(results.texts.map((t: { satisfaction: string; ticketId: number | null }) => [t.satisfaction, t.ticketId])).toEqual(Array(3).fill(['not_satisfied', results.notSatisfied[0].ticketId]));
    const file = await inject({ method: 'GET', url: `/api/v1/campaigns/${campaignId}/results?format=xlsx`, headers: gw.auth });
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const cells = workbook.worksheets.flatMap((s) => s.getSheetValues().flat().map(String));
    expect(cells).toContain('Phải đi lại hai lần vì thiếu hướng dẫn');

    // The month's and the year's care figures, as the reports print them.
    const month = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);
    const monthly = (await admin('GET', `/api/v1/reports/care?month=${month}`)).json();
    expect(monthly).toMatchObject({ period: month, notices: { zalo: 2, sms: 1 }, calls: 2, visits: 0, outcomes: { completed: 1, no_answer: 1 }, answered: 1, answeredVia: { operator: 1 }, satisfied: 0, notSatisfied: 1, tickets: 1, optOuts: 1 });
    expect((await admin('GET', `/api/v1/reports/care?year=${month.slice(0, 4)}`)).json()).toMatchObject({ answered: 1, tickets: 1 });
    expect((await admin('GET', '/api/v1/reports/care')).statusCode).toBe(400);
    expect((await asOperator('GET', `/api/v1/reports/care?month=${month}`)).statusCode).toBe(403);
    // The monthly report prints the same care figures, and counts the survey calls as outbound calls.
    const report = (await admin('GET', `/api/v1/reports/monthly?month=${month}`)).json();
    expect(report.care).toEqual({ calls: 2, visits: 0, answered: 1, tickets: 1, satisfied: { count: 0, percent: 0 }, notSatisfied: { count: 1, percent: 100 } });
    expect(report.calls.out).toBeGreaterThanOrEqual(2);
    expect((await admin('GET', `/api/v1/reports/monthly?month=${month}&format=csv`)).body).toContain('Không hài lòng,1,100');

    // A later campaign leaves out the opted-out citizen and those contacted within 90 days.
    const later = await admin('POST', '/api/v1/campaigns', { name: 'Đợt sau', template: 'survey', filter: {}, sampleSize: 10, stratifyBy: 'none', excludeDays: 90, seed: 'sau' });
    expect(later.json()).toMatchObject({ drawn: 0, excludedCount: 3 });
  });

  it('gives a citizen a one-time web survey link that works once', async () => {
    const created = await admin('POST', '/api/v1/campaigns', { name: 'Khảo sát SIPAS', template: 'survey', filter: {}, sampleSize: 5, stratifyBy: 'unit', excludeDays: 0, seed: 'web', webSurvey: true, visitLevels: ['commune'] });
    expect(created.statusCode, created.body).toBe(201);
    const campaignId = created.json().id as number;
    expect(created.json().drawn).toBeGreaterThanOrEqual(1);
    await admin('POST', `/api/v1/campaigns/${campaignId}/notify`);
    const notice = await waitFor(() => standin.zalo.sends.find((s) => String(s.message.text).includes('/khao-sat/')), 'a notice with the survey link');
    const path = /\/khao-sat\/[\w-]+/.exec(String(notice.message.text))![0];
    const page = await inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).not.toContain('<script');
    expect(page.body).toContain('Tiếp cận dịch vụ');
    const form = (values: Record<string, string>) => inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(values).toString() });
    const missing = await form({ access: '5' });
    expect(missing.statusCode).toBe(400);
    const answered = await form({ access: '5', procedures: '4', civilServants: '5', results: '4', feedback: '3', overall: '4', suggestions: 'Nên có thêm chỗ ngồi chờ' });
    expect(answered.statusCode).toBe(200);
    expect((await form({ access: '1', procedures: '1', civilServants: '1', results: '1', feedback: '1', overall: '1' })).statusCode).toBe(404);

    // The commune's citizen is visited at home: the interviewer sees the visit and records it.
    expect((await asOperator('POST', `/api/v1/campaigns/${campaignId}/visits/assign`, { agentIds: [operatorId] })).statusCode).toBe(403);
    expect((await admin('POST', `/api/v1/campaigns/${campaignId}/visits/assign`, { agentIds: [operatorId] })).json()).toEqual({ assigned: 1 });
    const visits = ((await asOperator('GET', '/api/v1/care/visits')).json() as { items: Array<{ id: number; mode: string; dossier: { code: string; deskLevel: string } }> }).items;
    expect(visits.map((v) => [v.mode, v.dossier.code])).toEqual([['visit', 'X01.82-261005-0005']]);
    // Not in the phone queue: the operators never call a citizen who is visited.
    expect((await asOperator('GET', `/api/v1/campaigns/${campaignId}/queue/next`)).statusCode).toBe(204);
    const visited = await asOperator('POST', `/api/v1/campaign-targets/${visits[0]!.id}/attempts`, { outcome: 'completed', answers: { access: 2, procedures: 2, civilServants: 1, results: 2, feedback: 2, overall: 2, inconveniences: 'Cán bộ hẹn lại nhiều lần' } });
    expect(visited.json()).toMatchObject({ status: 'completed', satisfaction: 'not_satisfied' });
    expect(((await asOperator('GET', '/api/v1/care/visits')).json() as { items: unknown[] }).items).toEqual([]);

    const results = (await admin('GET', `/api/v1/campaigns/${campaignId}/results`)).json();
    expect(results.completed).toBe(2);
    expect(results.satisfaction).toMatchObject({ responses: 2, satisfied: 1, notSatisfied: 1 });
    expect(results.byDeskLevel.map((g: { key: string; satisfiedPercent: number }) => [g.key, g.satisfiedPercent])).toEqual([['commune', 0], ['province', 100]]);
    expect(results.byQuestion.find((q: { key: string }) => q.key === 'feedback')).toMatchObject({ area: 'feedback', answers: 2, mean: 2.5 });
  });

  it('never gives two operators the same citizen, and keeps a held citizen to the operator holding them', async () => {
    const second = await admin('POST', '/api/v1/agents', { username: 'dtv.lan', displayName: 'Điện thoại viên Lan', role: 'agent', teams: ['tiep-nhan-chung'], password: strong });
    expect(second.statusCode, second.body).toBe(201);
    const login = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'dtv.lan', password: strong } });
    const lan = { cookie: (login.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': login.json().csrfToken as string };
    const created = await admin('POST', '/api/v1/campaigns', { name: 'Hai điện thoại viên', template: 'care', filter: { deskLevels: ['province', 'commune'] }, sampleSize: 10, stratifyBy: 'none', excludeDays: 0, seed: 'hai', noticeLeadMinutes: 0 });
    const campaignId = created.json().id as number;
    expect(created.json().drawn).toBe(2);
    await admin('POST', `/api/v1/campaigns/${campaignId}/notify`);
    const url = `/api/v1/campaigns/${campaignId}/queue/next`;
    const [a, b] = await Promise.all([asOperator('GET', url), inject({ method: 'GET', url, headers: lan })]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().id).not.toBe(b.json().id);
    // Asking again gives the operator the citizen they hold; the other one is not theirs to record.
    expect((await asOperator('GET', url)).json().id).toBe(a.json().id);
    expect((await inject({ method: 'GET', url, headers: lan })).json().id).toBe(b.json().id);
    const taken = await inject({ method: 'POST', url: `/api/v1/campaign-targets/${a.json().id}/attempts`, headers: lan, payload: { outcome: 'no_answer' } });
    expect(taken.statusCode).toBe(409);
    // A wrong number leaves the queue for good; a call back returns at the time the citizen gave.
    expect((await asOperator('POST', `/api/v1/campaign-targets/${a.json().id}/attempts`, { outcome: 'wrong_number' })).json()).toMatchObject({ status: 'wrong_number' });
    const later = new Date(Date.now() + 2 * 3_600_000).toISOString();
    expect((await inject({ method: 'POST', url: `/api/v1/campaign-targets/${b.json().id}/attempts`, headers: lan, payload: { outcome: 'call_back', callBackAt: later } })).json()).toMatchObject({ status: 'call_back', nextAttemptAt: later });
    expect((await asOperator('GET', url)).statusCode).toBe(204);
    expect((await asOperator('POST', `/api/v1/campaign-targets/${a.json().id}/attempts`, { outcome: 'completed', answers: { overall: 'satisfied' } })).statusCode).toBe(409);
  });
});

describe('customer care with the bot turned off', () => {
  let gw: TestApp;
  let sms: SmsSink;
  beforeAll(async () => {
    sms = await startSmsSink();
    gw = await startTestApp({
      listen: false,
      env: { SMS_GATEWAY_URL: sms.url, CONFIG_FILE: testConfigFile({ router: { enabled: false }, care: { outboundNumber: '1022' } }) },
    });
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await sms?.close();
  });

  it('still answers status questions and honours an opt-out sent from another contact record of the citizen', async () => {
    const write = async (text: string) => {
      const sent = await gw.app.inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Lê Thị Cúc', phone: '0912000222', text } });
      expect(sent.statusCode, sent.body).toBe(202);
      return sent.json().conversationId as number;
    };
    const lastOut = async (conversationId: number, containing: string) =>
      waitFor(async () => {
        const items = ((await gw.app.inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth })).json() as { items: Array<{ direction: string; text: string }> }).items;
        return items.find((m) => m.direction === 'out' && m.text.includes(containing));
      }, `a reply containing "${containing}"`);
    await write('Xin chào tổng đài');
    const imported = await gw.app.inject({ method: 'POST', url: '/api/v1/dossiers/import', headers: { ...gw.auth, 'content-type': 'text/csv' }, payload: [header, rows[1]].join('\n') });
    expect(imported.json()).toMatchObject({ inserted: 1, errors: [] });
    const asked = await write('Hồ sơ X01.82-261002-0002 đến đâu rồi?');
    expect((await lastOut(asked, 'X01.82-261002-0002')).text).toContain('Lê Thị Cúc');

    const campaign = await gw.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: gw.auth, payload: { name: 'SMS', template: 'care', filter: {}, sampleSize: 1, stratifyBy: 'none', excludeDays: 30, seed: 's' } });
    const campaignId = campaign.json().id as number;
    expect((await gw.app.inject({ method: 'POST', url: `/api/v1/campaigns/${campaignId}/notify`, headers: gw.auth })).json()).toMatchObject({ byChannel: { sms: 1 } });
    expect(sms.texts.map((sent) => sent.text)).toEqual([expect.stringContaining('số chính thức 1022')]);
    const optConv = await write('Tu choi');
    await lastOut(optConv, 'không được liên hệ');
    const results = (await gw.app.inject({ method: 'GET', url: `/api/v1/campaigns/${campaignId}/results`, headers: gw.auth })).json();
    expect(results.byStatus).toEqual({ opted_out: 1 });
  });
});
