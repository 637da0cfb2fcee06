import { and, desc, eq, gte, ne, sql } from 'drizzle-orm';
import type { InboundMessage } from './domain/types.ts';
import type { EventBus } from './events.ts';
import { inboundReader, type InboundView } from './inbound-message.ts';
import { storableDeep } from './store-text.ts';
import type { Db, Store, Tables } from './store/store.ts';

export interface IngestResult {
  messageId: number;
  conversationId: number;
  contactId: number;
  /** True when this platform message was already stored: nothing was written. */
  duplicate: boolean;
  /** True when the message opened a new conversation or reopened a resolved one. */
  conversationOpened: boolean;
}

export interface IngestOptions {
  /** A resolved conversation takes the citizen's new message within this many days. */
  reopenWithinDays: number;
  channelOf: (inboxId: number) => string;
  /** Whether a citizen watches a live connection in this inbox (ChannelAdapter.live): committed first. */
  live?: (inboxId: number) => boolean;
  now?: () => Date;
  /** Writes the rows of a message's files inside the ingest's transaction (attachment-files.ts). */
  recordAttachments?: (db: Db, input: { messageId: number; conversationId: number; direction: 'in' | 'out'; attachments: InboundMessage['attachments']; at: Date }) => Promise<unknown>;
}

/** What one message's ingest stored, and (unless it was a duplicate) what its listeners read. */
interface IngestOutcome {
  result: IngestResult;
  view: InboundView | null;
}

/**
 * The ingest pipeline: dedupe on (inbox, platform message id), resolve the contact from its
 * identity, thread into the open conversation (or reopen or open one), insert, commit, emit.
 * All messages of one call share a transaction; the promise resolves after the commit, so a
 * webhook may acknowledge as soon as it resolves.
 */
export function createIngest(store: Store, events: EventBus, options: IngestOptions) {
  const now = options.now ?? (() => new Date());
  const buildQueries = (db: Db) => ingestQueries(db)(store.t);
  const reader = inboundReader(store);

  async function ingest(messages: InboundMessage[]): Promise<IngestResult[]> {
    if (messages.length === 0) return [];
    const outcomes = await store.tx(async (db) => {
      const out: IngestOutcome[] = [];
      const q = store.queries(db, buildQueries);
      for (const message of messages) {
        const at = now();
        const outcome = await ingestOne(q, message, at, options);
        // The files become rows in the same commit: none is lost if the process stops here.
        if (outcome.view && message.attachments.length && options.recordAttachments) {
          await options.recordAttachments(db, { messageId: outcome.result.messageId, conversationId: outcome.result.conversationId, direction: message.echo ? 'out' : 'in', attachments: message.attachments, at });
        }
        out.push(outcome);
      }
      return out;
    }, { first: messages.some((message) => options.live?.(message.inboxId)) });
    messages.forEach((message, i) => {
      const { result, view } = outcomes[i]!;
      if (!view) return;
      // The listeners (router, ratings, care) read what was just committed without a query.
      reader.remember(result.messageId, view);
      events.emit('message.created', {
        messageId: result.messageId,
        conversationId: result.conversationId,
        inboxId: message.inboxId,
        contactId: result.contactId,
        direction: message.echo ? 'out' : 'in',
        conversationOpened: result.conversationOpened,
        ...(message.history ? { history: true } : {}),
      });
    });
    return outcomes.map((outcome) => outcome.result);
  }

  return ingest;
}

export type Ingest = ReturnType<typeof createIngest>;

const p = sql.placeholder;
/** A placeholder bound through the column's encoder (Date, JSON), as a literal value would be. */
const encoded = (name: string, column: Parameters<typeof sql.param>[1]) => sql.param(p(name), column);
/** The same, where drizzle's types want SQL (update sets). */
const encodedSql = (name: string, column: Parameters<typeof sql.param>[1]) => sql`${encoded(name, column)}`;

/** The ingest path's statements, with placeholders so SQLite compiles each one once. */
function ingestQueries(db: Db) {
  return (t: Tables) => ({
    existing: db
      .select({ id: t.messages.id, conversationId: t.messages.conversationId })
      .from(t.messages)
      .where(and(eq(t.messages.inboxId, p('inboxId')), eq(t.messages.externalId, p('externalId'))))
      .limit(1)
      .prepare('ingest_existing'),
    contactOf: db.select({ contactId: t.conversations.contactId }).from(t.conversations).where(eq(t.conversations.id, p('id'))).limit(1).prepare('ingest_contact_of'),
    identity: db
      .select({ contactId: t.contactIdentities.contactId })
      .from(t.contactIdentities)
      .where(and(eq(t.contactIdentities.inboxId, p('inboxId')), eq(t.contactIdentities.externalUserId, p('externalUserId'))))
      .limit(1)
      .prepare('ingest_identity'),
    // What a platform tells later (a fetched profile) fills what the contact lacks, never overwrites.
    fillContact: db
      .update(t.contacts)
      .set({
        name: sql`coalesce(${t.contacts.name}, ${p('name')})`,
        avatarUrl: sql`coalesce(${t.contacts.avatarUrl}, ${p('avatarUrl')})`,
        phone: sql`coalesce(${t.contacts.phone}, ${p('phone')})`,
        email: sql`coalesce(${t.contacts.email}, ${p('email')})`,
      })
      // Only a contact that lacks something is written: returning citizens cost no write here.
      .where(
        and(
          eq(t.contacts.id, p('id')),
          sql`((${t.contacts.name} is null and cast(${p('name')} as text) is not null) or (${t.contacts.avatarUrl} is null and cast(${p('avatarUrl')} as text) is not null)
            or (${t.contacts.phone} is null and cast(${p('phone')} as text) is not null) or (${t.contacts.email} is null and cast(${p('email')} as text) is not null))`,
        ),
      )
      .prepare('ingest_fill_contact'),
    contactByPhone: db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.phone, p('phone'))).orderBy(t.contacts.id).limit(1).prepare('ingest_contact_phone'),
    contactByEmail: db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.email, p('email'))).orderBy(t.contacts.id).limit(1).prepare('ingest_contact_email'),
    insertContact: db
      .insert(t.contacts)
      .values({ name: p('name'), phone: p('phone'), email: p('email'), avatarUrl: p('avatarUrl'), createdAt: p('at'), updatedAt: p('at') })
      .returning({ id: t.contacts.id })
      .prepare('ingest_insert_contact'),
    insertIdentity: db
      .insert(t.contactIdentities)
      .values({ contactId: p('contactId'), inboxId: p('inboxId'), channel: p('channel'), externalUserId: p('externalUserId'), displayName: p('displayName'), createdAt: p('at') })
      .prepare('ingest_insert_identity'),
    openConversation: db
      .select({ id: t.conversations.id, handler: t.conversations.handler })
      .from(t.conversations)
      .where(and(eq(t.conversations.contactId, p('contactId')), eq(t.conversations.inboxId, p('inboxId')), ne(t.conversations.status, 'resolved')))
      .orderBy(desc(t.conversations.id))
      .limit(1)
      .prepare('ingest_open_conversation'),
    recentlyResolved: db
      .select({ id: t.conversations.id, handler: t.conversations.handler })
      .from(t.conversations)
      .where(
        and(
          eq(t.conversations.contactId, p('contactId')),
          eq(t.conversations.inboxId, p('inboxId')),
          eq(t.conversations.status, 'resolved'),
          gte(t.conversations.resolvedAt, encoded('since', t.conversations.resolvedAt)),
        ),
      )
      .orderBy(desc(t.conversations.id))
      .limit(1)
      .prepare('ingest_recently_resolved'),
    reopen: db.update(t.conversations).set({ status: 'open', resolvedAt: null, updatedAt: encodedSql('at', t.conversations.updatedAt) }).where(eq(t.conversations.id, p('id'))).prepare('ingest_reopen'),
    insertConversation: db
      .insert(t.conversations)
      .values({
        inboxId: p('inboxId'),
        contactId: p('contactId'),
        source: p('source'),
        status: 'open',
        lastMessageAt: p('at'),
        lastInboundAt: p('lastInboundAt'),
        createdAt: p('at'),
        updatedAt: p('at'),
      })
      .returning({ id: t.conversations.id, handler: t.conversations.handler })
      .prepare('ingest_insert_conversation'),
    // The page or OA may write first (an echo to someone never seen): no citizen message yet,
    // and a null placeholder cannot go through the timestamp column's encoder.
    insertConversationByEcho: db
      .insert(t.conversations)
      .values({ inboxId: p('inboxId'), contactId: p('contactId'), status: 'open', lastMessageAt: p('at'), createdAt: p('at'), updatedAt: p('at') })
      .returning({ id: t.conversations.id, handler: t.conversations.handler })
      .prepare('ingest_insert_conversation_by_echo'),
    insertHistoryConversation: db
      .insert(t.conversations)
      .values({
        inboxId: p('inboxId'),
        contactId: p('contactId'),
        source: p('source'),
        status: 'resolved',
        resolvedAt: p('at'),
        lastMessageAt: p('at'),
        lastInboundAt: p('lastInboundAt'),
        createdAt: p('at'),
        updatedAt: p('at'),
      })
      .returning({ id: t.conversations.id, handler: t.conversations.handler })
      .prepare('ingest_insert_history_conversation'),
    insertMessage: db
      .insert(t.messages)
      .values({
        conversationId: p('conversationId'),
        inboxId: p('inboxId'),
        direction: p('direction'),
        senderType: p('senderType'),
        text: p('text'),
        attachments: p('attachments'),
        externalId: p('externalId'),
        status: p('status'),
        metadata: p('metadata'),
        raw: p('raw'),
        createdAt: p('at'),
        sentAt: p('sentAt'),
      })
      .returning({ id: t.messages.id })
      .prepare('ingest_insert_message'),
    touchInbound: db
      .update(t.conversations)
      .set({
        lastMessageAt: encodedSql('at', t.conversations.lastMessageAt),
        // A platform's late retry of an old message must not shrink the reply window.
        lastInboundAt: sql`case when ${t.conversations.lastInboundAt} is null or ${t.conversations.lastInboundAt} < ${encoded('sentAt', t.conversations.lastInboundAt)} then ${encoded('sentAt', t.conversations.lastInboundAt)} else ${t.conversations.lastInboundAt} end`,
        updatedAt: encodedSql('at', t.conversations.updatedAt),
      })
      .where(eq(t.conversations.id, p('id')))
      .prepare('ingest_touch_inbound'),
    conversationByMessage: db
      .select({ conversationId: t.messages.conversationId, contactId: t.conversations.contactId, status: t.conversations.status, handler: t.conversations.handler })
      .from(t.messages)
      .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
      .where(and(eq(t.messages.inboxId, p('inboxId')), eq(t.messages.externalId, p('externalId'))))
      .limit(1)
      .prepare('ingest_conversation_by_message'),
    conversationById: db
      .select({ conversationId: t.conversations.id, contactId: t.conversations.contactId, status: t.conversations.status, handler: t.conversations.handler })
      .from(t.conversations)
      .where(and(eq(t.conversations.id, p('id')), eq(t.conversations.inboxId, p('inboxId'))))
      .limit(1)
      .prepare('ingest_conversation_by_id'),
    touchOutbound: db
      .update(t.conversations)
      .set({ lastMessageAt: encodedSql('at', t.conversations.lastMessageAt), updatedAt: encodedSql('at', t.conversations.updatedAt) }).where(eq(t.conversations.id, p('id'))).prepare('ingest_touch_outbound'),
  });
}

type IngestQueries = ReturnType<ReturnType<typeof ingestQueries>>;

async function ingestOne(q: IngestQueries, given: InboundMessage, at: Date, options: IngestOptions): Promise<IngestOutcome> {
  // A signed platform message is never lost for a NUL or a broken surrogate in it.
  const message = storableDeep(given);
  const [existing] = await q.existing.execute({ inboxId: message.inboxId, externalId: message.externalMessageId });
  if (existing) {
    const [owner] = await q.contactOf.execute({ id: existing.conversationId });
    return { result: { messageId: existing.id, conversationId: existing.conversationId, contactId: owner!.contactId, duplicate: true, conversationOpened: false }, view: null };
  }

  const inbound = !message.echo;
  const lastInboundAt = inbound ? message.sentAt : null;
  const contact = await resolveContact(q, message, at, options.channelOf(message.inboxId));
  const hinted = await hintedConversation(q, message, contact.id, at);
  const { conversationId, opened, handler } = hinted
    ? hinted
    : message.history
      ? await historyConversation(q, contact, message.inboxId, at, lastInboundAt, message.source ?? null)
      : contact.isNew
        ? await openConversation(q, contact.id, message.inboxId, at, lastInboundAt, message.source ?? null)
        : await threadConversation(q, contact.id, message.inboxId, at, lastInboundAt, options, message.source ?? null);

  const attachments = message.attachments.length ? message.attachments : null;
  const metadata = message.suppressAutoReply ? { ...message.metadata, suppressAutoReply: true } : (message.metadata ?? null);
  const [row] = await q.insertMessage.execute({
    conversationId,
    inboxId: message.inboxId,
    direction: inbound ? 'in' : 'out',
    senderType: inbound ? 'contact' : 'outside',
    text: message.text,
    attachments,
    externalId: message.externalMessageId,
    status: inbound ? 'received' : 'sent',
    metadata,
    raw: message.raw ?? null,
    at,
    sentAt: message.sentAt,
  });
  // A conversation opened just now already carries these times.
  if (!opened || !contact.isNew) {
    if (inbound) await q.touchInbound.execute({ at, sentAt: message.sentAt, id: conversationId });
    else await q.touchOutbound.execute({ at, id: conversationId });
  }

  return {
    result: { messageId: row!.id, conversationId, contactId: contact.id, duplicate: false, conversationOpened: opened },
    view: { text: message.text, metadata, attachments, conversationId, contactId: contact.id, handler },
  };
}

/** One citizen, one contact: the identity in this inbox, else a contact with the same phone or
 * email (the citizen gave it on another channel), else a new contact. */
async function resolveContact(q: IngestQueries, message: InboundMessage, at: Date, channel: string): Promise<{ id: number; isNew: boolean }> {
  const { sender } = message;
  const [identity] = sender.minted ? [] : await q.identity.execute({ inboxId: message.inboxId, externalUserId: sender.externalUserId });
  if (identity) {
    if (sender.displayName || sender.avatarUrl || sender.phone || sender.email) {
      await q.fillContact.execute({
        id: identity.contactId,
        name: sender.displayName ?? null,
        avatarUrl: sender.avatarUrl ?? null,
        phone: sender.phone ?? null,
        email: sender.email ?? null,
      });
    }
    return { id: identity.contactId, isNew: false };
  }

  let contactId: number | undefined;
  if (!sender.selfDeclared) {
    if (sender.phone) contactId = (await q.contactByPhone.execute({ phone: sender.phone }))[0]?.id;
    if (contactId === undefined && sender.email) contactId = (await q.contactByEmail.execute({ email: sender.email }))[0]?.id;
  }
  const isNew = contactId === undefined;
  if (contactId === undefined) {
    const [created] = await q.insertContact.execute({
      name: sender.displayName ?? null,
      phone: sender.phone ?? null,
      email: sender.email ?? null,
      avatarUrl: sender.avatarUrl ?? null,
      at,
    });
    contactId = created!.id;
  }
  await q.insertIdentity.execute({ contactId, inboxId: message.inboxId, channel, externalUserId: sender.externalUserId, displayName: sender.displayName ?? null, at });
  return { id: contactId, isNew };
}

/** The conversation the platform says this message answers, if it is this contact's in this
 * inbox (a forged reference never files a message into someone else's thread). */
async function hintedConversation(q: IngestQueries, message: InboundMessage, contactId: number, at: Date) {
  const { thread } = message;
  if (!thread) return null;
  const candidates = [];
  if (thread.conversationId !== undefined) candidates.push(...(await q.conversationById.execute({ id: thread.conversationId, inboxId: message.inboxId })));
  for (const externalId of thread.externalMessageIds ?? []) {
    candidates.push(...(await q.conversationByMessage.execute({ inboxId: message.inboxId, externalId })));
  }
  const match = candidates.find((c) => c.contactId === contactId);
  if (!match) return null;
  if (match.status === 'resolved' && !message.history) {
    await q.reopen.execute({ at, id: match.conversationId });
    return { conversationId: match.conversationId, opened: true, handler: match.handler };
  }
  return { conversationId: match.conversationId, opened: false, handler: match.handler };
}

/** History joins the citizen's open conversation, else their latest resolved one (left resolved),
 * else a resolved one of its own: it never reopens anything or puts anyone in a queue. */
async function historyConversation(q: IngestQueries, contact: { id: number; isNew: boolean }, inboxId: number, at: Date, lastInboundAt: Date | null, source: string | null) {
  const [open] = contact.isNew ? [] : await q.openConversation.execute({ contactId: contact.id, inboxId });
  if (open) return { conversationId: open.id, opened: false, handler: open.handler };
  // Years of one citizen's mail make one record, not a conversation per mail.
  const [earlier] = contact.isNew ? [] : await q.recentlyResolved.execute({ contactId: contact.id, inboxId, since: new Date(0) });
  if (earlier) return { conversationId: earlier.id, opened: false, handler: earlier.handler };
  const [created] = await q.insertHistoryConversation.execute({ inboxId, contactId: contact.id, at, lastInboundAt, source });
  return { conversationId: created!.id, opened: false, handler: created!.handler };
}

async function openConversation(q: IngestQueries, contactId: number, inboxId: number, at: Date, lastInboundAt: Date | null, source: string | null) {
  const [created] = lastInboundAt
    ? await q.insertConversation.execute({ inboxId, contactId, at, lastInboundAt, source })
    : await q.insertConversationByEcho.execute({ inboxId, contactId, at });
  return { conversationId: created!.id, opened: true, handler: created!.handler };
}

async function threadConversation(
  q: IngestQueries,
  contactId: number,
  inboxId: number,
  at: Date,
  lastInboundAt: Date | null,
  options: IngestOptions,
  source: string | null,
): Promise<{ conversationId: number; opened: boolean; handler: string }> {
  const [open] = await q.openConversation.execute({ contactId, inboxId });
  if (open) return { conversationId: open.id, opened: false, handler: open.handler };

  const since = new Date(at.getTime() - options.reopenWithinDays * 86_400_000);
  const [recent] = await q.recentlyResolved.execute({ contactId, inboxId, since });
  if (recent) {
    await q.reopen.execute({ at, id: recent.id });
    return { conversationId: recent.id, opened: true, handler: recent.handler };
  }
  return openConversation(q, contactId, inboxId, at, lastInboundAt, source);
}
