import type { InboxState } from '../channel-adapter.ts';

export interface SendLimits {
  perCitizen: { max: number; windowSeconds: number };
  perAccount: { max: number; windowSeconds: number };
}

/** Sends of the last window, oldest first: [epoch ms, recipient]. */
export type SendLog = Array<[number, string]>;

export type SlotDecision = { ok: true; log: SendLog } | { ok: false; at: number; limit: 'citizen' | 'account' };

/**
 * Whether `parts` more messages to `to` may go out at `now` under both limits, and the log with
 * them recorded; otherwise the first time they may. Pure: the store keeps the log.
 */
export function reserveSlots(log: SendLog, to: string, parts: number, now: number, limits: SendLimits): SlotDecision {
  const longest = Math.max(limits.perCitizen.windowSeconds, limits.perAccount.windowSeconds) * 1000;
  const kept = log.filter(([at]) => at > now - longest);
  const check = (entries: SendLog, max: number, windowMs: number): number | null => {
    const recent = entries.filter(([at]) => at > now - windowMs);
    // A message longer than the limit still goes, alone, once the window is empty.
    const need = Math.min(parts, max);
    const over = recent.length + need - max;
    if (over <= 0) return null;
    return recent[over - 1]![0] + windowMs;
  };
  const citizen = check(kept.filter(([, who]) => who === to), limits.perCitizen.max, limits.perCitizen.windowSeconds * 1000);
  const account = check(kept, limits.perAccount.max, limits.perAccount.windowSeconds * 1000);
  if (citizen !== null || account !== null) {
    const limit = (account ?? 0) > (citizen ?? 0) ? 'account' : 'citizen';
    return { ok: false, at: Math.max(citizen ?? 0, account ?? 0), limit };
  }
  return { ok: true, log: [...kept, ...Array.from({ length: parts }, (): [number, string] => [now, to])] };
}

export const sendLogKey = 'zalo-personal.sends';

/** The send log in the inbox state: a reservation is a compare-and-set, so it holds across nodes. */
export function createSendLimiter(state: InboxState, limits: SendLimits, now: () => number = Date.now) {
  return {
    async reserve(to: string, parts: number): Promise<{ ok: true } | { ok: false; at: Date; limit: 'citizen' | 'account' }> {
      let refused: { at: number; limit: 'citizen' | 'account' } | null = null;
      await state.update(sendLogKey, (raw) => {
        let log: SendLog = [];
        try {
          log = raw ? (JSON.parse(raw) as SendLog) : [];
        } catch {
          log = [];
        }
        const decision = reserveSlots(log, to, parts, now(), limits);
        if (!decision.ok) {
          refused = { at: decision.at, limit: decision.limit };
          return null;
        }
        refused = null;
        return JSON.stringify(decision.log);
      });
      const result = refused as { at: number; limit: 'citizen' | 'account' } | null;
      return result ? { ok: false, at: new Date(result.at), limit: result.limit } : { ok: true };
    },
  };
}
