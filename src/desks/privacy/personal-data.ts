// What the hotline holds about one citizen, handed to them (access) or erased (erasure), as the
// Law on Personal Data Protection lets them ask. The state's record of handling their request
// (a ticket's subject, text and answer; the report's counts) stays, without who they are.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { and, asc, eq, inArray, isNotNull, like, or, sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { Db, Store } from '../../core/store/store.ts';
import type { FileStorage } from '../../core/file-storage.ts';

// What the erasure did, for the request's record and the answer to the citizen: the wire shape.
import type { ErasureResult } from '../../contracts/privacy.ts';
export type { ErasureResult };

const keyOf = (attachment: unknown): string | null => {
  const meta = (attachment as { meta?: { storageKey?: unknown } } | null)?.meta;
  return typeof meta?.storageKey === 'string' && /^[0-9a-f]{64}$/.test(meta.storageKey) ? meta.storageKey : null;
};

export function createPersonalData(store: Store, options: { attachmentDirs: readonly string[]; storage?: FileStorage }) {
  const { t, db } = store;

  async function contactOf(contactId: number) {
    const [contact] = await db.select().from(t.contacts).where(eq(t.contacts.id, contactId)).limit(1);
    if (!contact) throw new NotFoundError('contact');
    return contact;
  }

  /** Dossiers of the one-stop system that name this citizen: linked, or by their phone or email. */
  function dossiersOf(contact: { id: number; phone: string | null; email: string | null }) {
    return or(eq(t.dossiers.contactId, contact.id), contact.phone ? eq(t.dossiers.applicantPhone, contact.phone) : undefined, contact.email ? eq(t.dossiers.applicantEmail, contact.email) : undefined)!;
  }

  /**
   * Empties the messages `where` selects (text, files, metadata, payloads; the rows, times and
   * statuses stay for the counts), inside the caller's transaction. Returns the files no message
   * or ticket refers to any more: the caller removes them after its commit (removeFiles).
   */
  async function emptyMessages(tx: Db, where: SQL): Promise<{ messages: Array<{ id: number }>; orphans: string[] }> {
    const withFiles = await tx.select({ attachments: t.messages.attachments }).from(t.messages).where(and(where, isNotNull(t.messages.attachments)));
    const jsonKeys = withFiles.flatMap((row) => ((row.attachments as unknown[] | null) ?? []).map(keyOf)).filter((key): key is string => key !== null);
    const messages = await tx.update(t.messages).set({ text: null, attachments: null, metadata: null, raw: null, error: null }).where(where).returning({ id: t.messages.id });
    // The files' rows go with them (a platform file fetched later is only named there).
    const fileRows = messages.length
      ? await tx.delete(t.attachments).where(inArray(t.attachments.messageId, messages.map((m) => m.id))).returning({ key: t.attachments.storageKey })
      : [];
    const keys = [...new Set([...jsonKeys, ...fileRows.map((row) => row.key).filter((key): key is string => key !== null)])];
    // A file is content-addressed: another citizen may have sent the same bytes.
    const orphans: string[] = [];
    for (const key of keys) {
      const [other] = await tx.select({ id: t.messages.id }).from(t.messages).where(like(sql`cast(${t.messages.attachments} as text)`, `%${key}%`)).limit(1);
      const [event] = await tx.select({ id: t.ticketEvents.id }).from(t.ticketEvents).where(like(sql`cast(${t.ticketEvents.attachments} as text)`, `%${key}%`)).limit(1);
      const [row] = await tx.select({ id: t.attachments.id }).from(t.attachments).where(eq(t.attachments.storageKey, key)).limit(1);
      if (!other && !event && !row) orphans.push(key);
    }
    return { messages, orphans };
  }

  async function removeFiles(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      for (const dir of options.attachmentDirs) await unlink(join(dir, key.slice(0, 2), key)).catch(() => undefined);
      await options.storage?.delete(key);
    }
  }

  /** Their tickets: raised for them, or from one of their conversations. */
  function ticketsOf(contactId: number, conversationIds: number[]) {
    return or(eq(t.tickets.contactId, contactId), conversationIds.length ? inArray(t.tickets.conversationId, conversationIds) : undefined)!;
  }

  /**
   * Everything held about the contact, as one JSON document for the citizen: their details, the
   * accounts they wrote from, every message both ways, their tickets, calls, dossiers and
   * survey answers. Staff are named by role, not by name. Audited as an export.
   */
  async function exportOf(contactId: number, actor: string, now = new Date()) {
    const contact = await contactOf(contactId);
    const identities = await db
      .select({ channel: t.contactIdentities.channel, account: t.contactIdentities.externalUserId, displayName: t.contactIdentities.displayName, since: t.contactIdentities.createdAt })
      .from(t.contactIdentities)
      .where(eq(t.contactIdentities.contactId, contactId))
      .orderBy(asc(t.contactIdentities.id));
    const conversations = await db
      .select({ id: t.conversations.id, channel: t.inboxes.channel, createdAt: t.conversations.createdAt, status: t.conversations.status })
      .from(t.conversations)
      .innerJoin(t.inboxes, eq(t.inboxes.id, t.conversations.inboxId))
      .where(eq(t.conversations.contactId, contactId))
      .orderBy(asc(t.conversations.id));
    const messages = conversations.length
      ? await db
          .select({ conversationId: t.messages.conversationId, at: t.messages.createdAt, direction: t.messages.direction, from: t.messages.senderType, text: t.messages.text, attachments: t.messages.attachments })
          .from(t.messages)
          // Private notes between staff are not the citizen's messages.
          .where(and(inArray(t.messages.conversationId, conversations.map((c) => c.id)), inArray(t.messages.direction, ['in', 'out'])))
          .orderBy(asc(t.messages.id))
      : [];
    const tickets = await db
      .select({ code: t.tickets.code, type: t.tickets.type, subject: t.tickets.subject, body: t.tickets.body, answer: t.tickets.answer, status: t.tickets.status, receivedAt: t.tickets.receivedAt, answeredAt: t.tickets.answeredAt, satisfaction: t.tickets.satisfaction })
      .from(t.tickets)
      .where(ticketsOf(contactId, conversations.map((c) => c.id)))
      .orderBy(asc(t.tickets.id));
    const calls = await db
      .select({ direction: t.calls.direction, number: t.calls.number, startedAt: t.calls.startedAt, durationSeconds: t.calls.durationSeconds })
      .from(t.calls)
      .where(eq(t.calls.contactId, contactId))
      .orderBy(asc(t.calls.id));
    const dossiers = await db
      .select({ code: t.dossiers.code, procedure: t.dossiers.procedure, applicantName: t.dossiers.applicantName, applicantPhone: t.dossiers.applicantPhone, applicantEmail: t.dossiers.applicantEmail, submittedAt: t.dossiers.submittedAt, finishedAt: t.dossiers.finishedAt, status: t.dossiers.status })
      .from(t.dossiers)
      .where(dossiersOf(contact))
      .orderBy(asc(t.dossiers.id));
    const surveys = await db
      .select({ campaign: t.campaigns.name, status: t.campaignTargets.status, answers: t.campaignTargets.answers, completedAt: t.campaignTargets.completedAt })
      .from(t.campaignTargets)
      .innerJoin(t.campaigns, eq(t.campaigns.id, t.campaignTargets.campaignId))
      .where(or(eq(t.campaignTargets.contactId, contactId), contact.phone ? eq(t.campaignTargets.phone, contact.phone) : undefined))
      .orderBy(asc(t.campaignTargets.id));
    const byConversation = new Map<number, typeof messages>();
    for (const message of messages) byConversation.set(message.conversationId, [...(byConversation.get(message.conversationId) ?? []), message]);
    const document = {
      exportedAt: now.toISOString(),
      contact: { name: contact.name, phone: contact.phone, email: contact.email, since: contact.createdAt.toISOString(), erasedAt: contact.erasedAt?.toISOString() ?? null },
      identities,
      conversations: conversations.map((c) => ({
        channel: c.channel,
        startedAt: c.createdAt,
        status: c.status,
        messages: (byConversation.get(c.id) ?? []).map((m) => ({
          at: m.at,
          direction: m.direction,
          from: m.from,
          text: m.text,
          files: ((m.attachments as Array<{ name?: string; mimeType?: string; size?: number }> | null) ?? []).map((a) => ({ name: a.name ?? null, type: a.mimeType ?? null, size: a.size ?? null })),
        })),
      })),
      tickets,
      calls,
      dossiers,
      surveys,
    };
    await store.tx((tx) => appendAudit(store, tx, { actor, action: 'contact.export', subjectType: 'contact', subjectId: contactId, detail: { messages: messages.length, tickets: tickets.length } }, now));
    return document;
  }

  /**
   * Deletes the kept-for-inspection platform bodies that name the citizen: one of their accounts
   * (the id as a JSON string, on the inbox it wrote from), their email as a JSON string, or their
   * phone's national digits anywhere (platforms write 0..., 84... or +84...). A body naming none
   * of these cannot be tied to them and goes with its retention period. Returns how many went.
   */
  async function unusablePayloadsOf(tx: Db, contact: { id: number; phone: string | null; email: string | null }): Promise<number> {
    const raw = sql`cast(${t.unusablePayloads.raw} as text)`;
    // LIKE's wildcards in an id or email are matched literally.
    const contains = (text: string) => sql`${raw} like ${`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`;
    const identities = await tx.select({ inboxId: t.contactIdentities.inboxId, externalUserId: t.contactIdentities.externalUserId }).from(t.contactIdentities).where(eq(t.contactIdentities.contactId, contact.id));
    const national = contact.phone ? normalizeVnPhone(contact.phone)?.slice(2) : undefined;
    const matches: SQL[] = identities.map((identity) => and(eq(t.unusablePayloads.inboxId, identity.inboxId), contains(JSON.stringify(identity.externalUserId)))!);
    if (contact.email) matches.push(contains(JSON.stringify(contact.email)));
    if (national) matches.push(contains(national));
    if (!matches.length) return 0;
    const deleted = await tx.delete(t.unusablePayloads).where(or(...matches)).returning({ id: t.unusablePayloads.id });
    return deleted.length;
  }

  /**
   * Erases the contact's personal data in one transaction: their details and accounts, the text,
   * files and payloads of every message in their conversations (times, directions and statuses
   * stay for the counts), their phone, notes and recording's address in calls, their details in
   * dossiers and campaign lists, the unusable platform bodies that name them. Replies still
   * queued to them are cancelled. Tickets keep their text as the record of handling, unlinked.
   * Files no other message refers to are deleted from disk after the commit. `within` runs in
   * the same transaction (closing the request that asked for it: both happen, or neither).
   */
  async function erase(contactId: number, actor: string, now = new Date(), within?: (tx: Db, erased: ErasureResult) => Promise<void>): Promise<ErasureResult> {
    const contact = await contactOf(contactId);
    const result = await store.tx(async (tx) => {
      const conversationIds = (await tx.select({ id: t.conversations.id }).from(t.conversations).where(eq(t.conversations.contactId, contactId))).map((row) => row.id);
      const inTheirs = conversationIds.length ? inArray(t.messages.conversationId, conversationIds) : sql`false`;
      const { messages, orphans } = await emptyMessages(tx, inTheirs);
      if (conversationIds.length) {
        await tx
          .update(t.outbox)
          .set({ status: 'failed', lastError: 'personal data erased', lockedUntil: null, updatedAt: now })
          .where(and(inArray(t.outbox.conversationId, conversationIds), inArray(t.outbox.status, ['pending', 'sending'])));
        await tx.update(t.messages).set({ status: 'failed', error: 'personal data erased' }).where(and(inTheirs, eq(t.messages.status, 'queued')));
      }
      const unusable = await unusablePayloadsOf(tx, contact);
      const identities = await tx.delete(t.contactIdentities).where(eq(t.contactIdentities.contactId, contactId)).returning({ id: t.contactIdentities.id });
      const dossiers = await tx
        .update(t.dossiers)
        .set({ applicantName: null, applicantPhone: null, applicantEmail: null, contactId: null, raw: null, updatedAt: now })
        .where(dossiersOf(contact))
        .returning({ id: t.dossiers.id });
      // The recording's address goes too: the inbox can no longer play their voice (the file on
      // the switchboard is the switchboard's to delete).
      const calls = await tx.update(t.calls).set({ number: '', notes: null, contactId: null, recordingUrl: null }).where(eq(t.calls.contactId, contactId)).returning({ id: t.calls.id });
      const targets = await tx
        .update(t.campaignTargets)
        .set({ phone: null, email: null, contactId: null, noticeDetail: null, updatedAt: now })
        .where(or(eq(t.campaignTargets.contactId, contactId), contact.phone ? eq(t.campaignTargets.phone, contact.phone) : undefined))
        .returning({ id: t.campaignTargets.id });
      if (targets.length) await tx.update(t.targetAttempts).set({ note: null }).where(inArray(t.targetAttempts.targetId, targets.map((row) => row.id)));
      const tickets = await tx.update(t.tickets).set({ contactId: null, satisfactionComment: null, updatedAt: now }).where(ticketsOf(contactId, conversationIds)).returning({ id: t.tickets.id });
      const optOuts = await tx.update(t.optOuts).set({ contactId: null }).where(eq(t.optOuts.contactId, contactId)).returning({ id: t.optOuts.id });
      await tx.update(t.contacts).set({ name: null, phone: null, email: null, avatarUrl: null, erasedAt: now, updatedAt: now }).where(eq(t.contacts.id, contactId));
      const erased: ErasureResult = {
        contactId,
        messages: messages.length,
        identities: identities.length,
        files: orphans.length,
        dossiers: dossiers.length,
        calls: calls.length,
        campaignTargets: targets.length,
        ticketsKept: tickets.length,
        optOutsKept: optOuts.length,
        unusablePayloads: unusable,
      };
      await appendAudit(store, tx, { actor, action: 'contact.erased', subjectType: 'contact', subjectId: contactId, detail: { ...erased } }, now);
      await within?.(tx, erased);
      return { erased, files: orphans };
    });
    await removeFiles(result.files);
    return result.erased;
  }

  return { exportOf, erase, emptyMessages, removeFiles };
}

export type PersonalData = ReturnType<typeof createPersonalData>;
