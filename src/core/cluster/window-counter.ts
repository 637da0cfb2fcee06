import type { Redis } from 'ioredis';

/** Counts events per key in fixed windows; `hit` is false once a key is over its limit. */
export interface WindowCounter {
  /** Counts one event; false when the key is over its limit in this window. */
  hit(key: string): Promise<boolean>;
}

/** Makes the counter named `name` (unique within whoever asks: a channel's inbox, say). */
export type WindowCounters = (name: string, limit: number, windowMs: number) => WindowCounter;

/**
 * Counts in this process's memory, in one-window buckets that start at a key's first event:
 * enough to stop one visitor or one address flooding a node.
 */
export function createLocalWindowCounter(limit: number, windowMs: number, now: () => number = Date.now) {
  const counts = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    hit(key: string): boolean {
      const at = now();
      if (at - lastSweep > windowMs) {
        for (const [k, entry] of counts) if (at - entry.start >= windowMs) counts.delete(k);
        lastSweep = at;
      }
      const entry = counts.get(key);
      if (!entry || at - entry.start >= windowMs) {
        counts.set(key, { start: at, count: 1 });
        return true;
      }
      entry.count++;
      return entry.count <= limit;
    },
  };
}

// The same window in Redis: the first event of a key starts it (the key expires with it). One
// script, so a node dying between the two commands cannot leave a key that never expires.
const hitScript = "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n";
type ScriptedRedis = Redis & { gwWindowHit(key: string, windowMs: number): Promise<number> };

/** A Redis that answers slower than this counts as down for this event: a citizen never waits on it. */
const redisWaitMs = 500;

/**
 * The counters of a node. With a cluster's Redis they count there, so a limit of N a minute
 * admits N across all the nodes; while Redis is unreachable (or slow) each node counts alone,
 * degraded rather than refusing citizens or letting a flood through.
 */
export function createWindowCounters(shared?: { client: Redis; readonly connected: boolean }, prefix = ''): WindowCounters {
  if (!shared) {
    return (_name, limit, windowMs) => {
      const local = createLocalWindowCounter(limit, windowMs);
      return { hit: async (key) => local.hit(key) };
    };
  }
  const client = shared.client as ScriptedRedis;
  if (typeof client.gwWindowHit !== 'function') client.defineCommand('gwWindowHit', { numberOfKeys: 1, lua: hitScript });
  return (name, limit, windowMs) => {
    const local = createLocalWindowCounter(limit, windowMs);
    return {
      async hit(key) {
        if (!shared.connected) return local.hit(key);
        let timer: NodeJS.Timeout | undefined;
        try {
          const count = await Promise.race([
            client.gwWindowHit(`${prefix}window:${name}:${key}`, windowMs),
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('Redis too slow')), redisWaitMs))),
          ]);
          return count <= limit;
        } catch {
          return local.hit(key);
        } finally {
          clearTimeout(timer);
        }
      },
    };
  };
}
