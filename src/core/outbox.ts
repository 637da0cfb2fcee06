import { createClaimLoop } from './claim-loop.ts';
import { withDeadline } from './deadline.ts';
import { and, count, eq, gt, inArray, lte, ne, or, sql, type SQL } from 'drizzle-orm';
import type { FileConfig } from './config/file-schema.ts';
import type { Attachment, OutboundMessage, SendResult } from './domain/types.ts';
import { ChannelError, HttpError, NotFoundError, SendDeferredError } from './errors.ts';
import type { EventBus } from './events.ts';
import type { Metrics } from './metrics.ts';
import type { Db, Store } from './store/store.ts';

/** What the outbox knows of a conversation when it asks a channel whether a reply may go. */
export interface ReplyWindowState {
  /** When the citizen last wrote (platform time); null if never. */
  lastInboundAt: Date | null;
  /** Outbound messages to the citizen since then, including ones typed outside the gateway. */
  outboundSinceInbound: number;
  now: Date;
  /** Who wants to send: a platform may allow a person more than the bot. */
  senderType: 'agent' | 'bot' | 'system';
  /** The citizen's id on the platform, for channels that ask the platform (`prepareWindow`). */
  recipientExternalId?: string;
}

/** Whether a reply may be sent now, and what the agent should see about it. */
export interface ReplyWindow {
  open: boolean;
  /** Why it is closed, or what limits it (shown to the agent), in the deployment's language. */
  reason?: string;
  closesAt?: Date;
  remainingReplies?: number;
  /** Where the numbers come from: the platform's own count, or the channel's fixed rule (an estimate). */
  source?: 'platform' | 'rule';
  /** Extra send options the channel needs later (e.g. Messenger's HUMAN_AGENT tag): stored
   * in the message's metadata under `window`, read back by `send`. */
  sendOptions?: Record<string, unknown>;
}

/** How the outbox reaches a channel; app.ts wires it to the channel registry. */
export interface OutboundSender {
  channel: string;
  send(message: OutboundMessage, signal: AbortSignal): Promise<SendResult>;
  replyWindow?(state: ReplyWindowState): ReplyWindow;
  /** Nothing to deliver to (the web form): a reply is sent when committed (see ChannelAdapter). */
  deliversOnCommit?: boolean;
  /** A citizen watches for the reply live (see ChannelAdapter.live): it is committed first. */
  live?: boolean;
  /** Asks the platform about a citizen's window before a decision (see ChannelAdapter.prepareWindow). */
  prepareWindow?(recipientExternalId: string): Promise<void>;
}

/** A reply refused because the platform's messaging window is closed: nothing was queued. */
export class WindowClosedError extends HttpError {
  constructor(readonly window: ReplyWindow) {
    super(409, 'window_closed', window.reason ?? 'the messaging window of this channel is closed', { window });
    this.name = 'WindowClosedError';
  }
}

export interface ReplyInput {
  conversationId: number;
  text: string | null;
  attachments?: Attachment[];
  senderType: 'agent' | 'bot' | 'system';
  /** Who sent it: an agent or API token name, a knowledge-base entry id. */
  senderRef?: string;
  metadata?: Record<string, unknown>;
  /**
   * The conversation's inbox and contact, when the caller holds them (the router, from the
   * message it answers): the conversation is then not read again for a channel without a
   * messaging window (a conversation removed meanwhile still fails, on the reply's foreign key).
   */
  known?: { inboxId: number; contactId: number };
}

/** A reply written by `queueWithin`, not yet announced. */
export interface QueuedReply {
  messageId: number;
  conversationId: number;
  inboxId: number;
  contactId: number;
  /** Written as sent, with no outbox row: the channel delivers on commit. */
  delivered?: boolean;
}

interface Logger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface ClaimedRow {
  id: number;
  message_id: number;
  conversation_id: number;
  inbox_id: number;
  attempts: number;
}

export function backoffMs(attempt: number, config: FileConfig['outbox'], random = Math.random): number {
  const exponential = Math.min(config.maxDelayMs, config.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  // Full jitter in the upper half keeps retries of many conversations from marching in step.
  return Math.round(exponential * (0.5 + random() / 2));
}

/**
 * The durable outbound queue. A reply is a message row plus an outbox row written in one
 * transaction; the worker claims due rows (at most one per conversation, so replies keep their
 * order), sends them through the channel, retries retryable failures with exponential backoff
 * and ends each in `sent` or a visible `failed` with the reason.
 */
export function createOutbox(deps: {
  store: Store;
  events: EventBus;
  config: FileConfig['outbox'];
  senderFor: (inboxId: number) => OutboundSender | undefined;
  metrics: Metrics;
  logger: Logger;
}) {
  const { store, events, config, metrics, logger } = deps;
  const { t } = store;

  /**
   * Queues a reply inside the caller's transaction: the message row, its outbox row (none where
   * the channel delivers on commit: the row is then written as sent) and the
   * conversation's times, or a WindowClosedError (which rolls the caller's transaction back).
   * The caller passes the result to `announce` once its transaction has committed.
   */
  // The writes of every reply (a bot answer per citizen message), prepared once per connection
  // (store.queries): building and compiling them per reply cost more than running them.
  const p = (name: string) => sql.placeholder(name);
  // A reply to be sent (queued), or one its channel delivers on commit (sent).
  const replyInsert = (db: Db, delivered: boolean) =>
    db
      .insert(t.messages)
      .values({
        conversationId: p('conversationId'),
        inboxId: p('inboxId'),
        direction: 'out',
        senderType: p('senderType'),
        senderRef: p('senderRef'),
        text: p('text'),
        attachments: p('attachments'),
        status: delivered ? 'sent' : 'queued',
        metadata: p('metadata'),
        createdAt: p('at'),
        ...(delivered ? { sentAt: p('at') } : {}),
      })
      .returning({ id: t.messages.id })
      .prepare(delivered ? 'outbox_reply_delivered' : 'outbox_reply_message');
  const replyWrites = (db: Db) => ({
    conversation: db
      .select({ id: t.conversations.id, inboxId: t.conversations.inboxId, contactId: t.conversations.contactId, lastInboundAt: t.conversations.lastInboundAt })
      .from(t.conversations)
      .where(eq(t.conversations.id, p('id')))
      .limit(1)
      .prepare('outbox_conversation'),
    message: replyInsert(db, false),
    delivered: replyInsert(db, true),
    outbox: db
      .insert(t.outbox)
      .values({ messageId: p('messageId'), conversationId: p('conversationId'), inboxId: p('inboxId'), status: 'pending', nextAttemptAt: p('at'), createdAt: p('at'), updatedAt: p('at') })
      .prepare('outbox_reply_row'),
    // Written already claimed by the node that writes it, which sends it once committed.
    claimed: db
      .insert(t.outbox)
      .values({
        messageId: p('messageId'),
        conversationId: p('conversationId'),
        inboxId: p('inboxId'),
        status: 'sending',
        attempts: 1,
        lockedUntil: p('lease'),
        nextAttemptAt: p('at'),
        createdAt: p('at'),
        updatedAt: p('at'),
      })
      .returning({ id: t.outbox.id })
      .prepare('outbox_reply_claimed'),
    // An earlier reply of the conversation still to go: this one waits behind it.
    behind: db
      .select({ id: t.outbox.id })
      .from(t.outbox)
      .where(and(eq(t.outbox.conversationId, p('conversationId')), inArray(t.outbox.status, ['pending', 'sending'])))
      .limit(1)
      .prepare('outbox_reply_behind'),
    // set() takes a placeholder at run time (bound through the column's encoder) though its type does not say so.
    touch: db.update(t.conversations).set({ lastMessageAt: p('at') as unknown as Date, updatedAt: p('at') as unknown as Date }).where(eq(t.conversations.id, p('id'))).prepare('outbox_reply_touch'),
  });

  async function queueWithin(db: Db, input: ReplyInput, at = new Date()): Promise<QueuedReply> {
    const q = store.queries(db, replyWrites);
    const sender = deps.senderFor(input.known?.inboxId ?? 0);
    const known = input.known && sender && !sender.replyWindow ? input.known : undefined;
    const [conversation] = known ? [{ id: input.conversationId, ...known, lastInboundAt: null }] : await q.conversation.execute({ id: input.conversationId });
    if (!conversation) throw new NotFoundError('conversation');
    const window = await windowOf(db, conversation, at, input.senderType);
    if (!window.open) throw new WindowClosedError(window);
    const metadata = window.sendOptions ? { ...input.metadata, window: window.sendOptions } : input.metadata;
    const delivered = (known ? sender : deps.senderFor(conversation.inboxId))?.deliversOnCommit === true;
    const [message] = await (delivered ? q.delivered : q.message).execute({
      conversationId: conversation.id,
      inboxId: conversation.inboxId,
      senderType: input.senderType,
      senderRef: input.senderRef ?? null,
      text: input.text,
      attachments: input.attachments?.length ? input.attachments : null,
      metadata: metadata ?? null,
      at,
    });
    // First, as on PostgreSQL it locks the conversation's row: a second reply of the conversation
    // written at the same time (another node) then waits, and finds this one's outbox row.
    await q.touch.execute({ id: conversation.id, at });
    const queued: QueuedReply = { messageId: message!.id, conversationId: conversation.id, inboxId: conversation.inboxId, contactId: conversation.contactId, ...(delivered ? { delivered } : {}) };
    if (delivered) return queued;
    const row = { messageId: message!.id, conversationId: conversation.id, inboxId: conversation.inboxId, at };
    // A reply its node can send is written claimed and sent after the commit from what is in
    // hand (at once, or when one of its maxInFlight platform calls ends); the worker's claim and
    // its reads of the reply are for the others (a reply behind another, a node with a full
    // queue of its own, a retry, a reply whose node died).
    const recipient = started && waiting.length < config.maxInFlight && (await q.behind.execute({ conversationId: conversation.id })).length === 0 ? await recipientFor(db, conversation, metadata) : undefined;
    if (!recipient) {
      await q.outbox.execute(row);
      return queued;
    }
    const lease = new Date(at.getTime() + config.leaseMs);
    const [claimed] = await q.claimed.execute({ ...row, lease });
    dispatches.set(queued, {
      leaseEnds: lease.getTime(),
      row: { id: claimed!.id, message_id: queued.messageId, conversation_id: queued.conversationId, inbox_id: queued.inboxId, attempts: 1 },
      message: {
        messageId: queued.messageId,
        conversationId: queued.conversationId,
        inboxId: queued.inboxId,
        recipientExternalId: recipient,
        senderType: input.senderType,
        text: input.text,
        attachments: input.attachments ?? [],
        metadata,
      },
    });
    return queued;
  }

  /** A reply written claimed by this node: its row, what to send, and when its claim ends. */
  interface Dispatch {
    row: ClaimedRow;
    message: OutboundMessage;
    leaseEnds: number;
  }
  /** Replies written claimed by this node (queueWithin), sent once `announce` hears they are committed. */
  const dispatches = new WeakMap<QueuedReply, Dispatch>();
  /** Committed ones waiting for one of the node's platform calls to end. */
  let waiting: Dispatch[] = [];
  /** A node sends its own replies only while its outbox runs: start() resets what a crash left claimed. */
  let started = false;
  /** The sends this node is running, claimed or its own, to wait for on stop. */
  const inFlight = new Set<Promise<void>>();
  /**
   * Of those, the ones waiting for their platform: the limit counts these, not the settles
   * waiting for a commit, which on a busy node take longer than the platform's answer.
   */
  let platformCalls = 0;
  function track(send: Promise<void>): Promise<void> {
    inFlight.add(send);
    return send.finally(() => inFlight.delete(send));
  }

  /** Tells live views and the worker about a reply `queueWithin` wrote (after the commit only). */
  function announce(queued: QueuedReply, conversationOpened = false): void {
    events.emit('message.created', {
      messageId: queued.messageId,
      conversationId: queued.conversationId,
      inboxId: queued.inboxId,
      contactId: queued.contactId,
      direction: 'out',
      conversationOpened,
    });
    const dispatch = dispatches.get(queued);
    if (dispatch) {
      dispatches.delete(queued);
      waiting.push(dispatch);
      sendWaiting();
    } else if (!queued.delivered) events.emit('outbox.enqueued', { conversationId: queued.conversationId });
  }

  /** Starts the node's own claimed replies while it has platform calls to spare. */
  function sendWaiting(): void {
    while (waiting.length > 0 && platformCalls < config.maxInFlight) {
      const dispatch = waiting.shift()!;
      // Too near the end of its claim to be sure of settling it: the worker takes it once the
      // claim has ended, and it is sent once.
      if (Date.now() + config.sendTimeoutMs >= dispatch.leaseEnds) continue;
      // A failure here leaves the row claimed until its lease ends, then the worker sends it.
      void track(process(dispatch.row, dispatch.message)).catch((error: unknown) => logger.error({ err: error, outboxId: dispatch.row.id }, 'outbox send failed'));
    }
  }

  async function enqueueReply(input: ReplyInput): Promise<{ messageId: number }> {
    // A caller that holds the conversation's inbox spares its read where the channel asks nothing.
    await (input.known ? prepareWindowFor(input.known) : prepareWindow(input.conversationId));
    const queued = await store.tx((db) => queueWithin(db, input), { first: deps.senderFor(input.known?.inboxId ?? 0)?.live === true });
    announce(queued);
    return { messageId: queued.messageId };
  }

  // Replies counted against a window (Zalo's 8 in 48 h), every reply on a windowed channel asks:
  // prepared once, as the reply's writes are. A placeholder in a condition is bound as given,
  // not through the column's encoder, so `since` is passed as the store keeps instants.
  const sentSince = (db: Db) => {
    const base = [eq(t.messages.conversationId, p('id')), eq(t.messages.direction, 'out'), ne(t.messages.status, 'failed')];
    const counted = (since: boolean, name: string) =>
      db
        .select({ n: count() })
        .from(t.messages)
        .where(and(...base, since ? gt(t.messages.createdAt, p('since')) : undefined))
        .prepare(name);
    return { all: counted(false, 'outbox_window_all'), sinceInbound: counted(true, 'outbox_window_since') };
  };

  /** The channel's messaging window for a conversation, as the agent should see it now. */
  async function windowOf(db: Db, conversation: { id: number; inboxId: number; contactId: number; lastInboundAt: Date | null }, now: Date, senderType: ReplyWindowState['senderType']): Promise<ReplyWindow> {
    const sender = deps.senderFor(conversation.inboxId);
    if (!sender?.replyWindow) return { open: true };
    const counts = store.queries(db, sentSince);
    const [row] = conversation.lastInboundAt
      ? await counts.sinceInbound.execute({ id: conversation.id, since: store.time(conversation.lastInboundAt) })
      : await counts.all.execute({ id: conversation.id });
    const recipient = sender.prepareWindow ? await recipientOf(db, conversation) : undefined;
    return sender.replyWindow({ lastInboundAt: conversation.lastInboundAt, outboundSinceInbound: Number(row?.n ?? 0), now, senderType, ...(recipient ? { recipientExternalId: recipient } : {}) });
  }

  /** The citizen's id in the conversation's inbox (their first identity there). */
  async function recipientOf(db: Db, conversation: { inboxId: number; contactId: number }): Promise<string | undefined> {
    const [identity] = await store.queries(db, anyIdentity).execute({ contactId: conversation.contactId, inboxId: conversation.inboxId });
    return identity?.externalUserId;
  }

  /**
   * Lets a channel that asks its platform about the window (Zalo's quota API) do so before a
   * reply is decided in a transaction, where no network call may wait. Never throws for the
   * platform's sake: a channel that cannot ask falls back to its own rule.
   */
  async function prepareWindow(conversationId: number): Promise<void> {
    // The reply's own prepared read: cheap on the path of every bot answer.
    const [conversation] = await store.queries(store.db, replyWrites).conversation.execute({ id: conversationId });
    if (conversation) await prepareWindowFor(conversation);
  }

  /** The same for a contact in an inbox, before a conversation is found or opened (outreach). */
  async function prepareWindowFor(target: { inboxId: number; contactId: number }): Promise<void> {
    const sender = deps.senderFor(target.inboxId);
    if (!sender?.prepareWindow) return;
    const recipient = await recipientOf(store.db, target);
    if (recipient) await sender.prepareWindow(recipient);
  }

  async function findConversation(db: Db, id: number) {
    const [conversation] = await db
      .select({ id: t.conversations.id, inboxId: t.conversations.inboxId, contactId: t.conversations.contactId, lastInboundAt: t.conversations.lastInboundAt })
      .from(t.conversations)
      .where(eq(t.conversations.id, id))
      .limit(1);
    if (!conversation) throw new NotFoundError('conversation');
    return conversation;
  }

  async function claim(now: Date): Promise<ClaimedRow[]> {
    // The node's own sends count: it takes no more than it may run (a settle wakes it again).
    const room = Math.min(config.batchSize, config.maxInFlight - platformCalls);
    if (room <= 0) return [];
    const lockClause = store.dialect === 'pg' ? sql`for update skip locked` : sql``;
    const nowParam = store.time(now);
    const leaseParam = store.time(new Date(now.getTime() + config.leaseMs));
    return store.tx((db) =>
      store.rows<ClaimedRow>(
        db,
        sql`update outbox set status = 'sending', attempts = attempts + 1, locked_until = ${leaseParam}, updated_at = ${nowParam}
          where id in (
            select o.id from outbox o
            where ((o.status = 'pending' and o.next_attempt_at <= ${nowParam})
                or (o.status = 'sending' and o.locked_until < ${nowParam}))
              and not exists (
                select 1 from outbox p
                where p.conversation_id = o.conversation_id and p.id < o.id and p.status in ('pending', 'sending'))
            order by o.id
            limit ${room}
            ${lockClause})
          returning id, message_id, conversation_id, inbox_id, attempts`,
      ),
    );
  }

  // The read of every claimed reply, prepared once (store.queries), as the reply's writes are.
  const outboundRead = (db: Db) =>
    db
      .select({ text: t.messages.text, attachments: t.messages.attachments, metadata: t.messages.metadata, senderType: t.messages.senderType, contactId: t.conversations.contactId })
      .from(t.messages)
      .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
      .where(eq(t.messages.id, sql.placeholder('id')))
      .limit(1)
      .prepare('outbox_outbound');

  // The recipient of every claimed reply, prepared once as well: any identity of the contact in
  // the inbox, or the one the message names.
  const identityOf = (named: boolean) => (db: Db) =>
    db
      .select({ externalUserId: t.contactIdentities.externalUserId })
      .from(t.contactIdentities)
      .where(
        and(
          eq(t.contactIdentities.contactId, sql.placeholder('contactId')),
          eq(t.contactIdentities.inboxId, sql.placeholder('inboxId')),
          named ? eq(t.contactIdentities.externalUserId, sql.placeholder('recipient')) : undefined,
        ),
      )
      .orderBy(t.contactIdentities.id)
      .limit(1)
      .prepare(named ? 'outbox_named_identity' : 'outbox_identity');
  const anyIdentity = identityOf(false);
  const namedIdentity = identityOf(true);

  /** Where a reply goes: its contact's identity in the inbox, or the one its metadata names; undefined without one. */
  async function recipientFor(db: Db, conversation: { contactId: number; inboxId: number }, metadata: unknown): Promise<string | undefined> {
    // A contact may hold several identities in one inbox (two email addresses): a message that
    // names its recipient goes there and nowhere else.
    const recipient = (metadata as { recipient?: unknown } | null | undefined)?.recipient;
    const [identity] =
      typeof recipient === 'string'
        ? await store.queries(db, namedIdentity).execute({ contactId: conversation.contactId, inboxId: conversation.inboxId, recipient })
        : await store.queries(db, anyIdentity).execute({ contactId: conversation.contactId, inboxId: conversation.inboxId });
    return identity?.externalUserId;
  }

  async function loadOutbound(row: ClaimedRow): Promise<OutboundMessage | string> {
    const [message] = await store.queries(store.db, outboundRead).execute({ id: Number(row.message_id) });
    if (!message) return 'message row is missing';
    const recipient = await recipientFor(store.db, { contactId: message.contactId, inboxId: Number(row.inbox_id) }, message.metadata);
    if (!recipient) return typeof (message.metadata as { recipient?: unknown } | null)?.recipient === 'string' ? 'the named recipient is not an identity of this contact in this inbox' : 'the contact has no identity in this inbox';
    return {
      messageId: Number(row.message_id),
      conversationId: Number(row.conversation_id),
      inboxId: Number(row.inbox_id),
      recipientExternalId: recipient,
      senderType: message.senderType as OutboundMessage['senderType'],
      text: message.text,
      attachments: (message.attachments as Attachment[] | null) ?? [],
      metadata: (message.metadata as Record<string, unknown> | null) ?? undefined,
    };
  }

  async function sendWithTimeout(sender: OutboundSender, message: OutboundMessage): Promise<SendResult> {
    platformCalls++;
    try {
      return await withDeadline(config.sendTimeoutMs, undefined, (signal) =>
        new Promise<SendResult>((resolve, reject) => {
          // Let go at the deadline even by a channel that does not heed its signal.
          signal.addEventListener('abort', () => reject(new ChannelError(sender.channel, 'network', `no answer within ${config.sendTimeoutMs} ms`, true)), { once: true });
          sender.send(message, signal).then(resolve, reject);
        }),
      );
    } finally {
      platformCalls--;
      sendWaiting();
    }
  }

  /** `at` and `free`: a send the channel deferred (its own rate limit) is due then and spends no attempt. */
  type Outcome = { kind: 'sent'; externalId?: string } | { kind: 'retry'; error: string; at?: Date; free?: boolean } | { kind: 'failed'; error: string };

  /** Sends a claimed row, read from the store unless its writer holds it (`given`), and settles it. */
  async function process(row: ClaimedRow, given?: OutboundMessage): Promise<void> {
    const sender = deps.senderFor(Number(row.inbox_id));
    let outcome: Outcome;
    const outbound = given ?? (await loadOutbound(row));
    if (!sender) outcome = { kind: 'failed', error: 'no channel adapter for this inbox' };
    else if (typeof outbound === 'string') outcome = { kind: 'failed', error: outbound };
    else {
      try {
        const result = await sendWithTimeout(sender, outbound);
        outcome = { kind: 'sent', ...(result.externalId ? { externalId: result.externalId } : {}) };
      } catch (error) {
        const retryable = error instanceof ChannelError ? error.retryable : true;
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof SendDeferredError) outcome = { kind: 'retry', error: reason, at: error.at, free: true };
        else outcome = retryable && row.attempts < config.maxAttempts ? { kind: 'retry', error: reason } : { kind: 'failed', error: reason };
        if (!(error instanceof ChannelError)) logger.error({ err: error, outboxId: row.id }, 'channel adapter threw an unexpected error');
      }
    }
    await settle(row, outcome);
    metrics.outboxSends.inc({ channel: sender?.channel ?? 'unknown', outcome: outcome.kind });
  }

  // A sent (or failed) reply's two updates, prepared once (store.queries), as the reply's writes are.
  // set() takes placeholders at run time (bound through the column's encoder) though its type does not say so.
  const slot = <T>(name: string) => sql.placeholder(name) as unknown as T;
  const settleWrites = (db: Db) => ({
    outbox: db
      .update(t.outbox)
      .set({ status: slot<string>('status'), lockedUntil: null, lastError: slot<string | null>('lastError'), updatedAt: slot<Date>('at') })
      .where(and(eq(t.outbox.id, sql.placeholder('id')), eq(t.outbox.status, 'sending'), eq(t.outbox.attempts, sql.placeholder('attempts'))))
      .returning({ id: t.outbox.id })
      .prepare('outbox_settle'),
    sent: db
      .update(t.messages)
      .set({ status: 'sent', error: null, sentAt: slot<Date>('at'), externalId: slot<string | null>('externalId') })
      .where(eq(t.messages.id, sql.placeholder('id')))
      .prepare('outbox_message_sent'),
    failed: db
      .update(t.messages)
      .set({ status: 'failed', error: slot<string>('error') })
      .where(eq(t.messages.id, sql.placeholder('id')))
      .prepare('outbox_message_failed'),
    echo: db
      .delete(t.messages)
      .where(and(eq(t.messages.inboxId, sql.placeholder('inboxId')), eq(t.messages.externalId, sql.placeholder('externalId')), eq(t.messages.senderType, 'outside'), ne(t.messages.id, sql.placeholder('id'))))
      .prepare('outbox_echo'),
  });

  async function settle(row: ClaimedRow, outcome: Outcome): Promise<void> {
    const at = new Date();
    const outboxId = Number(row.id);
    const messageId = Number(row.message_id);
    // Only the claim we hold may settle the row: a lease taken over by another worker wins.
    const ours = and(eq(t.outbox.id, outboxId), eq(t.outbox.status, 'sending'), eq(t.outbox.attempts, row.attempts));
    const settled = await store.tx(async (db) => {
      if (outcome.kind === 'retry') {
        const next = outcome.at ?? new Date(at.getTime() + backoffMs(row.attempts, config));
        const updated = await db
          .update(t.outbox)
          .set({ status: 'pending', nextAttemptAt: next, lockedUntil: null, lastError: outcome.error, updatedAt: at, ...(outcome.free ? { attempts: row.attempts - 1 } : {}) })
          .where(ours)
          .returning({ id: t.outbox.id });
        if (updated.length) await db.update(t.messages).set({ error: outcome.error }).where(eq(t.messages.id, messageId));
        return updated.length > 0;
      }
      const status = outcome.kind === 'sent' ? 'sent' : 'failed';
      const updated = await store.queries(db, settleWrites).outbox.execute({ status, lastError: outcome.kind === 'failed' ? outcome.error : null, at, id: outboxId, attempts: row.attempts });
      if (!updated.length) return false;
      const writes = store.queries(db, settleWrites);
      // The platform's echo of this very send may have been stored first (on another node) as
      // a reply "sent outside the gateway": it is this message, so it goes.
      if (outcome.kind === 'sent' && outcome.externalId) await writes.echo.execute({ inboxId: Number(row.inbox_id), externalId: outcome.externalId, id: messageId });
      if (outcome.kind === 'sent') await writes.sent.execute({ at, externalId: outcome.externalId ?? null, id: messageId });
      else await writes.failed.execute({ error: outcome.error, id: messageId });
      return true;
    });
    if (!settled) {
      logger.warn({ outboxId }, 'outbox row was taken over by another worker before it settled');
      return;
    }
    if (outcome.kind !== 'retry') {
      events.emit('message.updated', {
        messageId,
        conversationId: Number(row.conversation_id),
        status: outcome.kind === 'sent' ? 'sent' : 'failed',
        error: outcome.kind === 'failed' ? outcome.error : null,
      });
      // The next reply of this conversation may be due now.
      events.emit('outbox.enqueued', { conversationId: Number(row.conversation_id) });
    }
  }

  /** Gives claimed rows back, as if never claimed (a node stopping before it sent them). */
  async function release(rows: ClaimedRow[]): Promise<void> {
    await store.tx(async (db) => {
      for (const row of rows) {
        await db
          .update(t.outbox)
          .set({ status: 'pending', attempts: row.attempts - 1, lockedUntil: null })
          .where(and(eq(t.outbox.id, row.id), eq(t.outbox.status, 'sending'), eq(t.outbox.attempts, row.attempts)));
      }
    });
  }

  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const worker = createClaimLoop({ claim, handle: (row) => track(process(row)), logger, name: 'outbox worker' });
  const { kick } = worker;
  /** Sends what is in flight and what is due, until nothing is left. */
  async function drain(): Promise<void> {
    while (inFlight.size || waiting.length) {
      if (inFlight.size) await Promise.allSettled([...inFlight]);
      else sendWaiting();
    }
    await worker.drain();
  }

  /** Moves our sent messages forward to delivered or read, never back, and tells the inbox. */
  async function markWhere(status: 'delivered' | 'read', which: SQL): Promise<void> {
    const from = status === 'read' ? ['sent', 'delivered'] : ['sent'];
    const updated = await store.tx((db) =>
      db
        .update(t.messages)
        .set({ status })
        .where(and(which, eq(t.messages.direction, 'out'), inArray(t.messages.status, from)))
        .returning({ id: t.messages.id, conversationId: t.messages.conversationId }),
    );
    for (const row of updated) events.emit('message.updated', { messageId: row.id, conversationId: row.conversationId, status });
  }

  /** Receipts naming our messages by their platform ids (Zalo, Messenger deliveries, seen marks). */
  async function markDelivery(inboxId: number, externalIds: string[], status: 'delivered' | 'read'): Promise<void> {
    if (!externalIds.length) return;
    await markWhere(status, and(eq(t.messages.inboxId, inboxId), inArray(t.messages.externalId, externalIds))!);
  }

  /** Receipts naming our messages by the store's ids (the widget, whose visitors see those ids). */
  async function markDeliveryOf(inboxId: number, messageIds: number[], status: 'delivered' | 'read'): Promise<void> {
    if (!messageIds.length) return;
    await markWhere(status, and(eq(t.messages.inboxId, inboxId), inArray(t.messages.id, messageIds))!);
  }

  /**
   * Receipts by watermark (Messenger's read and delivery): everything we sent this person in this
   * inbox up to `upTo` has reached them.
   */
  async function markDeliveryUpTo(inboxId: number, externalUserId: string, upTo: Date, status: 'delivered' | 'read'): Promise<void> {
    const theirs = store.db
      .select({ id: t.conversations.id })
      .from(t.conversations)
      .innerJoin(t.contactIdentities, eq(t.contactIdentities.contactId, t.conversations.contactId))
      .where(and(eq(t.conversations.inboxId, inboxId), eq(t.contactIdentities.inboxId, inboxId), eq(t.contactIdentities.externalUserId, externalUserId)));
    await markWhere(status, and(eq(t.messages.inboxId, inboxId), inArray(t.messages.conversationId, theirs), lte(t.messages.sentAt, upTo))!);
  }

  /**
   * A bounce (delivery status notification) about one of our sent messages, named by its id or its
   * platform id in this inbox: with a reason, the message and its outbox row become failed (the
   * agent sees why); without one (a "delayed" report) nothing changes. Returns the message's id,
   * or null when the bounce names none of ours.
   */
  async function markBounced(inboxId: number, ref: { messageId?: number; externalIds?: string[] }, reason: string | null): Promise<number | null> {
    const which = [
      ...(ref.messageId !== undefined ? [eq(t.messages.id, ref.messageId)] : []),
      ...(ref.externalIds?.length ? [inArray(t.messages.externalId, ref.externalIds)] : []),
    ];
    if (!which.length) return null;
    const done = await store.tx(async (db) => {
      const [own] = await db
        .select({ id: t.messages.id, conversationId: t.messages.conversationId, status: t.messages.status })
        .from(t.messages)
        .where(and(eq(t.messages.inboxId, inboxId), eq(t.messages.direction, 'out'), or(...which)))
        .limit(1);
      if (!own) return null;
      if (reason === null || own.status === 'failed') return { ...own, changed: false };
      await db.update(t.messages).set({ status: 'failed', error: reason }).where(eq(t.messages.id, own.id));
      await db.update(t.outbox).set({ status: 'failed', lastError: reason, lockedUntil: null, updatedAt: new Date() }).where(eq(t.outbox.messageId, own.id));
      return { ...own, changed: true };
    });
    if (!done) return null;
    if (done.changed) events.emit('message.updated', { messageId: done.id, conversationId: done.conversationId, status: 'failed', error: reason });
    return done.id;
  }

  return {
    enqueueReply,
    markBounced,
    queueWithin,
    announce,
    markDelivery,
    markDeliveryUpTo,
    markDeliveryOf,
    /** The messaging window of a conversation now (for the agent, before typing). */
    prepareWindow,
    prepareWindowFor,
    async replyWindow(conversationId: number): Promise<ReplyWindow> {
      const conversation = await findConversation(store.db, conversationId);
      await prepareWindow(conversationId);
      return windowOf(store.db, conversation, new Date(), 'agent');
    },
    /** Runs one pass now; resolves when nothing is due (tests and the CLI use it). */
    drain,
    async start(): Promise<void> {
      if (store.dialect === 'sqlite') {
        // One process owns a SQLite file: sends cut short by a crash can go again at once.
        await store.tx((db) => db.update(t.outbox).set({ status: 'pending', lockedUntil: null }).where(eq(t.outbox.status, 'sending')));
      }
      worker.start();
      started = true;
      // Rows are claimed with SKIP LOCKED on every node; a node sends what it enqueued at once,
      // and the timer picks up what a dead node left behind.
      unsubscribe = events.onLocal('outbox.enqueued', kick);
      timer = setInterval(kick, config.pollIntervalMs);
      timer.unref();
      kick();
    },
    async stop(): Promise<void> {
      started = false;
      unsubscribe?.();
      clearInterval(timer);
      await worker.stop();
      // Replies claimed but not begun go back to the queue for whichever node sends next.
      const unsent = waiting.map((dispatch) => dispatch.row);
      waiting = [];
      if (unsent.length) await release(unsent);
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
