import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import { appendAudit } from './audit.ts';
import { visibleWhere, searchTerms } from './conversations.ts';
import { HttpError, NotFoundError } from './errors.ts';
import type { Store } from './store/store.ts';
import { foldedContains } from './text-fold.ts';

/** What an agent may see: the conversations of their teams and those assigned to them. */
export type Visibility = { teamIds: number[]; agentId: number } | null;

/**
 * What a platform tells about a person outside their messages, kept on their identity
 * (`contact_identities.profile`): whether they follow the account, and when they last shared
 * their details with it.
 */
export interface IdentityProfile {
  following?: boolean;
  /** When they last followed or unfollowed (ISO). */
  followChangedAt?: string;
  /** When they last shared their name and phone through the platform's form (ISO). */
  detailsSharedAt?: string;
}

export interface ContactChange {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
}

/**
 * A citizen across channels: their identities (one per inbox they wrote from), their
 * conversations, editing their details and merging two records of the same person. Callers
 * audit reads; changes are audited here, inside their transaction.
 */
export function createContacts(store: Store) {
  const { t, db } = store;

  /** The contact with its identities and (visible) conversations, newest first. */
  async function get(id: number, visibleTo: Visibility = null) {
    const [contact] = await db
      .select({ id: t.contacts.id, name: t.contacts.name, phone: t.contacts.phone, email: t.contacts.email, createdAt: t.contacts.createdAt, updatedAt: t.contacts.updatedAt })
      .from(t.contacts)
      .where(eq(t.contacts.id, id))
      .limit(1);
    if (!contact) throw new NotFoundError('contact');
    const identities = await db
      .select({
        id: t.contactIdentities.id,
        inboxId: t.contactIdentities.inboxId,
        inboxName: t.inboxes.name,
        channel: t.contactIdentities.channel,
        externalUserId: t.contactIdentities.externalUserId,
        displayName: t.contactIdentities.displayName,
        profile: t.contactIdentities.profile,
        createdAt: t.contactIdentities.createdAt,
      })
      .from(t.contactIdentities)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.contactIdentities.inboxId))
      .where(eq(t.contactIdentities.contactId, id))
      .orderBy(t.contactIdentities.id);
    const conversations = await db
      .select({ id: t.conversations.id, channel: t.inboxes.channel, status: t.conversations.status, lastMessageAt: t.conversations.lastMessageAt })
      .from(t.conversations)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.conversations.inboxId))
      .where(and(eq(t.conversations.contactId, id), visibleTo ? visibleWhere(t, visibleTo) : undefined))
      .orderBy(desc(t.conversations.lastMessageAt), desc(t.conversations.id));
    // Whether they follow the account, where the platform says (Zalo OA follow/unfollow); null: not known.
    const withFollowing = identities.map(({ profile, ...identity }) => ({ ...identity, following: typeof (profile as IdentityProfile | null)?.following === 'boolean' ? (profile as IdentityProfile).following! : null }));
    return { ...contact, identities: withFollowing, conversations };
  }

  /** Whether the caller may see this contact: through at least one conversation they may see. */
  async function canSee(id: number, visibleTo: Visibility): Promise<boolean> {
    const [contact] = await db.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.id, id)).limit(1);
    if (!contact) throw new NotFoundError('contact');
    if (!visibleTo) return true;
    const [row] = await db
      .select({ id: t.conversations.id })
      .from(t.conversations)
      .where(and(eq(t.conversations.contactId, id), visibleWhere(t, visibleTo)))
      .limit(1);
    return Boolean(row);
  }

  /** Contacts whose name, email or phone holds the query, accents ignored. */
  async function search(q: string, visibleTo: Visibility, limit = 20) {
    const { text, digits } = searchTerms(q);
    if (!text && !digits) return [];
    const d = store.dialect;
    const match = or(
      text ? foldedContains(d, t.contacts.name, text) : undefined,
      text ? foldedContains(d, t.contacts.email, text) : undefined,
      digits ? sql`${t.contacts.phone} like ${`%${digits}%`}` : undefined,
    );
    const scope = visibleTo
      ? inArray(t.contacts.id, db.select({ id: t.conversations.contactId }).from(t.conversations).where(visibleWhere(t, visibleTo)))
      : undefined;
    const rows = await db
      .select({ id: t.contacts.id, name: t.contacts.name, phone: t.contacts.phone, email: t.contacts.email })
      .from(t.contacts)
      .where(and(match, scope))
      .orderBy(desc(t.contacts.updatedAt), desc(t.contacts.id))
      .limit(limit);
    const ids = rows.map((r) => r.id);
    const channels = ids.length
      ? await db.selectDistinct({ contactId: t.contactIdentities.contactId, channel: t.contactIdentities.channel }).from(t.contactIdentities).where(inArray(t.contactIdentities.contactId, ids))
      : [];
    return rows.map((row) => ({ ...row, channels: channels.filter((c) => c.contactId === row.id).map((c) => c.channel).sort() }));
  }

  async function update(id: number, change: ContactChange, actor: string) {
    const at = new Date();
    await store.tx(async (tx) => {
      const [row] = await tx.update(t.contacts).set({ ...change, updatedAt: at }).where(eq(t.contacts.id, id)).returning({ id: t.contacts.id });
      if (!row) throw new NotFoundError('contact');
      // Which fields, not their values: the audit log should not become a second copy of them.
      await appendAudit(store, tx, { actor, action: 'contact.updated', subjectType: 'contact', subjectId: id, detail: { fields: Object.keys(change) } }, at);
    });
  }

  /**
   * Makes `mergedId` part of `keptId`, in one transaction: its identities, conversations,
   * tickets, calls, dossiers and campaign targets move over, details the kept record lacks are taken from it, and the
   * merged record is deleted. The kept contact's history then spans every channel of both.
   */
  async function merge(keptId: number, mergedId: number, actor: string) {
    if (keptId === mergedId) throw new HttpError(400, 'same_contact', 'a contact cannot be merged into itself');
    const at = new Date();
    return store.tx(async (tx) => {
      const both = await tx.select().from(t.contacts).where(inArray(t.contacts.id, [keptId, mergedId]));
      const kept = both.find((c) => c.id === keptId);
      const merged = both.find((c) => c.id === mergedId);
      if (!kept || !merged) throw new NotFoundError('contact');
      const identities = await tx.update(t.contactIdentities).set({ contactId: keptId }).where(eq(t.contactIdentities.contactId, mergedId)).returning({ id: t.contactIdentities.id });
      const conversations = await tx.update(t.conversations).set({ contactId: keptId }).where(eq(t.conversations.contactId, mergedId)).returning({ id: t.conversations.id });
      await tx.update(t.tickets).set({ contactId: keptId }).where(eq(t.tickets.contactId, mergedId));
      await tx.update(t.calls).set({ contactId: keptId }).where(eq(t.calls.contactId, mergedId));
      await tx.update(t.dossiers).set({ contactId: keptId }).where(eq(t.dossiers.contactId, mergedId));
      await tx.update(t.campaignTargets).set({ contactId: keptId }).where(eq(t.campaignTargets.contactId, mergedId));
      await tx
        .update(t.contacts)
        .set({ name: kept.name ?? merged.name, phone: kept.phone ?? merged.phone, email: kept.email ?? merged.email, avatarUrl: kept.avatarUrl ?? merged.avatarUrl, updatedAt: at })
        .where(eq(t.contacts.id, keptId));
      await tx.delete(t.contacts).where(eq(t.contacts.id, mergedId));
      const detail = { mergedId, identities: identities.map((i) => i.id), conversations: conversations.map((c) => c.id) };
      await appendAudit(store, tx, { actor, action: 'contact.merged', subjectType: 'contact', subjectId: keptId, detail }, at);
      return { contactId: keptId, movedIdentities: identities.length, movedConversations: conversations.map((c) => c.id) };
    });
  }

  return { get, canSee, search, update, merge };
}

export type Contacts = ReturnType<typeof createContacts>;
