import { and, desc, eq, gte, ne } from 'drizzle-orm';
import type { InboundMessage } from './domain/types.ts';
import type { EventBus } from './events.ts';
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
  now?: () => Date;
}

/**
 * The ingest pipeline: dedupe on (inbox, platform message id), resolve the contact from its
 * identity, thread into the open conversation (or reopen or open one), insert, commit, emit.
 * All messages of one call share a transaction; the promise resolves after the commit, so a
 * webhook may acknowledge as soon as it resolves.
 */
export function createIngest(store: Store, events: EventBus, options: IngestOptions) {
  const now = options.now ?? (() => new Date());

  async function ingest(messages: InboundMessage[]): Promise<IngestResult[]> {
    if (messages.length === 0) return [];
    const results = await store.tx(async (db) => {
      const out: IngestResult[] = [];
      for (const message of messages) out.push(await ingestOne(db, store.t, message, now(), options));
      return out;
    });
    messages.forEach((message, i) => {
      const result = results[i]!;
      if (result.duplicate) return;
      events.emit('message.created', {
        messageId: result.messageId,
        conversationId: result.conversationId,
        inboxId: message.inboxId,
        contactId: result.contactId,
        direction: message.echo ? 'out' : 'in',
        conversationOpened: result.conversationOpened,
      });
    });
    return results;
  }

  return ingest;
}

export type Ingest = ReturnType<typeof createIngest>;

async function ingestOne(
  db: Db,
  t: Tables,
  message: InboundMessage,
  at: Date,
  options: IngestOptions,
): Promise<IngestResult> {
  const [existing] = await db
    .select({ id: t.messages.id, conversationId: t.messages.conversationId, contactId: t.conversations.contactId })
    .from(t.messages)
    .innerJoin(t.conversations, eq(t.conversations.id, t.messages.conversationId))
    .where(and(eq(t.messages.inboxId, message.inboxId), eq(t.messages.externalId, message.externalMessageId)))
    .limit(1);
  if (existing) {
    return {
      messageId: existing.id,
      conversationId: existing.conversationId,
      contactId: existing.contactId,
      duplicate: true,
      conversationOpened: false,
    };
  }

  const contactId = await resolveContact(db, t, message, at, options.channelOf(message.inboxId));
  const { conversationId, opened } = await threadConversation(db, t, contactId, message.inboxId, at, options);

  const inbound = !message.echo;
  const [row] = await db
    .insert(t.messages)
    .values({
      conversationId,
      inboxId: message.inboxId,
      direction: inbound ? 'in' : 'out',
      senderType: inbound ? 'contact' : 'outside',
      text: message.text,
      attachments: message.attachments.length ? message.attachments : null,
      externalId: message.externalMessageId,
      status: inbound ? 'received' : 'sent',
      metadata: message.metadata ?? null,
      raw: message.raw ?? null,
      createdAt: at,
      sentAt: message.sentAt,
    })
    .returning({ id: t.messages.id });

  await db
    .update(t.conversations)
    .set(inbound ? { lastMessageAt: at, lastInboundAt: message.sentAt, updatedAt: at } : { lastMessageAt: at, updatedAt: at })
    .where(eq(t.conversations.id, conversationId));

  return { messageId: row!.id, conversationId, contactId, duplicate: false, conversationOpened: opened };
}

/** One citizen, one contact: the identity in this inbox, else a contact with the same phone or
 * email (the citizen gave it on another channel), else a new contact. */
async function resolveContact(db: Db, t: Tables, message: InboundMessage, at: Date, channel: string): Promise<number> {
  const { sender } = message;
  const [identity] = await db
    .select({ contactId: t.contactIdentities.contactId })
    .from(t.contactIdentities)
    .where(and(eq(t.contactIdentities.inboxId, message.inboxId), eq(t.contactIdentities.externalUserId, sender.externalUserId)))
    .limit(1);
  if (identity) return identity.contactId;

  let contactId: number | undefined;
  if (sender.phone) {
    const [match] = await db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.phone, sender.phone)).orderBy(t.contacts.id).limit(1);
    contactId = match?.id;
  }
  if (contactId === undefined && sender.email) {
    const [match] = await db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.email, sender.email)).orderBy(t.contacts.id).limit(1);
    contactId = match?.id;
  }
  if (contactId === undefined) {
    const [created] = await db
      .insert(t.contacts)
      .values({
        name: sender.displayName ?? null,
        phone: sender.phone ?? null,
        email: sender.email ?? null,
        avatarUrl: sender.avatarUrl ?? null,
        createdAt: at,
        updatedAt: at,
      })
      .returning({ id: t.contacts.id });
    contactId = created!.id;
  }
  await db.insert(t.contactIdentities).values({
    contactId,
    inboxId: message.inboxId,
    channel,
    externalUserId: sender.externalUserId,
    displayName: sender.displayName ?? null,
    createdAt: at,
  });
  return contactId;
}

async function threadConversation(
  db: Db,
  t: Tables,
  contactId: number,
  inboxId: number,
  at: Date,
  options: IngestOptions,
): Promise<{ conversationId: number; opened: boolean }> {
  const byContact = and(eq(t.conversations.contactId, contactId), eq(t.conversations.inboxId, inboxId));
  const [open] = await db
    .select({ id: t.conversations.id })
    .from(t.conversations)
    .where(and(byContact, ne(t.conversations.status, 'resolved')))
    .orderBy(desc(t.conversations.id))
    .limit(1);
  if (open) return { conversationId: open.id, opened: false };

  const since = new Date(at.getTime() - options.reopenWithinDays * 86_400_000);
  const [recent] = await db
    .select({ id: t.conversations.id })
    .from(t.conversations)
    .where(and(byContact, eq(t.conversations.status, 'resolved'), gte(t.conversations.resolvedAt, since)))
    .orderBy(desc(t.conversations.id))
    .limit(1);
  if (recent) {
    await db
      .update(t.conversations)
      .set({ status: 'open', resolvedAt: null, updatedAt: at })
      .where(eq(t.conversations.id, recent.id));
    return { conversationId: recent.id, opened: true };
  }

  const [created] = await db
    .insert(t.conversations)
    .values({ inboxId, contactId, status: 'open', lastMessageAt: at, createdAt: at, updatedAt: at })
    .returning({ id: t.conversations.id });
  return { conversationId: created!.id, opened: true };
}
