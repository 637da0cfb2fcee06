import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { noticeWays } from '../../../core/config/file-schema.ts';
import { HttpError } from '../../../core/errors.ts';
import type { NoticeTransport } from '../../../core/notice-transport.ts';
import type { Outreach, OutreachResult } from '../../../core/outreach.ts';
import type { TicketPrincipal } from '../../tickets/index.ts';
import type { NoticeChannel } from '../campaign-rules.ts';
import type { CampaignContext } from './context.ts';
import { requireSupervisor } from './roles.ts';

/** A citizen to tell, as the notice reads them. */
interface NoticeTarget {
  id: number;
  contactId: number | null;
  phone: string | null;
  email: string | null;
  dossierId: number;
  code: string;
}

/** The pre-notice of one campaign to one citizen, as each way takes it. */
interface NoticeContent {
  campaignId: number;
  /** The text (Zalo chat, email, SMS). */
  body: string;
  /** What a template may name (ZNS): `name`, `deployment`, `number`, `purpose`, `code`, `link`. */
  values: Record<string, string>;
  /** The ZNS template the campaign chose (by key); none: ZNS is not tried. */
  template?: string;
}

/**
 * One way of telling a citizen. Returns 'unreachable' when the citizen has no address this way
 * knows or the way cannot carry this notice (nothing tried, nothing recorded), 'sent' once it went
 * out, or why it did not; a way that throws failed, and its error's message is recorded.
 */
type NoticeWay = (target: NoticeTarget, notice: NoticeContent) => Promise<'unreachable' | 'sent' | (string & {})>;

const outreachOutcome = (result: OutreachResult) => (result.kind === 'queued' ? 'sent' : result.kind === 'refused' ? `${result.reason}${result.detail ? ` (${result.detail})` : ''}` : result.kind);

/**
 * The pre-notice: before anyone calls, the citizen is told on the most trusted way they have, in
 * the order `care.noticeOrder` gives (by default the Zalo OA's chat, a ZNS template to the phone,
 * email, then SMS), naming the official number and the purpose. Every way that was tried and
 * failed is recorded with why (the transports' NoticeError reasons) before the next is tried.
 */
export function createNotices(ctx: CampaignContext, deps: { outreach: Outreach; transports: readonly NoticeTransport[]; surveyLink: (targetId: number) => Promise<string> }) {
  const { store, t, db, config, care, now, say } = ctx;
  const { outreach } = deps;

  /** The citizen's contact, created from the dossier when they never wrote to the hotline (email outreach needs one). */
  async function contactFor(target: NoticeTarget): Promise<number> {
    if (target.contactId !== null) return target.contactId;
    return store.tx(async (tx) => {
      const [known] = target.phone ? await tx.select({ id: t.contacts.id }).from(t.contacts).where(eq(t.contacts.phone, target.phone)).limit(1) : [];
      let contactId = known?.id;
      if (contactId === undefined) {
        const [d] = await tx.select({ name: t.dossiers.applicantName }).from(t.dossiers).where(eq(t.dossiers.id, target.dossierId)).limit(1);
        const at = now();
        const [created] = await tx.insert(t.contacts).values({ name: d?.name ?? null, phone: target.phone, email: target.email, createdAt: at, updatedAt: at }).returning({ id: t.contacts.id });
        contactId = created!.id;
      }
      await tx.update(t.campaignTargets).set({ contactId }).where(eq(t.campaignTargets.id, target.id));
      await tx.update(t.dossiers).set({ contactId }).where(and(eq(t.dossiers.id, target.dossierId), isNull(t.dossiers.contactId)));
      return contactId;
    });
  }

  const metadataOf = (campaignId: number, target: NoticeTarget) => ({ campaignId, targetId: target.id, campaignNotice: true });

  /** The conversational ways: a message in the citizen's thread of a Zalo OA or an email inbox. */
  const zalo: NoticeWay = async (target, { body, campaignId }) => {
    const zaloInboxIds = outreach.inboxesOf('zalo-oa').map((i) => i.id);
    // Zalo OA can only write to someone who wrote to it: an identity of theirs in one of its inboxes.
    if (target.contactId === null || zaloInboxIds.length === 0) return 'unreachable';
    const [identity] = await db
      .select({ inboxId: t.contactIdentities.inboxId })
      .from(t.contactIdentities)
      .where(and(eq(t.contactIdentities.contactId, target.contactId), inArray(t.contactIdentities.inboxId, zaloInboxIds)))
      .limit(1);
    if (!identity) return 'unreachable';
    return outreachOutcome(await outreach.send({ contactId: target.contactId, inboxId: identity.inboxId, text: body, senderType: 'system', senderRef: `campaign:${campaignId}`, metadata: metadataOf(campaignId, target) }));
  };
  const email: NoticeWay = async (target, { body, campaignId }) => {
    const inbox = outreach.inboxesOf('email')[0];
    if (!target.email || !inbox) return 'unreachable';
    const contactId = await contactFor(target);
    const subject = say('care.notice.subject', { name: config.deployment.name });
    return outreachOutcome(await outreach.send({ contactId, inboxId: inbox.id, address: target.email, subject, text: body, senderType: 'system', senderRef: `campaign:${campaignId}`, metadata: metadataOf(campaignId, target) }));
  };
  /**
   * A one-way transport: straight to the number or address, no conversation. A transport that
   * declines the notice (ZNS without a template the campaign chose) is skipped like a missing address.
   */
  const viaTransport =
    (transport: NoticeTransport): NoticeWay =>
    async (target, { body, values, template, campaignId }) => {
      const to = transport.reaches === 'phone' ? target.phone : target.email;
      if (!to) return 'unreachable';
      const notice = { purpose: 'care_pre_notice' as const, text: body, values, ...(template ? { template } : {}) };
      if (transport.accepts && !transport.accepts(notice)) return 'unreachable';
      await transport.send({ ...notice, to, trackingId: `campaign-${campaignId}-target-${target.id}` });
      return 'sent';
    };

  // The first transport of a name wins (two Zalo OAs with ZNS: the first inbox's).
  const transports = deps.transports.filter((transport, i, all) => all.findIndex((other) => other.name === transport.name) === i);
  const known: Partial<Record<NoticeChannel, NoticeWay>> = { zalo, email, ...Object.fromEntries(transports.map((transport) => [transport.name, viaTransport(transport)])) };
  // A way in the order whose transport the deployment did not set up is skipped, as if unreachable.
  const order = care.noticeOrder.flatMap((name) => (known[name] ? [{ name, way: known[name] }] : []));
  // The answer counts every way, but `zns` only where a Zalo OA offers it, so it keeps its shape elsewhere.
  const counted = [...noticeWays.filter((name) => name !== 'zns' || known.zns), 'none' as const];

  /** Tries the ways in order until one tells the citizen; the failures on the way, for the record. */
  async function tell(target: NoticeTarget, notice: NoticeContent): Promise<{ channel: NoticeChannel | 'none'; tried: string[] }> {
    const tried: string[] = [];
    for (const { name, way } of order) {
      const outcome = await way(target, notice).catch((error: unknown) => `failed: ${(error as Error).message}`);
      if (outcome === 'sent') return { channel: name, tried };
      if (outcome !== 'unreachable') tried.push(`${name}: ${outcome}`);
    }
    return { channel: 'none', tried };
  }

  async function pendingCount(campaignId: number): Promise<number> {
    const rows = await db.select({ id: t.campaignTargets.id }).from(t.campaignTargets).where(and(eq(t.campaignTargets.campaignId, campaignId), eq(t.campaignTargets.status, 'pending'), isNull(t.campaignTargets.notifiedAt)));
    return rows.length;
  }

  /**
   * Announces the campaign to every target not told yet, naming the official number and the
   * purpose. A target no way reaches is marked so ('none') and may still be called.
   */
  async function notify(campaignId: number, by: TicketPrincipal, limit = 1000) {
    requireSupervisor(by);
    const c = await ctx.campaign(campaignId);
    if (c.status !== 'active') throw new HttpError(409, 'campaign_closed', 'the campaign is closed');
    const targets = await db
      .select({ id: t.campaignTargets.id, contactId: t.campaignTargets.contactId, phone: t.campaignTargets.phone, email: t.campaignTargets.email, dossierId: t.campaignTargets.dossierId, code: t.dossiers.code })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(and(eq(t.campaignTargets.campaignId, campaignId), eq(t.campaignTargets.status, 'pending'), isNull(t.campaignTargets.notifiedAt)))
      .orderBy(asc(t.campaignTargets.id))
      // A few thousand sends take a while: the caller repeats until nothing remains.
      .limit(limit + 1);
    const remaining = Math.max(0, targets.length - limit);
    targets.splice(limit);
    const sent = Object.fromEntries(counted.map((name) => [name, 0])) as Record<NoticeChannel | 'none', number>;
    for (const target of targets) {
      const link = c.options.webSurvey ? await deps.surveyLink(target.id) : null;
      const body = [say('care.notice.text', { name: config.deployment.name, number: c.outboundNumber, purpose: c.purpose, code: target.code }), ...(link ? [say('care.notice.webSurvey', { link })] : []), say('care.notice.optOut')].join('\n');
      const values = { name: config.deployment.name, deployment: config.deployment.name, number: c.outboundNumber, purpose: c.purpose, code: target.code, ...(link ? { link } : {}) };
      const { channel, tried } = await tell(target, { campaignId, body, values, ...(c.options.znsTemplate ? { template: c.options.znsTemplate } : {}) });
      sent[channel] = (sent[channel] ?? 0) + 1;
      const at = now();
      await store.tx((tx) =>
        tx
          .update(t.campaignTargets)
          .set({ status: 'notified', notifiedAt: at, noticeChannel: channel, noticeDetail: tried.length ? tried.join('; ').slice(0, 500) : null, nextAttemptAt: new Date(at.getTime() + c.options.noticeLeadMinutes * 60_000), updatedAt: at })
          .where(and(eq(t.campaignTargets.id, target.id), eq(t.campaignTargets.status, 'pending'))),
      );
    }
    return { notified: targets.length, byChannel: sent, remaining: remaining > 0 ? await pendingCount(campaignId) : 0 };
  }

  return { notify };
}
