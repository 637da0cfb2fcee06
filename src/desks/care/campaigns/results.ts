import { and, asc, eq, gte, inArray, lt } from 'drizzle-orm';
import { localParts } from '../../../core/business-hours.ts';
import type { Answers } from '../questionnaires.ts';
import type { CampaignContext } from './context.ts';

/** What campaigns found: one campaign's results, and a period's figures across campaigns. */
export function createCampaignResults(ctx: CampaignContext) {
  const { t, db, timeZone } = ctx;

  /** Response and reach, satisfaction by desk, unit, procedure and month, and what citizens said. */
  async function results(campaignId: number) {
    const c = await ctx.campaign(campaignId);
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

  return { results, figures };
}
