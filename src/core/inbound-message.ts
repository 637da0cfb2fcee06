import { eq, sql } from 'drizzle-orm';
import type { Db, Store } from './store/store.ts';

/** What the modules that act on a citizen's message (router, ratings, care) read of it. */
export interface InboundView {
  text: string | null;
  metadata: unknown;
  attachments: unknown;
  conversationId: number;
  contactId: number;
  handler: string;
}

/**
 * One read of a stored message for everyone who listens to `message.created`: the router, the
 * rating buttons and customer care each need it, and on the hot path of ingest one prepared read
 * shared by all of them costs a fraction of three queries built and compiled per message.
 */
function createInboundReader(store: Store) {
  const { t } = store;
  const prepared = (db: Db) =>
    db
      .select({ text: t.messages.text, metadata: t.messages.metadata, attachments: t.messages.attachments, conversationId: t.messages.conversationId, contactId: t.conversations.contactId, handler: t.conversations.handler })
      .from(t.messages)
      .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
      .where(eq(t.messages.id, sql.placeholder('id')))
      .limit(1)
      .prepare('inbound_view');
  // The listeners of one event run in the same tick: the first asks, the others share its answer.
  const recent = new Map<number, Promise<InboundView | null>>();

  const keep = (messageId: number, pending: Promise<InboundView | null>) => {
    recent.set(messageId, pending);
    if (recent.size > 256) recent.delete(recent.keys().next().value!);
  };

  function read(messageId: number): Promise<InboundView | null> {
    let pending = recent.get(messageId);
    if (!pending) {
      pending = store
        .queries(store.db, prepared)
        .execute({ id: messageId })
        .then((rows) => (rows[0] as InboundView | undefined) ?? null);
      keep(messageId, pending);
    }
    return pending;
  }

  /** The ingest hands over what it has just committed, so the listeners need no read at all. */
  function remember(messageId: number, view: InboundView): void {
    keep(messageId, Promise.resolve(view));
  }

  return Object.assign(read, { remember });
}

export type InboundReader = ReturnType<typeof createInboundReader>;

const readers = new WeakMap<Store, InboundReader>();
/** The store's one shared reader (see createInboundReader). */
export function inboundReader(store: Store): InboundReader {
  let reader = readers.get(store);
  if (!reader) readers.set(store, (reader = createInboundReader(store)));
  return reader;
}
