// What a security team pulls from the gateway: the audit log as JSON lines for its SIEM, and the
// security.txt that says where to report a problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

interface Line {
  id: number;
  action: string;
  prevHash: string;
  hash: string;
}

describe('audit log export and security.txt', () => {
  let gw: TestApp;
  beforeAll(async () => {
    gw = await startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ deployment: { securityContact: 'mailto:attt@so-tttt.example.vn' }, security: { signInAttemptsPerMinute: 1000 } }), PUBLIC_BASE_URL: 'https://1022.example.vn' } });
  });
  afterAll(() => gw?.close());

  const page = async (after: number, limit: number) => {
    const res = await gw.app.inject({ url: `/api/v1/audit-events?after=${after}&limit=${limit}`, headers: gw.auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = res.body.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Line);
    return { lines, next: Number(res.headers['x-next-after']) };
  };

  it('pages through the chain with a cursor; every line links to the one before', async () => {
    // Some entries to export: searches of personal data are audited.
    for (const q of ['Nguyễn', 'Trần', 'Lê', 'Phạm']) expect((await gw.app.inject({ url: `/api/v1/contacts?q=${encodeURIComponent(q)}`, headers: gw.auth })).statusCode).toBe(200);
    const first = await page(0, 3);
    expect(first.lines).toHaveLength(3);
    expect(first.next).toBe(first.lines[2]!.id);
    const second = await page(first.next, 1000);
    const all = [...first.lines, ...second.lines];
    for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
    expect(all.filter((line) => line.action === 'contact.search')).toHaveLength(4);
    // Exporting is itself written down.
    expect(second.lines.some((line) => line.action === 'audit.export')).toBe(true);
    const empty = await page(second.next + 1000, 10);
    expect(empty).toEqual({ lines: [], next: second.next + 1000 });
    expect((await gw.app.inject({ url: '/api/v1/audit-events/verify', headers: gw.auth })).json()).toEqual({ intact: true, firstBrokenId: null });
  });

  it('refuses anyone but an admin', async () => {
    const created = await gw.app.inject({ method: 'POST', url: '/api/v1/agents', headers: gw.auth, payload: { username: 'gs.audit', displayName: 'Giám sát', role: 'supervisor', teams: [], password: 'Đồng-Tháp-sen-hồng-2026!' } });
    expect(created.statusCode).toBe(201);
    const login = await gw.app.inject({ method: 'POST', url: '/api/auth/login', payload: { login: 'gs.audit', password: 'Đồng-Tháp-sen-hồng-2026!' } });
    const cookie = (login.cookies as Array<{ name: string; value: string }>).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await gw.app.inject({ url: '/api/v1/audit-events', headers: { cookie } })).statusCode).toBe(403);
    expect((await gw.app.inject({ url: '/api/v1/audit-events' })).statusCode).toBe(401);
  });

  it('serves security.txt with the contact, an expiry within a year and its canonical address', async () => {
    const res = await gw.app.inject({ url: '/.well-known/security.txt' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    const fields = Object.fromEntries(res.body.trim().split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
    expect(fields).toMatchObject({ Contact: 'mailto:attt@so-tttt.example.vn', 'Preferred-Languages': 'vi, en', Canonical: 'https://1022.example.vn/.well-known/security.txt' });
    const expires = Date.parse(fields.Expires!);
    expect(expires).toBeGreaterThan(Date.now());
    expect(expires).toBeLessThan(Date.now() + 365 * 86_400_000);
  });

  it('serves none when the deployment names no contact, and refuses a contact that is not a URI', async () => {
    const bare = await startTestApp({ listen: false });
    try {
      expect((await bare.app.inject({ url: '/.well-known/security.txt' })).statusCode).toBe(404);
    } finally {
      await bare.close();
    }
    await expect(startTestApp({ listen: false, env: { CONFIG_FILE: testConfigFile({ deployment: { securityContact: 'attt@example.vn' } }) } })).rejects.toThrow(/securityContact/);
  });
});
