import { randomBytes } from 'node:crypto';
import { and, desc, eq, gte, inArray, isNotNull, lt, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../../core/audit.ts';
import { HttpError } from '../../../core/errors.ts';
import type { TicketPrincipal } from '../../tickets/index.ts';
import type { DeskLevel } from '../dossier-import.ts';
import { defaultQuestionnaire, questionnaireProblem, type Questionnaire, type TemplateName } from '../questionnaires.ts';
import { AllocationError, drawSample, type PopulationMember } from '../sampling.ts';
import type { CampaignContext, CampaignOptions } from './context.ts';
import { requireSupervisor } from './roles.ts';

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
  /** The ZNS template (by key) the pre-notice goes out with; absent: the pre-notice tries no ZNS. */
  znsTemplate?: string;
}

/** A campaign's life: its population and seeded sample, its listing, and its closing. */
export function createCampaignDraw(ctx: CampaignContext) {
  const { store, t, db, care, locale, now, say } = ctx;

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
    const c = await ctx.campaign(id);
    const counts = await db.select({ status: t.campaignTargets.status, mode: t.campaignTargets.mode }).from(t.campaignTargets).where(eq(t.campaignTargets.campaignId, id));
    const byStatus: Record<string, number> = {};
    for (const row of counts) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    return { ...c, targets: counts.length, byStatus };
  }

  async function close(campaignId: number, by: TicketPrincipal) {
    requireSupervisor(by);
    await ctx.campaign(campaignId);
    await store.tx((tx) => tx.update(t.campaigns).set({ status: 'closed', updatedAt: now() }).where(eq(t.campaigns.id, campaignId)));
    return { id: campaignId, status: 'closed' as const };
  }

  return { create, list, get, close };
}
