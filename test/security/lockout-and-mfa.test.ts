import { eq } from 'drizzle-orm';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const pgUp = await postgresAvailable();
const strong = 'Cầu-Mỹ-Thuận-bắc-qua-sông-2026';
const wrong = 'Không-phải-mật-khẩu-này-99';

describe.each([
  ['SQLite', false],
  ['PostgreSQL', true],
])('account lockout under parallel attempts from many addresses (%s)', (_name, onPg) => {
  let gw: TestApp;
  let dropSchema: (() => Promise<void>) | undefined;
  const skip = onPg && !pgUp;
  let address = 0;

  beforeAll(async () => {
    if (skip) return;
    const pg = onPg ? freshPgUrl() : undefined;
    dropSchema = pg?.drop;
    gw = await startTestApp({
      env: {
        // Each attempt below comes from its own address, as a botnet's would.
        TRUST_PROXY: 'true',
        CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000, lockoutThreshold: 5, lockoutMinutes: 15 } }),
        ...(pg ? { DATABASE_URL: pg.url } : {}),
      },
    });
  });
  afterAll(async () => {
    await gw?.close();
    await dropSchema?.();
  });

  const createAgent = async (username: string) => {
    const res = await fetch(`${gw.url}/api/v1/agents`, {
      method: 'POST',
      headers: { ...gw.auth, 'content-type': 'application/json' },
      body: JSON.stringify({ username, displayName: username, role: 'agent', teams: [], password: strong }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: number }).id;
  };
  const attempt = (login: string, password: string, extra: Record<string, string> = {}) =>
    fetch(`${gw.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.51.100.${++address % 250}` },
      body: JSON.stringify({ login, password, ...extra }),
    });

  it.skipIf(skip)('counts ten simultaneous wrong passwords from ten addresses and then refuses the right one', async () => {
    const id = await createAgent('nv.song.song');
    const alerts: string[] = [];
    const off = gw.app.gateway.events.on('security.alert', (alert) => alerts.push(alert.kind));
    const answers = await Promise.all(Array.from({ length: 10 }, () => attempt('nv.song.song', wrong)));
    off();
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(401));

    const { store } = gw.app.gateway;
    const [row] = await store.db.select({ lockedUntil: store.t.agents.lockedUntil }).from(store.t.agents).where(eq(store.t.agents.id, id));
    expect(row!.lockedUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(alerts).toEqual(['lockout']);

    // From ten more addresses at once, the right password signs nobody in.
    const right = await Promise.all(Array.from({ length: 10 }, () => attempt('nv.song.song', strong)));
    expect(right.map((a) => a.status)).toEqual(Array(10).fill(401));

    // No more guesses were checked than the allowance: the rest were refused unchecked.
    const audit = await store.db.select({ action: store.t.auditEvents.action }).from(store.t.auditEvents).where(eq(store.t.auditEvents.subjectId, String(id)));
    const checked = audit.filter((a) => a.action === 'auth.signin.failed' || a.action === 'auth.lockout').length;
    expect(checked).toBeLessThanOrEqual(5);
    expect(audit.filter((a) => a.action === 'auth.signin').length).toBe(0);
  });

  it.skipIf(skip)('answers a locked account exactly as an unknown one', async () => {
    await createAgent('nv.bi.khoa');
    for (let i = 0; i < 5; i++) await attempt('nv.bi.khoa', wrong);
    const locked = await attempt('nv.bi.khoa', strong);
    const unknown = await attempt('khong.ai.ca', strong);
    expect(locked.status).toBe(unknown.status);
    expect(await locked.json()).toEqual(await unknown.json());
  });

  it.skipIf(skip)('throttles the password change the same way: five wrong current passwords lock the account', async () => {
    await createAgent('nv.doi.mk');
    const signedIn = await attempt('nv.doi.mk', strong);
    expect(signedIn.status).toBe(200);
    const cookies = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrfToken } = (await signedIn.json()) as { csrfToken: string };
    const change = (current: string) =>
      fetch(`${gw.url}/api/auth/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: cookies, 'x-csrf-token': csrfToken },
        body: JSON.stringify({ current, next: 'Một-mật-khẩu-mới-rất-dài-77' }),
      });
    const answers = await Promise.all(Array.from({ length: 8 }, () => change(wrong)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(401));
    // Locked now: even the right current password does not change it, and sign-in is refused.
    expect((await change(strong)).status).toBe(401);
    expect((await attempt('nv.doi.mk', strong)).status).toBe(401);
  });
});

describe('two-factor sign-in', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ security: { signInAttemptsPerMinute: 1000 } }) } });
  });
  afterAll(() => gw.close());

  it('keeps the TOTP secret encrypted in the store and accepts each code once', async () => {
    const inject = gw.app.inject.bind(gw.app);
    const created = await inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'qt.hai.buoc', displayName: 'QT', role: 'admin', teams: [], password: strong } });
    expect(created.statusCode, created.body).toBe(201);
    const login = (totp?: string) => inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'qt.hai.buoc', password: strong, ...(totp ? { totp } : {}) } });
    const first = await login();
    const cookie = first.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const headers = { cookie, 'x-csrf-token': first.json().csrfToken as string };
    const setup = (await inject({ method: 'POST', url: '/api/auth/mfa/setup', headers })).json() as { secret: string };
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(setup.secret) });
    expect((await inject({ method: 'POST', url: '/api/auth/mfa/enable', headers, payload: { code: totp.generate() } })).statusCode).toBe(200);

    const { store } = gw.app.gateway;
    const [row] = await store.db.select({ secret: store.t.agents.mfaSecret }).from(store.t.agents).where(eq(store.t.agents.username, 'qt.hai.buoc'));
    expect(row!.secret).not.toContain(setup.secret);
    expect(row!.secret).toMatch(/^v1:/);

    // The enabling code is spent; the next step's code signs in once, and a replay is refused.
    expect((await login(totp.generate())).statusCode).toBe(401);
    const next = totp.generate({ timestamp: Date.now() + 30_000 });
    expect((await login(next)).statusCode).toBe(200);
    expect((await login(next)).statusCode).toBe(401);
  });

  it('counts the step that asks for the code as an attempt, audited like a failure', async () => {
    const { store } = gw.app.gateway;
    const before = (await store.db.select({ failed: store.t.agents.failedLogins }).from(store.t.agents).where(eq(store.t.agents.username, 'qt.hai.buoc')))[0]!.failed;
    const res = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'qt.hai.buoc', password: strong } });
    expect(res.json().code).toBe('mfa_required');
    const after = (await store.db.select({ failed: store.t.agents.failedLogins }).from(store.t.agents).where(eq(store.t.agents.username, 'qt.hai.buoc')))[0]!.failed;
    expect(after).toBe(before + 1);
    const actions = (await store.db.select({ action: store.t.auditEvents.action }).from(store.t.auditEvents)).map((a) => a.action);
    expect(actions).toContain('auth.signin.mfa_required');
  });
});
