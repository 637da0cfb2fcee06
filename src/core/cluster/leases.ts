import { and, eq, lt, or, sql } from 'drizzle-orm';
import type { Store } from '../store/store.ts';

interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Work that must run on one node at a time: started when this node takes the lease, stopped
 * when it loses it or shuts down. */
export interface LeasedJob {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface LeasesOptions {
  store: Store;
  /** This process's name in the cluster. */
  nodeId: string;
  /** A lease not renewed for this long is free for another node to take. */
  ttlMs: number;
  logger: Logger;
}

interface Entry {
  name: string;
  job: LeasedJob;
  running: boolean;
  /** This node's own bound on the lease: past it, the job stops even if the store is silent. */
  heldUntil: number;
}

/**
 * Runs each job on the one node that holds its lease, a row in the shared store renewed every
 * third of its time to live. A node that dies stops renewing and another takes the job once the
 * lease has expired (at most ttl + ttl/3 later); a node that shuts down gives its leases back at
 * once. Expiry is the database's clock on PostgreSQL, so the nodes' clocks do not matter. A node
 * that cannot reach the store stops its jobs before its lease can have run out.
 *
 * On SQLite one process owns the file: every job simply runs.
 */
export function createLeases(options: LeasesOptions) {
  const { store, nodeId, ttlMs, logger } = options;
  const { t } = store;
  const entries: Entry[] = [];
  const exclusive = store.dialect === 'pg';
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> | undefined;
  let stopped = false;

  /** Takes or renews the lease; true while this node holds it. */
  async function claim(name: string): Promise<boolean> {
    const seconds = ttlMs / 1000;
    const rows = await store.tx((db) =>
      db
        .insert(t.leases)
        .values({ name, holder: nodeId, expiresAt: sql`now() + make_interval(secs => ${seconds})` })
        .onConflictDoUpdate({
          target: t.leases.name,
          set: { holder: nodeId, expiresAt: sql`now() + make_interval(secs => ${seconds})` },
          where: or(eq(t.leases.holder, nodeId), lt(t.leases.expiresAt, sql`now()`)),
        })
        .returning({ holder: t.leases.holder }),
    );
    return rows.length > 0;
  }

  async function startJob(entry: Entry): Promise<void> {
    entry.running = true;
    logger.info({ lease: entry.name, node: nodeId }, 'this node takes over the work');
    try {
      await entry.job.start();
    } catch (err) {
      logger.error({ err, lease: entry.name }, 'leased work did not start');
    }
  }

  async function stopJob(entry: Entry, why: string): Promise<void> {
    if (!entry.running) return;
    entry.running = false;
    logger.warn({ lease: entry.name, node: nodeId, why }, 'this node gives up the work');
    try {
      await entry.job.stop();
    } catch (err) {
      logger.error({ err, lease: entry.name }, 'leased work did not stop cleanly');
    }
  }

  async function tick(): Promise<void> {
    for (const entry of entries) {
      if (stopped) return;
      const asked = Date.now();
      let held: boolean;
      try {
        held = await claim(entry.name);
      } catch (err) {
        // Unsure whether the renewal landed: keep working only while the last one surely holds.
        if (entry.running && Date.now() >= entry.heldUntil) await stopJob(entry, 'the store did not answer');
        else logger.warn({ err, lease: entry.name }, 'lease renewal failed; tried again');
        continue;
      }
      if (stopped) return;
      if (held) {
        // Counted from before the question: the database's expiry is surely later than this.
        entry.heldUntil = asked + ttlMs - Math.min(ttlMs / 3, 2000);
        if (!entry.running) await startJob(entry);
      } else if (entry.running) await stopJob(entry, 'another node holds the lease');
    }
  }

  const run = () => {
    round ??= tick()
      .catch((err: unknown) => logger.error({ err }, 'lease round failed'))
      .finally(() => (round = undefined));
    return round;
  };

  return {
    /** Declares a job; call before `start`. */
    add(name: string, job: LeasedJob): void {
      entries.push({ name, job, running: false, heldUntil: 0 });
    },
    /** Takes what is free now (so a lone node runs its jobs as soon as it is ready), then keeps
     * trying and renewing every third of the time to live. */
    async start(): Promise<void> {
      stopped = false;
      if (!exclusive) {
        for (const entry of entries) await startJob(entry);
        return;
      }
      await run();
      timer = setInterval(() => void run(), Math.max(500, Math.floor(ttlMs / 3)));
      timer.unref();
    },
    /** The leases this node holds now. */
    held: (): string[] => entries.filter((entry) => entry.running).map((entry) => entry.name),
    /** Stops the jobs and gives the leases back for another node to take at once. */
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await round;
      const mine = entries.filter((entry) => entry.running);
      for (const entry of [...mine].reverse()) await stopJob(entry, 'shutting down');
      if (exclusive && mine.length) {
        for (const entry of mine) {
          await store.tx((db) => db.delete(t.leases).where(and(eq(t.leases.name, entry.name), eq(t.leases.holder, nodeId)))).catch(() => {});
        }
      }
    },
  };
}

export type Leases = ReturnType<typeof createLeases>;
