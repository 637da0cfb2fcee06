// The printed ticket over real HTTP: a citizen's question goes to a unit, the unit answers, and the
// PDF each reader fetches is read back with poppler's pdftotext. One A4 page, the Vietnamese
// question, the code and who signed; a unit's copy holds no more of the citizen than its screen;
// a reader who may not see the ticket gets nothing; a missing font is a clear 503.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrintedTicket, Ticket } from '../../../src/contracts/tickets.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';
import { testConfigFile } from '../../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../../helpers/postgres.ts';

const poppler = spawnSync('pdftotext', ['-v']).error === undefined && spawnSync('pdfinfo', ['-v']).error === undefined;
// CI installs poppler-utils (.ci/run): there a missing pdftotext is a failure, not a skip.
if (!poppler && process.env.CI === 'true') throw new Error('pdftotext and pdfinfo (Debian package poppler-utils) must be installed under CI');

const pg = await postgresAvailable();
if (!pg && process.env.CI === 'true') throw new Error('PostgreSQL must run at 127.0.0.1:5432 under CI');
const dialects = [{ name: 'SQLite', pg: false }, ...(pg ? [{ name: 'PostgreSQL', pg: true }] : [])];

const password = 'Sen-hồng-Tháp-Mười-2026!';
const question = 'Làm giấy khai sinh cho con ở phường Cao Lãnh cần những giấy tờ gì ạ?';
const answer = 'Hồ sơ gồm tờ khai đăng ký khai sinh và giấy chứng sinh; nộp tại Trung tâm phục vụ hành chính công phường.';
const phone = '0912 345 678';
const email = 'hoa.nguyen@example.vn';

/** The pages and the text of a PDF, as poppler reads them (NFC, spaces folded). */
function readPdf(bytes: Buffer): { pages: number; text: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-pdf-'));
  try {
    const file = join(dir, 'ticket.pdf');
    writeFileSync(file, bytes);
    const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info.status, info.stderr).toBe(0);
    const pages = Number(/^Pages:\s+(\d+)/m.exec(info.stdout)?.[1]);
    const text = spawnSync('pdftotext', ['-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
    expect(text.status, text.stderr).toBe(0);
    return { pages, text: text.stdout.normalize('NFC').replace(/\s+/g, ' ') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!poppler).each(dialects)('the printed ticket (page model and PDF) on $name', ({ pg: onPg }) => {
  let gw: TestApp;
  let drop: (() => Promise<void>) | undefined;
  const cookies: Record<string, Record<string, string>> = {};
  const units: Record<string, number> = {};
  const admin = async <T>(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<T> => {
    const res = await fetch(`${gw.url}${path}`, { method, headers: { ...gw.auth, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as T;
  };
  const as = (who: string, path: string, init: RequestInit = {}) => fetch(`${gw.url}${path}`, { ...init, headers: { ...cookies[who], 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });

  async function person(username: string, displayName: string, role: string, unitKeys: string[]) {
    const created = await admin<{ id: number }>('/api/v1/agents', { username, displayName, role, teams: [], password });
    if (unitKeys.length) await admin(`/api/v1/agents/${created.id}/units`, { unitIds: unitKeys.map((k) => units[k]) }, 'PUT');
    const login = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: username, password }) });
    expect(login.status, await login.clone().text()).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    cookies[username] = { cookie, 'x-csrf-token': ((await login.json()) as { csrfToken: string }).csrfToken };
  }

  /** A citizen's question made a ticket and forwarded to the unit. */
  async function ticketAtUnit(type: string, unit: string, text = question): Promise<{ id: number; code: string }> {
    const sent = await admin<{ conversationId: number }>('/api/public/messages', { name: 'Nguyễn Thị Hoa', phone, email, text });
    const ticket = await admin<{ id: number; code: string }>('/api/v1/tickets', { type, subject: 'Khai sinh cho con', body: text, tthc: true, field: 'Hộ tịch', conversationId: sent.conversationId });
    await admin(`/api/v1/tickets/${ticket.id}/actions`, { action: 'forward', unitId: units[unit] });
    return ticket;
  }

  beforeAll(async () => {
    const env: Record<string, string> = { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }) };
    if (onPg) {
      const fresh = freshPgUrl();
      env.DATABASE_URL = fresh.url;
      drop = fresh.drop;
    }
    gw = await startTestApp({ env });
    for (const unit of (await admin<{ items: Array<{ id: number; key: string }> }>('/api/v1/units')).items) units[unit.key] = unit.id;
    await person('sotp.tu', 'Trần Văn Tư', 'unit_officer', ['so-tu-phap']);
    await person('soyt.mai', 'Lê Thị Mai', 'unit_officer', ['so-y-te']);
  }, 60_000);
  afterAll(async () => {
    await gw?.close();
    await drop?.();
  });

  it('a unit officer prints the ticket they answered: one page, the question, the code, the signer, the citizen masked as on screen', { timeout: 60_000 }, async () => {
    const ticket = await ticketAtUnit('question', 'so-tu-phap');
    expect((await as('sotp.tu', `/api/v1/tickets/${ticket.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'accept' }) })).status).toBe(200);
    expect((await as('sotp.tu', `/api/v1/tickets/${ticket.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'answer', comment: answer }) })).status).toBe(200);

    // What the unit's screen shows of the citizen: the name, the phone and email masked.
    const onScreen = (await (await as('sotp.tu', `/api/v1/tickets/${ticket.id}`)).json()) as Ticket;
    expect(onScreen.contact?.name).toBe('Nguyễn Thị Hoa');
    expect(onScreen.contact?.phone).not.toContain('345');

    const res = await as('sotp.tu', `/api/v1/tickets/${ticket.id}/print.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const { pages, text } = readPdf(bytes);
    expect(pages).toBe(1);
    expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(text).toContain('Độc lập - Tự do - Hạnh phúc');
    expect(text).toContain(ticket.code);
    expect(text).toContain(question);
    expect(text).toContain(answer.slice(0, 60));
    expect(text).toContain('Người ký: Trần Văn Tư');
    expect(text).toContain('Cấp 2: Đơn vị · Sở Tư pháp · Đã trả lời');
    expect(text).toContain('Chưa đánh giá');
    // The citizen as the unit reads them, never more.
    expect(text).toContain(`Nguyễn Thị Hoa · ${onScreen.contact!.phone} · ${onScreen.contact!.email}`);
    expect(text).not.toContain(phone);
    expect(text).not.toContain('912345678');
    expect(text).not.toContain(email);

    // The hotline's own copy carries the full contact; English on request.
    const hotline = await fetch(`${gw.url}/api/v1/tickets/${ticket.id}/print.pdf`, { headers: { ...gw.auth, 'accept-language': 'en' } });
    const full = readPdf(Buffer.from(await hotline.arrayBuffer()));
    expect(full.pages).toBe(1);
    expect(full.text).toMatch(/(84|0)912 ?345 ?678/);
    expect(full.text).toContain(email);
    expect(full.text).toContain('Signed by: Trần Văn Tư');
    // The inbox's language wins over the browser's.
    const chosen = await fetch(`${gw.url}/api/v1/tickets/${ticket.id}/print.pdf?lang=vi`, { headers: { ...gw.auth, 'accept-language': 'en' } });
    expect(readPdf(Buffer.from(await chosen.arrayBuffer())).text).toContain('Người ký: Trần Văn Tư');

    // The page's model: the levels with their dates; the unit's deadline is the ticket's.
    const model = (await (await as('sotp.tu', `/api/v1/tickets/${ticket.id}/print`)).json()) as PrintedTicket;
    expect(model.stages.map((s) => [s.level, s.outcome, s.signedBy])).toEqual([
      [1, 'forwarded', 'API bootstrap-admin'],
      [2, 'answered', 'Trần Văn Tư'],
    ]);
    expect(model.stages[1]!.deadline).toBe(onScreen.deadline);
    expect(model.stages[1]!.unitName).toBe('Sở Tư pháp');
    expect(model.citizen).toEqual(onScreen.contact);

    // Each print is an export of personal data: audited with who printed.
    const audit = await fetch(`${gw.url}/api/v1/audit-events?after=0`, { headers: gw.auth });
    const prints = (await audit.text()).split('\n').filter(Boolean).map((line) => JSON.parse(line) as { action: string; subjectId: string | number | null; actor: string }).filter((e) => e.action === 'ticket.print');
    expect(prints.filter((e) => String(e.subjectId) === String(ticket.id)).length).toBe(4);
  });

  it('another unit, or nobody signed in, gets no PDF', async () => {
    const ticket = await ticketAtUnit('question', 'so-tu-phap');
    expect((await as('soyt.mai', `/api/v1/tickets/${ticket.id}/print.pdf`)).status).toBe(404);
    expect((await as('soyt.mai', `/api/v1/tickets/${ticket.id}/print`)).status).toBe(404);
    expect((await fetch(`${gw.url}/api/v1/tickets/${ticket.id}/print.pdf`)).status).toBe(401);
  });

  it('a denunciation printed by the handling unit does not name the reporter', async () => {
    const ticket = await ticketAtUnit('denunciation', 'so-tu-phap', 'Tố cáo cán bộ xã nhận tiền khi làm hồ sơ khai sinh.');
    const res = await as('sotp.tu', `/api/v1/tickets/${ticket.id}/print.pdf`);
    expect(res.status).toBe(200);
    const { text } = readPdf(Buffer.from(await res.arrayBuffer()));
    expect(text).toContain('Tố cáo cán bộ xã nhận tiền');
    expect(text).toContain('Thông tin người tố cáo được giữ bí mật');
    expect(text).not.toContain('Nguyễn Thị Hoa');
    expect(text).not.toContain('@example.vn');
  });

  it('a very long answer still prints on one page, cut with an ellipsis', async () => {
    const ticket = await ticketAtUnit('question', 'so-tu-phap', `${question} ${'Xin hỏi thêm về giấy tờ tùy thân của cha mẹ. '.repeat(60)}`);
    await as('sotp.tu', `/api/v1/tickets/${ticket.id}/actions`, { method: 'POST', body: JSON.stringify({ action: 'answer', comment: 'Trả lời rất dài. '.repeat(400) }) });
    const { pages, text } = readPdf(Buffer.from(await (await as('sotp.tu', `/api/v1/tickets/${ticket.id}/print.pdf`)).arrayBuffer()));
    expect(pages).toBe(1);
    expect(text).toContain('…');
    expect(text).toContain('Trần Văn Tư');
  });

  // The font check does not touch the store: once, on SQLite (declared there only, so no run counts a skip).
  if (!onPg) it('a missing font is a clear 503 at the PDF route; the page model still works', { timeout: 60_000 }, async () => {
    const other = await startTestApp({ env: { PRINT_FONT_REGULAR: '/nonexistent/NotoSans-Regular.ttf', CONFIG_FILE: testConfigFile({ router: { enabled: false } }) } });
    try {
      const created = await fetch(`${other.url}/api/v1/tickets`, { method: 'POST', headers: { ...other.auth, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'question', subject: 'Hỏi', channel: 'phone' }) });
      const { id } = (await created.json()) as { id: number };
      const res = await fetch(`${other.url}/api/v1/tickets/${id}/print.pdf`, { headers: other.auth });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe('print_font_missing');
      expect(body.message).toContain('/nonexistent/NotoSans-Regular.ttf');
      expect((await fetch(`${other.url}/api/v1/tickets/${id}/print`, { headers: other.auth })).status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
