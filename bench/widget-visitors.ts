// Widget visitors for the webchat and cluster benches: sockets held open as the widget holds
// them, each visitor in a conversation of their own, and the time an agent's reply through the
// REST API takes to reach them.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { percentile } from './widget-probe.ts';

export interface Visitor {
  ws: WebSocket;
  conversationId: number;
  /** Called when a message with this text reaches the socket. */
  waiters: Map<string, () => void>;
}

/** Opens a widget socket on the gateway at `url` and says hello; resolves at the welcome. */
export function openVisitor(url: string): Promise<Visitor> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/webchat/ws`, { origin: url });
    const visitor: Visitor = { ws, conversationId: 0, waiters: new Map() };
    const timer = setTimeout(() => (ws.terminate(), reject(new Error('no welcome within 30 s'))), 30_000);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; conversationId?: number; m?: { text: string | null } };
      if (frame.t === 'welcome') {
        clearTimeout(timer);
        resolve(visitor);
      } else if (frame.t === 'session') visitor.conversationId = frame.conversationId!;
      else if (frame.t === 'msg' && frame.m?.text) visitor.waiters.get(frame.m.text)?.();
    });
    ws.once('open', () => ws.send(JSON.stringify({ t: 'hello' })));
    ws.once('error', (error) => (clearTimeout(timer), reject(error)));
  });
}

/** Each visitor asks a question of their own, which opens their conversation; resolves when every one is back. */
export function askEach(visitors: Visitor[]): Promise<void> {
  return Promise.all(
    visitors.map(
      (visitor, i) =>
        new Promise<void>((resolve) => {
          visitor.waiters.set(`Câu hỏi ${i}`, () => resolve());
          visitor.ws.send(JSON.stringify({ t: 'msg', cid: `q${i}`, text: `Câu hỏi ${i}` }));
        }),
    ),
  ).then(() => undefined);
}

export interface ReplyTimes {
  replies: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * `count` agent replies, `inFlight` at a time, each posted to the API at the URL `pick` gives
 * with the visitor it gives, timed from the POST to the reply's arrival in that visitor's socket;
 * a reply refused or not seen within 10 s is lost.
 */
export async function timeReplies(options: { count: number; inFlight: number; token: string; label: string; pick: (n: number) => { visitor: Visitor; url: string } }): Promise<ReplyTimes> {
  const latencies: number[] = [];
  let lost = 0;
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const n = next++;
      const { visitor, url } = options.pick(n);
      const text = `Trả lời ${options.label} ${n}`;
      const arrived = new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(-1), 10_000);
        visitor.waiters.set(text, () => (clearTimeout(timer), resolve(performance.now())));
      });
      const t0 = performance.now();
      const response = await fetch(`${url}/api/v1/conversations/${visitor.conversationId}/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text }),
      });
      const at = await arrived;
      if (!response.ok || at < 0) lost++;
      else latencies.push(at - t0);
      visitor.waiters.delete(text);
    }
  };
  await Promise.all(Array.from({ length: options.inFlight }, worker));
  latencies.sort((a, b) => a - b);
  return { replies: options.count, lost, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
}
