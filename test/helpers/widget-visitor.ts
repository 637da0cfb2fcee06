import WebSocket from 'ws';
import type { ClientFrame, ServerFrame, WireMessage } from '../../src/channels/webchat/types.ts';
import type { TestApp } from './app.ts';

/** A widget's socket as a test drives it: every frame kept, waits on what must come. */
export class Visitor {
  readonly frames: ServerFrame[] = [];
  private waiters: Array<{ match: (frame: ServerFrame) => boolean; resolve: (frame: ServerFrame) => void }> = [];
  closed: Promise<{ code: number }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code })));
  }

  send(frame: ClientFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  waitFor<T extends ServerFrame>(match: (frame: ServerFrame) => boolean, timeoutMs = 10_000): Promise<T> {
    const found = this.frames.find(match);
    if (found) return Promise.resolve(found as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 600)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (frame) => (clearTimeout(timer), resolve(frame as T)) });
    });
  }

  messages(): WireMessage[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { t: 'msg' }> => f.t === 'msg').map((f) => f.m);
  }

  close(): Promise<{ code: number }> {
    this.ws.close();
    return this.closed;
  }
}

/** Opens the widget's socket as the gateway's own page would (its Origin), or as `origin`. */
export function openWidgetSocket(gw: TestApp, options: { origin?: string | null; path?: string } = {}): Promise<WebSocket> {
  const origin = options.origin === undefined ? gw.url : options.origin;
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}${options.path ?? '/webchat/ws'}`, origin ? { origin } : {});
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    ws.once('error', reject);
  });
}

/** A visitor who has said hello and been welcomed. */
export async function widgetVisitor(gw: TestApp, hello: Omit<Extract<ClientFrame, { t: 'hello' }>, 't'> = {}) {
  const v = new Visitor(await openWidgetSocket(gw));
  v.send({ t: 'hello', ...hello });
  const welcome = await v.waitFor<Extract<ServerFrame, { t: 'welcome' }>>((f) => f.t === 'welcome');
  return { v, welcome };
}
