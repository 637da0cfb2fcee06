import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { testConfigFile } from '../helpers/config.ts';

const password = 'Đồng-Tháp-sen-hồng-2026!';

describe('agents\' live feed', () => {
  let gw: TestApp;

  const signIn = async (login: string) => {
    const res = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login, password }) });
    expect(res.status).toBe(200);
    return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  };
  const connect = (cookie: string) =>
    new Promise<{ socket: WebSocket; events: Array<Record<string, unknown>> }>((resolve, reject) => {
      const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
      const events: Array<Record<string, unknown>> = [];
      socket.on('message', (data) => {
        const event = JSON.parse(String(data)) as Record<string, unknown>;
        events.push(event);
        if (event.type === 'hello') resolve({ socket, events });
      });
      socket.on('error', reject);
    });

  beforeAll(async () => {
    gw = await startTestApp({ env: { CONFIG_FILE: testConfigFile({ businessHours: undefined, security: { signInAttemptsPerMinute: 1000 } }) } });
    for (const [username, team] of [['nv.dat', 'dat-dai-xay-dung'], ['nv.ho', 'ho-tich-tu-phap']]) {
      const res = await fetch(`${gw.url}/api/v1/agents`, { method: 'POST', headers: { ...gw.auth, 'content-type': 'application/json' }, body: JSON.stringify({ username, displayName: username, role: 'agent', teams: [team], password }) });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => gw.close());

  it('refuses a socket without a session', async () => {
    const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/api/v1/live`);
    const status = await new Promise<number>((resolve) => socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('streams what happens in the agent\'s team, not in others, and tracks presence by socket', async () => {
    const dat = await connect(await signIn('nv.dat'));
    const ho = await connect(await signIn('nv.ho'));
    dat.socket.send(JSON.stringify({ type: 'presence', presence: 'online' }));
    await expect.poll(async () => (await (await fetch(`${gw.url}/api/v1/agents`, { headers: gw.auth })).json()).find((a: { username: string }) => a.username === 'nv.dat').presence).toBe('online');

    const res = await fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Công dân', phone: '0912000501', text: 'tôi muốn phản ánh việc tách thửa đất bị chậm trễ' }) });
    const { conversationId, visitorKey } = (await res.json()) as { conversationId: number; visitorKey: string };
    await gw.app.gateway.inbound.idle();
    // Handed to the land team, assigned to nv.dat who is online: nv.dat sees it live.
    await expect.poll(() => dat.events.filter((e) => e.conversationId === conversationId).map((e) => e.type)).toEqual(expect.arrayContaining(['conversation.handoff', 'conversation.assigned', 'message.created']));
    expect(ho.events.filter((e) => e.conversationId === conversationId)).toEqual([]);

    const followUp = await fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Công dân', phone: '0912000501', text: 'có ai xem giúp không', visitorKey }) });
    const { messageId } = (await followUp.json()) as { messageId: number };
    await expect.poll(() => dat.events.some((e) => e.type === 'message.created' && e.messageId === messageId)).toBe(true);

    dat.socket.close();
    await expect.poll(async () => (await (await fetch(`${gw.url}/api/v1/agents`, { headers: gw.auth })).json()).find((a: { username: string }) => a.username === 'nv.dat').presence).toBe('offline');
    ho.socket.close();
  });
});
