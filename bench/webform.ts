import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fmt, interleaved, load, startProcess, type LoadResult } from './lib.ts';

const citizenMessage = (n: number) =>
  JSON.stringify({
    name: 'Nguyễn Văn Bình',
    phone: `09${String(10_000_000 + (n % 50_000)).slice(-8)}`,
    text: 'Cho tôi hỏi thủ tục đăng ký khai sinh cho con cần giấy tờ gì, nộp ở đâu và mất bao lâu? Xin cảm ơn.',
    dossierCode: `H82-${n}`,
    clientMessageId: `bench-${process.pid}-${n}`,
  });

export interface WebformBench {
  /** The median runs of each. */
  ceiling: LoadResult;
  gateway: LoadResult;
  /** The median of the per-round ratios. */
  ratio: number;
  stored: number;
  acknowledged: number;
}

/**
 * POST /api/public/messages on the SQLite default against the ceiling (a bare Fastify route
 * validating the same body), each in its own process, loaded in alternating rounds by autocannon
 * from this one.
 */
export async function benchWebform(seconds: number, connections: number, env: Record<string, string> = {}, rounds = 3): Promise<WebformBench> {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-'));
  const dbFile = join(dir, 'gateway.db');
  const ceilingServer = await startProcess('bench/ceiling-server.ts', {});
  const gatewayServer = await startProcess('src/server.ts', {
    DATABASE_URL: `file:${dbFile}`,
    PORT: '0',
    PUBLIC_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    ...env,
  });
  let n = 0;
  const run = (url: string) => load({ url, path: '/api/public/messages', seconds, connections, makeRequest: () => ({ body: citizenMessage(n++) }) });
  const result = await interleaved(rounds, () => run(ceilingServer.url), () => run(gatewayServer.url));
  await ceilingServer.stop();
  await gatewayServer.stop();
  const db = new Database(dbFile, { readonly: true });
  const stored = (db.prepare("select count(*) as n from messages where direction = 'in'").get() as { n: number }).n;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  return { ceiling: result.ceiling, gateway: result.gateway, ratio: result.ratio, stored, acknowledged: result.acknowledged };
}

export function printWebform(result: WebformBench, label = ''): void {
  const row = (name: string, r: LoadResult) =>
    `  ${name.padEnd(26)} ${fmt(r.requestsPerSecond).padStart(8)} msg/s   p50 ${fmt(r.p50, 1).padStart(6)} ms   p99 ${fmt(r.p99, 1).padStart(6)} ms   errors ${r.errors + r.non2xx}`;
  console.log(`web form ingest: POST /api/public/messages, SQLite default${label}`);
  console.log(row('ceiling (bare Fastify)', result.ceiling));
  console.log(row('gateway', result.gateway));
  console.log(`  ratio to ceiling (median of alternating rounds): ${fmt(result.ratio, 2)}   stored ${fmt(result.stored)}, acknowledged ${fmt(result.acknowledged)}`);
}
