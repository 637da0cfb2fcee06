import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fmt, interleaved, loadWith, startProcess, type LoadResult } from './lib.ts';
import { messengerBenchEnv, messengerWebhookOptions } from './messenger-webhook.ts';

export interface MessengerBench {
  perPost: number;
  ceiling: LoadResult;
  gateway: LoadResult;
  ratio: number;
  stored: number;
  acknowledged: number;
}

const appSecret = 'bench-app-secret-0123456789';

/**
 * Signed Messenger webhook ingest on the SQLite default against a bare Fastify route that checks
 * the same signature and parses the same body, for 1 and 50 messages per POST. Figures are
 * messages per second (POSTs x messages per POST).
 */
export async function benchMessenger(seconds: number, connections: number, env: Record<string, string> = {}, rounds = 3): Promise<MessengerBench[]> {
  const results: MessengerBench[] = [];
  for (const perPost of [1, 50]) {
    const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-fb-'));
    const dbFile = join(dir, 'gateway.db');
    const ceilingServer = await startProcess('bench/ceiling-server.ts', { FB_APP_SECRET: appSecret });
    const gatewayServer = await startProcess('src/server.ts', {
      DATABASE_URL: `file:${dbFile}`,
      PORT: '0',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      ...messengerBenchEnv(appSecret),
      ...env,
    });
    const run = async (url: string) => loadWith(await messengerWebhookOptions({ baseUrl: url, appSecret, messagesPerPost: perPost }), seconds, connections, perPost);
    const result = await interleaved(rounds, () => run(ceilingServer.url), () => run(gatewayServer.url));
    await ceilingServer.stop();
    await gatewayServer.stop();
    const db = new Database(dbFile, { readonly: true });
    const stored = (db.prepare("select count(*) as n from messages where direction = 'in'").get() as { n: number }).n;
    db.close();
    rmSync(dir, { recursive: true, force: true });
    results.push({ perPost, ceiling: result.ceiling, gateway: result.gateway, ratio: result.ratio, stored, acknowledged: result.acknowledged });
  }
  return results;
}

export function printMessenger(results: MessengerBench[], label = ''): void {
  for (const r of results) {
    const row = (name: string, l: LoadResult) =>
      `  ${name.padEnd(26)} ${fmt(l.requestsPerSecond).padStart(8)} msg/s   p50 ${fmt(l.p50, 1).padStart(6)} ms   p99 ${fmt(l.p99, 1).padStart(6)} ms   errors ${l.errors + l.non2xx}`;
    console.log(`Messenger webhook ingest: ${r.perPost} message(s) per signed POST, SQLite default${label}`);
    console.log(row('ceiling (bare Fastify)', r.ceiling));
    console.log(row('gateway', r.gateway));
    console.log(`  ratio to ceiling (median of alternating rounds): ${fmt(r.ratio, 2)}   stored ${fmt(r.stored)}, acknowledged ${fmt(r.acknowledged)}`);
  }
}
