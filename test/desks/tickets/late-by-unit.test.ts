// The province's report counts the website and the mobile app apart, and names late units with
// the ticket codes behind each late figure (JSON and the XLSX's own sheets).
import type { InjectOptions } from 'fastify';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MonthlyReport } from '../../../src/desks/tickets/monthly-report.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';

const strong = 'mat-khau-rat-dai-2021!';
/** 08:00 in Vietnam on a day of November 2021. */
const nov = (day: number) => new Date(Date.UTC(2021, 10, day, 1, 0, 0));

describe('monthly report: web and app apart, late handling by unit', () => {
  let gw: TestApp;
  const units: Record<string, number> = {};
  const inject = (options: InjectOptions) => gw.app.inject(options);

  /** A unit officer's session, signed in now (fake time moves by days, sessions do not last). */
  async function officer(username: string) {
    const login = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: username, password: strong } });
    expect(login.statusCode, login.body).toBe(200);
    const cookie = (login.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
    return { cookie, 'x-csrf-token': login.json().csrfToken as string };
  }
  const answer = async (username: string, ticketId: number) => {
    const res = await inject({ method: 'POST', url: `/api/v1/tickets/${ticketId}/actions`, headers: await officer(username), payload: { action: 'answer', comment: 'Đơn vị đã trả lời công dân.' } });
    expect(res.statusCode, res.body).toBe(200);
  };

  beforeAll(async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(nov(1));
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) } });
    const list = (await inject({ method: 'GET', url: '/api/v1/units', headers: gw.auth })).json() as { items: Array<{ id: number; key: string }> };
    for (const unit of list.items) units[unit.key] = unit.id;
    for (const [username, unit] of [['sotp.can-bo', 'so-tu-phap'], ['soyt.can-bo', 'so-y-te']] as const) {
      const created = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: username, role: 'unit_officer', teams: [], password: strong } });
      expect(created.statusCode, created.body).toBe(201);
      await inject({ method: 'PUT', url: `/api/v1/agents/${created.json().id}/units`, headers: gw.auth, payload: { unitIds: [units[unit]] } });
    }
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    vi.useRealTimers();
  });

  it('counts the app apart from the website, and lists late and overdue tickets by unit and level', { timeout: 120_000 }, async () => {
    const conversations: Record<'web' | 'app', number[]> = { web: [], app: [] };
    for (const [i, source] of (['app', 'web', 'app', 'web', 'app'] as const).entries()) {
      const res = await inject({ method: 'POST', url: '/api/public/messages', payload: { name: `Công dân ${i}`, phone: `09876543${String(i).padStart(2, '0')}`, text: `Câu hỏi số ${i}`, ...(source === 'app' ? { source } : {}) } });
      expect(res.statusCode, res.body).toBe(202);
      conversations[source].push((res.json() as { conversationId: number }).conversationId);
    }
    const listed = (await inject({ url: '/api/v1/conversations?source=app', headers: gw.auth })).json() as { items: Array<{ id: number; source: string | null; channel: string }> };
    expect(listed.items.map((c) => c.id).sort()).toEqual([...conversations.app].sort());
    expect(listed.items.every((c) => c.source === 'app' && c.channel === 'webform')).toBe(true);

    const open = async (body: Record<string, unknown>) => {
      const res = await inject({ method: 'POST', url: '/api/v1/tickets', headers: gw.auth, payload: { type: 'question', subject: 'Hỏi thủ tục', ...body } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: number; code: string };
    };
    const fromApp = await Promise.all(conversations.app.map((conversationId) => open({ conversationId })));
    const fromWeb = await Promise.all(conversations.web.map((conversationId) => open({ conversationId })));
    const byPhone = [await open({ channel: 'phone' }), await open({ channel: 'phone' })];
    const forward = async (ticketId: number, unit: string) => {
      const res = await inject({ method: 'POST', url: `/api/v1/tickets/${ticketId}/actions`, headers: gw.auth, payload: { action: 'forward', unitId: units[unit] } });
      expect(res.statusCode, res.body).toBe(200);
    };
    // Justice gets three, Health two; five working days each (Monday 1 -> Monday 8 November).
    const [a1, a2, a3] = fromApp as [typeof fromApp[0], typeof fromApp[0], typeof fromApp[0]];
    const [b1, b2] = [fromWeb[0]!, byPhone[0]!];
    for (const ticket of [a1, a2, a3]) await forward(ticket.id, 'so-tu-phap');
    for (const ticket of [b1, b2]) await forward(ticket.id, 'so-y-te');

    vi.setSystemTime(nov(3));
    await answer('sotp.can-bo', a1.id);
    await answer('soyt.can-bo', b1.id);
    vi.setSystemTime(nov(12));
    await answer('sotp.can-bo', a2.id);

    vi.setSystemTime(new Date(Date.UTC(2021, 11, 1, 2)));
    const report = (await inject({ url: '/api/v1/reports/monthly?month=2021-11', headers: gw.auth })).json() as MonthlyReport;
    expect(report.interactions.byChannel).toEqual({ webform: 2, app: 3 });
    expect(report.ticketsByChannel).toEqual({ app: 3, webform: 2, phone: 2 });
    expect(report.deadlines).toEqual({ onTime: 2, late: 1, openOverdue: 2 });
    const justice = report.lateByUnit.find((u) => u.unitId === units['so-tu-phap'])!;
    expect(justice).toMatchObject({ unitName: 'Sở Tư pháp', level: 2, received: 3, onTime: 1, late: 1, openOverdue: 1, lateCodes: [a2.code], openOverdueCodes: [a3.code] });
    const health = report.lateByUnit.find((u) => u.unitId === units['so-y-te'])!;
    expect(health).toMatchObject({ unitName: 'Sở Y tế', level: 2, received: 2, onTime: 1, late: 0, openOverdue: 1, lateCodes: [], openOverdueCodes: [b2.code] });
    // The hotline's own level has no deadline and is no unit: not in the table.
    expect(report.lateByUnit).toHaveLength(2);
    expect(report.lateByUnit[0]!.unitId).toBe(units['so-tu-phap']);

    const xlsx = await inject({ url: '/api/v1/reports/monthly?month=2021-11&format=xlsx', headers: gw.auth });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    const values = (name: string) => book.getWorksheet(name)!.getSheetValues().flatMap((row) => (Array.isArray(row) ? [row.slice(1).join('|')] : []));
    expect(values('Trễ hạn theo đơn vị')).toEqual(expect.arrayContaining(['Đơn vị|Cấp|Tiếp nhận|Trả lời đúng hạn|Trả lời trễ hạn|Đang xử lý, quá hạn', 'Sở Tư pháp|2|3|1|1|1', 'Sở Y tế|2|2|1|0|1']));
    expect(values('Phiếu trễ hạn')).toEqual(['Đơn vị|Cấp|Chỉ tiêu|Mã phiếu', `Sở Tư pháp|2|Trả lời trễ hạn|${a2.code}`, `Sở Tư pháp|2|Đang xử lý, quá hạn|${a3.code}`, `Sở Y tế|2|Đang xử lý, quá hạn|${b2.code}`]);
  });

  it('the year: November and two other months side by side, with the sums (JSON and XLSX)', { timeout: 120_000 }, async () => {
    // March: two phone tickets, one answered at the hotline. July: three citizens on the website.
    vi.setSystemTime(new Date(Date.UTC(2021, 2, 10, 2)));
    const march = [];
    for (let i = 0; i < 2; i++) {
      const res = await inject({ method: 'POST', url: '/api/v1/tickets', headers: gw.auth, payload: { type: 'question', subject: `Tháng 3 #${i}`, channel: 'phone', tthc: true } });
      march.push(res.json() as { id: number });
    }
    await inject({ method: 'POST', url: `/api/v1/tickets/${march[0]!.id}/actions`, headers: gw.auth, payload: { action: 'answer', comment: 'Đã trả lời qua điện thoại.' } });
    vi.setSystemTime(new Date(Date.UTC(2021, 6, 5, 2)));
    for (let i = 0; i < 3; i++) {
      const sent = await inject({ method: 'POST', url: '/api/public/messages', payload: { name: `Người dân tháng 7 số ${i}`, phone: `09111222${String(i).padStart(2, '0')}`, text: `Câu hỏi tháng 7 số ${i}` } });
      await inject({ method: 'POST', url: '/api/v1/tickets', headers: gw.auth, payload: { type: 'question', subject: `Tháng 7 #${i}`, conversationId: (sent.json() as { conversationId: number }).conversationId } });
    }

    vi.setSystemTime(new Date(Date.UTC(2022, 0, 2, 2)));
    const res = await inject({ url: '/api/v1/reports/yearly?year=2021', headers: gw.auth });
    expect(res.statusCode, res.body).toBe(200);
    const year = res.json() as import('../../../src/desks/tickets/monthly-report.ts').YearlyReport;
    expect(year.months.map((m) => m.month)).toEqual(Array.from({ length: 12 }, (_, i) => `2021-${String(i + 1).padStart(2, '0')}`));
    expect(year.months.map((m) => m.tickets)).toEqual([0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 7, 0]);
    expect(year.totals.tickets).toBe(12);
    expect(year.totals.tthcTickets).toBe(2);
    expect(year.totals.ticketsByChannel).toEqual({ phone: 4, webform: 5, app: 3 });
    expect(year.totals.interactions).toEqual({ total: 8, byChannel: { webform: 5, app: 3 } });
    expect(year.totals.answered).toBe(year.months.reduce((a, m) => a + m.answered, 0));
    expect(year.totals.answered).toBe(4);
    expect(year.totals.deadlines).toEqual({ onTime: 2, late: 1, openOverdue: 2 });
    expect(year.lateByUnit.find((u) => u.unitId === units['so-tu-phap'])).toMatchObject({ received: 3, late: 1, openOverdue: 1 });

    const xlsx = await inject({ url: '/api/v1/reports/yearly?year=2021&format=xlsx', headers: gw.auth });
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as never);
    const rows = book.getWorksheet('2021')!.getSheetValues().flatMap((row) => (Array.isArray(row) ? [row.slice(1).join('|')] : []));
    expect(rows).toContain('Chỉ tiêu|01|02|03|04|05|06|07|08|09|10|11|12|Cả năm');
    expect(rows.find((r) => r.startsWith('Tổng số phiếu'))).toMatch(/\|0\|0\|2\|0\|0\|0\|3\|0\|0\|0\|7\|0\|12$/);
    expect(book.getWorksheet('Phiếu trễ hạn')!.rowCount).toBe(4);
  });
});
