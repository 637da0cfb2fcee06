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

  it('commits a transaction someone watches for (first) ahead of a queue of others, cutting the batch in progress short', async () => {
    const committed: string[] = [];
    let watched: Promise<unknown> | undefined;
    const slowPut = (key: string) =>
      store.tx(async (db) => {
        // While the batch's first job is written, another piece of work (a live chat's answer
        // being decided) runs alongside and asks for its commit a few microtasks later.
        if (key === 'queued-0') {
          watched = (async () => {
            for (let i = 0; i < 4; i++) await null;
            await store.tx((d) => d.insert(store.t.settings).values({ key: 'watched', value: 'watched' }), { first: true });
            committed.push('watched');
          })();
        }
        for (let i = 0; i < 3; i++) await null;
        await db.insert(store.t.settings).values({ key, value: key });
      });
    const others = Array.from({ length: 40 }, (_, i) => slowPut(`queued-${i}`).then(() => committed.push(`queued-${i}`)));
    await Promise.all(others);
    await watched;
    const at = committed.indexOf('watched');
    // The jobs begun before it came were committed first; the rest of the batch waited for it.
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(10);
    // Those cut from the batch keep their order, and all are kept.
    expect(committed.filter((k) => k !== 'watched')).toEqual(Array.from({ length: 40 }, (_, i) => `queued-${i}`));
    const rows = await store.db.select().from(store.t.settings);
    expect(rows.filter((r) => r.key.startsWith('queued-') || r.key === 'watched')).toHaveLength(41);
  });

  it('still acknowledges nothing before its commit, and a failed job does not undo the others', async () => {
    const results = await Promise.allSettled([put('a'), put('a'), put('b')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const rows = await store.db.select().from(store.t.settings);
    expect(rows.map((r) => r.key).filter((k) => k.length === 1).sort()).toEqual(['a', 'b']);
  });
});
