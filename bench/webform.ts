import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { alternating, countingAnswers, fmt, load, startProcess, type AnsweredRun, type LoadResult } from './lib.ts';
import { question } from './questions.ts';
import { percentile, probeWidgetApart, type WidgetProbe } from './widget-probe.ts';

const citizenMessage = (n: number) =>
  JSON.stringify({
    name: 'Nguyễn Văn Bình',
    phone: `09${String(10_000_000 + (n % 50_000)).slice(-8)}`,
    text: question(n),
    dossierCode: `H82-${n}`,
    clientMessageId: `bench-${process.pid}-${n}`,
  });

export interface WebformBotBench {
  ceiling: LoadResult;
  /** The gateway with `router.enabled: false`: ingest alone. */
  botOff: LoadResult;
  /** The same gateway answering every message (the shipped default). */
  botOn: LoadResult;
  /** Medians of the per-round ratios: bot off and bot on to the ceiling, and bot on to bot off. */
  botOffToCeiling: number;
  botOnToCeiling: number;
  botOnToBotOff: number;
  /** Each round's bot-on / bot-off ratio, for the noise. */
  pairs: number[];
  stored: { botOff: number; botOn: number };
  /** Bot answers stored by the bot-on gateway, and how many of its replies the outbox settled. */
  botAnswers: number;
  acknowledged: { botOff: number; botOn: number };
  /**
   * Widget visitors asking the bot-on gateway during its runs (bench/widget-probe.ts): the time
   * from a question to the bot's answer frame in the widget, over all rounds, in ms.
   */
  widget: { asked: number; answered: number; lost: number; p50: number; p99: number; max: number };
  /** Per bot-on round: messages acknowledged, and bot answers stored in the same seconds. */
  answeredInRuns: AnsweredRun[];
}

/** The bot's answers to web-form messages in a gateway's database now (read beside the running gateway, as WAL allows). */
const botAnswersIn = (dbFile: string) => {
  const db = new Database(dbFile, { readonly: true });
  const { n } = db
    .prepare("select count(*) as n from messages where direction = 'out' and sender_type = 'bot' and inbox_id in (select id from inboxes where channel = 'webform')")
    .get() as { n: number };
  db.close();
  return n;
};

const storedIn = (dbFile: string) => {
  const db = new Database(dbFile, { readonly: true });
  const count = (where: string) => (db.prepare(`select count(*) as n from messages where ${where}`).get() as { n: number }).n;
  const result = { inbound: count("direction = 'in'"), bot: count("direction = 'out' and sender_type = 'bot'") };
  db.close();
  return result;
};

/**
 * The ceiling, the gateway with the bot off and the same gateway with the bot on, each in its
 * own process, loaded one after another in each of `rounds` rounds: the bot's cost as the ratio
 * of bot-on to bot-off runs made side by side.
 */
export async function benchWebformBot(seconds: number, connections: number, env: { botOff: Record<string, string>; botOn: Record<string, string> }, rounds = 3): Promise<WebformBotBench> {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-bench-'));
  const gatewayEnv = (name: string, env: Record<string, string>) => ({ DATABASE_URL: `file:${join(dir, name)}`, PORT: '0', PUBLIC_RATE_LIMIT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env });
  const ceilingServer = await startProcess('bench/ceiling-server.ts', {});
  const offServer = await startProcess('src/server.ts', gatewayEnv('off.db', env.botOff));
  const onServer = await startProcess('src/server.ts', gatewayEnv('on.db', env.botOn));
  let n = 0;
  const run = (url: string) => () => load({ url, path: '/api/public/messages', seconds, connections, makeRequest: () => ({ body: citizenMessage(n++) }) });
  // The probe's process starts in about a second: it stops before the load does, so every
  // question it times was asked under the load.
  const probes: WidgetProbe[] = [];
  // An answer counts once stored: the web form's citizen reads their thread.
  const answeredRuns: AnsweredRun[] = [];
  const runProbed = (url: string) => () =>
    countingAnswers(
      async () => {
        const [loaded, probe] = await Promise.all([run(url)(), probeWidgetApart(url, Math.max(1, seconds - 2))]);
        probes.push(probe);
        return loaded;
      },
      () => botAnswersIn(join(dir, 'on.db')),
      answeredRuns,
    );
  const result = await alternating(rounds, [run(ceilingServer.url), run(offServer.url), runProbed(onServer.url)]);
  // Let the bot finish what was acknowledged before counting its answers.
  await new Promise((done) => setTimeout(done, 2000));
  await ceilingServer.stop();
  await offServer.stop();
  await onServer.stop();
  const off = storedIn(join(dir, 'off.db'));
  const on = storedIn(join(dir, 'on.db'));
  rmSync(dir, { recursive: true, force: true });
  return {
    ceiling: result.medians[0]!,
    botOff: result.medians[1]!,
    botOn: result.medians[2]!,
    botOffToCeiling: result.toFirst[1]!,
    botOnToCeiling: result.toFirst[2]!,
    botOnToBotOff: result.toSecond[2]!,
    pairs: result.pairs[2]!,
    stored: { botOff: off.inbound, botOn: on.inbound },
    botAnswers: on.bot,
    acknowledged: { botOff: result.acknowledged[1]!, botOn: result.acknowledged[2]! },
    widget: widgetFigures(probes),
    answeredInRuns: answeredRuns,
  };
}

function widgetFigures(probes: WidgetProbe[]): WebformBotBench['widget'] {
  const latencies = probes.flatMap((probe) => probe.latencies).sort((a, b) => a - b);
  const sum = (key: 'asked' | 'answered' | 'lost') => probes.reduce((total, probe) => total + probe[key], 0);
  return { asked: sum('asked'), answered: sum('answered'), lost: sum('lost'), p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 };
}

export function printWebformBot(result: WebformBotBench): void {
  const row = (name: string, r: LoadResult) =>
    `  ${name.padEnd(26)} ${fmt(r.requestsPerSecond).padStart(8)} msg/s   p50 ${fmt(r.p50, 1).padStart(6)} ms   p99 ${fmt(r.p99, 1).padStart(6)} ms   errors ${r.errors + r.non2xx}`;
  console.log('web form ingest: POST /api/public/messages, SQLite default, ceiling / bot off / bot on in alternating rounds');
  console.log(row('ceiling (bare Fastify)', result.ceiling));
  console.log(row('gateway, bot off', result.botOff));
  console.log(row('gateway, bot on', result.botOn));
  console.log(`  bot on / bot off (median of per-round pairs): ${fmt(result.botOnToBotOff, 2)}   rounds: ${result.pairs.map((r) => fmt(r, 2)).join(', ')}`);
  console.log(`  to ceiling: bot off ${fmt(result.botOffToCeiling, 2)}, bot on ${fmt(result.botOnToCeiling, 2)}   stored ${fmt(result.stored.botOff)} / ${fmt(result.stored.botOn)}, acknowledged ${fmt(result.acknowledged.botOff)} / ${fmt(result.acknowledged.botOn)}, bot answers ${fmt(result.botAnswers)}`);
  console.log(`  bot on, answers stored during each run / messages acknowledged: ${result.answeredInRuns.map((a) => `${fmt(a.answered)} / ${fmt(a.acknowledged)}`).join(', ')} (the bot-on rate is the lower of the two)`);
  const w = result.widget;
  console.log(`  widget question -> bot answer under the bot-on load: p50 ${fmt(w.p50, 1)} ms   p99 ${fmt(w.p99, 1)} ms   max ${fmt(w.max, 1)} ms   (${fmt(w.answered)} answered of ${fmt(w.asked)}, lost ${fmt(w.lost)})`);
}
