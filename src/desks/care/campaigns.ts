import { createHash, randomBytes } from 'node:crypto';
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt, lte, or, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import { localParts } from '../../core/business-hours.ts';
import type { FileConfig } from '../../core/config/file-schema.ts';
import { HttpError, NotFoundError } from '../../core/errors.ts';
import { t as text, type Locale } from '../../core/i18n/index.ts';
import type { Outreach } from '../../core/outreach.ts';
import type { NoticeTransport } from '../../core/notice-transports.ts';
import type { Db, Store } from '../../core/store/store.ts';
import { foldText } from '../../core/text-fold.ts';
import { isOperator, type TicketDesk, type TicketPrincipal } from '../tickets/index.ts';
import { callableStatuses, decideOutcome, isOptOut, noticeChannels, openStatuses, type AttemptOutcome, type NoticeChannel, type TargetStatus } from './campaign-rules.ts';
import type { DeskLevel } from './dossier-import.ts';
import { answerText, checkAnswers, defaultQuestionnaire, questionnaireProblem, satisfactionOf, type Answers, type Questionnaire, type TemplateName } from './questionnaires.ts';
import { AllocationError, drawSample, type PopulationMember } from './sampling.ts';

export interface PopulationFilter {
  /** Finished on or after (inclusive) and before (exclusive). */
  finishedFrom?: Date;
  finishedTo?: Date;
  deskLevels?: DeskLevel[];
  units?: string[];
  procedures?: string[];
}

export interface CampaignInput {
  name: string;
  template: TemplateName;
  /** A questionnaire of its own instead of the template's. */
  questionnaire?: Questionnaire;
  filter: PopulationFilter;
  sampleSize: number;
  stratifyBy: 'deskLevel' | 'unit' | 'none';
  minPerStratum?: number;
  /** Any text; the same seed over the same dossiers draws the same citizens. Default: random. */
  seed?: string;
  /** Citizens contacted by a campaign within this many days are not drawn again. */
  excludeDays: number;
  outboundNumber?: string;
  /** Desk levels whose citizens are visited at home by field interviewers, not called. */
  visitLevels?: DeskLevel[];
  /** Offer the one-time web survey link in the pre-notice. */
  webSurvey?: boolean;
  noticeLeadMinutes?: number;
  maxAttempts?: number;
  /** The ZNS template (by key) the pre-notice goes out with; default: the one for pre-notices. */
  znsTemplate?: string;
}

interface CampaignOptions {
  visitLevels: DeskLevel[];
  webSurvey: boolean;
  noticeLeadMinutes: number;
  znsTemplate?: string;
}

/** Sends an SMS through the deployment's gateway; throws when it is refused. */
export type SmsSender = (to: string, body: string) => Promise<void>;

/** An SMS gateway reached over HTTP: POST {"to","text"} with a bearer token. */
export function httpSmsSender(url: string, token: string | undefined, fetchImpl: typeof fetch = fetch): SmsSender {
  return async (to, body) => {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ to, text: body }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`SMS gateway answered ${response.status}`);
  };
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');
const finalOutcome = (status: string) => !(openStatuses as readonly string[]).includes(status);

/**
 * Customer-care and survey campaigns: the sample, the pre-notice, the operators' queue, field
 * visits, the one-time web survey, the results, and the ticket a complaint becomes.
 */
export function createCampaigns(deps: {
  store: Store;
  outreach: Outreach;
  desk: TicketDesk;
  config: FileConfig;
  sms: SmsSender | null;
  /** ZNS and other ways to reach a phone number, tried after the Zalo chat (issue: ZNS notices). */
  noticeTransports?: readonly NoticeTransport[];
  /** Where citizens open survey links (the gateway's public address). */
  publicBaseUrl: string;
  now?: () => Date;
}) {
  const { store, outreach, desk, config } = deps;
  const { t, db } = store;
  const care = config.care;
  const locale: Locale = config.deployment.locale;
  const timeZone = config.deployment.timezone;
  const now = deps.now ?? (() => new Date());
  const say = (key: Parameters<typeof text>[1], params?: Record<string, string | number>) => text(locale, key, params);

  const requireOperator = (by: TicketPrincipal) => {
    if (!isOperator(by)) throw new HttpError(403, 'forbidden', 'campaigns are the hotline\u2019s work');
  };
  const requireSupervisor = (by: TicketPrincipal) => {
    if (by.role !== 'admin' && by.role !== 'supervisor') throw new HttpError(403, 'forbidden', 'this needs a supervisor');
  };

  async function campaign(id: number, tx: Db = db) {
    const [row] = await tx.select().from(t.campaigns).where(eq(t.campaigns.id, id)).limit(1);
    if (!row) throw new NotFoundError('campaign');
    return { ...row, questionnaire: row.questionnaire as Questionnaire, options: row.options as CampaignOptions, filter: row.filter as Record<string, unknown> };
  }

  /** Citizens not to draw: opted out, or contacted by a campaign within `days`. */
  async function excludedPersons(days: number): Promise<Set<string>> {
    const since = new Date(now().getTime() - days * 86_400_000);
    const out = new Set<string>();
    for (const row of await db.select({ phone: t.optOuts.phone, email: t.optOuts.email }).from(t.optOuts)) {
      if (row.phone) out.add(row.phone);
      if (row.email) out.add(row.email);
    }
    if (days > 0) {
      const notified = await db.select({ phone: t.campaignTargets.phone, email: t.campaignTargets.email }).from(t.campaignTargets).where(gte(t.campaignTargets.notifiedAt, since));
      const called = await db
        .select({ phone: t.campaignTargets.phone, email: t.campaignTargets.email })
        .from(t.targetAttempts)
        .innerJoin(t.campaignTargets, eq(t.campaignTargets.id, t.targetAttempts.targetId))
        .where(gte(t.targetAttempts.at, since));
      for (const row of [...notified, ...called]) {
        if (row.phone) out.add(row.phone);
        if (row.email) out.add(row.email);
      }
    }
    return out;
  }

  async function create(input: CampaignInput, by: TicketPrincipal) {
    requireSupervisor(by);
    const questionnaire = input.questionnaire ?? defaultQuestionnaire(input.template, locale);
    const problem = questionnaireProblem(questionnaire);
    if (problem) throw new HttpError(400, 'invalid_questionnaire', problem);
    const outboundNumber = input.outboundNumber ?? care.outboundNumber;
    if (!outboundNumber) throw new HttpError(400, 'outbound_number_required', 'give outboundNumber (or set care.outboundNumber in the configuration): the pre-notice names it');
    const where: SQL[] = [isNotNull(t.dossiers.finishedAt)];
    const f = input.filter;
    if (f.finishedFrom) where.push(gte(t.dossiers.finishedAt, f.finishedFrom));
    if (f.finishedTo) where.push(lt(t.dossiers.finishedAt, f.finishedTo));
    if (f.deskLevels?.length) where.push(inArray(t.dossiers.deskLevel, f.deskLevels));
    if (f.units?.length) where.push(inArray(t.dossiers.unit, f.units));
    if (f.procedures?.length) where.push(inArray(t.dossiers.procedure, f.procedures));
    const rows = await db
      .select({ id: t.dossiers.id, deskLevel: t.dossiers.deskLevel, unit: t.dossiers.unit, phone: t.dossiers.applicantPhone, email: t.dossiers.applicantEmail, finishedAt: t.dossiers.finishedAt, contactId: t.dossiers.contactId })
      .from(t.dossiers)
      .where(and(...where));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const stratumOf = (r: (typeof rows)[number]) => (input.stratifyBy === 'deskLevel' ? (r.deskLevel ?? 'unknown') : input.stratifyBy === 'unit' ? (r.unit ?? 'unknown') : 'all');
    // A citizen with neither phone nor email cannot be reached or told: outside the population.
    const population: PopulationMember[] = rows
      .filter((r) => r.phone || r.email)
      .map((r) => ({ id: r.id, stratum: stratumOf(r), person: (r.phone ?? r.email)!, finishedAt: r.finishedAt?.getTime() ?? 0 }));
    const excluded = await excludedPersons(input.excludeDays);
    // Someone excluded by email is excluded even when the dossier names their phone first.
    for (const r of rows) if (r.phone && r.email && excluded.has(r.email)) excluded.add(r.phone);
    const seed = input.seed ?? randomBytes(9).toString('base64url');
    let sample;
    try {
      sample = drawSample({ population, sampleSize: input.sampleSize, minPerStratum: input.minPerStratum ?? 0, seed, excluded });
    } catch (error) {
      if (error instanceof AllocationError) throw new HttpError(400, error.code, error.message);
      throw error;
    }
    const at = now();
    const options: CampaignOptions = { visitLevels: input.visitLevels ?? [], webSurvey: input.webSurvey ?? false, noticeLeadMinutes: input.noticeLeadMinutes ?? care.noticeLeadMinutes, ...(input.znsTemplate ? { znsTemplate: input.znsTemplate } : {}) };
    const id = await store.tx(async (tx) => {
      const [row] = await tx
        .insert(t.campaigns)
        .values({
          name: input.name,
          kind: input.template,
          status: 'active',
          filter: { ...f, finishedFrom: f.finishedFrom?.toISOString(), finishedTo: f.finishedTo?.toISOString() },
          sampleSize: input.sampleSize,
          stratifyBy: input.stratifyBy,
          strata: sample.strata,
          minPerStratum: input.minPerStratum ?? 0,
          seed,
          excludeDays: input.excludeDays,
          questionnaire,
          outboundNumber,
          purpose: say(input.template === 'care' ? 'care.purpose.care' : 'care.purpose.survey'),
          maxAttempts: input.maxAttempts ?? care.maxAttempts,
          options,
          createdById: by.agentId,
          createdAt: at,
          updatedAt: at,
        })
        .returning({ id: t.campaigns.id });
      const campaignId = row!.id;
      const targets = sample.members.map((m) => {
        const d = byId.get(m.id)!;
        return {
          campaignId,
          dossierId: m.id,
          contactId: d.contactId,
          phone: d.phone,
          email: d.email,
          stratum: m.stratum,
          mode: d.deskLevel && options.visitLevels.includes(d.deskLevel as DeskLevel) ? 'visit' : 'phone',
          status: 'pending',
          createdAt: at,
          updatedAt: at,
        };
      });
      for (let i = 0; i < targets.length; i += 500) await tx.insert(t.campaignTargets).values(targets.slice(i, i + 500));
      await appendAudit(store, tx, { actor: by.auditActor, action: 'campaign.create', subjectType: 'campaign', subjectId: campaignId, detail: { sampleSize: input.sampleSize, drawn: targets.length, seed } });
      return campaignId;
    });
    return { id, seed, drawn: sample.members.length, strata: sample.strata, excludedCount: sample.excludedCount, duplicateCount: sample.duplicateCount, noContact: rows.length - population.length };
  }

  async function list() {
    return db.select({ id: t.campaigns.id, name: t.campaigns.name, kind: t.campaigns.kind, status: t.campaigns.status, sampleSize: t.campaigns.sampleSize, createdAt: t.campaigns.createdAt }).from(t.campaigns).orderBy(desc(t.campaigns.id));
  }

  async function get(id: number) {
    const c = await campaign(id);
    const counts = await db.select({ status: t.campaignTargets.status, mode: t.campaignTargets.mode }).from(t.campaignTargets).where(eq(t.campaignTargets.campaignId, id));
    const byStatus: Record<string, number> = {};
    for (const row of counts) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    return { ...c, targets: counts.length, byStatus };
  }

  /** A one-time survey link for a target; a new one replaces the old. */
  async function surveyLink(targetId: number, tx: Db = db): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await tx.update(t.campaignTargets).set({ surveyTokenHash: hashToken(token), updatedAt: now() }).where(eq(t.campaignTargets.id, targetId));
    return `${deps.publicBaseUrl.replace(/\/$/, '')}/khao-sat/${token}`;
  }

  /** The citizen's contact, created from the dossier when they never wrote to the hotline (email outreach needs one). */
  async function contactFor(target: { id: number; contactId: number | null; phone: string | null; email: string | null; dossierId: number }): Promise<number> {
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

  /**
   * Announces the campaign to every target not told yet, on the most trusted channel they have
   * (Zalo OA, then email, then SMS), naming the official number and the purpose. A target no
   * channel reaches is marked so ('none') and may still be called.
   */
  async function notify(campaignId: number, by: TicketPrincipal, limit = 1000) {
    requireSupervisor(by);
    const c = await campaign(campaignId);
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
    const emailInbox = outreach.inboxesOf('email')[0] ?? null;
    const zaloInboxIds = outreach.inboxesOf('zalo-oa').map((i) => i.id);
    const zns = deps.noticeTransports?.find((transport) => transport.name === 'zns');
    // `zns` is counted only where ZNS is set up, so the answer keeps its shape elsewhere.
    const sent = { zalo: 0, email: 0, sms: 0, none: 0, ...(zns ? { zns: 0 } : {}) } as Record<NoticeChannel | 'none', number>;
    for (const target of targets) {
      let zaloInboxId: number | null = null;
      if (target.contactId !== null && zaloInboxIds.length) {
        const [identity] = await db
          .select({ inboxId: t.contactIdentities.inboxId })
          .from(t.contactIdentities)
          .where(and(eq(t.contactIdentities.contactId, target.contactId), inArray(t.contactIdentities.inboxId, zaloInboxIds)))
          .limit(1);
        zaloInboxId = identity?.inboxId ?? null;
      }
      const link = c.options.webSurvey ? await surveyLink(target.id) : null;
      const body = [say('care.notice.text', { name: config.deployment.name, number: c.outboundNumber, purpose: c.purpose, code: target.code }), ...(link ? [say('care.notice.webSurvey', { link })] : []), say('care.notice.optOut')].join('\n');
      const tried: string[] = [];
      let channel: NoticeChannel | 'none' = 'none';
      // ZNS: an approved template to the phone number, with the campaign's values.
      const phoneNotice = target.phone ? { purpose: 'care_pre_notice' as const, phone: target.phone, text: body, values: { name: config.deployment.name, deployment: config.deployment.name, number: c.outboundNumber ?? '', purpose: c.purpose ?? '', code: target.code ?? '', ...(link ? { link } : {}) }, ...(c.options.znsTemplate ? { template: c.options.znsTemplate } : {}) } : null;
      const znsEnabled = Boolean(zns && phoneNotice && zns.accepts(phoneNotice));
      for (const candidate of noticeChannels({ zaloInboxId, email: target.email, emailInboxId: emailInbox?.id ?? null, phone: target.phone, smsEnabled: deps.sms !== null, znsEnabled })) {
        const outcome =
          candidate === 'zns'
            ? await zns!.send({ ...phoneNotice!, trackingId: `campaign-${campaignId}-target-${target.id}` }).then(() => 'sent', (error: unknown) => `failed: ${(error as Error).message}`)
            : await sendNotice(candidate, { ...target, zaloInboxId, emailInboxId: emailInbox?.id ?? null }, body, campaignId).catch((error: unknown) => `failed: ${(error as Error).message}`);
        if (outcome === 'sent') {
          channel = candidate;
          break;
        }
        tried.push(`${candidate}: ${outcome}`);
      }
      sent[channel] += 1;
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

  async function pendingCount(campaignId: number): Promise<number> {
    const rows = await db.select({ id: t.campaignTargets.id }).from(t.campaignTargets).where(and(eq(t.campaignTargets.campaignId, campaignId), eq(t.campaignTargets.status, 'pending'), isNull(t.campaignTargets.notifiedAt)));
    return rows.length;
  }

  async function sendNotice(channel: NoticeChannel, target: { id: number; contactId: number | null; phone: string | null; email: string | null; dossierId: number; zaloInboxId: number | null; emailInboxId: number | null }, body: string, campaignId: number): Promise<string> {
    const metadata = { campaignId, targetId: target.id, campaignNotice: true };
    if (channel === 'sms') {
      await deps.sms!(target.phone!, body);
      return 'sent';
    }
    const contactId = await contactFor(target);
    const result =
      channel === 'zalo'
        ? await outreach.send({ contactId, inboxId: target.zaloInboxId!, text: body, senderType: 'system', senderRef: `campaign:${campaignId}`, metadata })
        : await outreach.send({ contactId, inboxId: target.emailInboxId!, address: target.email!, subject: say('care.notice.subject', { name: config.deployment.name }), text: body, senderType: 'system', senderRef: `campaign:${campaignId}`, metadata });
    return result.kind === 'queued' ? 'sent' : result.kind === 'refused' ? `${result.reason}${result.detail ? ` (${result.detail})` : ''}` : result.kind;
  }

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

  async function attemptsOf(targetId: number) {
    return db.select({ at: t.targetAttempts.at, agentId: t.targetAttempts.agentId, mode: t.targetAttempts.mode, outcome: t.targetAttempts.outcome, callBackAt: t.targetAttempts.callBackAt, note: t.targetAttempts.note }).from(t.targetAttempts).where(eq(t.targetAttempts.targetId, targetId)).orderBy(asc(t.targetAttempts.id));
  }

  /**
   * A target as the operator or interviewer works it: the citizen, the dossier, the script and
   * the history. `readBy` audits the read (it shows the citizen's name and number).
   */
  async function card(targetId: number, readBy?: string) {
    const [row] = await db
      .select({
        id: t.campaignTargets.id,
        campaignId: t.campaignTargets.campaignId,
        status: t.campaignTargets.status,
        mode: t.campaignTargets.mode,
        attempts: t.campaignTargets.attempts,
        nextAttemptAt: t.campaignTargets.nextAttemptAt,
        notifiedAt: t.campaignTargets.notifiedAt,
        noticeChannel: t.campaignTargets.noticeChannel,
        phone: t.campaignTargets.phone,
        assignedTo: t.campaignTargets.assignedTo,
        satisfaction: t.campaignTargets.satisfaction,
        ticketId: t.campaignTargets.ticketId,
        answers: t.campaignTargets.answers,
        dossier: { code: t.dossiers.code, procedure: t.dossiers.procedure, field: t.dossiers.field, desk: t.dossiers.desk, deskLevel: t.dossiers.deskLevel, unit: t.dossiers.unit, applicantName: t.dossiers.applicantName, finishedAt: t.dossiers.finishedAt },
      })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(eq(t.campaignTargets.id, targetId))
      .limit(1);
    if (!row) throw new NotFoundError('target');
    if (readBy) await store.tx((tx) => appendAudit(store, tx, { actor: readBy, action: 'campaign_target.read', subjectType: 'campaign_target', subjectId: targetId }));
    const c = await campaign(row.campaignId);
    const local = row.phone?.startsWith('84') ? `0${row.phone.slice(2)}` : row.phone;
    return {
      ...row,
      tel: local ? `tel:${local}` : null,
      script: {
        greeting: say('care.script.greeting', { name: config.deployment.name, applicant: row.dossier.applicantName ?? '', code: row.dossier.code, procedure: row.dossier.procedure ?? '', purpose: c.purpose }),
        questionnaire: c.questionnaire,
      },
      outcomes: ['completed', 'no_answer', 'wrong_number', 'refused', 'call_back'] as AttemptOutcome[],
      history: await attemptsOf(targetId),
    };
  }

  /**
   * The next citizen for an operator to call: due, pre-notice sent (and its lead time past), not
   * held by another operator; held for this one for `claimMinutes`. Null when nobody is due.
   */
  async function next(campaignId: number, by: TicketPrincipal) {
    requireOperator(by);
    const agentId = by.agentId;
    if (agentId === null) throw new HttpError(400, 'agent_required', 'the queue is for signed-in operators');
    const c = await campaign(campaignId);
    if (c.status !== 'active') return null;
    const at = now();
    for (let tries = 0; tries < 5; tries++) {
      const [candidate] = await db
        .select({ id: t.campaignTargets.id })
        .from(t.campaignTargets)
        .where(
          and(
            eq(t.campaignTargets.campaignId, campaignId),
            eq(t.campaignTargets.mode, 'phone'),
            inArray(t.campaignTargets.status, [...callableStatuses]),
            lte(t.campaignTargets.nextAttemptAt, at),
            or(isNull(t.campaignTargets.lockedUntil), lt(t.campaignTargets.lockedUntil, at), eq(t.campaignTargets.lockedBy, agentId)),
          ),
        )
        .orderBy(asc(t.campaignTargets.nextAttemptAt), asc(t.campaignTargets.id))
        .limit(1);
      if (!candidate) return null;
      // Compare-and-set: two operators asking at once never get the same citizen.
      const claimed = await store.tx((tx) =>
        tx
          .update(t.campaignTargets)
          .set({ lockedBy: agentId, lockedUntil: new Date(at.getTime() + care.claimMinutes * 60_000) })
          .where(and(eq(t.campaignTargets.id, candidate.id), or(isNull(t.campaignTargets.lockedUntil), lt(t.campaignTargets.lockedUntil, at), eq(t.campaignTargets.lockedBy, agentId))))
          .returning({ id: t.campaignTargets.id }),
      );
      if (claimed.length) return card(candidate.id, by.auditActor);
    }
    return null;
  }

  /** Records a call or a visit and its outcome; a completed one carries the answers. */
  async function record(
    targetId: number,
    input: { outcome: AttemptOutcome; answers?: Record<string, unknown>; callBackAt?: Date; note?: string; durationSeconds?: number },
    by: TicketPrincipal,
  ) {
    requireOperator(by);
    const [target] = await db.select().from(t.campaignTargets).where(eq(t.campaignTargets.id, targetId)).limit(1);
    if (!target) throw new NotFoundError('target');
    const c = await campaign(target.campaignId);
    if (target.mode === 'visit' && target.assignedTo !== by.agentId && by.role === 'agent') throw new HttpError(403, 'forbidden', 'this visit is assigned to another interviewer');
    if (finalOutcome(target.status)) throw new HttpError(409, 'target_closed', `this citizen's interview is already ${target.status}`);
    // DESIGN.md: citizens ignore unknown numbers; nobody is called or visited before being told.
    if (target.notifiedAt === null) throw new HttpError(409, 'not_notified', 'send the pre-notice first (POST /campaigns/:id/notify)');
    if (target.mode === 'phone' && target.lockedBy !== null && target.lockedBy !== by.agentId && target.lockedUntil && target.lockedUntil > now()) throw new HttpError(409, 'held_by_another', 'another operator is calling this citizen');
    let answers: Answers | null = null;
    if (input.outcome === 'completed') {
      const checked = checkAnswers(c.questionnaire, input.answers ?? {});
      if (!checked.ok) throw new HttpError(400, 'invalid_answers', checked.problems.map((p) => `${p.key}: ${p.reason}`).join('; '), { problems: checked.problems });
      answers = checked.answers;
    } else if (input.answers && Object.keys(input.answers).length) {
      throw new HttpError(400, 'answers_need_completed', 'answers are recorded with the outcome "completed"');
    }
    const at = now();
    const previous = (await attemptsOf(targetId)).map((a) => a.at);
    const decision = decideOutcome(input.outcome, { attemptsBefore: target.attempts, previousAttempts: previous, callBackAt: input.callBackAt ?? null, now: at, maxAttempts: c.maxAttempts, windows: care.callWindows, timeZone });
    if ('refused' in decision) throw new HttpError(400, 'invalid_outcome', decision.refused);
    // A phone attempt is an outbound call of the hotline: it counts in the monthly report.
    await store.tx(async (tx) => {
      const call = target.mode === 'phone' && target.phone ? await desk.calls.log({ direction: 'out', number: target.phone, startedAt: at, durationSeconds: input.durationSeconds ?? 0, notes: say('care.callNote', { campaign: c.name }) }, by.agentId, tx) : null;
      await tx.insert(t.targetAttempts).values({ targetId, at, agentId: by.agentId, mode: target.mode, outcome: input.outcome, callBackAt: input.callBackAt ?? null, note: input.note ?? null, callId: call?.id ?? null });
      await tx
        .update(t.campaignTargets)
        .set({
          status: decision.status,
          outcome: input.outcome,
          attempts: target.attempts + 1,
          nextAttemptAt: decision.nextAttemptAt,
          callBackAt: input.outcome === 'call_back' ? (input.callBackAt ?? null) : target.callBackAt,
          lockedBy: null,
          lockedUntil: null,
          updatedAt: at,
          ...(answers ? { answers, satisfaction: satisfactionOf(c.questionnaire, answers), answeredVia: target.mode === 'visit' ? 'visit' : 'operator', completedAt: at, surveyTokenHash: null } : {}),
        })
        .where(eq(t.campaignTargets.id, targetId));
      if (input.outcome === 'refused' && input.note && isOptOut(input.note, care.optOutWords)) await optOut({ contactId: target.contactId, phone: target.phone, email: target.email, source: 'operator', campaignId: c.id }, tx);
      await appendAudit(store, tx, { actor: by.auditActor, action: 'campaign.attempt', subjectType: 'campaign_target', subjectId: targetId, detail: { outcome: input.outcome } });
    });
    return card(targetId);
  }

  /** Gives the campaign's unassigned home visits to interviewers in turn. */
  async function assignVisits(campaignId: number, agentIds: number[], by: TicketPrincipal) {
    requireSupervisor(by);
    if (agentIds.length === 0) throw new HttpError(400, 'agents_required', 'name at least one interviewer');
    const agents = await db.select({ id: t.agents.id }).from(t.agents).where(and(inArray(t.agents.id, agentIds), isNull(t.agents.disabledAt), inArray(t.agents.role, ['agent', 'supervisor', 'admin'])));
    if (agents.length !== new Set(agentIds).size) throw new HttpError(400, 'unknown_agent', 'every interviewer must be an active account of the hotline (not unit staff)');
    const open = await db
      .select({ id: t.campaignTargets.id })
      .from(t.campaignTargets)
      .where(and(eq(t.campaignTargets.campaignId, campaignId), eq(t.campaignTargets.mode, 'visit'), isNull(t.campaignTargets.assignedTo), inArray(t.campaignTargets.status, [...openStatuses])))
      .orderBy(asc(t.campaignTargets.id));
    await store.tx(async (tx) => {
      for (const [i, target] of open.entries()) await tx.update(t.campaignTargets).set({ assignedTo: agentIds[i % agentIds.length]!, updatedAt: now() }).where(eq(t.campaignTargets.id, target.id));
    });
    return { assigned: open.length };
  }

  /** An interviewer's open visits, with what they need at the door. */
  async function visits(by: TicketPrincipal) {
    if (by.agentId === null) throw new HttpError(400, 'agent_required', 'visits are listed for a signed-in interviewer');
    const rows = await db
      .select({ id: t.campaignTargets.id })
      .from(t.campaignTargets)
      .innerJoin(t.campaigns, eq(t.campaigns.id, t.campaignTargets.campaignId))
      .where(and(eq(t.campaignTargets.assignedTo, by.agentId), eq(t.campaignTargets.mode, 'visit'), inArray(t.campaignTargets.status, [...openStatuses]), eq(t.campaigns.status, 'active')))
      .orderBy(asc(t.campaignTargets.id));
    return Promise.all(rows.map((r) => card(r.id, by.auditActor)));
  }

  /** The target and questionnaire a survey token opens, or null (unknown, used, or closed). */
  async function survey(token: string) {
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(token)) return null;
    const [row] = await db
      .select({ id: t.campaignTargets.id, status: t.campaignTargets.status, campaignId: t.campaignTargets.campaignId, code: t.dossiers.code, procedure: t.dossiers.procedure })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(eq(t.campaignTargets.surveyTokenHash, hashToken(token)))
      .limit(1);
    if (!row || finalOutcome(row.status)) return null;
    const c = await campaign(row.campaignId);
    if (c.status !== 'active') return null;
    return { targetId: row.id, code: row.code, procedure: row.procedure, questionnaire: c.questionnaire, campaignName: c.name };
  }

  /** The citizen's own answers from the web page; the token works once. */
  async function submitSurvey(token: string, input: Record<string, unknown>): Promise<{ ok: true } | { ok: false; problems: Array<{ key: string; reason: string }> } | null> {
    const opened = await survey(token);
    if (!opened) return null;
    const checked = checkAnswers(opened.questionnaire, input);
    if (!checked.ok) return checked;
    const at = now();
    const done = await store.tx(async (tx) => {
      const updated = await tx
        .update(t.campaignTargets)
        .set({ status: 'completed', outcome: 'completed', answers: checked.answers, satisfaction: satisfactionOf(opened.questionnaire, checked.answers), answeredVia: 'web', completedAt: at, surveyTokenHash: null, nextAttemptAt: null, lockedBy: null, lockedUntil: null, updatedAt: at })
        .where(and(eq(t.campaignTargets.id, opened.targetId), eq(t.campaignTargets.surveyTokenHash, hashToken(token)), inArray(t.campaignTargets.status, [...openStatuses])))
        .returning({ id: t.campaignTargets.id });
      if (updated.length) await appendAudit(store, tx, { actor: 'citizen (survey link)', action: 'campaign.answered', subjectType: 'campaign_target', subjectId: opened.targetId });
      return updated.length > 0;
    });
    return done ? { ok: true } : null;
  }

  /** Unit id for a dossier's unit name, when the organisation has a unit of that name. */
  async function unitIdFor(name: string | null): Promise<number | null> {
    if (!name) return null;
    const wanted = foldText(name).trim();
    const unit = (await desk.units.list()).find((u) => foldText(u.name).trim() === wanted);
    return unit?.id ?? null;
  }

  /**
   * Turns a citizen's dissatisfaction into a ticket in one step: opened with the answers (on the
   * interview's call when there was one) and forwarded to the responsible unit.
   */
  async function toTicket(targetId: number, input: { unitId?: number; subject?: string }, by: TicketPrincipal) {
    requireOperator(by);
    const target = await card(targetId);
    if (target.status !== 'completed' || !target.answers) throw new HttpError(409, 'not_answered', 'only an answered interview becomes a ticket');
    if (target.ticketId !== null) throw new HttpError(409, 'ticket_exists', `ticket ${target.ticketId} was already opened from this interview`);
    const c = await campaign(target.campaignId);
    const answers = target.answers as Answers;
    const body = [
      say('care.ticket.intro', { campaign: c.name, code: target.dossier.code, procedure: target.dossier.procedure ?? '', desk: target.dossier.desk ?? '' }),
      ...c.questionnaire.questions.filter((q) => answers[q.key] !== undefined).map((q) => `- ${q.label} ${answerText(q, answers[q.key]!, locale)}`),
    ].join('\n');
    const unitId = input.unitId ?? (await unitIdFor(target.dossier.unit));
    const [attempt] = await db.select({ callId: t.targetAttempts.callId }).from(t.targetAttempts).where(and(eq(t.targetAttempts.targetId, targetId), eq(t.targetAttempts.outcome, 'completed'), isNotNull(t.targetAttempts.callId))).orderBy(desc(t.targetAttempts.id)).limit(1);
    const created = await desk.tickets.create(
      {
        type: 'complaint',
        subject: (input.subject ?? say('care.ticket.subject', { code: target.dossier.code, procedure: target.dossier.procedure ?? '' })).slice(0, 300),
        body,
        tthc: true,
        field: target.dossier.field,
        ...(attempt?.callId ? { callId: attempt.callId } : { channel: 'phone' }),
      },
      by,
    );
    await store.tx((tx) => tx.update(t.campaignTargets).set({ ticketId: created.id, updatedAt: now() }).where(eq(t.campaignTargets.id, targetId)));
    const forwarded = unitId !== null ? await desk.tickets.transition(created.id, { action: 'forward', unitId }, by) : null;
    return { ticketId: created.id, code: created.code, forwardedTo: forwarded?.unitId ?? null };
  }

  /** Response and reach, satisfaction by desk, unit, procedure and month, and what citizens said. */
  async function results(campaignId: number) {
    const c = await campaign(campaignId);
    const rows = await db
      .select({
        id: t.campaignTargets.id,
        status: t.campaignTargets.status,
        noticeChannel: t.campaignTargets.noticeChannel,
        satisfaction: t.campaignTargets.satisfaction,
        answers: t.campaignTargets.answers,
        answeredVia: t.campaignTargets.answeredVia,
        completedAt: t.campaignTargets.completedAt,
        ticketId: t.campaignTargets.ticketId,
        code: t.dossiers.code,
        desk: t.dossiers.desk,
        deskLevel: t.dossiers.deskLevel,
        unit: t.dossiers.unit,
        procedure: t.dossiers.procedure,
      })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(eq(t.campaignTargets.campaignId, campaignId))
      .orderBy(asc(t.campaignTargets.id));
    const reachedIds = new Set(
      (
        await db
          .select({ targetId: t.targetAttempts.targetId })
          .from(t.targetAttempts)
          .innerJoin(t.campaignTargets, eq(t.campaignTargets.id, t.targetAttempts.targetId))
          .where(and(eq(t.campaignTargets.campaignId, campaignId), inArray(t.targetAttempts.outcome, ['completed', 'refused', 'call_back'])))
      ).map((r) => r.targetId),
    );
    for (const r of rows) if (r.status === 'completed') reachedIds.add(r.id);
    const pct = (n: number, base: number) => (base === 0 ? 0 : Math.round((n * 10_000) / base) / 100);
    const completed = rows.filter((r) => r.status === 'completed');
    const group = (key: (r: (typeof rows)[number]) => string | null) => {
      const groups = new Map<string, { key: string; responses: number; satisfied: number; neutral: number; notSatisfied: number }>();
      for (const r of completed) {
        const k = key(r) ?? '';
        const g = groups.get(k) ?? { key: k, responses: 0, satisfied: 0, neutral: 0, notSatisfied: 0 };
        g.responses += 1;
        if (r.satisfaction === 'satisfied') g.satisfied += 1;
        else if (r.satisfaction === 'neutral') g.neutral += 1;
        else if (r.satisfaction === 'not_satisfied') g.notSatisfied += 1;
        groups.set(k, g);
      }
      return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((g) => ({ ...g, satisfiedPercent: pct(g.satisfied, g.responses) }));
    };
    const month = (d: Date | null) => (d ? localParts(d, timeZone).date.slice(0, 7) : null);
    const textQuestions = c.questionnaire.questions.filter((q) => q.kind === 'text');
    const scaleQuestions = c.questionnaire.questions.filter((q) => q.kind === 'scale');
    const byQuestion = scaleQuestions.map((q) => {
      const values = completed.map((r) => (r.answers as Answers)[q.key]).filter((v): v is number => typeof v === 'number');
      return { key: q.key, label: q.label, area: q.area ?? null, answers: values.length, mean: values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100 : null, satisfiedPercent: pct(values.filter((v) => v >= 4).length, values.length) };
    });
    const notified = rows.filter((r) => r.noticeChannel && r.noticeChannel !== 'none').length;
    return {
      campaign: { id: c.id, name: c.name, kind: c.kind, status: c.status, seed: c.seed, sampleSize: c.sampleSize, strata: c.strata, outboundNumber: c.outboundNumber },
      sample: rows.length,
      notified,
      reached: reachedIds.size,
      completed: completed.length,
      responseRate: pct(completed.length, rows.length),
      reachRate: pct(reachedIds.size, rows.length),
      byStatus: Object.fromEntries([...new Set(rows.map((r) => r.status))].sort().map((s) => [s, rows.filter((r) => r.status === s).length])),
      satisfaction: group(() => 'all')[0] ?? { key: 'all', responses: 0, satisfied: 0, neutral: 0, notSatisfied: 0, satisfiedPercent: 0 },
      byDeskLevel: group((r) => r.deskLevel),
      byDesk: group((r) => r.desk),
      byUnit: group((r) => r.unit),
      byProcedure: group((r) => r.procedure),
      byMonth: group((r) => month(r.completedAt)),
      byQuestion,
      texts: completed.flatMap((r) =>
        textQuestions
          .filter((q) => typeof (r.answers as Answers)[q.key] === 'string' && (r.answers as Answers)[q.key] !== '')
          .map((q) => ({ targetId: r.id, code: r.code, desk: r.desk, unit: r.unit, procedure: r.procedure, satisfaction: r.satisfaction, ticketId: r.ticketId, question: q.key, label: q.label, text: String((r.answers as Answers)[q.key]) })),
      ),
      notSatisfied: completed.filter((r) => r.satisfaction === 'not_satisfied').map((r) => ({ targetId: r.id, code: r.code, desk: r.desk, unit: r.unit, procedure: r.procedure, ticketId: r.ticketId })),
    };
  }

  /**
   * The care figures of a period across campaigns, for the monthly and yearly reports: calls and
   * visits made, interviews answered (by whom), satisfaction, and the tickets they became.
   */
  async function figures(from: Date, to: Date) {
    const attempts = await db
      .select({ mode: t.targetAttempts.mode, outcome: t.targetAttempts.outcome })
      .from(t.targetAttempts)
      .where(and(gte(t.targetAttempts.at, from), lt(t.targetAttempts.at, to)));
    const answered = await db
      .select({ via: t.campaignTargets.answeredVia, satisfaction: t.campaignTargets.satisfaction, ticketId: t.campaignTargets.ticketId, deskLevel: t.dossiers.deskLevel })
      .from(t.campaignTargets)
      .innerJoin(t.dossiers, eq(t.dossiers.id, t.campaignTargets.dossierId))
      .where(and(eq(t.campaignTargets.status, 'completed'), gte(t.campaignTargets.completedAt, from), lt(t.campaignTargets.completedAt, to)));
    const notices = await db
      .select({ channel: t.campaignTargets.noticeChannel })
      .from(t.campaignTargets)
      .where(and(gte(t.campaignTargets.notifiedAt, from), lt(t.campaignTargets.notifiedAt, to)));
    const optOuts = await db.select({ id: t.optOuts.id }).from(t.optOuts).where(and(gte(t.optOuts.createdAt, from), lt(t.optOuts.createdAt, to)));
    const pct = (n: number, base: number) => (base === 0 ? 0 : Math.round((n * 10_000) / base) / 100);
    const count = <T>(rows: T[], key: (row: T) => string | null) => {
      const out: Record<string, number> = {};
      for (const row of rows) {
        const k = key(row) ?? 'unknown';
        out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    const satisfied = answered.filter((r) => r.satisfaction === 'satisfied').length;
    const notSatisfied = answered.filter((r) => r.satisfaction === 'not_satisfied').length;
    const byLevel = Object.entries(count(answered, (r) => r.deskLevel))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, responses]) => {
        const ok = answered.filter((r) => (r.deskLevel ?? 'unknown') === key && r.satisfaction === 'satisfied').length;
        return { key, responses, satisfied: ok, satisfiedPercent: pct(ok, responses) };
      });
    return {
      from,
      to,
      notices: count(notices, (r) => r.channel),
      calls: attempts.filter((a) => a.mode === 'phone').length,
      visits: attempts.filter((a) => a.mode === 'visit').length,
      outcomes: count(attempts, (a) => a.outcome),
      answered: answered.length,
      answeredVia: count(answered, (r) => r.via),
      satisfied,
      notSatisfied,
      satisfiedPercent: pct(satisfied, answered.length),
      byDeskLevel: byLevel,
      tickets: answered.filter((r) => r.ticketId !== null).length,
      optOuts: optOuts.length,
    };
  }

  async function close(campaignId: number, by: TicketPrincipal) {
    requireSupervisor(by);
    await campaign(campaignId);
    await store.tx((tx) => tx.update(t.campaigns).set({ status: 'closed', updatedAt: now() }).where(eq(t.campaigns.id, campaignId)));
    return { id: campaignId, status: 'closed' as const };
  }

  return { create, list, get, notify, next, record, card, assignVisits, visits, surveyLink, survey, submitSurvey, toTicket, results, figures, close, replyToNotice };
}

export type Campaigns = ReturnType<typeof createCampaigns>;
export type CampaignResults = Awaited<ReturnType<Campaigns['results']>>;
export type { TargetStatus };
