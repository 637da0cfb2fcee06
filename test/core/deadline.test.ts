import { describe, expect, it } from 'vitest';
import { withDeadline } from '../../src/core/deadline.ts';

/** Work that ends only when its signal aborts, with the signal's reason. */
const untilAborted = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

describe('withDeadline', () => {
  it('aborts the work after its time, as a TimeoutError', async () => {
    const error = await withDeadline(30, undefined, untilAborted).catch((e: unknown) => e);
    expect((error as DOMException).name).toBe('TimeoutError');
  });

  it('aborts the work when the caller aborts, with the caller\'s reason', async () => {
    const caller = new AbortController();
    const running = withDeadline(60_000, caller.signal, untilAborted).catch((e: unknown) => e);
    caller.abort(new Error('shutting down'));
    expect(((await running) as Error).message).toBe('shutting down');
  });

  it('starts aborted when the caller already is', async () => {
    const caller = new AbortController();
    caller.abort(new Error('too late'));
    expect(await withDeadline(60_000, caller.signal, async (signal) => signal.aborted)).toBe(true);
  });

  it('lets go of the caller\'s signal once the work ends, and its timer fires no more', async () => {
    const caller = new AbortController();
    let inner: AbortSignal | undefined;
    expect(await withDeadline(20, caller.signal, async (signal) => ((inner = signal), 'done'))).toBe('done');
    caller.abort(new Error('later'));
    await new Promise((r) => setTimeout(r, 40));
    expect(inner!.aborted).toBe(false);
  });
});
