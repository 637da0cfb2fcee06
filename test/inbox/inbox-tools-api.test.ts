import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/core/audit.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

const password = 'Lúa-chín-vàng-đồng-2026!';

interface Session {
  cookie: string;
  csrf: string;
  csrfCookie: string;
}

describe('canned answers, labels, search, contacts and admin views over /api/v1', () => {
  let gw: TestApp;
  let teams: Record<string, number>;
  let hotich: Session;
  let datdai: Session;
  let supervisor: Session;

  const inject = (options: InjectOptions) => gw.app.inject(options);
  async function signIn(login: string): Promise<Session> {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { login, password } });
    expect(res.statusCode, res.body).toBe(200);
    const cookies = res.cookies as Array<{ name: string; value: string }>;
    return { cookie: cookies.find((c) => c.name === 'gw_session')!.value, csrf: res.json().csrfToken, csrfCookie: cookies.find((c) => c.name === '_csrf')!.value };
  }
  const as = (s: Session) => ({ cookie: `gw_session=${s.cookie}; _csrf=${s.csrfCookie}`, 'x-csrf-token': s.csrf });
  const ask = async (phone: string, text: string, name: string, team: string) => {
    const res = await inject({ method: 'POST', url: '/api/public/messages', payload: { name, phone, text } });
    await gw.app.gateway.inbound.idle();
    const id = res.json().conversationId as number;
    await inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: gw.auth, payload: { teamId: teams[team], assigneeId: null } });
    return { conversationId: id, contactId: (await inject({ url: `/api/v1/conversations/${id}`, headers: gw.auth })).json().contactId as number };
  };
  const auditActions = async () => {
    const { store } = gw.app.gateway;
    return (await store.db.select({ action: store.t.auditEvents.action }).from(store.t.auditEvents)).map((r) => r.action);
  };

  beforeAll(async () => {
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 } }) } });
    teams = Object.fromEntries((await inject({ url: '/api/v1/teams', headers: gw.auth })).json().map((t: { key: string; id: number }) => [t.key, t.id]));
    for (const [username, role, team] of [
      ['nv.hotich', 'agent', ['ho-tich-tu-phap']],
      ['nv.datdai', 'agent', ['dat-dai-xay-dung']],
      ['giam.sat', 'supervisor', []],
    ] as const) {
      const res = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: username, role, teams: team, password } });
      expect(res.statusCode, res.body).toBe(201);
    }
    hotich = await signIn('nv.hotich');
    datdai = await signIn('nv.datdai');
    supervisor = await signIn('giam.sat');
  });
  afterAll(() => gw.close());

  it('lets supervisors keep canned answers and shows each agent their teams\' and everyone\'s', async () => {
    const create = (s: Session, payload: object) => inject({ method: 'POST', url: '/api/v1/canned-answers', headers: as(s), payload });
    expect((await create(hotich, { shortcut: 'chao', title: 'Chào', body: 'Chào anh/chị' })).statusCode).toBe(403);
    const hello = await create(supervisor, { shortcut: 'chao', title: 'Lời chào', body: 'Chào anh/chị, tổng đài 1022 xin nghe.' });
    expect(hello.statusCode, hello.body).toBe(201);
    expect(hello.json()).toMatchObject({ shortcut: 'chao', teamId: null });
    expect((await create(supervisor, { shortcut: 'khai-sinh', title: 'Khai sinh', body: 'Hồ sơ khai sinh gồm tờ khai và giấy chứng sinh.', teamId: teams['ho-tich-tu-phap'] })).statusCode).toBe(201);
    expect((await create(supervisor, { shortcut: 'chao', title: 'x', body: 'y' })).statusCode).toBe(409);
    expect((await create(supervisor, { shortcut: 'Có Dấu', title: 'x', body: 'y' })).statusCode).toBe(400);

    const listFor = async (s: Session) => (await inject({ url: '/api/v1/canned-answers', headers: as(s) })).json().map((c: { shortcut: string }) => c.shortcut);
    expect(await listFor(hotich)).toEqual(['chao', 'khai-sinh']);
    expect(await listFor(datdai)).toEqual(['chao']);
    expect(await listFor(supervisor)).toEqual(['chao', 'khai-sinh']);

    const id = hello.json().id as number;
    expect((await inject({ method: 'PATCH', url: `/api/v1/canned-answers/${id}`, headers: as(datdai), payload: { body: 'x' } })).statusCode).toBe(403);
    const changed = await inject({ method: 'PATCH', url: `/api/v1/canned-answers/${id}`, headers: as(supervisor), payload: { body: 'Xin chào anh/chị.' } });
    expect(changed.json().body).toBe('Xin chào anh/chị.');
    expect((await inject({ method: 'DELETE', url: `/api/v1/canned-answers/${id}`, headers: as(hotich) })).statusCode).toBe(403);
    expect((await inject({ method: 'DELETE', url: `/api/v1/canned-answers/${id}`, headers: as(supervisor) })).statusCode).toBe(204);
    expect(await listFor(hotich)).toEqual(['khai-sinh']);
    expect(await auditActions()).toEqual(expect.arrayContaining(['canned_answer.created', 'canned_answer.changed', 'canned_answer.deleted']));
  });

  it('labels conversations the agent can see, filters by label and date, and refuses other teams', async () => {
    const created = await inject({ method: 'POST', url: '/api/v1/labels', headers: as(supervisor), payload: { key: 'can-goi-lai', name: 'Cần gọi lại', color: '#C0392B' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().color).toBe('#c0392b');
    expect((await inject({ method: 'POST', url: '/api/v1/labels', headers: as(hotich), payload: { key: 'x', name: 'x' } })).statusCode).toBe(403);
    expect((await inject({ method: 'POST', url: '/api/v1/labels', headers: as(supervisor), payload: { key: 'y', name: 'y', color: 'red;x' } })).statusCode).toBe(400);
    const labelId = created.json().id as number;
    const civil = await ask('0912000701', 'đăng ký kết hôn cần giấy tờ gì', 'Nguyễn Văn A', 'ho-tich-tu-phap');
    const land = await ask('0912000702', 'tách thửa đất', 'Trần Văn B', 'dat-dai-xay-dung');

    const put = await inject({ method: 'PUT', url: `/api/v1/conversations/${civil.conversationId}/labels/${labelId}`, headers: as(hotich) });
    expect(put.json()).toEqual({ conversationId: civil.conversationId, labelIds: [labelId], changed: true });
    expect((await inject({ method: 'PUT', url: `/api/v1/conversations/${land.conversationId}/labels/${labelId}`, headers: as(hotich) })).statusCode).toBe(403);
    expect((await inject({ method: 'PUT', url: `/api/v1/conversations/${civil.conversationId}/labels/99999`, headers: as(hotich) })).statusCode).toBe(404);

    const list = (query: string, s: Session = supervisor) => inject({ url: `/api/v1/conversations?${query}`, headers: as(s) });
    const byLabel = (await list(`labelId=${labelId}`)).json().items;
    expect(byLabel.map((c: { id: number }) => c.id)).toEqual([civil.conversationId]);
    expect(byLabel[0].labelIds).toEqual([labelId]);
    const today = new Date();
    const from = new Date(today.getTime() - 3_600_000).toISOString();
    const inRange = (await list(`from=${encodeURIComponent(from)}`)).json().items.map((c: { id: number }) => c.id);
    expect(inRange).toEqual(expect.arrayContaining([civil.conversationId, land.conversationId]));
    expect((await list(`to=${encodeURIComponent(from)}`)).json().items.map((c: { id: number }) => c.id)).not.toContain(civil.conversationId);
    expect((await list('from=yesterday')).statusCode).toBe(400);

    const removed = await inject({ method: 'DELETE', url: `/api/v1/conversations/${civil.conversationId}/labels/${labelId}`, headers: as(hotich) });
    expect(removed.json()).toMatchObject({ labelIds: [], changed: true });
    expect(await auditActions()).toEqual(expect.arrayContaining(['label.created', 'conversation.label.added', 'conversation.label.removed']));
  });

  it('searches without accents within the agent\'s teams, and audits the search', async () => {
    const search = async (q: string, s: Session) => (await inject({ url: `/api/v1/conversations?q=${encodeURIComponent(q)}`, headers: as(s) })).json().items.map((c: { contactName: string }) => c.contactName);
    expect(await search('dang ky ket hon', hotich)).toEqual(['Nguyễn Văn A']);
    expect(await search('nguyen van a', hotich)).toEqual(['Nguyễn Văn A']);
    expect(await search('nguyen van a', datdai)).toEqual([]);
    expect(await search('tran van b', datdai)).toEqual(['Trần Văn B']);
    const { store } = gw.app.gateway;
    const rows = await store.db.select().from(store.t.auditEvents);
    expect(rows.filter((r) => r.action === 'conversation.search').map((r) => (r.detail as { filter: { q: string } }).filter.q)).toEqual(
      expect.arrayContaining(['dang ky ket hon', 'tran van b']),
    );
  });

  it('shows, edits and merges contacts for agents who can see them, audited', async () => {
    const web = await ask('0912000703', 'hỏi thủ tục khai sinh', 'Lê Thị Cúc', 'ho-tich-tu-phap');
    const other = await ask('0912000704', 'tôi là Cúc, hỏi tiếp khai sinh', 'Cúc Lê', 'ho-tich-tu-phap');
    const hidden = await ask('0912000705', 'tách thửa', 'Người khác', 'dat-dai-xay-dung');

    const read = await inject({ url: `/api/v1/contacts/${web.contactId}`, headers: as(hotich) });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({ name: 'Lê Thị Cúc', phone: '84912000703', identities: [{ channel: 'webform' }], conversations: [{ id: web.conversationId }] });
    expect((await inject({ url: `/api/v1/contacts/${hidden.contactId}`, headers: as(hotich) })).statusCode).toBe(403);

    const edited = await inject({ method: 'PATCH', url: `/api/v1/contacts/${web.contactId}`, headers: as(hotich), payload: { name: 'Lê Thị Cúc (mẹ bé Na)', phone: '0912 000 799', email: 'Cuc.Le@Example.VN' } });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ name: 'Lê Thị Cúc (mẹ bé Na)', phone: '84912000799', email: 'cuc.le@example.vn' });
    expect((await inject({ method: 'PATCH', url: `/api/v1/contacts/${web.contactId}`, headers: as(hotich), payload: { phone: '12345' } })).statusCode).toBe(400);

    const found = (await inject({ url: `/api/v1/contacts?q=${encodeURIComponent('cuc le')}`, headers: as(hotich) })).json().items;
    expect(found.map((c: { id: number }) => c.id)).toEqual([other.contactId]);
    expect((await inject({ url: `/api/v1/contacts?q=${encodeURIComponent('nguoi khac')}`, headers: as(hotich) })).json().items).toEqual([]);

    expect((await inject({ method: 'POST', url: `/api/v1/contacts/${web.contactId}/merge`, headers: as(hotich), payload: { contactId: hidden.contactId } })).statusCode).toBe(403);
    const merged = await inject({ method: 'POST', url: `/api/v1/contacts/${web.contactId}/merge`, headers: as(hotich), payload: { contactId: other.contactId } });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json().conversations.map((c: { id: number }) => c.id).sort()).toEqual([web.conversationId, other.conversationId].sort());
    expect(merged.json().identities).toHaveLength(2);
    expect((await inject({ url: `/api/v1/conversations/${other.conversationId}`, headers: as(hotich) })).json().contactId).toBe(web.contactId);
    expect((await inject({ url: `/api/v1/contacts/${other.contactId}`, headers: as(hotich) })).statusCode).toBe(404);
    expect(await auditActions()).toEqual(expect.arrayContaining(['contact.read', 'contact.denied', 'contact.updated', 'contact.search', 'contact.merged']));
    expect(await verifyAuditChain(gw.app.gateway.store)).toBeNull();
  });

  it('serves the admin views: business hours, knowledge base, disabled agents for admins', async () => {
    expect((await inject({ url: '/api/v1/business-hours', headers: as(hotich) })).statusCode).toBe(403);
    const hours = (await inject({ url: '/api/v1/business-hours', headers: as(supervisor) })).json();
    expect(hours).toMatchObject({ timezone: 'Asia/Ho_Chi_Minh', configured: true });
    expect(hours.weekly.mon.length).toBeGreaterThan(0);
    expect(hours.daysOff.length).toBeGreaterThan(0);
    const entries = (await inject({ url: '/api/v1/knowledge-base', headers: as(supervisor) })).json();
    expect(entries.length).toBeGreaterThan(10);
    const one = (await inject({ url: `/api/v1/knowledge-base/${entries[0].id}`, headers: as(supervisor) })).json();
    expect(one).toMatchObject({ id: entries[0].id, title: entries[0].title });
    expect(one.answer.length).toBeGreaterThan(0);
    expect((await inject({ url: '/api/v1/knowledge-base/khong-co', headers: as(supervisor) })).statusCode).toBe(404);

    const disabled = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'nv.nghi', displayName: 'Nghỉ việc', role: 'agent' } });
    await inject({ method: 'PATCH', url: `/api/v1/agents/${disabled.json().id}`, headers: gw.auth, payload: { disabled: true } });
    const usernames = async (query: string, headers: Record<string, string>) => (await inject({ url: `/api/v1/agents${query}`, headers })).json().map?.((a: { username: string }) => a.username);
    expect(await usernames('', gw.auth)).not.toContain('nv.nghi');
    const all = (await inject({ url: '/api/v1/agents?includeDisabled=true', headers: gw.auth })).json();
    expect(all.find((a: { username: string }) => a.username === 'nv.nghi')).toMatchObject({ disabled: true });
    expect((await inject({ url: '/api/v1/agents?includeDisabled=true', headers: as(supervisor) })).statusCode).toBe(403);
  });
});
