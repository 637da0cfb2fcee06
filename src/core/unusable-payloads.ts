import type { FastifyBaseLogger } from 'fastify';
import { storableDeep } from './store-text.ts';
import type { Store } from './store/store.ts';

export interface UnusablePayload {
  inboxId: number | null;
  channel: string;
  /** Where and why, never the payload's values: it is logged. */
  reason: string;
  raw: unknown;
}

/**
 * Keeps signed platform payloads the gateway cannot use. The platform is answered 2xx (it would
 * otherwise retry for hours), the log says which inbox and why without any personal data, and
 * the payload itself waits in `unusable_payloads` for someone to look at it.
 */
export function createUnusablePayloads(store: Store, logger: FastifyBaseLogger) {
  const { t } = store;
  return {
    async keep(payload: UnusablePayload): Promise<void> {
      logger.warn({ inboxId: payload.inboxId, channel: payload.channel, reason: payload.reason }, 'unusable platform payload kept for inspection');
      await store.db.insert(t.unusablePayloads).values({
        inboxId: payload.inboxId,
        channel: payload.channel,
        reason: payload.reason.slice(0, 500),
        raw: storableDeep(payload.raw ?? null),
        receivedAt: new Date(),
      });
    },
  };
}

export type UnusablePayloads = ReturnType<typeof createUnusablePayloads>;
