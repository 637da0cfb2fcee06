import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

/** Starts the real gateway as a child process and resolves with its URL once it listens. */
function startGateway(dbFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: `file:${dbFile}`, PORT: '0', HOST: '127.0.0.1', PUBLIC_RATE_LIMIT: '0', LOG_LEVEL: 'warn', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk;
      const match = /running at (http:\/\/[\d.]+:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gateway exited with ${code} before listening:\n${out}`)));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

describe('crash safety', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-crash-'));
  const dbFile = join(dir, 'gateway.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged message exactly once across a SIGKILL mid-stream', async () => {
    const first = await startGateway(dbFile);
    const acked = new Map<string, { conversationId: number; messageId: number }>();
    const unacked: string[] = [];
    let killed = false;
    let sequence = 0;

    const body = (id: string) =>
      JSON.stringify({ name: `Công dân ${id}`, phone: `0912${id.slice(-6).padStart(6, '0')}`, text: `Câu hỏi số ${id}`, clientMessageId: `crash-${id}` });
    const post = (url: string, id: string) =>
      fetch(`${url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(id) });

    // Sixteen clients post as fast as they can; the process is killed while they are at it.
    const client = async () => {
      while (!killed) {
        const id = String(++sequence).padStart(6, '0');
        try {
          const res = await post(first.url, id);
          if (res.status === 202) acked.set(id, (await res.json()) as { conversationId: number; messageId: number });
          else unacked.push(id);
        } catch {
          unacked.push(id);
          if (killed) return;
        }
      }
    };
    const clients = Array.from({ length: 16 }, client);
    while (acked.size < 400) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    killed = true;
    await Promise.all(clients);
    await exited(first.child);
    console.info(`crash test: ${acked.size} acknowledged before SIGKILL, ${unacked.length} cut off`);
    expect(acked.size).toBeGreaterThanOrEqual(400);
    expect(unacked.length).toBeGreaterThan(0);

    // Restart on the same file; clients retry what got no answer, and one acked message.
    const second = await startGateway(dbFile);
    const retried = [...unacked, [...acked.keys()][0]!];
    const retries = await Promise.all(retried.map(async (id) => ({ id, res: await post(second.url, id) })));
    for (const { id, res } of retries) {
      expect(res.status).toBe(202);
      const result = (await res.json()) as { messageId: number; duplicate: boolean };
      if (acked.has(id)) {
        expect(result.duplicate).toBe(true);
        expect(result.messageId).toBe(acked.get(id)!.messageId);
      }
    }
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);

    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare("select id, text from messages where direction = 'in'").all() as Array<{ id: number; text: string }>;
    db.close();
    const byText = new Map<string, number[]>();
    for (const row of rows) byText.set(row.text, [...(byText.get(row.text) ?? []), row.id]);
    // None twice...
    expect([...byText.values()].filter((ids) => ids.length > 1)).toEqual([]);
    // ...every acknowledged one present, under the id it was acknowledged with...
    for (const [id, ack] of acked) expect(byText.get(`Câu hỏi số ${id}`), id).toEqual([ack.messageId]);
    // ...and every retried one stored too.
    for (const id of unacked) expect(byText.get(`Câu hỏi số ${id}`), id).toHaveLength(1);
  }, 120_000);
});
