import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse, stringify } from 'yaml';
import { fmt, root, startProcess } from './lib.ts';
import { askEach, openVisitor, timeReplies, type Visitor } from './widget-visitors.ts';

export interface WebchatBench {
  sockets: { target: number; opened: number; failed: number; seconds: number; rssBeforeMb: number; rssAfterMb: number; kbPerSocket: number };
  latency: { sockets: number; replies: number; lost: number; p50: number; p99: number; max: number };
}

const token = 'bench-admin-token-0123456789abcdef';

/** Resident memory of a process, from /proc (Linux). */
function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

/**
 * The widget's socket side: N concurrent sockets on one gateway process (resident memory per
 * socket from the server's VmRSS before and after), then, with `latencySockets` of them each in
 * a conversation, the time from an agent's reply through the REST API to its arrival in the
 * visitor's socket.
 */
export async function benchWebchat(options: { sockets?: number; latencySockets?: number; replies?: number; concurrency?: number } = {}): Promise<WebchatBench> {
  const target = options.sockets ?? 5000;
  const latencySockets = Math.min(options.latencySockets ?? 1000, target);
  const replies = options.replies ?? 500;
  const concurrency = options.concurrency ?? 10;

  const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-webchat-'));
  const config = parse(readFileSync(join(root, 'config/default.yaml'), 'utf8')) as { inboxes: Array<{ channel: string; settings?: Record<string, unknown> }> };
  const limits = { ipConnectionsPerMinute: 1_000_000, maxSocketsPerIp: 1_000_000, ipMessagesPerMinute: 1_000_000, visitorMessagesPerMinute: 1000 };
  const others = config.inboxes.filter((inbox) => inbox.channel !== 'webchat');
  config.inboxes = [...others, { key: 'webchat', channel: 'webchat', name: 'Bench', settings: limits } as never];
  writeFileSync(join(dir, 'config.yaml'), stringify(config));
  const server = await startProcess('src/server.ts', {
    DATABASE_URL: `file:${join(dir, 'gateway.db')}`,
    CONFIG_FILE: join(dir, 'config.yaml'),
    PORT: '0',
    PUBLIC_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    GATEWAY_ADMIN_TOKEN: token,
  });
  const clients: Visitor[] = [];
  try {
    const pid = server.child.pid!;
    // Warm up: the widget build, the routes, the first statements.
    (await openVisitor(server.url)).ws.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = rssKb(pid);

    const started = performance.now();
    let failed = 0;
    for (let i = 0; i < target; i += 250) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(250, target - i) }, () => openVisitor(server.url)));
      for (const result of batch) {
        if (result.status === 'fulfilled') clients.push(result.value);
        else failed++;
      }
    }
    const seconds = (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = rssKb(pid);

    // Latency with `latencySockets` open, each visitor in a conversation of their own.
    for (const client of clients.splice(latencySockets)) client.ws.close();
    const chatting = clients;
    await askEach(chatting);
    // Let the bot answer everyone first: the measure is of agents' replies, not of its backlog.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const times = await timeReplies({ count: replies, inFlight: concurrency, token, label: 'webchat', pick: (n) => ({ visitor: chatting[n % chatting.length]!, url: server.url }) });
    return {
      sockets: { target, opened: target - failed, failed, seconds, rssBeforeMb: before / 1024, rssAfterMb: after / 1024, kbPerSocket: (after - before) / Math.max(1, target - failed) },
      latency: { sockets: chatting.length, ...times },
    };
  } finally {
    for (const client of clients) client.ws.terminate();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printWebchat(result: WebchatBench): void {
  const { sockets, latency } = result;
  console.log('live chat: widget sockets on one gateway process, SQLite default');
  console.log(
    `  sockets open              ${fmt(sockets.opened)} of ${fmt(sockets.target)} in ${fmt(sockets.seconds, 1)} s   failed ${fmt(sockets.failed)}`,
  );
  console.log(`  server RSS                ${fmt(sockets.rssBeforeMb, 1)} MB -> ${fmt(sockets.rssAfterMb, 1)} MB   ${fmt(sockets.kbPerSocket, 1)} KB per socket`);
  console.log(
    `  agent reply -> widget     p50 ${fmt(latency.p50, 1)} ms   p99 ${fmt(latency.p99, 1)} ms   max ${fmt(latency.max, 1)} ms   (${fmt(latency.replies)} replies, ${fmt(latency.sockets)} sockets, lost ${fmt(latency.lost)})`,
  );
}
