import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parse, stringify } from 'yaml';

export const root = new URL('..', import.meta.url).pathname;

/** A production gateway refuses to start without a key for the agents' MFA secrets; a bench run makes its own. */
export const benchSecrets = { MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex') };

/**
 * The shipped configuration with the bot on or off (`router.enabled`), and the live chat's abuse
 * limits lifted so the bench's widget visitors, all on one address, are never refused; written
 * to a file of its own for CONFIG_FILE.
 */
export function writeBenchConfig(options: { router: boolean }): string {
  const config = parse(readFileSync(`${root}config/default.yaml`, 'utf8')) as { router?: object; inboxes: Array<{ channel: string; settings?: Record<string, unknown> }> };
  const limits = { ipConnectionsPerMinute: 1_000_000, maxSocketsPerIp: 1_000_000, ipMessagesPerMinute: 1_000_000, visitorMessagesPerMinute: 1000 };
  const inboxes = config.inboxes.map((inbox) => (inbox.channel === 'webchat' ? { ...inbox, settings: { ...inbox.settings, ...limits } } : inbox));
  const path = join(mkdtempSync(join(tmpdir(), 'gw1022-bench-config-')), 'config.yaml');
  writeFileSync(path, stringify({ ...config, inboxes, router: { ...config.router, enabled: options.router } }));
  return path;
}

/** Starts a TypeScript entry point as its own process (its own core) and waits for its URL. */
export function startProcess(entry: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { ...process.env, ...benchSecrets, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) {
        resolve({
          child,
          url: match[1]!,
          stop: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}:\n${out}`)));
  });
}

export interface LoadResult {
  requestsPerSecond: number;
  ok: number;
  errors: number;
  non2xx: number;
  p50: number;
  p99: number;
  seconds: number;
}

/** One autocannon run against a URL; the body of each request comes from `makeRequest`. */
export async function load(options: {
  url: string;
  path: string;
  seconds: number;
  connections: number;
  makeRequest: (n: number) => { body: string; headers?: Record<string, string> };
}): Promise<LoadResult> {
  let n = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    requests: [
      {
        method: 'POST',
        path: options.path,
        setupRequest: (request) => {
          const made = options.makeRequest(n++);
          return { ...request, body: made.body, headers: { 'content-type': 'application/json', ...made.headers } };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return {
    requestsPerSecond: ok / options.seconds,
    ok,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds: options.seconds,
  };
}

/** One autocannon run with prepared options (url and requests), e.g. from messenger-webhook.ts. */
export async function loadWith(options: autocannon.Options, seconds: number, connections: number, perRequest = 1): Promise<LoadResult> {
  const result = await autocannon({ ...options, connections, duration: seconds });
  const ok = result['2xx'];
  return {
    requestsPerSecond: (ok * perRequest) / seconds,
    ok: ok * perRequest,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
    seconds,
  };
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * Loads several servers in turn (the ceiling, the gateway with the bot off, the same gateway
 * with the bot on), `rounds` times, and keeps each one's median run and the median of each
 * one's per-round ratio to the first and to the second: on a shared, noisy machine, only runs
 * side by side in the same round compare.
 */
export async function alternating(rounds: number, runners: Array<() => Promise<LoadResult>>) {
  const runs: LoadResult[][] = runners.map(() => []);
  for (let i = 0; i < rounds; i++) for (const [k, run] of runners.entries()) runs[k]!.push(await run());
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const medianRun = (list: LoadResult[]) => [...list].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond)[Math.floor(list.length / 2)]!;
  const ratiosTo = (base: number) => runs.map((list) => list.map((r, i) => r.requestsPerSecond / runs[base]![i]!.requestsPerSecond));
  return {
    medians: runs.map(medianRun),
    /** Per server: the median of its per-round ratios to the first server, and to the second. */
    toFirst: ratiosTo(0).map(median),
    toSecond: ratiosTo(Math.min(1, runners.length - 1)).map(median),
    /** Per server, each round's ratio to the second (the bot-on / bot-off pairs). */
    pairs: ratiosTo(Math.min(1, runners.length - 1)),
    acknowledged: runs.map((list) => list.reduce((sum, r) => sum + r.ok, 0)),
  };
}

/** One bot-on run's count: the messages acknowledged, and the bot's answers in the same seconds. */
export interface AnsweredRun {
  acknowledged: number;
  answered: number;
}

/**
 * A bot-on run counted by its answers: the bot answers every message only if it answers them as
 * fast as they come, so the run's rate is the lower of the acknowledged rate and the rate of
 * answers `answersSoFar` counted over the same seconds (a backlog left for later is not an
 * answer). Each run's two counts go to `into`, for the noise.
 */
export async function countingAnswers(run: () => Promise<LoadResult>, answersSoFar: () => number | Promise<number>, into: AnsweredRun[]): Promise<LoadResult> {
  const before = await answersSoFar();
  const loaded = await run();
  const answered = (await answersSoFar()) - before;
  into.push({ acknowledged: loaded.ok, answered });
  return { ...loaded, requestsPerSecond: Math.min(loaded.requestsPerSecond, answered / loaded.seconds) };
}
