/**
 * Counts events per key in fixed one-window buckets, in this process's memory: enough to stop
 * one visitor or one address flooding a node (a multi-node deployment also limits at its proxy).
 */
export function createWindowCounter(limit: number, windowMs: number, now: () => number = Date.now) {
  const counts = new Map<string, { start: number; count: number }>();
  let lastSweep = now();
  return {
    /** Counts one event; false when the key is over its limit in this window. */
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

export type WindowCounter = ReturnType<typeof createWindowCounter>;
