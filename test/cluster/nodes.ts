import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { nginxInstalled } from '../helpers/nginx.ts';
import { testConfigFile } from '../helpers/config.ts';

const root = new URL('../..', import.meta.url).pathname;

/** One gateway process of a test cluster. */
export interface Node {
  name: string;
  child: ChildProcess;
  url: string;
  /** Everything the process wrote, for the message of a failing test. */
  output(): string;
}

/** Starts `node --import tsx src/server.ts` with `env` and resolves once it listens. */
export function startNode(name: string, env: Record<string, string>): Promise<Node> {
  // Each node a folder of its own, as on two hosts: a file any node must serve has to be in the
  // shared store, not in a folder the nodes happen to share on one machine.
  const ownFolder = testConfigFile({ attachments: { dir: mkdtempSync(join(tmpdir(), `gw1022-node-${name}-`)) } });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'test', CONFIG_FILE: ownFolder, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node ${name} did not start:\n${out}`)), 180_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        child.stdout!.on('data', (more: Buffer) => (out += more));
        child.stderr!.on('data', (more: Buffer) => (out += more));
        console.info(`node ${name} listening after ${Date.now() - started} ms`);
        resolve({ name, child, url: match[1]!, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code} before listening:\n${out}`)));
  });
}

export const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

export async function stopNode(node: Node | undefined): Promise<void> {
  if (!node || node.child.exitCode !== null || node.child.signalCode !== null) return;
  node.child.kill('SIGTERM');
  const killer = setTimeout(() => node.child.kill('SIGKILL'), 15_000);
  await exited(node.child);
  clearTimeout(killer);
}

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

let reachable: Promise<boolean> | undefined;
export const redisBaseUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when the shared test Redis answers. Under CI=true a missing server is a failure. */
export function redisAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new Redis(redisBaseUrl, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return true;
    } catch (error) {
      if (process.env.CI === 'true') throw new Error(`Redis at ${redisBaseUrl} is required under CI=true: ${(error as Error).message}`);
      console.warn(`Redis at ${redisBaseUrl} is not reachable: the cluster tests are skipped`);
      return false;
    } finally {
      client.disconnect();
    }
  })();
  return reachable;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A redis-server of the test's own (no persistence), to stop and start again at will. */
export async function startOwnRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await until(async () => {
      try {
        if (client.status !== 'ready') await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        client.disconnect();
        return false;
      }
    }, `redis-server on port ${port}`, 10_000);
  } finally {
    client.disconnect();
  }
  return child;
}

/** The live feed as an admin token sees it: every frame kept. */
export function openLiveFeed(node: Node, token: string): Promise<{ frames: Array<Record<string, unknown>>; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${node.url.replace('http', 'ws')}/api/v1/live`, { headers: { authorization: `Bearer ${token}` } });
    const frames: Array<Record<string, unknown>> = [];
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.type === 'hello') resolve({ frames, socket });
      else frames.push(frame);
    });
    socket.once('error', reject);
  });
}

/** Posts a citizen's web-form question from `ip` (the proxy header: the nodes trust it); the
 * same `id` posts the same body, as a client retrying would. */
export function postQuestion(node: Node, id: string, ip: string): Promise<Response> {
  let hash = 7;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) % 1_000_000;
  return fetch(`${node.url}/api/public/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ name: `Công dân ${id}`, phone: `0913${String(hash).padStart(6, '0')}`, text: `Câu hỏi ${id}`, clientMessageId: `cluster-${id}` }),
    signal: AbortSignal.timeout(10_000),
  });
}

/** nginx with deploy/nginx.conf in front of `nodes` (their service names pointed at them), or
 * null when nginx is not installed. */
export async function startProxy(nodes: Node[]): Promise<{ url: string; stop(): Promise<void> } | null> {
  if (!nginxInstalled()) return null;
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-proxy-'));
  const port = await freePort();
  const servers = nodes.map((node) => `    server ${new URL(node.url).host} max_fails=2 fail_timeout=10s;`).join('\n');
  const site = readFileSync(new URL('deploy/nginx.conf', `file://${root}`), 'utf8')
    .replace(/upstream gateway \{[^}]*\}/, `upstream gateway {\n${servers}\n    keepalive 32;\n}`)
    .replace(/listen\s+80;/, `listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;\nerror_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  include ${dir}/site.conf;\n}\n`,
  );
  const child = spawn('nginx', ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => (await fetch(`${url}/healthz`).catch(() => null))?.ok === true, 'nginx in front of the nodes', 10_000);
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
