import { recordActivity } from './activity.ts';
import { and, desc, eq, gte, inArray, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import { appendAudit } from './audit.ts';
import type { EventBus } from './events.ts';
import type { InboxRow } from './inboxes.ts';
import { WindowClosedError, type Outbox, type QueuedReply } from './outbox.ts';
import type { Db, Store } from './store/store.ts';

/**
 * Marks that make a send happen at most once: each message's `metadata[key]` is set in the
 * transaction that queues the send, by a compare-and-set update, so a second sweep, a restart
 * or another node finds the mark and queues nothing.
 */
export interface OnceMark {
  /** The messages the send is about (e.g. the chat answers being emailed). */
  messageIds: number[];
  /** Metadata key of the mark, e.g. `emailFallback`. */
  key: string;
  /** Stored under the key, with what was queued (`conversationId`, `messageId`) and `at`. */
  value?: Record<string, unknown>;
}

/** A line agents read in another conversation (the one the send is about), written with it. */
export interface ActivityLine {
  conversationId: number;
  text: string;
  metadata?: Record<string, unknown>;
}

export interface OutreachRequest {
  contactId: number;
  /** The inbox to send through (an email inbox, a Zalo OA). */
  inboxId: number;
  text: string;
  /**
   * The contact's address on that inbox's channel, as the channel writes it (an email address
   * in lower case). Absent: the contact's first identity in the inbox. Present: the identity
   * with this address, created for the contact when nobody has it.
   */
  address?: string;
  /** The subject of a channel that has one (email), when the send starts a thread. */
  subject?: string;
  senderType?: 'agent' | 'bot' | 'system';
  senderRef?: string;
  /** Kept on the outbound message. */
  metadata?: Record<string, unknown>;
  once?: OnceMark;
  activity?: ActivityLine;
}

export type OutreachResult =
  | {
      kind: 'queued';
      /** The contact's conversation in the target inbox, and the outbound message in it. */
      conversationId: number;
      messageId: number;
      /** True when the conversation was opened for this send. */
      conversationOpened: boolean;
      /** True when the contact's identity in the inbox was created for this send. */
      identityCreated: boolean;
    }
  /** The once-mark was already set: another sweep, node or earlier run queued (or skipped) it. */
  | { kind: 'already' }
  /**
   * Nothing was queued. `address_in_use`: the address is another contact's identity in that
   * inbox (the send would file this contact's message into someone else's history);
   * `no_identity`: the contact has no identity there and no address was given;
   * `window_closed`: the channel does not allow a message now (`detail` says why);
   * `unknown_inbox`: no inbox has that id.
   */
  | { kind: 'refused'; reason: 'address_in_use' | 'no_identity' | 'window_closed' | 'unknown_inbox'; detail?: string };

/** An outbound message the citizen has not read on the channel it was sent to. */
export interface UnreadMessage {
  id: number;
  conversationId: number;
  contactId: number;
  senderType: string;
  senderRef: string | null;
  text: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
}

export interface UnreadQuery {
  inboxId: number;
  /** Only messages created within [createdAfter, createdBefore]. */
  createdAfter: Date;
  createdBefore: Date;
  /** Only messages without this once-mark. */
  unmarked: string;
  /** Bot messages count only when their metadata has this key (e.g. `kb`: a knowledge-base
   * answer, not a greeting or a "please wait" notice). Absent: no bot messages. */
  botMetadataKey?: string;
  limit: number;
}

const keyPattern = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** How far two nodes' clocks (which stamp created_at) may disagree while ids still tell time. */
const clockMarginMs = 3_600_000;

/** Thrown inside a transaction to roll it back with an answer for the caller. */
class Abort extends Error {
  constructor(readonly result: Exclude<OutreachResult, { kind: 'queued' }>) {
    super(result.kind);
  }
}

/**
 * Reaching a known contact on another inbox than the one they wrote on: find or open their
 * conversation there (creating their identity for a given address), queue the message through
 * the outbox, so it is delivered with retries like any reply, and mark what it was about, in
 * one transaction. The live chat's email fallback uses it; so can a campaign announcing itself
 * on Zalo before an operator calls.
 */
export function createOutreach(deps: { store: Store; events: EventBus; outbox: Outbox; inboxes: readonly InboxRow[] }) {
  const { store, events, outbox } = deps;
  const { t } = store;

  /** SQL true when `metadata[key]` is absent (or null). */
  function lacks(key: string): SQL {
    if (!keyPattern.test(key)) throw new Error(`invalid metadata key "${key}"`);
    return store.dialect === 'pg' ? sql`(${t.messages.metadata} -> ${key}::text) is null` : sql`json_extract(${t.messages.metadata}, ${`$."${key}"`}) is null`;
  }

  /**
   * Sets `metadata[key]` on every message. With `ifAbsent`, all or none: false as soon as one
   * already has it (the caller rolls back). Without, it overwrites (a mark this transaction set).
   */
  async function setMark(db: Db, mark: OnceMark, value: Record<string, unknown>, ifAbsent: boolean): Promise<boolean> {
    const json = JSON.stringify(value);
    // Metadata written as a JSON null (not SQL NULL) would turn into an array on PostgreSQL and
    // stay null on SQLite, and the mark would never read back: an object it is.
    const merged =
      store.dialect === 'pg'
        ? sql`(case when jsonb_typeof(metadata) = 'object' then metadata else '{}'::jsonb end) || jsonb_build_object(${mark.key}::text, ${json}::jsonb)`
        : sql`json_set(case when json_type(metadata) = 'object' then metadata else '{}' end, ${`$."${mark.key}"`}, json(${json}))`;
    for (const id of new Set(mark.messageIds)) {
      // The condition is the compare of compare-and-set: on PostgreSQL a second node's update
      // waits for the first one's row lock, then finds the mark and changes nothing.
      const updated = await store.rows<{ id: number }>(
        db,
        sql`update messages set metadata = ${merged} where id = ${id}${ifAbsent ? sql` and ${lacks(mark.key)}` : sql``} returning id`,
      );
      if (updated.length === 0 && ifAbsent) return false;
    }
    return true;
  }

  async function insertActivity(db: Db, line: ActivityLine, extra: Record<string, unknown>, at: Date) {
    const [conversation] = await db
      .select({ inboxId: t.conversations.inboxId, contactId: t.conversations.contactId })
      .from(t.conversations)
      .where(eq(t.conversations.id, line.conversationId))
      .limit(1);
    if (!conversation) return null;
    const messageId = await recordActivity(db, t, { conversationId: line.conversationId, inboxId: conversation.inboxId, by: 'outreach', text: line.text, metadata: { ...line.metadata, ...extra }, at });
    return { messageId, conversationId: line.conversationId, inboxId: conversation.inboxId, contactId: conversation.contactId };
  }

  function announceActivity(activity: Awaited<ReturnType<typeof insertActivity>>): void {
    if (!activity) return;
    events.emit('message.created', { ...activity, direction: 'activity', conversationOpened: false });
  }

  /** The contact's identity in the inbox for this send, created when the address is nobody's. */
  async function identityFor(db: Db, request: OutreachRequest, channel: string, at: Date): Promise<{ externalUserId: string; created: boolean }> {
    if (request.address === undefined) {
      const [own] = await db
        .select({ externalUserId: t.contactIdentities.externalUserId })
        .from(t.contactIdentities)
        .where(and(eq(t.contactIdentities.contactId, request.contactId), eq(t.contactIdentities.inboxId, request.inboxId)))
        .orderBy(t.contactIdentities.id)
        .limit(1);
      if (!own) throw new Abort({ kind: 'refused', reason: 'no_identity' });
      return { externalUserId: own.externalUserId, created: false };
    }
    const [holder] = await db
      .select({ contactId: t.contactIdentities.contactId })
      .from(t.contactIdentities)
      .where(and(eq(t.contactIdentities.inboxId, request.inboxId), eq(t.contactIdentities.externalUserId, request.address)))
      .limit(1);
    if (holder) {
      if (holder.contactId !== request.contactId) throw new Abort({ kind: 'refused', reason: 'address_in_use' });
      return { externalUserId: request.address, created: false };
    }
    const [contact] = await db.select({ name: t.contacts.name }).from(t.contacts).where(eq(t.contacts.id, request.contactId)).limit(1);
    if (!contact) throw new Error(`contact ${request.contactId} not found`);
    // Two nodes adding the same identity at once: one hits the unique key, and the store runs
    // its transaction again, which then finds the identity (or the once-mark).
    await db.insert(t.contactIdentities).values({
      contactId: request.contactId,
      inboxId: request.inboxId,
      channel,
      externalUserId: request.address,
      displayName: contact.name,
      createdAt: at,
    });
    return { externalUserId: request.address, created: true };
  }

  /** The contact's open conversation in the inbox, or a new one. */
  async function conversationFor(db: Db, contactId: number, inboxId: number, at: Date): Promise<{ id: number; opened: boolean }> {
    const [open] = await db
      .select({ id: t.conversations.id })
      .from(t.conversations)
      .where(and(eq(t.conversations.contactId, contactId), eq(t.conversations.inboxId, inboxId), ne(t.conversations.status, 'resolved')))
      .orderBy(desc(t.conversations.id))
      .limit(1);
    if (open) return { id: open.id, opened: false };
    const [created] = await db
      .insert(t.conversations)
      .values({ inboxId, contactId, status: 'open', lastMessageAt: at, lastInboundAt: null, createdAt: at, updatedAt: at })
      .returning({ id: t.conversations.id });
    return { id: created!.id, opened: true };
  }

  /** Queues `text` to a contact on an inbox; see OutreachResult for what can come back. */
  async function send(request: OutreachRequest): Promise<OutreachResult> {
    const inbox = deps.inboxes.find((row) => row.id === request.inboxId);
    if (!inbox) return { kind: 'refused', reason: 'unknown_inbox' };
    // A platform that counts its own window (Zalo's quota) is asked before the transaction.
    if (request.address === undefined) await outbox.prepareWindowFor({ inboxId: request.inboxId, contactId: request.contactId });
    const at = new Date();
    try {
      const done = await store.tx(async (db) => {
        // The mark first: a competing node stops at its first statement.
        if (request.once && !(await setMark(db, request.once, { ...request.once.value, at: at.toISOString() }, true))) throw new Abort({ kind: 'already' });
        const identity = await identityFor(db, request, inbox.channel, at);
        const conversation = await conversationFor(db, request.contactId, request.inboxId, at);
        const queued: QueuedReply = await outbox.queueWithin(
          db,
          {
            conversationId: conversation.id,
            text: request.text,
            senderType: request.senderType ?? 'system',
            ...(request.senderRef ? { senderRef: request.senderRef } : {}),
            metadata: {
              ...request.metadata,
              ...(request.subject ? { subject: request.subject } : {}),
              ...(request.address !== undefined ? { recipient: identity.externalUserId } : {}),
            },
          },
          at,
        );
        const sent = { inboxId: request.inboxId, conversationId: queued.conversationId, messageId: queued.messageId, at: at.toISOString() };
        // The mark again with what was queued, for whoever traces an answer to its email.
        if (request.once) await setMark(db, request.once, { ...request.once.value, ...sent }, false);
        const activity = request.activity ? await insertActivity(db, request.activity, { outreach: sent }, at) : null;
        await appendAudit(
          store,
          db,
          {
            actor: request.senderRef ?? 'outreach',
            action: 'contact.outreach',
            subjectType: 'contact',
            subjectId: request.contactId,
            detail: { ...sent, identityCreated: identity.created, about: request.once?.messageIds ?? [] },
          },
          at,
        );
        return { queued, activity, conversation, identity };
      });
      outbox.announce(done.queued, done.conversation.opened);
      announceActivity(done.activity);
      return {
        kind: 'queued',
        conversationId: done.queued.conversationId,
        messageId: done.queued.messageId,
        conversationOpened: done.conversation.opened,
        identityCreated: done.identity.created,
      };
    } catch (error) {
      if (error instanceof Abort) return error.result;
      if (error instanceof WindowClosedError) return { kind: 'refused', reason: 'window_closed', ...(error.window.reason ? { detail: error.window.reason } : {}) };
      throw error;
    }
  }

  /**
   * Sets a once-mark without sending (a send that will not happen: no address, refused), with
   * an optional activity line. False when the mark was already set (nothing written).
   */
  async function mark(once: OnceMark, activity?: ActivityLine): Promise<boolean> {
    const at = new Date();
    const done = await store.tx(async (db) => {
      if (!(await setMark(db, once, { ...once.value, at: at.toISOString() }, true))) return { marked: false as const };
      return { marked: true as const, activity: activity ? await insertActivity(db, activity, {}, at) : null };
    });
    if (done.marked) announceActivity(done.activity);
    return done.marked;
  }

  /**
   * The first message id created at or after `time`, by bisecting the primary key: created_at
   * has no index, and a sweep must not read the whole history of an inbox every minute. Ids
   * grow with time; callers subtract a margin for clocks of nodes a little apart.
   */
  async function firstIdSince(time: Date): Promise<number> {
    // Two statements: SQLite reads min() or max() alone from the index end, both together by a scan.
    const [first] = await store.db.select({ id: sql<number>`min(${t.messages.id})` }).from(t.messages);
    const [last] = await store.db.select({ id: sql<number>`max(${t.messages.id})` }).from(t.messages);
    let lo = Number(first?.id ?? 0);
    let hi = Number(last?.id ?? 0) + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const [next] = await store.db.select({ id: t.messages.id, createdAt: t.messages.createdAt }).from(t.messages).where(gte(t.messages.id, mid)).orderBy(t.messages.id).limit(1);
      if (next && next.createdAt < time) lo = next.id + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Outbound messages of an inbox the citizen has not read (queued, sent or delivered, never
   * failed) and that carry no `unmarked` mark, oldest first.
   */
  async function unread(query: UnreadQuery): Promise<UnreadMessage[]> {
    const fromId = await firstIdSince(new Date(query.createdAfter.getTime() - clockMarginMs));
    const senders: SQL[] = [eq(t.messages.senderType, 'agent')];
    if (query.botMetadataKey) senders.push(and(eq(t.messages.senderType, 'bot'), sql`not (${lacks(query.botMetadataKey)})`)!);
    const rows = await store.db
      .select({
        id: t.messages.id,
        conversationId: t.messages.conversationId,
        contactId: t.conversations.contactId,
        senderType: t.messages.senderType,
        senderRef: t.messages.senderRef,
        text: t.messages.text,
        metadata: t.messages.metadata,
        createdAt: t.messages.createdAt,
      })
      .from(t.messages)
      .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
      .where(
        and(
          gte(t.messages.id, fromId),
          // "+ 0" keeps SQLite off the (inbox, external id) index, which would read every message
          // the inbox ever had, and on the primary key range from `fromId`.
          sql`${t.messages.inboxId} + 0 = ${query.inboxId}`,
          eq(t.messages.direction, 'out'),
          inArray(t.messages.status, ['queued', 'sending', 'sent', 'delivered']),
          gte(t.messages.createdAt, query.createdAfter),
          lte(t.messages.createdAt, query.createdBefore),
          or(...senders),
          lacks(query.unmarked),
        ),
      )
      .orderBy(t.messages.id)
      .limit(query.limit);
    return rows.map((row) => ({ ...row, metadata: (row.metadata as Record<string, unknown> | null) ?? null }));
  }

  return {
    send,
    mark,
    unread,
    /** The inboxes of a channel, in configuration order (a channel picks its target here). */
    inboxesOf(channel: string): InboxRow[] {
      return deps.inboxes.filter((inbox) => inbox.channel === channel);
    },
  };
}

export type Outreach = ReturnType<typeof createOutreach>;
