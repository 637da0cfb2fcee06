import { and, desc, eq, inArray, isNotNull, or, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../../core/audit.ts';
import type { Db } from '../../../core/store/store.ts';
import { isOptOut, openStatuses } from '../campaign-rules.ts';
import type { CampaignContext } from './context.ts';

/** "Do not contact me": recorded once, it takes the citizen out of every open campaign. */
export function createOptOuts(ctx: CampaignContext) {
  const { store, t, db, care, now, say } = ctx;

  /** Records an opt-out from whatever the citizen is known by, and takes them out of open campaigns. */
  async function optOut(by: { contactId: number | null; phone: string | null; email: string | null; source: string; campaignId: number | null }, tx: Db) {
    await tx.insert(t.optOuts).values({ contactId: by.contactId, phone: by.phone, email: by.email, source: by.source, campaignId: by.campaignId, createdAt: now() });
    const who: SQL[] = [];
    if (by.contactId !== null) who.push(eq(t.campaignTargets.contactId, by.contactId));
    if (by.phone) who.push(eq(t.campaignTargets.phone, by.phone));
    if (by.email) who.push(eq(t.campaignTargets.email, by.email));
    if (who.length) await tx.update(t.campaignTargets).set({ status: 'opted_out', nextAttemptAt: null, updatedAt: now() }).where(and(or(...who), inArray(t.campaignTargets.status, [...openStatuses])));
  }

  /**
   * A citizen's reply on a channel: when it says "do not contact me" and the citizen was told of
   * a campaign, they are taken out and never drawn again. Returns the confirmation to send, or null.
   */
  async function replyToNotice(message: { contactId: number; text: string | null }): Promise<string | null> {
    if (!isOptOut(message.text, care.optOutWords)) return null;
    // The reply may come from another contact record of the same citizen (a web form opens one
    // per visit): their number or email finds the campaign too.
    const [contact] = await db.select({ phone: t.contacts.phone, email: t.contacts.email }).from(t.contacts).where(eq(t.contacts.id, message.contactId)).limit(1);
    const who: SQL[] = [eq(t.campaignTargets.contactId, message.contactId)];
    if (contact?.phone) who.push(eq(t.campaignTargets.phone, contact.phone));
    if (contact?.email) who.push(eq(t.campaignTargets.email, contact.email.toLowerCase()));
    const [target] = await db
      .select({ id: t.campaignTargets.id, campaignId: t.campaignTargets.campaignId, phone: t.campaignTargets.phone, email: t.campaignTargets.email })
      .from(t.campaignTargets)
      .where(and(or(...who), isNotNull(t.campaignTargets.notifiedAt)))
      .orderBy(desc(t.campaignTargets.notifiedAt))
      .limit(1);
    if (!target) return null;
    await store.tx(async (tx) => {
      await optOut({ contactId: message.contactId, phone: target.phone, email: target.email, source: 'reply', campaignId: target.campaignId }, tx);
      await appendAudit(store, tx, { actor: `contact:${message.contactId}`, action: 'campaign.opt_out', subjectType: 'contact', subjectId: message.contactId, detail: { campaignId: target.campaignId } });
    });
    return say('care.optOut.confirmed');
  }

  return { optOut, replyToNotice };
}
