// Unread counts kept on this browser: new citizen messages since the agent last opened each
// conversation. The server does not track per-agent reads, so this is per device by design.

const storageKey = 'inbox.unread';

interface Entry {
  /** When the agent last opened the conversation (ISO). */
  seenAt?: string;
  /** Citizen messages that arrived live since then. */
  count: number;
}

type State = Record<string, Entry>;

const load = (): State => {
  try {
    return JSON.parse(localStorage.getItem(storageKey) ?? '{}') as State;
  } catch {
    return {};
  }
};

export function readUnread(): State {
  return load();
}

export function markSeen(conversationId: number): State {
  const state = load();
  state[conversationId] = { seenAt: new Date().toISOString(), count: 0 };
  localStorage.setItem(storageKey, JSON.stringify(state));
  return state;
}

export function countIncoming(conversationId: number): State {
  const state = load();
  const entry = state[conversationId] ?? { count: 0 };
  state[conversationId] = { ...entry, count: entry.count + 1 };
  localStorage.setItem(storageKey, JSON.stringify(state));
  return state;
}

/** What the list shows: the live count, or 1 when the last citizen message is newer than the
 * last visit (it came while this browser was closed). */
export function unreadOf(state: State, conversationId: number, lastInboundAt: string | null): number {
  const entry = state[conversationId];
  if (entry?.count) return entry.count;
  if (lastInboundAt && (!entry?.seenAt || entry.seenAt < lastInboundAt)) return 1;
  return 0;
}
