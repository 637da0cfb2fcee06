import { recordActivity } from '../../core/activity.ts';
import { and, asc, count, eq, gt, inArray, isNotNull, isNull, lt, ne } from 'drizzle-orm';
import { appendAudit } from '../../core/audit.ts';
import type { EventBus } from '../../core/events.ts';
import { t as text, type Locale } from '../../core/i18n/index.ts';
import type { Store } from '../../core/store/store.ts';
import { chooseAgent, type AgentLoad, type AssignmentPolicy, type Presence } from './choose-agent.ts';

export interface AssignerConfig {
  policy: AssignmentPolicy;
  /** An assigned conversation no agent answered within this long goes to someone else. */
  reassignAfterMs: number;
  intervalMs: number;
}

interface Logger {
  error(obj: object, msg: string): void;
}

/**
 * Hands waiting conversations to online agents of their team, longest-waiting first, and takes
 * back those an agent has not answered in time. Runs on events (a handoff, an agent coming
 * online) and on a timer; every pass is idempotent, so several nodes may run it.
 */
export function createAssigner(deps: { store: Store; events: EventBus; config: AssignerConfig; locale: Locale; logger: Logger }) {
  const { store, events, config, locale, logger } = deps;
  const { t } = store;

  async function agentLoads(teamId: number): Promise<Array<AgentLoad & { name: string }>> {
    const members = await store.db
      .select({ id: t.agents.id, name: t.agents.displayName, presence: t.agents.presence, capacity: t.agents.capacity, lastAssignedAt: t.agents.lastAssignedAt })
      .from(t.agents)
      .innerJoin(t.agentTeams, eq(t.agentTeams.agentId, t.agents.id))
      .where(and(eq(t.agentTeams.teamId, teamId), isNull(t.agents.disabledAt)));
    if (!members.length) return [];
    const loads = await store.db
      .select({ agentId: t.conversations.assigneeId, n: count() })
      .from(t.conversations)
      .where(and(inArray(t.conversations.assigneeId, members.map((m) => m.id)), ne(t.conversations.status, 'resolved')))
      .groupBy(t.conversations.assigneeId);
    const loadOf = new Map(loads.map((l) => [l.agentId, Number(l.n)]));
    return members.map((m) => ({ ...m, presence: m.presence as Presence, load: loadOf.get(m.id) ?? 0 }));
  }

  /** One pass: every waiting conversation that an online agent of its team can take. */
  async function assignWaiting(now = new Date()): Promise<number> {
    // Only an online agent is given anything: the queues of teams with nobody online are not
    // read at all. Every handoff asks for a pass, and at night, with nobody online, each pass
    // read the whole growing queue to assign nothing.
    const staffed = await store.db
      .selectDistinct({ teamId: t.agentTeams.teamId })
      .from(t.agentTeams)
      .innerJoin(t.agents, eq(t.agents.id, t.agentTeams.agentId))
      .where(and(eq(t.agents.presence, 'online'), isNull(t.agents.disabledAt)));
    if (!staffed.length) return 0;
    const waiting = await store.db
      .select({ id: t.conversations.id, teamId: t.conversations.teamId, inboxId: t.conversations.inboxId, lastAssigneeId: t.conversations.lastAssigneeId })
      .from(t.conversations)
      .where(and(eq(t.conversations.handler, 'human'), isNull(t.conversations.assigneeId), ne(t.conversations.status, 'resolved'), inArray(t.conversations.teamId, staffed.map((row) => row.teamId))))
      .orderBy(asc(t.conversations.waitingSince), asc(t.conversations.id));
    const teams = new Map<number, Array<AgentLoad & { name: string }>>();
    let assigned = 0;
    for (const conversation of waiting) {
      const teamId = conversation.teamId!;
      if (!teams.has(teamId)) teams.set(teamId, await agentLoads(teamId));
      const agents = teams.get(teamId)!;
      const agentId = chooseAgent(agents, config.policy, conversation.lastAssigneeId);
      if (agentId === null) continue;
      const agent = agents.find((a) => a.id === agentId)!;
      const took = await store.tx(async (db) => {
        // Another node may have assigned it since the read: only an unassigned row is taken.
        const updated = await db
          .update(t.conversations)
          .set({ assigneeId: agentId, assignedAt: now, updatedAt: now })
          .where(and(eq(t.conversations.id, conversation.id), isNull(t.conversations.assigneeId)))
          .returning({ id: t.conversations.id });
        if (!updated.length) return false;
        await db.update(t.agents).set({ lastAssignedAt: now }).where(eq(t.agents.id, agentId));
        await recordActivity(db, t, { conversationId: conversation.id, inboxId: conversation.inboxId, by: 'router', text: text(locale, 'router.assigned', { agent: agent.name }), metadata: { assigneeId: agentId }, at: now });
        await appendAudit(store, db, { actor: 'router', action: 'conversation.assigned', subjectType: 'conversation', subjectId: conversation.id, detail: { agentId } }, now);
        return true;
      });
      if (!took) continue;
      agent.load++;
      agent.lastAssignedAt = now;
      assigned++;
      events.emit('conversation.assigned', { conversationId: conversation.id, agentId, teamId });
    }
    return assigned;
  }

  /** Takes back conversations assigned longer ago than the limit with no agent reply since. */
  async function reassignStale(now = new Date()): Promise<number> {
    const before = new Date(now.getTime() - config.reassignAfterMs);
    const stale = await store.db
      .select({ id: t.conversations.id, assigneeId: t.conversations.assigneeId, assignedAt: t.conversations.assignedAt, teamId: t.conversations.teamId })
      .from(t.conversations)
      .where(and(eq(t.conversations.handler, 'human'), isNotNull(t.conversations.assigneeId), ne(t.conversations.status, 'resolved'), lt(t.conversations.assignedAt, before)));
    let taken = 0;
    for (const conversation of stale) {
      const [answered] = await store.db
        .select({ id: t.messages.id })
        .from(t.messages)
        .where(and(eq(t.messages.conversationId, conversation.id), eq(t.messages.senderType, 'agent'), gt(t.messages.createdAt, conversation.assignedAt!)))
        .limit(1);
      if (answered) continue;
      const released = await store.tx(async (db) => {
        const updated = await db
          .update(t.conversations)
          .set({ assigneeId: null, assignedAt: null, lastAssigneeId: conversation.assigneeId, updatedAt: now })
          .where(and(eq(t.conversations.id, conversation.id), eq(t.conversations.assigneeId, conversation.assigneeId!)))
          .returning({ id: t.conversations.id });
        if (updated.length) {
          await appendAudit(store, db, { actor: 'router', action: 'conversation.unassigned', subjectType: 'conversation', subjectId: conversation.id, detail: { agentId: conversation.assigneeId, reason: 'no_answer' } }, now);
        }
        return updated.length > 0;
      });
      if (released) {
        taken++;
        events.emit('conversation.assigned', { conversationId: conversation.id, agentId: null, teamId: conversation.teamId });
      }
    }
    return taken;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const unsubscribe: Array<() => void> = [];

  // Taking back unanswered conversations depends on time alone: the timer's passes do it. A
  // handoff or an agent's presence only asks for the waiting to be assigned; with a handoff a
  // second under load, looking for stale assignments on each read every open conversation.
  let staleDue = false;
  function kick(options: { stale?: boolean } = {}): void {
    if (options.stale) staleDue = true;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        if (staleDue) {
          staleDue = false;
          await reassignStale();
        }
        await assignWaiting();
      } while (again);
    })()
      .catch((error: unknown) => logger.error({ err: error }, 'assignment pass failed'))
      .finally(() => {
        running = undefined;
      });
  }

  return {
    assignWaiting,
    reassignStale,
    kick,
    /** Resolves when the pass under way (if any) is done. */
    settled: () => running ?? Promise.resolve(),
    start() {
      unsubscribe.push(
        events.on('conversation.handoff', () => kick()),
        events.on('agent.presence', () => kick()),
      );
      timer = setInterval(() => kick({ stale: true }), config.intervalMs);
      timer.unref();
      kick({ stale: true });
    },
    async stop() {
      clearInterval(timer);
      for (const off of unsubscribe.splice(0)) off();
      await running;
    },
  };
}

export type Assigner = ReturnType<typeof createAssigner>;
