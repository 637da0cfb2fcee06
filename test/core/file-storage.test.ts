import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseStorage, createFolderStorage, type FileStorage } from '../../src/core/file-storage.ts';
import { openStore, type Store } from '../../src/core/store/store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { pdf } from '../helpers/files.ts';
import { freshPgUrl, postgresAvailable } from '../helpers/postgres.ts';

const pgUp = await postgresAvailable();
const keyOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** The contract every storage keeps: put is idempotent, get gives back the bytes, delete forgets. */
async function contract(storage: FileStorage) {
  const bytes = pdf('Giay hen tra ket qua');
  const key = keyOf(bytes);
  expect(await storage.get(key)).toBeNull();
  await storage.put(key, bytes);
  await storage.put(key, bytes);
  expect(await storage.get(key)).toEqual(bytes);
  await storage.delete(key);
  await storage.delete(key);
  expect(await storage.get(key)).toBeNull();
  await expect(storage.put('../etc/passwd', bytes)).rejects.toThrow('invalid attachment key');
  expect(await storage.get('../etc/passwd')).toBeNull();
}

describe('file storage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-storage-'));
  let sqlite: Store;
  beforeAll(async () => {
    sqlite = await openStore({ url: `file:${join(dir, 'gateway.db')}` });
  });
  afterAll(async () => {
    await sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the contract in a folder', () => contract(createFolderStorage(join(dir, 'files'))));
  it('keeps the contract in the SQLite file', () => contract(createDatabaseStorage(sqlite)));
});

describe.skipIf(!pgUp)('file storage on PostgreSQL, shared by the nodes of a cluster', () => {
  const db = freshPgUrl();
  let nodeA: TestApp;
  let nodeB: TestApp;
  beforeAll(async () => {
    // The default `auto` storage: the database, because it is PostgreSQL.
    nodeA = await startTestApp({ env: { DATABASE_URL: db.url } });
    nodeB = await startTestApp({ env: { DATABASE_URL: db.url } });
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await db.drop();
  });

  it('keeps the contract in bytea', async () => {
    const store = await openStore({ url: db.url });
    try {
      await contract(createDatabaseStorage(store));
    } finally {
      await store.close();
    }
  });

  it('downloads through node B a file stored through node A', async () => {
    const bytes = pdf('Mau to khai', 50_000);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'mẫu tờ khai.pdf');
    const uploaded = await fetch(`${nodeA.url}/api/v1/uploads`, { method: 'POST', headers: nodeA.auth, body: form });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: number };
    const download = await fetch(`${nodeB.url}/api/v1/attachments/${id}`, { headers: nodeB.auth });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(bytes);
  });
});
