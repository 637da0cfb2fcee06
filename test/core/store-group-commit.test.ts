import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/core/store/store.ts';

describe('SQLite group commit', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw1022-commit-'));
    store = await openStore({ url: `file:${join(dir, 'g.db')}` });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const put = (key: string) => store.tx((db) => db.insert(store.t.settings).values({ key, value: key }));

  it('commits what a caller does right after its commit (the bot answering) in the same turn, not the next', async () => {
    const order: string[] = [];
    const followed = put('question').then(async () => {
      // A few awaits, as the inbound handlers and the router take before they write the answer.
      for (let i = 0; i < 5; i++) await null;
      await put('answer');
      order.push('answer committed');
    });
    // The next turn of the event loop, as seen from the first commit.
    await put('other').then(() => new Promise<void>((resolve) => setImmediate(() => (order.push('next turn'), resolve()))));
    await followed;
    expect(order).toEqual(['answer committed', 'next turn']);
    const rows = await store.db.select().from(store.t.settings);
    expect(rows.map((r) => r.key).sort()).toEqual(['answer', 'other', 'question']);
  });

  it('still acknowledges nothing before its commit, and a failed job does not undo the others', async () => {
    const results = await Promise.allSettled([put('a'), put('a'), put('b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await store.db.select().from(store.t.settings);
    expect(rows.map((r) => r.key).filter((k) => k.length === 1).sort()).toEqual(['a', 'b']);
  });
});
