import WebSocket from 'ws';
import type { TestApp } from './app.ts';

/**
 * Signs `username` in and opens their live feed; resolves, once the feed says hello, with the
 * list it keeps filling with the events whose type starts with `prefix`. The socket goes into
 * `sockets` for the test to close.
 */
export async function listenAs(gw: TestApp, username: string, password: string, prefix: string, sockets: WebSocket[]): Promise<Array<Record<string, unknown>>> {
  const login = await fetch(`${gw.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: username, password }) });
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie } });
    sockets.push(socket);
    const events: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as Record<string, unknown>;
      if (event.type === 'hello') resolve(events);
      else if (String(event.type).startsWith(prefix)) events.push(event);
    });
    socket.on('error', reject);
  });
}
