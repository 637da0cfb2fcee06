import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parse, stringify } from 'yaml';
import { fmt, load, root, startProcess, type LoadResult } from './lib.ts';
import { askEach, openVisitor, timeReplies, type Visitor } from './widget-visitors.ts';

export interface ClusterBench {
  /** Replies sent one after another by a single agent: the path's own time. */
  oneAtATime: ReplyLatency;
  /** Replies from `concurrency` agents back to back: the path under load. */
  latency: ReplyLatency;
  ingest: { oneNode: LoadResult; twoNodes: LoadResult; ratio: number };
}

interface ReplyLatency {
  sockets: number;
  replies: number;
  concurrency: number;
  lost: number;
  p50: number;
  p99: number;
  max: number;
}

const token = 'bench-admin-token-0123456789abcdef';
const pgBaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const citizenMessage = (n: number) =>
  JSON.stringify({
    name: 'Nguyễn Văn Bình',
    phone: `09${String(10_000_000 + (n % 50_000)).slice(-8)}`,
    text: 'Cho tôi hỏi thủ tục đăng ký khai sinh cho con cần giấy tờ gì, nộp ở đâu và mất bao lâu?',
    clientMessageId: `cluster-bench-${process.pid}-${n}`,
  });

/**
 * Two gateway processes on one PostgreSQL schema and Redis. `sockets` widget sockets, half on
 * each node, each visitor in a conversation of their own; an agent replies through the API of
 * the node the visitor is NOT on, and the time to the reply's arrival in the widget is taken
 * (it crosses Redis). Then web-form ingest against one node, and against both at once with the
 * same connections split between them.
 */
export async function benchCluster(options: { seconds: number; connections: number; sockets?: number; replies?: number; concurrency?: number }): Promise<ClusterBench> {
  const total = options.sockets ?? 1000;
  const replies = options.replies ?? 500;
  const concurrency = options.concurrency ?? 10;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-cluster-'));
  const config = parse(readFileSync(join(root, 'config/default.yaml'), 'utf8')) as { inboxes: Array<{ channel: string }>; router: object };
  const limits = { ipConnectionsPerMinute: 1_000_000, maxSocketsPerIp: 1_000_000, ipMessagesPerMinute: 1_000_000, visitorMessagesPerMinute: 1000 };
  config.inboxes = [...config.inboxes.filter((inbox) => inbox.channel !== 'webchat'), { key: 'webchat', channel: 'webchat', name: 'Bench', settings: limits } as never];
  // The bot off: the measure is of agents' replies and of ingest, not of the bot's backlog.
  config.router = { ...config.router, enabled: false };
  writeFileSync(join(dir, 'config.yaml'), stringify(config));
  const env = {
    DATABASE_URL: `${pgBaseUrl}${pgBaseUrl.includes('?') ? '&' : '?'}schema=${schema}`,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `${schema}:`,
    CONFIG_FILE: join(dir, 'config.yaml'),
    PORT: '0',
    PUBLIC_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    GATEWAY_ADMIN_TOKEN: token,
  };
  const nodes = await Promise.all([startProcess('src/server.ts', env), startProcess('src/server.ts', env)]);
  const clients: Array<Visitor & { node: number }> = [];
  try {
    (await openVisitor(nodes[0].url)).ws.close();
    (await openVisitor(nodes[1].url)).ws.close();
    for (let i = 0; i < total; i += 250) {
      const batch = await Promise.all(Array.from({ length: Math.min(250, total - i) }, (_, k) => openVisitor(nodes[(i + k) % 2]!.url).then((c) => Object.assign(c, { node: (i + k) % 2 }))));
      clients.push(...batch);
    }
    await askEach(clients);

    // The same replies measured twice: one agent at a time (the path itself), then `concurrency`
    // agents replying back to back (the path under load, queueing included).
    const measure = async (label: string, count: number, inFlight: number): Promise<ReplyLatency> => {
      const times = await timeReplies({
        count,
        inFlight,
        token,
        label,
        pick: (n) => {
          const visitor = clients[(n + (label === 'one' ? 0 : 500)) % clients.length]!;
          return { visitor, url: nodes[1 - visitor.node]!.url };
        },
      });
      return { sockets: total, concurrency: inFlight, ...times };
    };
    const oneAtATime = await measure('one', Math.min(200, replies), 1);
    const latency = await measure('many', replies, concurrency);
    for (const client of clients.splice(0)) client.ws.terminate();

    let n = 0;
    const run = (url: string, connections: number) => load({ url, path: '/api/public/messages', seconds: options.seconds, connections, makeRequest: () => ({ body: citizenMessage(n++) }) });
    const oneNode = await run(nodes[0].url, options.connections);
    const half = Math.max(1, Math.floor(options.connections / 2));
    const [x, y] = await Promise.all([run(nodes[0].url, half), run(nodes[1].url, options.connections - half)]);
    const twoNodes: LoadResult = {
      requestsPerSecond: x.requestsPerSecond + y.requestsPerSecond,
      ok: x.ok + y.ok,
      errors: x.errors + y.errors,
      non2xx: x.non2xx + y.non2xx,
      p50: Math.max(x.p50, y.p50),
      p99: Math.max(x.p99, y.p99),
      seconds: options.seconds,
    };
    return {
      oneAtATime,
      latency,
      ingest: { oneNode, twoNodes, ratio: twoNodes.requestsPerSecond / Math.max(1, oneNode.requestsPerSecond) },
    };
  } finally {
    for (const client of clients) client.ws.terminate();
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: pgBaseUrl });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  }
}

export function printCluster(result: ClusterBench): void {
  const { oneAtATime, latency, ingest } = result;
  console.log('cluster: two gateway processes on one PostgreSQL schema and Redis');
  for (const l of [oneAtATime, latency]) {
    console.log(
      `  agent reply on one node -> widget on the other, ${l.concurrency === 1 ? '1 agent at a time  ' : `${l.concurrency} agents at once`}   p50 ${fmt(l.p50, 1)} ms   p99 ${fmt(l.p99, 1)} ms   max ${fmt(l.max, 1)} ms   (${fmt(l.replies)} replies, ${fmt(l.sockets)} sockets, lost ${fmt(l.lost)})`,
    );
  }
  const line = (name: string, r: LoadResult) => `  ${name}   ${fmt(r.requestsPerSecond)} msg/s   p50 ${fmt(r.p50)} ms   p99 ${fmt(r.p99)} ms   errors ${fmt(r.errors)}   non-2xx ${fmt(r.non2xx)}`;
  console.log(line('web-form ingest, one node ', ingest.oneNode));
  console.log(line('web-form ingest, two nodes', ingest.twoNodes));
  console.log(`  two nodes / one node        ${fmt(ingest.ratio, 2)}`);
}
