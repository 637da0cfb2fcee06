// npm run backup / npm run restore as an administrator runs them: a backup taken while citizens
// keep writing, the store and its files lost, the backup put back, the gateway started on it.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachmentsDir, createAttachmentStore } from '../../src/core/attachments.ts';
import type { BackupManifest } from '../../src/core/backup.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const root = new URL('../../', import.meta.url).pathname;
const pgReady = await postgresAvailable();
const pgTools = spawnSync('pg_dump', ['--version']).status === 0;
if (process.env.CI === 'true' && !pgTools) throw new Error('pg_dump is required under CI=true (postgresql-client)');
if (pgReady && !pgTools) console.warn('pg_dump is not installed: the PostgreSQL backup test is skipped');

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-backup-'));
  dirs.push(dir);
  return dir;
};

function cli(script: 'backup' | 'restore', env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], { cwd: root, env: { ...process.env, LOG_LEVEL: 'silent', ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

const post = (gw: TestApp, i: number) =>
  fetch(`${gw.url}/api/public/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `Công dân ${i}`, phone: `0912${String(i).padStart(6, '0')}`, text: `Câu hỏi số ${i}` }) });

/** Citizens writing through the web form until stopped; the texts the gateway acknowledged. */
function citizens(gw: TestApp) {
  const acknowledged: string[] = [];
  let writing = true;
  const done = (async () => {
    for (let i = 0; writing; i++) {
      const res = await post(gw, i);
      if (res.status === 202) acknowledged.push(`Câu hỏi số ${i}`);
    }
  })();
  return {
    acknowledged,
    async stop() {
      writing = false;
      await done;
    },
  };
}

/** A citizen's PDF kept by the attachment store, on a message of its own. */
async function fileMessage(gw: TestApp) {
  const bytes = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% đơn đề nghị\n');
  const files = createAttachmentStore({ dir: attachmentsDir(gw.app.gateway.config), maxBytes: 1024 * 1024 });
  const saved = await files.save({ bytes, name: 'don-de-nghi.pdf', declaredType: 'application/pdf' });
  if (!saved.ok) throw new Error('the test file was refused');
  const webform = gw.app.gateway.inboxes.find((inbox) => inbox.channel === 'webform')!;
  await gw.app.gateway.ingest([{ inboxId: webform.id, externalMessageId: 'backup-file', sender: { externalUserId: 'webform:backup' }, text: 'Đơn kèm theo', attachments: [saved.attachment], sentAt: new Date(), raw: {} }]);
  return { bytes, key: saved.key, files };
}

async function texts(gw: TestApp): Promise<string[]> {
  const { store } = gw.app.gateway;
  const rows = await store.db.select({ text: store.t.messages.text }).from(store.t.messages);
  return rows.map((row) => row.text ?? '');
}

/** Backs up while citizens write; returns what was acknowledged before it began. */
async function backupUnderLoad(gw: TestApp, env: Record<string, string>, out: string) {
  const load = citizens(gw);
  while (load.acknowledged.length < 20) await new Promise((resolve) => setTimeout(resolve, 20));
  const before = [...load.acknowledged];
  const result = await cli('backup', env, '--out', out);
  await load.stop();
  return { result, before, all: load.acknowledged };
}

describe('backup and restore (sqlite)', () => {
  it('backs up while citizens write; after the store and its files are lost, the restore brings back every message and file', async () => {
    const dir = scratch();
    const dbPath = join(dir, 'gateway.db');
    const env = { DATABASE_URL: `file:${dbPath}` };
    const out = join(dir, 'backup-1');
    let gw = await startTestApp({ env });
    const file = await fileMessage(gw);
    const { result, before, all } = await backupUnderLoad(gw, env, out);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('attachments: 1 files in 1 folders') });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as BackupManifest;
    expect(manifest).toMatchObject({ format: 1, dialect: 'sqlite', database: { file: 'gateway.db' } });
    await gw.close();

    // The disk is lost: the database with its WAL, and the attachment folder.
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
    rmSync(attachmentsDir(gw.app.gateway.config), { recursive: true, force: true });

    // Without --yes the restore only checks and says what it would do.
    const dry = await cli('restore', env, out);
    expect(dry).toMatchObject({ code: 0, stdout: expect.stringContaining('run again with --yes') });
    expect(existsSync(dbPath)).toBe(false);
    const restored = await cli('restore', env, out, '--yes');
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringContaining('1 attachment files put back') });

    gw = await startTestApp({ env });
    const back = await texts(gw);
    // Every message acknowledged before the backup began is back, each once; nothing invented.
    for (const text of before) expect(back.filter((t) => t === text)).toHaveLength(1);
    const questions = back.filter((t) => t.startsWith('Câu hỏi số'));
    expect(new Set(questions).size).toBe(questions.length);
    expect(questions.every((t) => all.includes(t))).toBe(true);
    expect(back).toContain('Đơn kèm theo');
    expect(await file.files.read(file.key)).toEqual(file.bytes);
    await gw.close();
  }, 120_000);

  it('refuses a damaged backup and keeps the database in place; a second restore keeps the replaced one aside', async () => {
    const dir = scratch();
    const dbPath = join(dir, 'gateway.db');
    const env = { DATABASE_URL: `file:${dbPath}` };
    const out = join(dir, 'backup-1');
    let gw = await startTestApp({ env });
    await post(gw, 1);
    await gw.close();
    expect((await cli('backup', env, '--out', out)).code).toBe(0);
    expect(await cli('backup', env, '--out', out)).toMatchObject({ code: 1, stderr: expect.stringContaining('exists already') });

    gw = await startTestApp({ env });
    await post(gw, 2);
    await gw.close();
    // A restore replaces the current file, which it keeps aside.
    const restored = await cli('restore', env, out, '--yes');
    expect(restored).toMatchObject({ code: 0, stdout: expect.stringContaining('the replaced database is kept at') });
    gw = await startTestApp({ env });
    expect(await texts(gw)).toContain('Câu hỏi số 1');
    expect(await texts(gw)).not.toContain('Câu hỏi số 2');
    await gw.close();

    // One byte changed in the backup's database: refused, nothing touched.
    const copy = join(out, 'gateway.db');
    const bytes = readFileSync(copy);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    writeFileSync(copy, bytes);
    const before = readFileSync(dbPath);
    expect(await cli('restore', env, out, '--yes')).toMatchObject({ code: 1, stderr: expect.stringContaining('missing or damaged') });
    expect(readFileSync(dbPath).equals(before)).toBe(true);
    expect(await cli('restore', env, join(dir, 'nowhere'), '--yes')).toMatchObject({ code: 1, stderr: expect.stringContaining('is not a backup') });
  }, 120_000);
});

describe.skipIf(!pgReady || !pgTools)('backup and restore (pg)', () => {
  it('dumps a schema while citizens write and restores it after it was dropped', async () => {
    const db = freshPgUrl();
    const dir = scratch();
    const env = { DATABASE_URL: db.url };
    const out = join(dir, 'backup-pg');
    try {
      let gw = await startTestApp({ env: { DATABASE_URL: db.url } });
      const { result, before } = await backupUnderLoad(gw, env, out);
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('backup of the pg store') });
      await gw.close();
      await db.drop();
      const restored = await cli('restore', env, out, '--yes');
      expect(restored.stderr).toBe('');
      expect(restored.code).toBe(0);
      gw = await startTestApp({ env: { DATABASE_URL: db.url } });
      const back = await texts(gw);
      for (const text of before) expect(back.filter((t) => t === text)).toHaveLength(1);
      await gw.close();
      // Into another schema it refuses: the dump would land in the one it came from.
      expect(await cli('restore', { DATABASE_URL: freshPgUrl().url }, out, '--yes')).toMatchObject({ code: 1, stderr: expect.stringContaining('the backup holds schema') });
    } finally {
      await db.drop();
    }
  }, 120_000);
});
