// Access rules and HTTP hardening a probe of a running gateway found missing, each over real
// HTTP (WebSocket for the live feed) with real sessions.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

const strong = 'Tràm-Chim-sếu-đầu-đỏ-2026';
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082', 'hex');

describe('access rules and headers', () => {
  let gw: TestApp;
  const sessions: Record<string, { headers: Record<string, string>; id: number }> = {};
  const units: Record<string, number> = {};
  const teams: Record<string, number> = {};
  const inject = (options: InjectOptions) => gw.app.inject(options);
  const call = async (who: string, method: InjectOptions['method'], url: string, payload?: unknown, extra: Record<string, string> = {}) => {
    const response = await inject({ method, url, headers: { ...sessions[who]!.headers, ...extra }, ...(payload === undefined ? {} : { payload: payload as never }) });
    return { status: response.statusCode, body: response.body && response.headers['content-type']?.toString().includes('json') ? (response.json() as Record<string, unknown> & { items?: Array<Record<string, unknown>> }) : {}, raw: response };
  };

  async function person(username: string, role: string, teamKeys: string[], unitKeys: string[] = []) {
    const created = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: username, role, teams: teamKeys, password: strong } });
    expect(created.statusCode, created.body).toBe(201);
    if (unitKeys.length) await inject({ method: 'PUT', url: `/api/v1/agents/${created.json().id}/units`, headers: gw.auth, payload: { unitIds: unitKeys.map((k) => units[k]) } });
    const login = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: username, password: strong } });
    expect(login.statusCode, login.body).toBe(200);
    const cookie = (login.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
    sessions[username] = { headers: { cookie, 'x-csrf-token': login.json().csrfToken }, id: created.json().id };
  }
  async function citizenAsks(phone: string, teamKey: string): Promise<number> {
    const response = await inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Huỳnh Thị Tố', phone, email: 'to.huynh@example.vn', text: 'Tôi muốn phản ánh' } });
    expect(response.statusCode, response.body).toBe(202);
    const id = response.json().conversationId as number;
    await inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: gw.auth, payload: { teamId: teams[teamKey] } });
    return id;
  }

  beforeAll(async () => {
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 }, router: { enabled: false } }), METRICS_TOKEN: 'metrics-token-0123456789abcdef', METRICS_ALLOW: '10.9.9.9' } });
    for (const unit of (await inject({ url: '/api/v1/units', headers: gw.auth })).json().items as Array<{ id: number; key: string }>) units[unit.key] = unit.id;
    for (const team of (await inject({ url: '/api/v1/teams', headers: gw.auth })).json() as Array<{ id: number; key: string }>) teams[team.key] = team.id;
    await person('nv.hotich', 'agent', ['ho-tich-tu-phap']);
    await person('nv.datdai', 'agent', ['dat-dai-xay-dung']);
    await person('sotp.can-bo', 'unit_officer', [], ['so-tu-phap']);
    await person('soyt.can-bo', 'unit_officer', [], ['so-y-te']);
  }, 120_000);
  afterAll(() => gw?.close());

  it("refuses an agent setting another agent's presence, and lets them set their own", async () => {
    const other = await call('nv.hotich', 'PUT', `/api/v1/agents/${sessions['nv.datdai']!.id}/presence`, { presence: 'online' });
    expect(other.status).toBe(403);
    const own = await call('nv.hotich', 'PUT', `/api/v1/agents/${sessions['nv.hotich']!.id}/presence`, { presence: 'online' });
    expect(own.status).toBe(200);
    expect((await inject({ method: 'PUT', url: `/api/v1/agents/${sessions['nv.datdai']!.id}/presence`, headers: gw.auth, payload: { presence: 'away' } })).statusCode).toBe(200);
  });

  it("refuses a ticket opened from another team's conversation", async () => {
    const id = await citizenAsks('0912000501', 'dat-dai-xay-dung');
    expect((await call('nv.hotich', 'GET', `/api/v1/conversations/${id}`)).status).toBe(403);
    const opened = await call('nv.hotich', 'POST', '/api/v1/tickets', { type: 'complaint', subject: 'Phản ánh', conversationId: id });
    expect(opened.status).toBe(403);
    expect((await call('nv.datdai', 'POST', '/api/v1/tickets', { type: 'complaint', subject: 'Phản ánh', conversationId: id })).status).toBe(201);
  });

  it("keeps a denunciation's reporter out of the unit's ticket list and its conversation filter", async () => {
    const conversationId = await citizenAsks('0912000502', 'ho-tich-tu-phap');
    const denunciation = await call('nv.hotich', 'POST', '/api/v1/tickets', { type: 'denunciation', subject: 'Tố cáo cán bộ', conversationId });
    const plain = await call('nv.hotich', 'POST', '/api/v1/tickets', { type: 'complaint', subject: 'Phản ánh khác', conversationId });
    for (const created of [denunciation, plain]) {
      expect(created.status).toBe(201);
      expect((await call('nv.hotich', 'POST', `/api/v1/tickets/${created.body.id}/actions`, { action: 'forward', unitId: units['so-tu-phap'] })).status).toBe(200);
    }
    const list = await call('sotp.can-bo', 'GET', '/api/v1/tickets');
    const listed = list.body.items!.find((item) => item.id === denunciation.body.id)!;
    expect(listed).toMatchObject({ contactId: null, conversationId: null, callId: null });
    const byConversation = await call('sotp.can-bo', 'GET', `/api/v1/tickets?conversationId=${conversationId}`);
    expect(byConversation.body.items!.map((item) => item.id)).toEqual([plain.body.id]);
    // The hotline itself still sees both.
    expect((await call('nv.hotich', 'GET', `/api/v1/tickets?conversationId=${conversationId}`)).body.items).toHaveLength(2);
  });

  it('takes a ticket file only from this ticket, typed by its bytes; .txt sent as text/plain is taken', async () => {
    const make = async (unit: string) => {
      const conversationId = await citizenAsks(`09120005${unit === 'so-tu-phap' ? '10' : '11'}`, 'ho-tich-tu-phap');
      const created = await call('nv.hotich', 'POST', '/api/v1/tickets', { type: 'complaint', subject: 'Có tệp', conversationId });
      await call('nv.hotich', 'POST', `/api/v1/tickets/${created.body.id}/actions`, { action: 'forward', unitId: units[unit] });
      return created.body.id as number;
    };
    const ours = await make('so-tu-phap');
    const theirs = await make('so-y-te');
    const upload = async (who: string, id: number, body: Buffer | string, type: string, name: string) =>
      inject({ method: 'POST', url: `/api/v1/tickets/${id}/attachments?name=${name}`, headers: { ...sessions[who]!.headers, 'content-type': type }, payload: body });

    const text = await upload('sotp.can-bo', ours, 'Biên bản làm việc\n', 'text/plain', 'bien-ban.txt');
    expect(text.statusCode, text.body).toBe(201);

    // Another unit's file, uploaded to their ticket, cannot be attached here by its key.
    const foreign = await upload('soyt.can-bo', theirs, png, 'image/png', 'anh.png');
    expect(foreign.statusCode).toBe(201);
    const stolen = await call('sotp.can-bo', 'POST', `/api/v1/tickets/${ours}/actions`, { action: 'accept', attachments: [{ key: foreign.json().key }] });
    expect(stolen.status).toBe(400);
    expect(stolen.body.code).toBe('attachment_unknown');

    // A file uploaded here, whatever type the client names in the step, downloads as what it is.
    const own = await upload('sotp.can-bo', ours, png, 'image/png', 'so-do.png');
    const accepted = await call('sotp.can-bo', 'POST', `/api/v1/tickets/${ours}/actions`, { action: 'accept', attachments: [{ key: own.json().key, mimeType: 'text/html', name: 'x.html' }] });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const download = await call('sotp.can-bo', 'GET', `/api/v1/tickets/${ours}/attachments/${own.json().key}`);
    expect(download.status).toBe(200);
    expect(download.raw.headers['content-type']).toBe('image/png');
  });

  it('opens the live feed only from the inbox itself, not from another site with the cookie', async () => {
    const open = (origin: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie: sessions['nv.hotich']!.headers.cookie!, origin } });
        socket.on('open', () => (socket.close(), resolve(101)));
        socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.on('error', () => resolve(-1));
      });
    expect(await open('https://evil.example')).toBe(403);
    expect(await open(gw.url)).toBe(101);
  });

  it('puts a policy on the citizen pages, HSTS over TLS, and /metrics behind its token or addresses', async () => {
    const form = await fetch(`${gw.url}/gui-cau-hoi`);
    expect(form.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(form.headers.get('x-content-type-options')).toBe('nosniff');
    expect(form.headers.get('strict-transport-security')).toBeNull();
    // Behind a TLS-terminating proxy (TRUST_PROXY) the answer carries HSTS.
    const proxied = await startTestApp({ listen: false, env: { TRUST_PROXY: 'true' } });
    try {
      const tls = await proxied.app.inject({ url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
      expect(tls.headers['strict-transport-security']).toContain('max-age=');
    } finally {
      await proxied.close();
    }
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(403);
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789abcdef' } })).status).toBe(200);
  });
});
