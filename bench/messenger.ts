import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { alternating, countingAnswers, fmt, loadWith, startProcess, type AnsweredRun, type LoadResult } from './lib.ts';
import { messengerBenchEnv, messengerWebhookOptions } from './messenger-webhook.ts';

const appSecret = 'bench-app-secret-0123456789';

export interface MessengerBotBench {
  perPost: number;
  ceiling: LoadResult;
  botOff: LoadResult;
  botOn: LoadResult;
  botOffToCeiling: number;
  botOnToCeiling: number;
  /** Median of the per-round bot-on / bot-off ratios, and each round's. */
  botOnToBotOff: number;
  pairs: number[];
  stored: { botOff: number; botOn: number };
  botAnswers: number;
  /** Per bot-on round: messages acknowledged, and answers the Graph stand-in received in the same seconds. */
  answeredInRuns: AnsweredRun[];
}

/**
 * Signed Messenger webhooks (1 and 50 messages per POST): the ceiling, the gateway with the bot
 * off and the same gateway with the bot on, loaded one after another in each round.
 */
export async function benchMessengerBot(seconds: number, connections: number, env: { botOff: Record<string, string>; botOn: Record<string, string> }, rounds = 3): Promise<MessengerBotBench[]> {
  const results: MessengerBotBench[] = [];
  for (const perPost of [1, 50]) {
    const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-fb-'));
    // The bot's answers go out to a Graph API that takes them, as they would in production.
    const graph = await startProcess('bench/graph-standin.ts', {});
    const gatewayEnv = (name: string, env: Record<string, string>) => ({ DATABASE_URL: `file:${join(dir, name)}`, PORT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...messengerBenchEnv(appSecret, graph.url), ...env });
    const ceilingServer = await startProcess('bench/ceiling-server.ts', { FB_APP_SECRET: appSecret });
    const offServer = await startProcess('src/server.ts', gatewayEnv('off.db', env.botOff));
    const onServer = await startProcess('src/server.ts', gatewayEnv('on.db', env.botOn));
    // 50 connections of 50 messages each hold 2,500 messages in flight: POSTs then take longer
    // than a short run and none completes. A tenth of the connections keeps the same backlog.
    const posters = perPost > 1 ? Math.max(1, Math.round(connections / 10)) : connections;
    const run = (url: string) => async () => loadWith(await messengerWebhookOptions({ baseUrl: url, appSecret, messagesPerPost: perPost }), seconds, posters, perPost);
    // An answer counts once it reaches the platform: the Graph stand-in counts the sends.
    const sentSoFar = async () => ((await (await fetch(`${graph.url}/bench/sent`)).json()) as { sent: number }).sent;
    const answeredRuns: AnsweredRun[] = [];
    const runAnswered = (url: string) => () => countingAnswers(run(url), sentSoFar, answeredRuns);
    const result = await alternating(rounds, [run(ceilingServer.url), run(offServer.url), runAnswered(onServer.url)]);
    await new Promise((done) => setTimeout(done, 2000));
    await ceilingServer.stop();
    await offServer.stop();
    await onServer.stop();
    await graph.stop();
    const count = (file: string, where: string) => {
      const db = new Database(join(dir, file), { readonly: true });
      const n = (db.prepare(`select count(*) as n from messages where ${where}`).get() as { n: number }).n;
      db.close();
      return n;
    };
    results.push({
      perPost,
      ceiling: result.medians[0]!,
      botOff: result.medians[1]!,
      botOn: result.medians[2]!,
      botOffToCeiling: result.toFirst[1]!,
      botOnToCeiling: result.toFirst[2]!,
      botOnToBotOff: result.toSecond[2]!,
      pairs: result.pairs[2]!,
      stored: { botOff: count('off.db', "direction = 'in'"), botOn: count('on.db', "direction = 'in'") },
      botAnswers: count('on.db', "direction = 'out' and sender_type = 'bot'"),
      answeredInRuns: answeredRuns,
    });
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

export function printMessengerBot(results: MessengerBotBench[]): void {
  for (const r of results) {
    const row = (name: string, l: LoadResult) =>
      `  ${name.padEnd(26)} ${fmt(l.requestsPerSecond).padStart(8)} msg/s   p50 ${fmt(l.p50, 1).padStart(6)} ms   p99 ${fmt(l.p99, 1).padStart(6)} ms   errors ${l.errors + l.non2xx}`;
    console.log(`Messenger webhook ingest: ${r.perPost} message(s) per signed POST, SQLite default, ceiling / bot off / bot on in alternating rounds`);
    console.log(row('ceiling (bare Fastify)', r.ceiling));
    console.log(row('gateway, bot off', r.botOff));
    console.log(row('gateway, bot on', r.botOn));
    console.log(`  bot on / bot off (median of per-round pairs): ${fmt(r.botOnToBotOff, 2)}   rounds: ${r.pairs.map((x) => fmt(x, 2)).join(', ')}`);
    console.log(`  to ceiling: bot off ${fmt(r.botOffToCeiling, 2)}, bot on ${fmt(r.botOnToCeiling, 2)}   stored ${fmt(r.stored.botOff)} / ${fmt(r.stored.botOn)}, bot answers ${fmt(r.botAnswers)}`);
    console.log(`  bot on, answers sent during each run / messages acknowledged: ${r.answeredInRuns.map((a) => `${fmt(a.answered)} / ${fmt(a.acknowledged)}`).join(', ')} (the bot-on rate is the lower of the two)`);
  }
}
