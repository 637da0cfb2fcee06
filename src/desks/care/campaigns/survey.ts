import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { appendAudit } from '../../../core/audit.ts';
import type { Db } from '../../../core/store/store.ts';
import { openStatuses } from '../campaign-rules.ts';
import { checkAnswers, satisfactionOf } from '../questionnaires.ts';
import { finalOutcome, hashToken, type CampaignContext } from './context.ts';

/** The one-time web survey: a link per citizen, the page's questionnaire, and its answers. */
export function createCampaignSurvey(ctx: CampaignContext, publicBaseUrl: string) {
  const { store, t, db, now } = ctx;

  /** A one-time survey link for a target; a new one replaces the old. */
  async function surveyLink(targetId: number, tx: Db = db): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await tx.update(t.campaignTargets).set({ surveyTokenHash: hashToken(token), updatedAt: now() }).where(eq(t.campaignTargets.id, targetId));
    return `${publicBaseUrl.replace(/\/$/, '')}/khao-sat/${token}`;
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
    const c = await ctx.campaign(row.campaignId);
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

  return { surveyLink, survey, submitSurvey };
}
