import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createRedisBridge, type RedisBridge } from '../../src/core/cluster/redis-bridge.ts';
import { createLocalWindowCounter, createWindowCounters } from '../../src/core/cluster/window-counter.ts';
import { EventBus } from '../../src/core/events.ts';
import { freePort, redisAvailable, redisBaseUrl } from '../cluster/nodes.ts';

const quiet = { info: () => {}, warn: () => {} };
const ready = await redisAvailable();

describe('window counters', () => {
  it('count per key in fixed windows, in memory', () => {
    let now = 0;
    const counter = createLocalWindowCounter(2, 60_000, () => now);
    expect([counter.hit('a'), counter.hit('a'), counter.hit('a'), counter.hit('b')]).toEqual([true, true, false, true]);
    now = 60_000;
    expect(counter.hit('a')).toBe(true);
  });

  it('without a cluster, count in this process', async () => {
    const counter = createWindowCounters()('x', 2, 60_000);
    expect([await counter.hit('a'), await counter.hit('a'), await counter.hit('a'), await counter.hit('b')]).toEqual([true, true, false, true]);
  });
});

describe.skipIf(!ready)('window counters in a cluster (Redis)', () => {
  const bridges: RedisBridge[] = [];
  afterEach(async () => {
    for (const bridge of bridges.splice(0)) await bridge.close();
  });

  async function node(url: string, prefix: string) {
    const bridge = createRedisBridge({ url, prefix, nodeId: randomBytes(3).toString('hex'), events: new EventBus(), logger: quiet });
    bridges.push(bridge);
    await bridge.start();
    return createWindowCounters(bridge, prefix);
  }

  it('admit N in a window across all the nodes, each name and key apart, and again once the window is over', async () => {
    const prefix = `gwtest:${randomBytes(4).toString('hex')}:`;
    const [a, b] = [await node(redisBaseUrl, prefix), await node(redisBaseUrl, prefix)];
    const onA = a('ip-messages', 5, 400);
    const onB = b('ip-messages', 5, 400);
    const admitted: boolean[] = [];
    for (let i = 0; i < 10; i++) admitted.push(await (i % 2 ? onB : onA).hit('10.0.0.1'));
    expect(admitted.filter(Boolean)).toHaveLength(5);
    expect(admitted.slice(5)).toEqual([false, false, false, false, false]);
    // Another key, another counter name and another deployment's prefix count on their own.
    expect(await onB.hit('10.0.0.2')).toBe(true);
    expect(await b('visitor-messages', 5, 400).hit('10.0.0.1')).toBe(true);
    expect(await (await node(redisBaseUrl, `gwtest:${randomBytes(4).toString('hex')}:`))('ip-messages', 5, 400).hit('10.0.0.1')).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(await onA.hit('10.0.0.1')).toBe(true);
  });

  it('count in the node while Redis is unreachable: degraded, still limiting', async () => {
    const counters = await node(`redis://127.0.0.1:${await freePort()}`, 'gwtest:down:');
    const counter = counters('ip-messages', 3, 60_000);
    const admitted = [];
    for (let i = 0; i < 5; i++) admitted.push(await counter.hit('10.0.0.1'));
    expect(admitted).toEqual([true, true, true, false, false]);
  });
});
