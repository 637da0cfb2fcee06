import type { EventBus, GatewayEvents } from './events.ts';
import { inboundReader, type InboundView } from './inbound-message.ts';
import type { Store } from './store/store.ts';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

interface Logger {
  error(obj: object, msg: string): void;
}

/** A citizen's stored message as each handler sees it: the event and one shared read of the row. */
export interface InboundMessageView extends InboundView {
  messageId: number;
  inboxId: number;
  event: GatewayEvents['message.created'];
}

/**
 * One step of what happens to a citizen's message after it is committed. Handlers are asked in
 * the order the app declares them; the first that takes the message ends the walk (a rating vote
 * is not a question for the knowledge base; an opt-out reply is not a dossier question).
 */
export interface InboundHandler {
  /** For logs: which step failed. */
  name: string;
  /** True when this handler took the message and the ones after it must leave it alone. */
  take(message: InboundMessageView): Promise<boolean>;
  /** Resolves when the work this handler started in the background is done (the router's assignments). */
  settled?(): Promise<void>;
}

/**
 * The one `message.created` listener for citizens' messages: it walks the declared handlers in
 * order. Messages of one conversation are handled one after another, in the order they were
 * stored, so a bot's answers and a handoff never overtake each other.
 */
export function createInboundHandlers(deps: {
  store: Store;
  events: EventBus;
  logger: Logger;
  handlers: InboundHandler[];
  /** Whether a citizen watches a live connection in this inbox (ChannelAdapter.live): handled first. */
  live?: (inboxId: number) => boolean;
}) {
  const { events, logger, handlers } = deps;
  const read = inboundReader(deps.store);

  async function handle(event: GatewayEvents['message.created']): Promise<void> {
    const row = await read(event.messageId);
    if (!row) return;
    const message: InboundMessageView = { ...row, messageId: event.messageId, inboxId: event.inboxId, event };
    for (const handler of handlers) {
      try {
        if (await handler.take(message)) return;
      } catch (error) {
        logger.error({ err: error, conversationId: event.conversationId, handler: handler.name }, 'inbound handler failed');
        return;
      }
    }
  }

  const chains = new Map<number, Promise<unknown>>();
  function enqueue(event: GatewayEvents['message.created']) {
    // History is the record of what was handled before the gateway: nothing answers it again.
    if (event.direction !== 'in' || event.history) return;
    const previous = chains.get(event.conversationId) ?? Promise.resolve();
    // A commit hands over a batch of messages at once; the bot's work on them all would run
    // before anything else. Messages nobody watches live wait a turn of the event loop, so the
    // live chat's are answered (and committed) first.
    const turn = deps.live?.(event.inboxId) ? previous : previous.then(nextTurn);
    const next = turn
      .then(() => handle(event))
      .catch((error: unknown) => logger.error({ err: error, conversationId: event.conversationId }, 'inbound handling failed'))
      .finally(() => {
        if (chains.get(event.conversationId) === next) chains.delete(event.conversationId);
      });
    chains.set(event.conversationId, next);
  }

  let unsubscribe: (() => void) | undefined;
  return {
    /** Resolves when every message received so far has been handled. */
    async idle() {
      while (chains.size) await Promise.all(chains.values());
      for (const handler of handlers) await handler.settled?.();
    },
    start() {
      // The node that stored the message handles it; the other nodes only hear of it.
      unsubscribe ??= events.onLocal('message.created', enqueue);
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = undefined;
      await Promise.all(chains.values());
    },
  };
}

export type InboundHandlers = ReturnType<typeof createInboundHandlers>;
