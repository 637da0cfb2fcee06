import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { projectRoot } from '../config/project-root.ts';
import { foldText, sqliteFoldFunction } from '../text-fold.ts';
import * as pgTables from './schema.pg.ts';
import * as sqliteTables from './schema.sqlite.ts';

export type Tables = typeof pgTables;
/**
 * The database handle repositories use. It is typed as PostgreSQL; on SQLite the same drizzle
 * builder calls run against the mirror schema, which stores the same JavaScript values (dates as
 * Date, JSON as objects). The store test suite runs every repository on both dialects.
 */
export type Db = NodePgDatabase<Tables>;
export type Dialect = 'sqlite' | 'pg';

export interface StoreOptions {
  /** `file:<path>` or `postgres://...`; a `schema` query parameter picks a PostgreSQL schema. */
  url: string;
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** Most transactions folded into one SQLite commit. */
  maxBatch?: number;
}

export interface TxOptions {
  /**
   * Someone is watching for this commit (a live chat's message, the bot's answer to it): on
   * SQLite it goes before the transactions already waiting, in a commit of its own.
   */
  first?: boolean;
}

export interface Store {
  readonly dialect: Dialect;
  readonly db: Db;
  readonly t: Tables;
  /**
   * Runs `fn` in a write transaction and resolves after the commit. On SQLite, calls made in
   * the same tick share one commit (group commit), each inside its own savepoint so one
   * failure does not undo the others. `fn` must only touch the store: no network waits.
   */
  tx<T>(fn: (db: Db) => Promise<T>, options?: TxOptions): Promise<T>;
  /** Runs a raw query and returns its rows (column names as in the database). */
  rows<T>(db: Db, query: SQL): Promise<T[]>;
  /**
   * The prepared queries `build` makes: built once for the SQLite connection (statements stay
   * compiled), and per transaction on PostgreSQL, where they must run on the transaction's client.
   */
  queries<T>(db: Db, build: (db: Db) => T): T;
  /** A time as the driver binds it inside raw SQL. */
  time(date: Date): unknown;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const migrationsFolder = (dialect: Dialect) => join(projectRoot, 'drizzle', dialect);

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.url.startsWith('file:')) return openSqlite(options);
  return openPg(options);
}

function openSqlite(options: StoreOptions): Store {
  const file = options.url.slice('file:'.length);
  const path = file === ':memory:' ? file : resolve(projectRoot, file);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path, { timeout: 5000 });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
  sqlite.pragma('foreign_keys = ON');
  // Accent-insensitive search (text-fold.ts) folds inside the query, the same way as in JavaScript.
  sqlite.function(sqliteFoldFunction, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldText(value) : value));
  const native = drizzleSqlite(sqlite, { schema: sqliteTables });
  migrateSqlite(native, { migrationsFolder: migrationsFolder('sqlite') });
  const checkpointer = path === ':memory:' ? null : startCheckpointer(sqlite, path);
  const db = native as unknown as Db;
  const maxBatch = options.maxBatch ?? 256;

  interface Job {
    fn: (db: Db) => Promise<unknown>;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  }
  let queue: Job[] = [];
  // The transactions someone watches for (TxOptions.first), committed before the queue's.
  let firstQueue: Job[] = [];
  let draining = false;
  let closed = false;
  // exec() compiles its SQL on every call; these run thousands of times a second.
  const control = Object.fromEntries(
    ['BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK', 'SAVEPOINT job', 'RELEASE job', 'ROLLBACK TO job'].map((q) => [q, sqlite.prepare(q)]),
  );
  const run = (q: string) => control[q]!.run();
  const built = new WeakMap<(db: Db) => unknown, unknown>();
  const followUpTicks = 64;

  async function drain(): Promise<void> {
    draining = true;
    try {
      while (firstQueue.length > 0 || queue.length > 0) {
        let batch: Job[];
        const watched = firstQueue.length > 0;
        if (watched) {
          batch = firstQueue;
          firstQueue = [];
        } else {
          batch = queue.slice(0, maxBatch);
          queue = queue.slice(batch.length);
        }
        const settle: Array<() => void> = [];
        // A lone job needs no savepoint: its failure rolls back a transaction of its own.
        const savepoints = batch.length > 1;
        try {
          run('BEGIN IMMEDIATE');
          for (let i = 0; i < batch.length; i++) {
            // A transaction someone watches for came in: this commit ends here and the jobs not
            // begun wait at the head of the queue, behind it.
            if (!watched && i > 0 && firstQueue.length > 0) {
              queue = batch.slice(i).concat(queue);
              batch = batch.slice(0, i);
              break;
            }
            const job = batch[i]!;
            if (savepoints) run('SAVEPOINT job');
            try {
              const value = await job.fn(db);
              if (savepoints) run('RELEASE job');
              settle.push(() => job.resolve(value));
            } catch (error) {
              if (!savepoints) throw error;
              run('ROLLBACK TO job');
              run('RELEASE job');
              settle.push(() => job.reject(error));
            }
          }
          run('COMMIT');
        } catch (error) {
          if (sqlite.inTransaction) run('ROLLBACK');
          for (const job of batch) job.reject(error);
          continue;
        }
        // Callers hear back only after the commit: acknowledged means durable.
        for (const done of settle) done();
        // What they do next runs as microtasks: the bot answering a message just committed
        // queues its transaction a few dozen of them later. Waiting that long commits the answer
        // in this turn; otherwise it waited for the next turn of a loop busy with other requests.
        for (let i = 0; i < followUpTicks && queue.length === 0 && firstQueue.length === 0; i++) await null;
      }
    } finally {
      draining = false;
    }
  }

  return {
    dialect: 'sqlite',
    db,
    t: sqliteTables as unknown as Tables,
    tx<T>(fn: (db: Db) => Promise<T>, options?: TxOptions): Promise<T> {
      if (closed) return Promise.reject(new Error('store is closed'));
      return new Promise<T>((resolve, reject) => {
        const job = { fn, resolve: resolve as (v: unknown) => void, reject };
        if (options?.first) {
          firstQueue.push(job);
          // Now, not after the rest of the event loop's turn; a drain running takes it next.
          if (!draining) queueMicrotask(() => void (draining ? undefined : drain()));
          return;
        }
        queue.push(job);
        // setImmediate lets the other requests of this tick join the same commit; a drain begun
        // meanwhile for a watched transaction takes them too.
        if (!draining && queue.length + firstQueue.length === 1) setImmediate(() => void (draining ? undefined : drain()));
      });
    },
    async rows<T>(handle: Db, query: SQL): Promise<T[]> {
      return (handle as unknown as typeof native).all<T>(query);
    },
    queries<T>(_db: Db, build: (db: Db) => T): T {
      if (!built.has(build)) built.set(build, build(db));
      return built.get(build) as T;
    },
    time: (date) => date.getTime(),
    async ping() {
      sqlite.prepare('select 1').get();
    },
    async close() {
      if (closed) return;
      closed = true;
      while (draining || queue.length > 0 || firstQueue.length > 0) await new Promise((r) => setTimeout(r, 5));
      await checkpointer?.stop();
      sqlite.close();
    },
  };
}

// Runs in a worker thread with its own connection: copying WAL pages back into the database
// file (and the fsync that goes with it) then happens beside the event loop, not inside a
// commit of the request path. PASSIVE never blocks the writer.
const checkpointerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: 5000 });
const timer = setInterval(() => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} }, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.postMessage('closed'); });
`;

/** Moves checkpoints of a WAL database off the writing connection (see checkpointerSource). */
function startCheckpointer(sqlite: Database.Database, path: string) {
  sqlite.pragma('wal_autocheckpoint = 0');
  const require = createRequire(import.meta.url);
  const worker = new Worker(checkpointerSource, { eval: true, workerData: { path, intervalMs: 250, driver: require.resolve('better-sqlite3') } });
  worker.unref();
  return {
    async stop() {
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      });
      await worker.terminate();
      // Leave a small WAL behind for the next start.
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    },
  };
}

/** PostgreSQL error codes worth one more try of a whole transaction. */
const retryableCodes = new Set(['23505', '40001', '40P01']);

async function openPg(options: StoreOptions): Promise<Store> {
  const url = new URL(options.url);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name "${schema}"`);
  const pool = new pg.Pool({
    connectionString: url.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Idle clients can lose their server (restart, failover): log through the pool error, not crash.
  pool.on('error', () => {});
  const db = drizzlePg(pool, { schema: pgTables });
  const client = await pool.connect();
  try {
    // Several gateway nodes may start at once: one migrates, the others wait for it.
    await client.query('select pg_advisory_lock(1022001)');
    if (schema) await client.query(`create schema if not exists ${schema}`);
    await migratePg(drizzlePg(client), {
      migrationsFolder: migrationsFolder('pg'),
      migrationsSchema: schema ?? 'drizzle',
    });
  } finally {
    await client.query('select pg_advisory_unlock(1022001)').catch(() => {});
    client.release();
  }

  return {
    dialect: 'pg',
    db,
    t: pgTables,
    async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
      // Each transaction has a pooled connection of its own: none waits behind another's commit.
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction((tx) => fn(tx as unknown as Db));
        } catch (error) {
          const code = (error as { code?: string; cause?: { code?: string } }).cause?.code ?? (error as { code?: string }).code;
          if (attempt >= 3 || !code || !retryableCodes.has(code)) throw error;
        }
      }
    },
    async rows<T>(handle: Db, query: SQL): Promise<T[]> {
      const result = await handle.execute(query);
      return result.rows as T[];
    },
    queries: (handle, build) => build(handle),
    time: (date) => date,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      if (pool.ended) return;
      await pool.end();
    },
  };
}
