// A consistent online backup of the store and the attachment files, and its restore.
// SQLite: VACUUM INTO, one read transaction (a snapshot while the gateway keeps writing, which
// WAL lets go on; the online backup API would start over at each write of another process).
// PostgreSQL: pg_dump's custom format (one transaction snapshot), pg_restore to bring it back.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { projectRoot } from './config/project-root.ts';

export interface BackupManifest {
  format: 1;
  createdAt: string;
  dialect: 'sqlite' | 'pg';
  /** The database file in the backup folder, with its size and SHA-256 (and the PostgreSQL
   * schema it holds, when DATABASE_URL named one). */
  database: { file: string; bytes: number; sha256: string; schema?: string };
  /** Each attachment folder: where it was, where it is in the backup, what it held. */
  attachments: Array<{ source: string; folder: string; files: number; bytes: number }>;
}

export interface BackupTarget {
  /** DATABASE_URL: `file:<path>` or `postgres://...` (a `schema` parameter names one schema). */
  url: string;
  /** The attachment folders of the configuration (missing ones are skipped). */
  attachmentDirs: readonly string[];
}

const manifestName = 'manifest.json';
const sqliteName = 'gateway.db';
const pgName = 'gateway.pgdump';

export class BackupError extends Error {
  override name = 'BackupError';
}

const sqlitePath = (url: string) => resolve(projectRoot, url.slice('file:'.length));

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** PostgreSQL's tools take a plain URL; the schema parameter is ours and becomes `--schema`. */
function pgTarget(url: string): { url: string; schema: string | null } {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new BackupError(`invalid schema name "${schema}"`);
  return { url: parsed.toString(), schema };
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(new BackupError(error.code === 'ENOENT' ? `${command} is not installed (PostgreSQL's client tools, the server's version or newer)` : error.message)),
    );
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new BackupError(`${command} exited with ${code}: ${stderr.trim().slice(0, 2000)}`))));
  });
}

/** Copies the finished files of an attachment folder (not the `.part` files being written). */
async function copyFiles(from: string, to: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name.endsWith('.part')) continue;
    const source = join(entry.parentPath, entry.name);
    const target = join(to, source.slice(from.length));
    if (existsSync(target)) continue;
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await copyFile(source, target);
    files++;
    bytes += (await stat(source)).size;
  }
  return { files, bytes };
}

/**
 * Writes a backup into `out` (created; it must not exist): the database, then the attachment
 * folders. Files are named by their content and written before the message that names them, so
 * every file the database snapshot refers to is there when the folders are copied after it.
 */
export async function backup(target: BackupTarget, out: string, now = new Date()): Promise<BackupManifest> {
  if (existsSync(out)) throw new BackupError(`${out} exists already: a backup goes into a new folder`);
  if (target.url.startsWith('file:') && !existsSync(sqlitePath(target.url))) throw new BackupError(`no database at ${sqlitePath(target.url)}`);
  await mkdir(out, { recursive: true, mode: 0o700 });
  let database: BackupManifest['database'];
  let dialect: BackupManifest['dialect'];
  if (target.url.startsWith('file:')) {
    dialect = 'sqlite';
    const path = sqlitePath(target.url);
    const source = new Database(path, { fileMustExist: true, timeout: 5000 });
    try {
      source.prepare('VACUUM INTO ?').run(join(out, sqliteName));
    } finally {
      source.close();
    }
    const copy = new Database(join(out, sqliteName), { readonly: true });
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`the copy failed its integrity check: ${String(check)}`);
    } finally {
      copy.close();
    }
    database = { file: sqliteName, bytes: (await stat(join(out, sqliteName))).size, sha256: await sha256Of(join(out, sqliteName)) };
  } else {
    dialect = 'pg';
    const { url, schema } = pgTarget(target.url);
    await run('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', ...(schema ? [`--schema=${schema}`] : []), `--file=${join(out, pgName)}`, url]);
    database = { file: pgName, bytes: (await stat(join(out, pgName))).size, sha256: await sha256Of(join(out, pgName)), ...(schema ? { schema } : {}) };
  }
  const attachments: BackupManifest['attachments'] = [];
  for (const [i, source] of [...new Set(target.attachmentDirs.map((dir) => resolve(dir)))].entries()) {
    if (!existsSync(source)) continue;
    const folder = `attachments-${i + 1}`;
    // Made even when empty (files in the database leave the folder so): the manifest names it.
    await mkdir(join(out, folder), { recursive: true, mode: 0o700 });
    attachments.push({ source, folder, ...(await copyFiles(source, join(out, folder))) });
  }
  const manifest: BackupManifest = { format: 1, createdAt: now.toISOString(), dialect, database, attachments };
  await writeFile(join(out, manifestName), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

/** The backup's manifest, once its database file is checked against it. */
export async function readBackup(from: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(from, manifestName), 'utf8')) as BackupManifest;
  } catch (error) {
    throw new BackupError(`${from} is not a backup (no readable ${manifestName}: ${(error as Error).message})`);
  }
  if (manifest.format !== 1) throw new BackupError(`unknown backup format ${String(manifest.format)}`);
  // Names inside the folder only: a manifest edited to point elsewhere must not be followed.
  if (![sqliteName, pgName].includes(manifest.database?.file) || !manifest.attachments?.every((folder) => /^attachments-\d+$/.test(folder.folder))) {
    throw new BackupError(`${manifestName} names files outside the backup`);
  }
  const file = join(from, manifest.database.file);
  if (!existsSync(file) || (await sha256Of(file)) !== manifest.database.sha256) throw new BackupError(`${manifest.database.file} is missing or damaged (its SHA-256 differs from the manifest's)`);
  return manifest;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the database that was replaced went (SQLite), if there was one. */
  keptAside: string | null;
  attachments: Array<{ target: string; files: number }>;
}

/**
 * Puts a backup back, with the gateway stopped. SQLite: the current file (and its WAL) moves
 * aside, never deleted, and the copy takes its place. PostgreSQL: pg_restore drops and recreates
 * the objects in one transaction. Each attachment folder gets back, where it was, the files it lacks.
 */
export async function restore(target: Pick<BackupTarget, 'url'>, from: string, now = new Date()): Promise<RestoreResult> {
  const manifest = await readBackup(from);
  const dialect = target.url.startsWith('file:') ? 'sqlite' : 'pg';
  if (manifest.dialect !== dialect) throw new BackupError(`the backup is of a ${manifest.dialect} store; DATABASE_URL names a ${dialect} one`);
  let keptAside: string | null = null;
  if (dialect === 'sqlite') {
    const path = sqlitePath(target.url);
    await mkdir(dirname(path), { recursive: true });
    if (existsSync(path)) {
      keptAside = `${path}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
      await rename(path, keptAside);
      for (const suffix of ['-wal', '-shm']) {
        if (existsSync(path + suffix)) await rename(path + suffix, keptAside + suffix);
      }
    }
    const incoming = `${path}.restoring`;
    await copyFile(join(from, manifest.database.file), incoming);
    await rename(incoming, path);
  } else {
    const { url, schema } = pgTarget(target.url);
    // The dump names its schema: restored elsewhere, it would land beside the store, not in it.
    if ((manifest.database.schema ?? null) !== schema) throw new BackupError(`the backup holds schema ${manifest.database.schema ?? '(all)'}; DATABASE_URL names ${schema ?? '(all)'}`);
    await run('pg_restore', ['--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', `--dbname=${url}`, join(from, manifest.database.file)]);
  }
  const attachments: RestoreResult['attachments'] = [];
  for (const folder of manifest.attachments) {
    const { files } = await copyFiles(join(from, folder.folder), folder.source);
    attachments.push({ target: folder.source, files });
  }
  return { manifest, keptAside, attachments };
}
