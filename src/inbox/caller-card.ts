import { and, desc, eq, inArray, notInArray, or } from 'drizzle-orm';
import { normalizeVnPhone } from '../core/domain/phone.ts';
import type { Store } from '../core/store/store.ts';

/**
 * What an operator needs on screen the moment a citizen's call rings: the contact found by the
 * number with their conversations on every channel, open tickets (level and deadline), imported
 * dossiers, care-campaign status and any "do not contact" mark. `contact: null` is a new caller.
 * Callers audit the read: it shows personal data.
 */
export async function callerCard(store: Store, number: string, contactId: number | null = null) {
  const { t, db } = store;
  const phone = normalizeVnPhone(number);
  let contact: { id: number; name: string | null; phone: string | null; email: string | null } | undefined;
  if (contactId !== null) [contact] = await db.select({ id: t.contacts.id, name: t.contacts.name, phone: t.contacts.phone, email: t.contacts.email }).from(t.contacts).where(eq(t.contacts.id, contactId)).limit(1);
  if (!contact && phone) [contact] = await db.select({ id: t.contacts.id, name: t.contacts.name, phone: t.contacts.phone, email: t.contacts.email }).from(t.contacts).where(eq(t.contacts.phone, phone)).orderBy(t.contacts.id).limit(1);
  const id = contact?.id ?? null;

  const conversations = id === null ? [] : await db
    .select({ id: t.conversations.id, channel: t.inboxes.channel, inboxName: t.inboxes.name, status: t.conversations.status, lastMessageAt: t.conversations.lastMessageAt })
    .from(t.conversations)
    .innerJoin(t.inboxes, eq(t.inboxes.id, t.conversations.inboxId))
    .where(eq(t.conversations.contactId, id))
    .orderBy(desc(t.conversations.lastMessageAt))
    .limit(20);
  const tickets = id === null ? [] : await db
    .select({ id: t.tickets.id, code: t.tickets.code, subject: t.tickets.subject, level: t.tickets.level, status: t.tickets.status, deadline: t.tickets.deadline, receivedAt: t.tickets.receivedAt })
    .from(t.tickets)
    .where(and(eq(t.tickets.contactId, id), notInArray(t.tickets.status, ['answered', 'closed'])))
    .orderBy(desc(t.tickets.receivedAt))
    .limit(20);
  const byPerson = <C, P>(contactColumn: C, phoneColumn: P) => {
    const parts = [];
    if (id !== null) parts.push(eq(contactColumn as never, id));
    if (phone) parts.push(eq(phoneColumn as never, phone));
    return parts.length ? or(...parts) : undefined;
  };
  const personDossiers = byPerson(t.dossiers.contactId, t.dossiers.applicantPhone);
  const dossiers = !personDossiers ? [] : await db
    .select({ id: t.dossiers.id, code: t.dossiers.code, procedure: t.dossiers.procedure, status: t.dossiers.status, dueAt: t.dossiers.dueAt, finishedAt: t.dossiers.finishedAt, unit: t.dossiers.unit })
    .from(t.dossiers)
    .where(personDossiers)
    .orderBy(desc(t.dossiers.id))
    .limit(20);
  const personTargets = byPerson(t.campaignTargets.contactId, t.campaignTargets.phone);
  const care = !personTargets ? [] : await db
    .select({ targetId: t.campaignTargets.id, campaignId: t.campaigns.id, campaign: t.campaigns.name, status: t.campaignTargets.status, attempts: t.campaignTargets.attempts, callBackAt: t.campaignTargets.callBackAt })
    .from(t.campaignTargets)
    .innerJoin(t.campaigns, eq(t.campaigns.id, t.campaignTargets.campaignId))
    .where(and(personTargets, inArray(t.campaigns.status, ['active'])))
    .orderBy(desc(t.campaignTargets.id))
    .limit(10);
  const personOptOut = byPerson(t.optOuts.contactId, t.optOuts.phone);
  const [optOut] = !personOptOut ? [] : await db.select({ at: t.optOuts.createdAt, source: t.optOuts.source }).from(t.optOuts).where(personOptOut).orderBy(desc(t.optOuts.id)).limit(1);
  return {
    number,
    contact: contact ?? null,
    conversations,
    tickets,
    dossiers,
    care,
    doNotContact: optOut ? { since: optOut.at, source: optOut.source } : null,
  };
}

export type CallerCard = Awaited<ReturnType<typeof callerCard>>;
