import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Store } from './store/store.ts';

/**
 * Where attachment bytes live, by key (the SHA-256 of the bytes kept, so a key names content
 * only). One small contract so a single node keeps files in a folder and a cluster keeps them
 * where every node reads them.
 */
export interface FileStorage {
  /** `folder` or `database`: shown in logs and used by backup to know what to copy. */
  readonly kind: 'folder' | 'database';
  /** Stores the bytes under the key; storing the same key again is a no-op (same content). */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes under the key, or null when there are none. */
  get(key: string): Promise<Buffer | null>;
  /** Removes the bytes; a missing key is not an error (erasure may run twice). */
  delete(key: string): Promise<void>;
}

const keyPattern = /^[0-9a-f]{64}$/;

function checkKey(key: string): void {
  if (!keyPattern.test(key)) throw new Error('invalid attachment key');
}

/** Files in `<dir>/<first two hex>/<key>`: the single-node default, carried by backup's folder copy. */
export function createFolderStorage(dir: string): FileStorage & { path(key: string): string } {
  const path = (key: string) => {
    checkKey(key);
    return join(dir, key.slice(0, 2), key);
  };
  return {
    kind: 'folder',
    path,
    async put(key, bytes) {
      const target = path(key);
      const exists = await stat(target).then(
        () => true,
        () => false,
      );
      if (exists) return;
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      // Written aside then renamed: a reader never sees half a file, a crash leaves no key.
      const temporary = `${target}.${randomBytes(6).toString('hex')}.part`;
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
    },
    async get(key) {
      if (!keyPattern.test(key)) return null;
      try {
        return await readFile(path(key));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async delete(key) {
      if (!keyPattern.test(key)) return;
      await unlink(path(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
}

/**
 * Files in the `file_blobs` table (bytea on PostgreSQL): every node of a cluster reads what any
 * node stored, pg_dump carries them, and a delete is a plain row delete inside the erasure's
 * own transaction. On SQLite the same table works (a BLOB column) for tests and small setups.
 */
export function createDatabaseStorage(store: Store): FileStorage {
  const { t } = store;
  return {
    kind: 'database',
    async put(key, bytes) {
      checkKey(key);
      await store.tx((db) => db.insert(t.fileBlobs).values({ key, bytes, size: bytes.length, createdAt: new Date() }).onConflictDoNothing());
    },
    async get(key) {
      if (!keyPattern.test(key)) return null;
      const [row] = await store.db.select({ bytes: t.fileBlobs.bytes }).from(t.fileBlobs).where(eq(t.fileBlobs.key, key)).limit(1);
      return row ? Buffer.from(row.bytes) : null;
    },
    async delete(key) {
      if (!keyPattern.test(key)) return;
      await store.tx((db) => db.delete(t.fileBlobs).where(eq(t.fileBlobs.key, key)));
    },
  };
}

/**
 * The storage the configuration asks for: `folder` or `database`, or `auto` (the default):
 * the database when it is PostgreSQL (a cluster's nodes share it, not a disk), else the folder.
 */
export function chooseFileStorage(choice: 'auto' | 'folder' | 'database', store: Store, dir: string): FileStorage {
  const database = choice === 'database' || (choice === 'auto' && store.dialect === 'pg');
  return database ? createDatabaseStorage(store) : createFolderStorage(dir);
}
