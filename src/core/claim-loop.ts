interface Logger {
  error(obj: object, msg: string): void;
}

/**
 * A worker that claims due rows and handles them until none is left, one pass at a time: a kick
 * while a pass runs asks for one more pass instead of starting a second. The outbox and the
 * attachment fetcher both work this way; stopping lets the pass in flight finish its batch.
 */
export function createClaimLoop<Row>(options: { claim(now: Date): Promise<Row[]>; handle(row: Row): Promise<void>; logger: Logger; name: string }) {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;

  /** Claims and handles until nothing is due. */
  async function drain(): Promise<void> {
    do {
      again = false;
      for (;;) {
        const rows = await options.claim(new Date());
        if (rows.length === 0) break;
        await Promise.all(rows.map((row) => options.handle(row)));
        if (stopped) return;
      }
    } while (again && !stopped);
  }

  function kick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => options.logger.error({ err: error }, `${options.name} pass failed`))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    drain,
    kick,
    start(): void {
      stopped = false;
    },
    /** Stops taking new passes and waits for the one in flight. */
    async stop(): Promise<void> {
      stopped = true;
      await running;
    },
  };
}
