// node --import tsx bench/profile.ts [--seconds 8] [--bot off|on] [--load webform|messenger] [--per-post 1|50]
// Runs the gateway under node's --cpu-prof while autocannon loads the web form (or signed
// Messenger webhooks, one message per POST unless --per-post says more, answered through bench/graph-standin.ts), then prints
// the profile's top entries by self time (proportions within one profile hold on a busy machine).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { benchSecrets, load, loadWith, root, startProcess } from './lib.ts';
import { messengerBenchEnv, messengerWebhookOptions } from './messenger-webhook.ts';
import { question } from './questions.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Keeps the samples of the last `ms` of a profile (the load, not the start-up's module loading). */
export function lastPart(profile: CpuProfile, ms: number): CpuProfile {
  const total = profile.timeDeltas.reduce((sum, dt) => sum + dt, 0);
  let at = 0;
  let first = 0;
  while (first < profile.timeDeltas.length && total - at > ms * 1000) at += profile.timeDeltas[first++]!;
  return { ...profile, samples: profile.samples.slice(first), timeDeltas: profile.timeDeltas.slice(first) };
}

/** Self time per function (name, file, line), as shares of all samples, biggest first. */
export function selfTimes(profile: CpuProfile, top = 25): Array<{ share: number; ms: number; name: string }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const file = frame.url ? relative(root, frame.url.replace(/^file:\/\//, '')) : '';
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    totals.set(key, (totals.get(key) ?? 0) + dt);
    all += dt;
  });
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({ share: us / all, ms: us / 1000, name }));
}

/** Self time grouped by where the code lives (our src/ folders, node_modules packages, node, native). */
export function byArea(profile: CpuProfile): Array<{ share: number; area: string }> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const { url, functionName } = byId.get(id)!.callFrame;
    let area: string;
    const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (modules) area = modules[1]!;
    else if (url.includes('/src/')) area = url.slice(url.indexOf('/src/') + 1).split('/').slice(0, 3).join('/');
    else if (url.startsWith('node:')) area = 'node internals';
    else area = functionName ? `(${functionName})` : '(native)';
    totals.set(area, (totals.get(area) ?? 0) + dt);
    all += dt;
  });
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([area, us]) => ({ share: us / all, area }));
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, bot: { type: 'string', default: 'on' }, connections: { type: 'string', default: '50' }, load: { type: 'string', default: 'webform' }, 'per-post': { type: 'string', default: '1' }, out: { type: 'string' } } });
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-prof-'));
  const env: Record<string, string> = { DATABASE_URL: `file:${join(dir, 'gateway.db')}`, PORT: '0', PUBLIC_RATE_LIMIT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  if (values.bot === 'off') {
    const config = parse(readFileSync(`${root}config/default.yaml`, 'utf8')) as Record<string, unknown>;
    const file = join(dir, 'config.yaml');
    writeFileSync(file, stringify({ ...config, router: { ...(config.router as object), enabled: false } }));
    env.CONFIG_FILE = file;
  }
  const appSecret = 'bench-app-secret-0123456789';
  const graph = values.load === 'messenger' ? await startProcess('bench/graph-standin.ts', {}) : null;
  if (graph) Object.assign(env, messengerBenchEnv(appSecret, graph.url));
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', 'src/server.ts'], { cwd: root, env: { ...process.env, ...benchSecrets, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) resolve(match[1]!);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${out}`)));
  });
  // As the bench loads it: a tenth of the connections when each POST carries many messages.
  const perPost = Number(values['per-post']);
  let n = 0;
  const body = (i: number) =>
    JSON.stringify({ name: 'Nguyễn Văn Bình', phone: `09${String(10_000_000 + (i % 50_000)).slice(-8)}`, text: question(i), clientMessageId: `prof-${process.pid}-${i}` });
  const loadStarted = performance.now();
  const result = graph
    ? await loadWith(await messengerWebhookOptions({ baseUrl: url, appSecret, messagesPerPost: perPost }), Number(values.seconds), perPost > 1 ? Math.max(1, Math.round(Number(values.connections) / 10)) : Number(values.connections), perPost)
    : await load({ url, path: '/api/public/messages', seconds: Number(values.seconds), connections: Number(values.connections), makeRequest: () => ({ body: body(n++) }) });
  await new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
  await graph?.stop();
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!;
  // The load and the shutdown after it, without the start-up.
  const profile = lastPart(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, performance.now() - loadStarted);
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  console.log(`${values.load}, bot ${values.bot}: ${Math.round(result.requestsPerSecond)} msg/s, p99 ${result.p99} ms, errors ${result.errors + result.non2xx}`);
  console.log('self time by area:');
  for (const row of byArea(profile)) console.log(`  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.area}`);
  console.log('top functions by self time:');
  for (const row of selfTimes(profile)) console.log(`  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.name}`);
  rmSync(dir, { recursive: true, force: true });
}
