import type { FastifyBaseLogger } from 'fastify';
import type { Conversations } from '../../core/conversations.ts';
import type { EventBus } from '../../core/events.ts';

/** The platform id `send` gave a reply queued before the widget delivered on commit. */
export const outboundId = (messageId: number) => `wc-out:${messageId}`;

const remembered = 50_000;
/** When an answer seen before it was sent is marked again: the `sent` event comes only on the
 * node whose outbox sent it, which may not be the node holding the visitor's socket. */
const remarkAfterMs = [2_000, 10_000, 60_000];

/**
 * "Seen" marks from the widget become `read` on the hotline's answers, named by the store's ids
 * the widget holds. Answers are sent in their own commit (the widget delivers on commit); one
 * still queued from before (only a sent message can become read) is marked when its `sent` comes.
 */
export function createSeenTracker(deps: {
  conversations: Conversations;
  events: EventBus;
  markDelivery: (messageIds: number[], status: 'read') => Promise<void>;
  logger: FastifyBaseLogger;
}) {
  const seenUpTo = new Map<number, number>();
  const mark = (ids: number[]) =>
    deps.markDelivery(ids, 'read').catch((error: unknown) => deps.logger.warn({ err: error }, 'seen mark not stored'));

  const timers = new Set<NodeJS.Timeout>();
  const markLater = (ids: number[]) => {
    for (const delay of remarkAfterMs) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        void mark(ids);
      }, delay);
      timer.unref();
      timers.add(timer);
    }
  };

  const off = deps.events.on('message.updated', (event) => {
    if (event.status !== 'sent') return;
    const upTo = seenUpTo.get(event.conversationId);
    if (upTo !== undefined && event.messageId <= upTo) void mark([event.messageId]);
  });

  return {
    /** The visitor has seen the conversation up to `upTo`. */
    async seen(conversationId: number, upTo: number): Promise<void> {
      const from = seenUpTo.get(conversationId) ?? 0;
      if (upTo <= from) return;
      seenUpTo.delete(conversationId);
      seenUpTo.set(conversationId, upTo);
      if (seenUpTo.size > remembered) seenUpTo.delete(seenUpTo.keys().next().value!);
      const rows = await deps.conversations.messages(conversationId, { afterId: from, limit: 500, citizenView: true });
      const answers = rows.filter((row) => row.direction === 'out' && row.id <= upTo);
      await mark(answers.map((row) => row.id));
      const unsent = answers.filter((row) => row.status === 'queued' || row.status === 'sending').map((row) => row.id);
      // A seen answer left unread would be emailed by the fallback as if never seen.
      if (unsent.length) markLater(unsent);
    },
    close(): void {
      off();
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type SeenTracker = ReturnType<typeof createSeenTracker>;
