export type Presence = 'online' | 'away' | 'offline';
export type AssignmentPolicy = 'least-loaded' | 'round-robin';

export interface AgentLoad {
  id: number;
  presence: Presence;
  capacity: number;
  /** Open conversations assigned to the agent now. */
  load: number;
  lastAssignedAt: Date | null;
}

const waitedLonger = (a: AgentLoad, b: AgentLoad) => (a.lastAssignedAt?.getTime() ?? 0) - (b.lastAssignedAt?.getTime() ?? 0);

/**
 * Picks the agent for one conversation among a team's agents, or null when none may take it:
 * only online agents under their capacity; the agent it was taken from (`exclude`) only when
 * nobody else can. least-loaded: fewest open conversations, then the one idle longest;
 * round-robin: the one idle longest.
 */
export function chooseAgent(agents: readonly AgentLoad[], policy: AssignmentPolicy, exclude: number | null = null): number | null {
  const available = agents.filter((a) => a.presence === 'online' && a.load < a.capacity);
  const preferred = available.filter((a) => a.id !== exclude);
  const pool = preferred.length ? preferred : available;
  if (!pool.length) return null;
  const ordered = [...pool].sort(policy === 'least-loaded' ? (a, b) => a.load - b.load || waitedLonger(a, b) || a.id - b.id : (a, b) => waitedLonger(a, b) || a.id - b.id);
  return ordered[0]!.id;
}
