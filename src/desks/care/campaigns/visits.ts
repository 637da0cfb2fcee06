import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import { HttpError } from '../../../core/errors.ts';
import type { TicketPrincipal } from '../../tickets/index.ts';
import { openStatuses } from '../campaign-rules.ts';
import type { CampaignContext } from './context.ts';
import type { TargetCard } from './queue.ts';
import { requireSupervisor } from './roles.ts';

/** Home visits: citizens of the desk levels a campaign visits, given to field interviewers. */
export function createVisits(ctx: CampaignContext, card: (targetId: number, readBy?: string) => Promise<TargetCard>) {
  const { store, t, db, now } = ctx;

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

  return { assignVisits, visits };
}
