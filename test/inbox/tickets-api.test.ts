// The ticket levels over HTTP with real sessions: the hotline forwards, a unit officer escalates,
// the unit leader answers, the answer and the rating question go out on the citizen's channel,
// and each person sees only what their role and unit allow. On SQLite and on PostgreSQL.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GatewayEvents } from '../../src/core/events.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const strong = 'Lúa-chín-vàng-đồng-2026!';
const pg = await postgresAvailable();
if (!pg && process.env.CI === 'true') throw new Error('PostgreSQL must run at 127.0.0.1:5432 under CI');

interface Session {
  headers: Record<string, string>;
}

const dialects = [{ name: 'SQLite', pg: false }, ...(pg ? [{ name: 'PostgreSQL', pg: true }] : [])];

describe.each(dialects)('tickets over the API on $name', ({ pg: onPg }) => {
  let gw: TestApp;
  let drop: (() => Promise<void>) | undefined;
  const sessions: Record<string, Session> = {};
  const units: Record<string, number> = {};
  const inject = (options: InjectOptions) => gw.app.inject(options);

  async function person(username: string, role: string, unitKeys: string[] = []) {
    const created = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: `Cán bộ ${username}`, role, teams: role === 'agent' ? ['tiep-nhan-chung'] : [], password: strong } });
    expect(created.statusCode, created.body).toBe(201);
    if (unitKeys.length) {
      const set = await inject({ method: 'PUT', url: `/api/v1/agents/${created.json().id}/units`, headers: gw.auth, payload: { unitIds: unitKeys.map((k) => units[k]) } });
      expect(set.statusCode, set.body).toBe(200);
    }
    await signIn(username);
  }
  async function signIn(username: string) {
    const login = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: username, password: strong } });
    expect(login.statusCode, login.body).toBe(200);
    const cookies = login.cookies as Array<{ name: string; value: string }>;
    const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    sessions[username] = { headers: { cookie, 'x-csrf-token': login.json().csrfToken } };
  }
  const call = async (who: string, method: InjectOptions['method'], url: string, payload?: unknown) => {
    const response = await inject({ method, url, headers: sessions[who]!.headers, ...(payload === undefined ? {} : { payload: payload as never }) });
    return { status: response.statusCode, body: response.body ? (response.json() as Record<string, unknown> & { items?: Array<Record<string, unknown>> }) : {} };
  };
  const act = (who: string, id: number, body: Record<string, unknown>) => call(who, 'POST', `/api/v1/tickets/${id}/actions`, body);

  beforeAll(async () => {
    const env: Record<string, string> = { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) };
    if (onPg) {
      const fresh = freshPgUrl();
      env.DATABASE_URL = fresh.url;
      drop = fresh.drop;
    }
    gw = await startTestApp({ env, listen: false });
    const list = (await inject({ method: 'GET', url: '/api/v1/units', headers: gw.auth })).json() as { items: Array<{ id: number; key: string; kind: string }> };
    // The demo organisation: the province, its departments, and its 102 communes and wards.
    expect(list.items.filter((u) => u.kind === 'commune' || u.kind === 'ward')).toHaveLength(102);
    expect(list.items.filter((u) => u.kind === 'province')).toHaveLength(1);
    for (const unit of list.items) units[unit.key] = unit.id;
    await person('dtv.lan', 'agent');
    await person('sotp.can-bo', 'unit_officer', ['so-tu-phap']);
    await person('sotp.lanh-dao', 'unit_leader', ['so-tu-phap']);
    await person('soyt.can-bo', 'unit_officer', ['so-y-te']);
    await person('tinh.lanh-dao', 'province_leader');
  }, 60_000);
  afterAll(async () => {
    vi.useRealTimers();
    await gw?.close();
    await drop?.();
  });

  async function citizenAsks(phone: string, text: string): Promise<number> {
    const response = await inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Nguyễn Thị Hoa', phone, email: 'hoa.nguyen@example.vn', text } });
    expect(response.statusCode, response.body).toBe(202);
    const conversationId = response.json().conversationId as number;
    // The operators' team holds it: an agent opens tickets only from conversations they may read.
    const teams = (await inject({ url: '/api/v1/teams', headers: gw.auth })).json() as Array<{ id: number; key: string }>;
    const routed = await inject({ method: 'PATCH', url: `/api/v1/conversations/${conversationId}`, headers: gw.auth, payload: { teamId: teams.find((t) => t.key === 'tiep-nhan-chung')!.id } });
    expect(routed.statusCode, routed.body).toBe(200);
    return conversationId;
  }

  it('moves a ticket up the levels, each step by the one who holds it, with its full history', async () => {
    const conversationId = await citizenAsks('0912345678', 'Xin hỏi thời hạn cấp lại bản sao trích lục khai sinh?');
    const created = await call('dtv.lan', 'POST', '/api/v1/tickets', { type: 'question', subject: 'Cấp bản sao trích lục khai sinh', tthc: true, field: 'Hộ tịch', conversationId });
    expect(created.status).toBe(201);
    expect(created.body.code).toMatch(/^1022-\d{4}-\d{6}$/);
    const id = created.body.id as number;

    // Units see nothing until it is forwarded to them; forwarding sets a deadline in working days.
    expect((await call('sotp.can-bo', 'GET', `/api/v1/tickets/${id}`)).status).toBe(404);
    const forwarded = await act('dtv.lan', id, { action: 'forward', unitId: units['so-tu-phap'] });
    expect(forwarded.status).toBe(200);
    expect(forwarded.body).toMatchObject({ level: 2, status: 'waiting_unit', unitId: units['so-tu-phap'] });
    const deadline = new Date(forwarded.body.deadline as string);
    const expected = gw.app.gateway.businessHours.addWorkingDays(new Date(), 5);
    expect(Math.abs(deadline.getTime() - expected.getTime())).toBeLessThan(60_000);

    // Another department neither sees nor moves it; the operator cannot answer for the unit.
    expect((await call('soyt.can-bo', 'GET', `/api/v1/tickets/${id}`)).status).toBe(404);
    expect((await act('soyt.can-bo', id, { action: 'accept' })).status).toBe(404);
    expect((await call('soyt.can-bo', 'GET', '/api/v1/tickets')).body.items).toEqual([]);
    expect((await act('dtv.lan', id, { action: 'answer', comment: 'x' })).status).toBe(403);

    // The officer sees it (contact details masked), accepts and escalates to the leadership.
    const seen = await call('sotp.can-bo', 'GET', `/api/v1/tickets/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body.contact).toMatchObject({ name: 'Nguyễn Thị Hoa', phone: '********678', email: 'h***@example.vn' });
    expect((await call('sotp.can-bo', 'GET', '/api/v1/tickets')).body.items!.map((t) => t.id)).toEqual([id]);
    expect((await act('sotp.can-bo', id, { action: 'accept' })).body).toMatchObject({ status: 'in_progress' });
    expect((await act('sotp.can-bo', id, { action: 'send_back' })).status).toBe(400);
    expect((await act('sotp.can-bo', id, { action: 'escalate' })).body).toMatchObject({ level: 3, status: 'waiting_unit' });
    expect((await act('sotp.can-bo', id, { action: 'answer', comment: 'x' })).status).toBe(403);
    expect((await call('tinh.lanh-dao', 'GET', `/api/v1/tickets/${id}`)).status).toBe(404);

    // The leader answers; the answer and the rating question leave on the citizen's channel.
    const answer = 'Bản sao trích lục được cấp ngay trong ngày khi nộp trực tiếp tại UBND cấp xã.';
    expect((await act('sotp.lanh-dao', id, { action: 'answer', comment: answer })).body).toMatchObject({ level: 3, status: 'answered' });
    const messages = (await inject({ method: 'GET', url: `/api/v1/conversations/${conversationId}/messages`, headers: gw.auth })).json() as { items: Array<{ direction: string; text: string | null; metadata: Record<string, unknown> | null }> };
    const out = messages.items.filter((m) => m.direction === 'out');
    // One message: the answer, then the rating question with its link and buttons.
    expect(out).toHaveLength(1);
    expect(out[0]!.text).toMatch(new RegExp(`${answer}[\\s\\S]*/danh-gia/`));
    const choices = (out[0]!.metadata!.quickReplies as Array<{ payload: string }>).map((q) => q.payload);
    expect(choices).toEqual([expect.stringMatching(/^vote:\d+\.[\w-]+:satisfied$/), expect.stringMatching(/:not_satisfied$/)]);

    // The operator reads the whole path.
    const full = await call('dtv.lan', 'GET', `/api/v1/tickets/${id}`);
    expect((full.body.history as Array<{ action: string; actorName: string; toLevel: number | null }>).map((h) => [h.action, h.actorName, h.toLevel])).toEqual([
      ['create', 'Cán bộ dtv.lan', 1],
      ['forward', 'Cán bộ dtv.lan', 2],
      ['accept', 'Cán bộ sotp.can-bo', 2],
      ['escalate', 'Cán bộ sotp.can-bo', 3],
      ['answer', 'Cán bộ sotp.lanh-dao', 3],
    ]);

    // The citizen's link: opening it records nothing, the button does, a second vote changes nothing.
    const link = (out[0]!.text!.match(/\/danh-gia\/\S+/) ?? [''])[0];
    const page = await inject({ method: 'GET', url: link });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(answer);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await call('dtv.lan', 'GET', `/api/v1/tickets/${id}`)).body.satisfaction).toBeNull();
    const rated = new Promise<GatewayEvents['ticket.rated']>((resolve) => gw.app.gateway.events.on('ticket.rated', resolve));
    const vote = await inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'vote=not_satisfied&comment=Ch%E1%BB%9D+l%C3%A2u' });
    expect(vote.statusCode).toBe(200);
    expect(await rated).toMatchObject({ ticketId: id, satisfaction: 'not_satisfied' });
    const again = await inject({ method: 'POST', url: link, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'vote=satisfied' });
    expect(again.body).toContain('đã được đánh giá');
    expect((await call('dtv.lan', 'GET', `/api/v1/tickets/${id}`)).body).toMatchObject({ satisfaction: 'not_satisfied', satisfactionComment: 'Chờ lâu' });
    // A forged token is refused.
    expect((await inject({ method: 'GET', url: link.replace(/\.[\w-]+$/, '.AAAAAAAAAAAAAAAAAAAAAA') })).statusCode).toBe(404);
  });

  it('sends back with a reason, reaches the province leadership, and hides who denounced', async () => {
    const conversationId = await citizenAsks('0987654321', 'Tôi tố cáo cán bộ xã nhận tiền khi làm hồ sơ.');
    const { body } = await call('dtv.lan', 'POST', '/api/v1/tickets', { type: 'denunciation', subject: 'Tố cáo cán bộ', conversationId });
    const id = body.id as number;
    await act('dtv.lan', id, { action: 'forward', unitId: units['so-tu-phap'] });
    const unitView = await call('sotp.can-bo', 'GET', `/api/v1/tickets/${id}`);
    expect(unitView.body).toMatchObject({ contact: null, contactId: null, conversationId: null, reporterHidden: true });
    // Sent back to the hotline it leaves the unit's view; forwarded again it returns.
    expect((await act('sotp.can-bo', id, { action: 'send_back', comment: 'Không thuộc thẩm quyền của Sở' })).body).toMatchObject({ level: 1, unitId: null });
    expect((await call('sotp.can-bo', 'GET', `/api/v1/tickets/${id}`)).status).toBe(404);
    await act('dtv.lan', id, { action: 'forward', unitId: units['so-tu-phap'] });
    await act('sotp.can-bo', id, { action: 'escalate' });
    expect((await act('sotp.lanh-dao', id, { action: 'escalate' })).body).toMatchObject({ level: 4 });
    const province = await call('tinh.lanh-dao', 'GET', `/api/v1/tickets/${id}`);
    expect(province.status).toBe(200);
    expect(province.body.contact).toBeNull();
    expect((await act('tinh.lanh-dao', id, { action: 'send_back', comment: 'Bổ sung chứng cứ' })).body).toMatchObject({ level: 3, status: 'in_progress' });
    // Denunciations have their own, longer terms (config: denunciation.unit = 7 working days).
    const forwarded = (await call('dtv.lan', 'GET', `/api/v1/tickets/${id}`)).body.history as Array<{ action: string; comment: string | null }>;
    expect(forwarded.filter((h) => h.action === 'send_back').map((h) => h.comment)).toEqual(['Không thuộc thẩm quyền của Sở', 'Bổ sung chứng cứ']);
  });

  it('flags nearly-due and overdue tickets once each and tells the unit and supervisors', async () => {
    const { body } = await call('dtv.lan', 'POST', '/api/v1/tickets', { type: 'complaint', subject: 'Đèn đường hỏng', channel: 'phone' });
    const id = body.id as number;
    const forwarded = await act('dtv.lan', id, { action: 'forward', unitId: units['so-y-te'] });
    const deadline = new Date(forwarded.body.deadline as string);
    const heard: Array<GatewayEvents['ticket.deadline']> = [];
    gw.app.gateway.events.on('ticket.deadline', (event) => heard.push(event));
    const { ticketDesk } = gw.app.gateway;

    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(deadline.getTime() - 2 * 3_600_000));
      await ticketDesk.sweep();
      await ticketDesk.sweep();
      expect(heard.filter((e) => e.ticketId === id).map((e) => e.state)).toEqual(['due_soon']);
      vi.setSystemTime(new Date(deadline.getTime() + 60_000));
      await ticketDesk.sweep();
      await ticketDesk.sweep();
      expect(heard.filter((e) => e.ticketId === id).map((e) => e.state)).toEqual(['due_soon', 'overdue']);
      // Days later the unit officer signs in again (sessions end after 15 idle minutes).
      await signIn('soyt.can-bo');
      const overdue = await call('soyt.can-bo', 'GET', '/api/v1/tickets?overdue=true');
      expect(overdue.body.items!.map((t) => [t.id, t.overdue])).toEqual([[id, true]]);
      // Answered late, it counts as late in the month's report.
      await act('soyt.can-bo', id, { action: 'answer', comment: 'Đã sửa đèn.' });
      const month = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);
      const report = await inject({ method: 'GET', url: `/api/v1/reports/monthly?month=${month}`, headers: gw.auth });
      expect(report.json().deadlines.late).toBeGreaterThanOrEqual(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('logs a call and opens its ticket in one step, and keeps the organisation editable by admins only', async () => {
    const logged = await call('dtv.lan', 'POST', '/api/v1/calls', { direction: 'in', number: '0912 345 678', durationSeconds: 185, notes: 'Hỏi giờ làm việc', ticket: { type: 'question', subject: 'Giờ làm việc Bộ phận một cửa' } });
    expect(logged.status).toBe(201);
    // The caller wrote on the web form before: the call finds their contact by number.
    expect(logged.body.contactId).not.toBeNull();
    const ticket = await call('dtv.lan', 'GET', `/api/v1/tickets/${(logged.body.ticket as { id: number }).id}`);
    expect(ticket.body).toMatchObject({ channel: 'phone', callId: logged.body.id, level: 1, status: 'in_progress' });
    expect((await call('sotp.can-bo', 'POST', '/api/v1/calls', { direction: 'in', number: '0912345678', durationSeconds: 1 })).status).toBe(403);

    expect((await call('dtv.lan', 'POST', '/api/v1/units', { key: 'so-moi', name: 'Sở mới', kind: 'department' })).status).toBe(403);
    const added = await inject({ method: 'POST', url: '/api/v1/units', headers: gw.auth, payload: { key: 'so-moi', name: 'Sở mới', kind: 'department', parentId: units['ubnd-tinh'] } });
    expect(added.statusCode).toBe(201);
    const disabled = await inject({ method: 'PATCH', url: `/api/v1/units/${added.json().id}`, headers: gw.auth, payload: { disabled: true } });
    expect(disabled.json().disabledAt).not.toBeNull();
    const { body } = await call('dtv.lan', 'POST', '/api/v1/tickets', { type: 'question', subject: 'x', channel: 'phone' });
    expect((await act('dtv.lan', body.id as number, { action: 'forward', unitId: added.json().id })).status).toBe(400);
  });

  it('keeps the files of a step on the ticket, for those who may see the ticket only', async () => {
    const { body } = await call('dtv.lan', 'POST', '/api/v1/tickets', { type: 'petition', subject: 'Kiến nghị sửa đường', channel: 'phone' });
    const id = body.id as number;
    await act('dtv.lan', id, { action: 'forward', unitId: units['so-tu-phap'] });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');
    const upload = await inject({ method: 'POST', url: `/api/v1/tickets/${id}/attachments?name=${encodeURIComponent('Công văn trả lời.pdf')}`, headers: { ...sessions['sotp.can-bo']!.headers, 'content-type': 'application/pdf' }, payload: pdf });
    expect(upload.statusCode, upload.body).toBe(201);
    const file = upload.json() as { key: string; name: string; mimeType: string; size: number; url: string };
    expect(file).toMatchObject({ name: 'Công văn trả lời.pdf', mimeType: 'application/pdf', size: pdf.length });
    // A file of a forbidden type is refused; another unit cannot upload to this ticket.
    const exe = await inject({ method: 'POST', url: `/api/v1/tickets/${id}/attachments?name=x.exe`, headers: { ...sessions['sotp.can-bo']!.headers, 'content-type': 'application/octet-stream' }, payload: Buffer.from('MZ\x90\x00binary') });
    expect(exe.statusCode).toBe(415);
    expect((await inject({ method: 'POST', url: `/api/v1/tickets/${id}/attachments`, headers: { ...sessions['soyt.can-bo']!.headers, 'content-type': 'application/pdf' }, payload: pdf })).statusCode).toBe(404);
    // Until a step names it, the file is not part of the ticket.
    expect((await call('sotp.can-bo', 'GET', file.url)).status).toBe(404);
    await act('sotp.can-bo', id, { action: 'answer', comment: 'Sở đã có công văn trả lời (đính kèm).', attachments: [{ key: file.key, name: file.name, mimeType: file.mimeType, size: file.size }] });
    const download = await inject({ method: 'GET', url: file.url, headers: sessions['dtv.lan']!.headers });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(pdf)).toBe(true);
    expect(download.headers['content-disposition']).toContain("filename*=UTF-8''C%C3%B4ng%20v%C4%83n");
    expect((await inject({ method: 'GET', url: file.url, headers: sessions['soyt.can-bo']!.headers })).statusCode).toBe(404);
    const history = (await call('dtv.lan', 'GET', `/api/v1/tickets/${id}`)).body.history as Array<{ action: string; attachments: unknown[] | null }>;
    expect(history.find((h) => h.action === 'answer')!.attachments).toEqual([{ key: file.key, name: file.name, mimeType: file.mimeType, size: file.size }]);
  });

  it('refuses bad call records line by line and keeps the good ones', async () => {
    const csv = ['uniqueid,direction,number,start,duration', 'a-1,in,0912000001,2026-11-02 08:15:00,40', 'a-2,sideways,0912000002,2026-11-02 08:16:00,40', 'a-3,out,0912000003,not a time,40', ',in,0912000004,2026-11-02 08:17:00,5'].join('\n');
    const response = await inject({ method: 'POST', url: '/api/v1/calls/import', headers: { ...gw.auth, 'content-type': 'text/csv' }, payload: csv });
    expect(response.json()).toEqual({
      imported: 1,
      duplicates: 0,
      errors: [
        { line: 3, message: 'unknown direction' },
        { line: 4, message: 'unreadable start time' },
        { line: 5, message: 'missing record id' },
      ],
    });
    const bad = await inject({ method: 'POST', url: '/api/v1/calls/import', headers: { ...gw.auth, 'content-type': 'text/csv' }, payload: 'just,a,header\n1,2,3' });
    expect(bad.statusCode).toBe(400);
  });
});
