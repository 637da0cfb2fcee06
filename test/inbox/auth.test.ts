import { sql } from 'drizzle-orm';
import type { InjectOptions } from 'fastify';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/core/audit.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

const strong = 'Lúa-chín-vàng-đồng-2026!';

interface Session {
  cookie: string;
  csrf: string;
  csrfCookie: string;
}

describe('sign-in, sessions and access', () => {
  let gw: TestApp;
  let teams: Record<string, number>;
  const agents: Record<string, number> = {};

  const inject = (options: InjectOptions) => gw.app.inject(options);
  async function createAgent(username: string, role: string, teamKeys: string[], password = strong) {
    const res = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username, displayName: username, role, teams: teamKeys, password } });
    expect(res.statusCode, res.body).toBe(201);
    agents[username] = res.json().id;
  }
  async function signIn(login: string, password = strong, totp?: string): Promise<Session> {
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { login, password, ...(totp ? { totp } : {}) } });
    expect(res.statusCode, res.body).toBe(200);
    const cookies = res.cookies as Array<{ name: string; value: string; httpOnly?: boolean; sameSite?: string }>;
    const session = cookies.find((c) => c.name === 'gw_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Strict');
    return { cookie: session.value, csrf: res.json().csrfToken, csrfCookie: cookies.find((c) => c.name === '_csrf')!.value };
  }
  const as = (s: Session, withCsrf = true) => ({ cookie: `gw_session=${s.cookie}; _csrf=${s.csrfCookie}`, ...(withCsrf ? { 'x-csrf-token': s.csrf } : {}) });
  const ask = async (phone: string, text: string) => {
    const res = await inject({ method: 'POST', url: '/api/public/messages', payload: { name: 'Công dân', phone, text } });
    await gw.app.gateway.inbound.idle();
    return res.json().conversationId as number;
  };

  beforeAll(async () => {
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 } }) } });
    teams = Object.fromEntries((await inject({ url: '/api/v1/teams', headers: gw.auth })).json().map((t: { key: string; id: number }) => [t.key, t.id]));
    await createAgent('nv.hotich', 'agent', ['ho-tich-tu-phap']);
    await createAgent('nv.datdai', 'agent', ['dat-dai-xay-dung']);
    await createAgent('giam.sat', 'supervisor', []);
  });
  afterAll(() => gw.close());

  it('refuses weak passwords: short, common, or built on the person\'s names', async () => {
    for (const password of ['Ngắn-1', 'password1234', 'qwertyuiop123', '1022dongthap!!', 'nguyenvanyeu1']) {
      const res = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'nv.yeu', displayName: 'Nguyễn Văn Yếu', role: 'agent', teams: [], password } });
      expect(res.statusCode, password).toBe(400);
      expect(res.json().code).toBe('weak_password');
    }
    // Nothing half-made stays behind.
    const listed = (await inject({ url: '/api/v1/agents', headers: gw.auth })).json().map((a: { username: string }) => a.username);
    expect(listed).not.toContain('nv.yeu');
  });

  it('throttles sign-in attempts per address', async () => {
    const strict = await startTestApp({ listen: false });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 11; i++) codes.push((await strict.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'x', password: 'y' } })).statusCode);
      expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
      expect(codes[10]).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it('locks an account after 5 failed sign-ins, even for the right password, and alerts', async () => {
    await createAgent('nv.khoa', 'agent', []);
    const alerts: string[] = [];
    const off = gw.app.gateway.events.on('security.alert', (a) => alerts.push(a.kind));
    for (let i = 0; i < 5; i++) {
      const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nv.khoa', password: 'wrong password here' } });
      expect(res.statusCode).toBe(401);
    }
    off();
    const locked = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nv.khoa', password: strong } });
    // Locked, but the answer is the one a wrong password gets: it tells nobody the account exists.
    expect(locked.statusCode).toBe(401);
    expect(locked.json().message).toBe((await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nobody.here', password: strong } })).json().message);
    expect(alerts).toEqual(['lockout']);
    const unknown = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nobody', password: strong } });
    expect(unknown.json().message).toBe((await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nv.hotich', password: 'not it at all' } })).json().message);
  });

  it('uses httpOnly SameSite cookies and needs the CSRF token for every change', async () => {
    const s = await signIn('nv.hotich');
    expect((await inject({ url: '/api/v1/conversations', headers: as(s, false) })).statusCode).toBe(200);
    const id = await ask('0912000401', 'làm giấy khai sinh cần gì');
    await inject({ method: 'PATCH', url: `/api/v1/conversations/${id}`, headers: gw.auth, payload: { teamId: teams['ho-tich-tu-phap'] } });
    const noCsrf = await inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: as(s, false), payload: { text: 'Chào chị' } });
    expect(noCsrf.statusCode).toBe(403);
    const ok = await inject({ method: 'POST', url: `/api/v1/conversations/${id}/messages`, headers: as(s), payload: { text: 'Chào chị' } });
    expect(ok.statusCode).toBe(201);
    const messages = (await inject({ url: `/api/v1/conversations/${id}/messages`, headers: gw.auth })).json().items;
    expect(messages.at(-2)?.senderRef ?? messages.find((m: { text: string }) => m.text === 'Chào chị').senderRef).toBeDefined();
    expect(messages.find((m: { text: string }) => m.text === 'Chào chị').senderRef).toBe(`agent:${agents['nv.hotich']}`);
  });

  it('shows an agent only their team\'s conversations; the API refuses the others', async () => {
    const land = await ask('0912000402', 'tôi muốn phản ánh tách thửa đất bị chậm');
    const civil = await ask('0912000403', 'tôi muốn phản ánh việc đăng ký khai sinh bị chậm');
    await inject({ method: 'PATCH', url: `/api/v1/conversations/${civil}`, headers: gw.auth, payload: { teamId: teams['ho-tich-tu-phap'] } });
    const hotich = await signIn('nv.hotich');
    const listed = (await inject({ url: '/api/v1/conversations', headers: as(hotich, false) })).json().items.map((c: { id: number }) => c.id);
    expect(listed).toContain(civil);
    expect(listed).not.toContain(land);
    expect((await inject({ url: `/api/v1/conversations/${land}`, headers: as(hotich, false) })).statusCode).toBe(403);
    expect((await inject({ url: `/api/v1/conversations/${land}/messages`, headers: as(hotich, false) })).statusCode).toBe(403);
    expect((await inject({ method: 'POST', url: `/api/v1/conversations/${land}/messages`, headers: as(hotich), payload: { text: 'x' } })).statusCode).toBe(403);
    const supervisor = await signIn('giam.sat');
    const all = (await inject({ url: '/api/v1/conversations', headers: as(supervisor, false) })).json().items.map((c: { id: number }) => c.id);
    expect(all).toEqual(expect.arrayContaining([land, civil]));
    const { store } = gw.app.gateway;
    const denied = await store.db.select().from(store.t.auditEvents).where(sql`action = 'conversation.denied'`);
    expect(denied.length).toBeGreaterThanOrEqual(3);
  });

  it('ends sessions when idle too long, on sign-out everywhere and on a role change', async () => {
    const { store } = gw.app.gateway;
    const idle = await signIn('nv.datdai');
    await store.tx((db) => db.update(store.t.sessions).set({ lastSeenAt: new Date(Date.now() - 16 * 60_000) }).where(sql`agent_id = ${agents['nv.datdai']}`));
    expect((await inject({ url: '/api/v1/conversations', headers: as(idle, false) })).statusCode).toBe(401);

    const a = await signIn('nv.datdai');
    const b = await signIn('nv.datdai');
    expect((await inject({ method: 'POST', url: '/api/auth/logout-all', headers: as(a) })).statusCode).toBe(200);
    expect((await inject({ url: '/api/v1/conversations', headers: as(b, false) })).statusCode).toBe(401);

    const c = await signIn('nv.datdai');
    await inject({ method: 'PATCH', url: `/api/v1/agents/${agents['nv.datdai']}`, headers: gw.auth, payload: { role: 'supervisor' } });
    expect((await inject({ url: '/api/v1/conversations', headers: as(c, false) })).statusCode).toBe(401);
  });

  it('changes a password, which ends the other sessions', async () => {
    const s = await signIn('giam.sat');
    const other = await signIn('giam.sat');
    const next = 'Sông-Tiền-mùa-nước-nổi-88';
    const res = await inject({ method: 'POST', url: '/api/auth/password', headers: as(s), payload: { current: strong, next } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await inject({ url: '/api/v1/conversations', headers: as(other, false) })).statusCode).toBe(401);
    await signIn('giam.sat', next);
  });

  it('makes admins set up two-factor sign-in, then asks for the code', async () => {
    await createAgent('quan.tri', 'admin', []);
    const s = await signIn('quan.tri');
    const blocked = await inject({ url: '/api/v1/conversations', headers: as(s, false) });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('mfa_setup_required');
    const setup = (await inject({ method: 'POST', url: '/api/auth/mfa/setup', headers: as(s) })).json();
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.secret) });
    expect(setup.uri).toMatch(/^otpauth:\/\/totp\//);
    expect((await inject({ method: 'POST', url: '/api/auth/mfa/enable', headers: as(s), payload: { code: '000000' === totp.generate() ? '111111' : '000000' } })).statusCode).toBe(400);
    expect((await inject({ method: 'POST', url: '/api/auth/mfa/enable', headers: as(s), payload: { code: totp.generate() } })).statusCode).toBe(200);
    const withoutCode = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'quan.tri', password: strong } });
    expect(withoutCode.json().code).toBe('mfa_required');
    // The code that turned MFA on is spent: the next one signs in.
    const admin = await signIn('quan.tri', strong, totp.generate({ timestamp: Date.now() + 30_000 }));
    expect((await inject({ url: '/api/v1/conversations', headers: as(admin, false) })).statusCode).toBe(200);
    const review = await inject({ url: '/api/v1/access-review', headers: as(admin, false) });
    expect(review.headers['content-type']).toContain('text/csv');
    expect(review.body).toContain('"quan.tri","quan.tri","admin","","active","yes"');
  });

  it('disables accounts unused for 45 days, and keeps the audit chain intact', async () => {
    const { store, accounts } = gw.app.gateway;
    await createAgent('nv.cu', 'agent', []);
    await store.tx((db) => db.update(store.t.agents).set({ createdAt: new Date(Date.now() - 46 * 86_400_000) }).where(sql`username = 'nv.cu'`));
    expect(await accounts.disableInactive()).toEqual([agents['nv.cu']]);
    const res = await inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'nv.cu', password: strong } });
    expect(res.statusCode).toBe(401);
    const actions = (await store.db.select({ action: store.t.auditEvents.action }).from(store.t.auditEvents)).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.signin', 'auth.signin.failed', 'auth.lockout', 'auth.mfa.enabled', 'agent.disabled', 'auth.sessions.ended']));
    expect(await verifyAuditChain(store)).toBeNull();
  });
});
