// node --import tsx bench/widget-probe.ts <gateway url> <seconds> [visitors] [every ms]
// Widget visitors asking the bot while something else loads the gateway: each question from a
// new visitor (a new conversation, as each web-form message of the load is), timed from the
// question leaving the socket to the bot's answer frame arriving in it. Runs as a process of its
// own so the load generator's event loop does not delay the frames it times; prints one JSON line.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { root } from './lib.ts';
import { answerable } from './questions.ts';

export interface WidgetProbe {
  asked: number;
  answered: number;
  /** No answer within the timeout (or a refused socket). */
  lost: number;
  /** Milliseconds, question to answer frame. */
  latencies: number[];
}

const timeoutMs = 10_000;

/** One visitor, one question; resolves with the time to the bot's answer, or null. */
function ask(url: string, text: string, n: number): Promise<number | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/webchat/ws`, { origin: url });
    let asked = 0;
    const done = (value: number | null) => {
      clearTimeout(timer);
      ws.terminate();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { t: string; m?: { from?: string } };
      if (frame.t === 'welcome') {
        asked = performance.now();
        ws.send(JSON.stringify({ t: 'msg', cid: `probe-${process.pid}-${n}`, text }));
      } else if (frame.t === 'msg' && frame.m?.from === 'bot' && asked) done(performance.now() - asked);
      else if (frame.t === 'error') done(null);
    });
    ws.once('open', () => ws.send(JSON.stringify({ t: 'hello' })));
    ws.once('error', () => done(null));
  });
}

/** `visitors` visitors, each asking one question every `everyMs` for `seconds`. */
export async function probeWidget(url: string, seconds: number, visitors = 5, everyMs = 200): Promise<WidgetProbe> {
  const until = performance.now() + seconds * 1000;
  const result: WidgetProbe = { asked: 0, answered: 0, lost: 0, latencies: [] };
  let n = 0;
  const visitor = async () => {
    while (performance.now() < until) {
      const started = performance.now();
      const i = n++;
      result.asked++;
      const took = await ask(url, answerable[i % answerable.length]!, i);
      if (took === null) result.lost++;
      else {
        result.answered++;
        result.latencies.push(took);
      }
      await new Promise((done) => setTimeout(done, Math.max(0, everyMs - (performance.now() - started))));
    }
  };
  await Promise.all(Array.from({ length: visitors }, visitor));
  return result;
}

/** Runs the probe in a child process (see the top of this file) and returns what it measured. */
export function probeWidgetApart(url: string, seconds: number): Promise<WidgetProbe> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/widget-probe.ts', url, String(seconds)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as WidgetProbe) : reject(new Error(`widget probe exited with ${code}`))));
  });
}

export const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const [url, seconds, visitors, everyMs] = process.argv.slice(2);
  const result = await probeWidget(url!, Number(seconds), visitors ? Number(visitors) : undefined, everyMs ? Number(everyMs) : undefined);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
