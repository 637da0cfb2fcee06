import { and, eq, isNull, ne } from 'drizzle-orm';
import { appendAudit } from './audit.ts';
import { createContacts, type IdentityProfile } from './contacts.ts';
import type { Db, Store } from './store/store.ts';

/** The details a citizen chose to share (Zalo OA's request-info form). Phone as 84xxxxxxxxx. */
export interface SharedDetails {
  name?: string;
  phone?: string;
}

interface IdentityRef {
  inboxId: number;
  channel: string;
  externalUserId: string;
}

/**
 * Follows, unfollows and shared details: they touch the citizen's contact, never a conversation
 * (no thread opens, the bot says nothing). Details shared with a phone number link the identity to
 * the contact that already has that number (their calls, dossiers and other channels), by the
 * same merge an agent would do, audited as the platform's.
 */
export function createIdentityEvents(store: Store) {
  const { t } = store;
  const contacts = createContacts(store);

  /** The identity's row, created with a contact of its own when the platform names someone new. */
  async function ensureIdentity(db: Db, ref: IdentityRef, displayName: string | undefined, at: Date) {
    const find = () =>
      db
        .select({ id: t.contactIdentities.id, contactId: t.contactIdentities.contactId, profile: t.contactIdentities.profile })
        .from(t.contactIdentities)
        .where(and(eq(t.contactIdentities.inboxId, ref.inboxId), eq(t.contactIdentities.externalUserId, ref.externalUserId)))
        .limit(1);
    const [known] = await find();
    if (known) return { ...known, profile: (known.profile ?? {}) as IdentityProfile };
    const [contact] = await db.insert(t.contacts).values({ name: displayName ?? null, createdAt: at, updatedAt: at }).returning({ id: t.contacts.id });
    const [created] = await db
      .insert(t.contactIdentities)
      .values({ contactId: contact!.id, inboxId: ref.inboxId, channel: ref.channel, externalUserId: ref.externalUserId, displayName: displayName ?? null, createdAt: at })
      .returning({ id: t.contactIdentities.id, contactId: t.contactIdentities.contactId });
    return { ...created!, profile: {} as IdentityProfile };
  }

  return {
    /** The person followed (or unfollowed) the account: shown on their contact. */
    async setFollowing(ref: IdentityRef, following: boolean, at: Date, displayName?: string): Promise<{ contactId: number }> {
      return store.tx(async (db) => {
        const identity = await ensureIdentity(db, ref, displayName, at);
        // A late retry of an older event must not undo a newer one.
        if (identity.profile.followChangedAt && Date.parse(identity.profile.followChangedAt) > at.getTime()) return { contactId: identity.contactId };
        const profile: IdentityProfile = { ...identity.profile, following, followChangedAt: at.toISOString() };
        await db.update(t.contactIdentities).set({ profile }).where(eq(t.contactIdentities.id, identity.id));
        return { contactId: identity.contactId };
      });
    },

    /**
     * The person shared their details: the phone goes on their contact, or, when another contact
     * already has that phone, this identity's contact is merged into that one. Returns the contact
     * the identity belongs to now, and the one it was merged from, if any.
     */
    async shareDetails(ref: IdentityRef, details: SharedDetails, at: Date, actor: string): Promise<{ contactId: number; mergedFrom: number | null }> {
      const found = await store.tx(async (db) => {
        const identity = await ensureIdentity(db, ref, details.name, at);
        await db
          .update(t.contactIdentities)
          .set({ profile: { ...identity.profile, detailsSharedAt: at.toISOString() } satisfies IdentityProfile })
          .where(eq(t.contactIdentities.id, identity.id));
        const [other] = details.phone
          ? await db
              .select({ id: t.contacts.id })
              .from(t.contacts)
              .where(and(eq(t.contacts.phone, details.phone), ne(t.contacts.id, identity.contactId), isNull(t.contacts.erasedAt)))
              .orderBy(t.contacts.id)
              .limit(1)
          : [];
        if (!other) {
          const [own] = await db.select({ name: t.contacts.name }).from(t.contacts).where(eq(t.contacts.id, identity.contactId)).limit(1);
          await db
            .update(t.contacts)
            .set({ ...(details.phone ? { phone: details.phone } : {}), ...(details.name && !own?.name ? { name: details.name } : {}), updatedAt: at })
            .where(eq(t.contacts.id, identity.contactId));
          await appendAudit(store, db, { actor, action: 'contact.updated', subjectType: 'contact', subjectId: identity.contactId, detail: { fields: Object.keys(details) } }, at);
        }
        return { contactId: identity.contactId, linkTo: other?.id ?? null };
      });
      if (found.linkTo === null) return { contactId: found.contactId, mergedFrom: null };
      // The contact with the calls and dossiers is kept; the one made for this identity joins it.
      await contacts.merge(found.linkTo, found.contactId, actor);
      return { contactId: found.linkTo, mergedFrom: found.contactId };
    },
  };
}

export type IdentityEvents = ReturnType<typeof createIdentityEvents>;
