// The gateway's REST API as the inbox uses it: same-origin fetch with the session cookie, and
// the CSRF token (from sign-in or /api/auth/me) on every state-changing call.

export type Role = 'agent' | 'supervisor' | 'admin' | string;
export type ConversationStatus = 'open' | 'pending' | 'resolved';
export type Presence = 'online' | 'away' | 'offline';

export interface Agent {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  teamIds: number[];
  mfaSetupRequired: boolean;
}

/** Supervisors and admins see every team's conversations and the queue. */
export const isOverseer = (agent: Agent) => agent.role === 'supervisor' || agent.role === 'admin';

export interface ConversationSummary {
  id: number;
  status: ConversationStatus;
  inboxId: number;
  channel: string;
  contactId: number;
  contactName: string | null;
  teamId: number | null;
  assigneeId: number | null;
  lastMessageAt: string;
  lastInboundAt: string | null;
  createdAt: string;
  resolvedAt: string | null;
  handler: 'bot' | 'human';
  waitingSince: string | null;
  labelIds: number[];
}

export interface Conversation extends ConversationSummary {
  contactPhone: string | null;
  contactEmail: string | null;
}

export interface Message {
  id: number;
  direction: 'in' | 'out' | 'note' | 'activity';
  senderType: string;
  senderRef: string | null;
  text: string | null;
  attachments: unknown;
  status: string;
  error: string | null;
  externalId: string | null;
  metadata: unknown;
  createdAt: string;
  sentAt: string | null;
}

export interface ReplyWindow {
  open: boolean;
  reason?: string;
  closesAt?: string;
  remainingReplies?: number;
}

export interface Team {
  id: number;
  key: string;
  name: string;
}

export interface AgentRow {
  id: number;
  username: string;
  displayName: string;
  role: string;
  capacity: number;
  presence: Presence;
  teams: string[];
  disabled: boolean;
}

export interface CannedAnswer {
  id: number;
  shortcut: string;
  title: string;
  body: string;
  teamId: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface Label {
  id: number;
  key: string;
  name: string;
  color: string | null;
}

export interface ContactDetail {
  id: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  createdAt: string;
  updatedAt: string;
  identities: Array<{ id: number; inboxId: number; inboxName: string; channel: string; externalUserId: string; displayName: string | null; createdAt: string }>;
  conversations: Array<{ id: number; channel: string; status: string; lastMessageAt: string }>;
}

export interface ContactMatch {
  id: number;
  name: string | null;
  phone: string | null;
  email: string | null;
  channels: string[];
}

export interface InboxRow {
  id: number;
  key: string;
  channel: string;
  name: string;
  status: 'active' | 'needs_reconnect' | 'disabled';
  statusDetail: string | null;
  updatedAt: string;
}

export interface BusinessHoursView {
  timezone: string;
  configured: boolean;
  weekly: Record<string, string[]>;
  daysOff: Array<{ date: string; name: string }>;
  makeUpDays: string[];
  openNow: boolean;
  nextOpening: string | null;
}

export interface KnowledgeSummary {
  id: string;
  title: string;
  field: string;
  fieldName: string;
  team: string;
  level: string;
  reviewed: boolean;
  lastReviewed: string;
  /** current: reviewed and in date; unreviewed: never checked; overdue: past its review-by date. */
  reviewState: 'current' | 'unreviewed' | 'overdue';
  reviewedBy?: string;
  reviewedAt?: string;
  reviewedAgainst?: string;
  reviewBy?: string;
}

/** An entry the bot considered before handing a conversation to people. */
export interface ConsideredEntry {
  entryId: string;
  title: string;
  answer: string;
  score: number | null;
  reviewState: string;
  suggested: boolean;
}

export interface Considered {
  handoffMessageId: number | null;
  reason: string | null;
  terms: string[];
  entries: ConsideredEntry[];
}

export interface KnowledgeEntry extends KnowledgeSummary {
  questions: string[];
  keywords: string[];
  answer: string;
  where?: string;
  documents?: string[];
  processingTime?: string;
  fee?: string;
  onlineUrl?: string | null;
  legalBasis: string[];
  sources: string[];
}

export interface ConversationQuery {
  status?: string;
  channel?: string;
  assigneeId?: number;
  labelId?: number;
  /** ISO date-times on the last message. */
  from?: string;
  to?: string;
  q?: string;
  cursor?: string;
  limit?: number;
}

export interface AgentInput {
  username: string;
  displayName: string;
  role: string;
  capacity: number;
  teams: string[];
  password?: string;
}

export interface Suggestion {
  decision: 'answer' | 'clarify' | 'handoff';
  entryId?: string;
  reason?: string;
  score: number;
  /** The entry's answer text, when the server includes it. */
  answer?: string;
  title?: string;
}

/** A refused or failed call: the HTTP status and the gateway's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken = '';
export const setCsrfToken = (token: string) => {
  csrfToken = token;
};
/** For the few calls that send something other than JSON (a CSV file). */
export const currentCsrfToken = () => csrfToken;

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(url, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const error = (data ?? {}) as { code?: string; message?: string; error?: string };
    throw new ApiError(res.status, error.code ?? String(res.status), error.message ?? error.error ?? res.statusText);
  }
  return data as T;
}

/** `?a=1&b=2` of the values given, empty ones left out. */
export const query = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') q.set(key, String(value));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export interface SignedIn {
  agent: Agent;
  csrfToken: string;
}

export const api = {
  me: () => request<SignedIn>('GET', '/api/auth/me'),
  login: (login: string, password: string, totp?: string) => request<SignedIn>('POST', '/api/auth/login', { login, password, ...(totp ? { totp } : {}) }),
  logout: () => request<{ ok: boolean }>('POST', '/api/auth/logout'),
  logoutAll: () => request<{ ok: boolean }>('POST', '/api/auth/logout-all'),
  conversations: (filter: ConversationQuery) =>
    request<{ items: ConversationSummary[]; nextCursor: string | null }>('GET', `/api/v1/conversations${query({ limit: 200, ...filter })}`),
  conversation: (id: number) => request<Conversation>('GET', `/api/v1/conversations/${id}`),
  messages: (id: number, after?: number) => request<{ items: Message[] }>('GET', `/api/v1/conversations/${id}/messages${query({ after, limit: 500 })}`),
  window: (id: number) => request<ReplyWindow>('GET', `/api/v1/conversations/${id}/window`),
  send: (id: number, text: string, isPrivate: boolean) => request<{ messageId: number; status: string }>('POST', `/api/v1/conversations/${id}/messages`, { text, private: isPrivate }),
  change: (id: number, change: { status?: ConversationStatus; teamId?: number | null; assigneeId?: number | null; handler?: 'bot' | 'human' }) =>
    request<{ id: number; status: ConversationStatus; changed: boolean }>('PATCH', `/api/v1/conversations/${id}`, change),
  suggest: (text: string) => request<Suggestion>('POST', '/api/v1/router/answer', { text }),
  teams: () => request<Team[]>('GET', '/api/v1/teams'),
  agents: () => request<AgentRow[]>('GET', '/api/v1/agents'),
  allAgents: () => request<AgentRow[]>('GET', '/api/v1/agents?includeDisabled=true'),
  createAgent: (input: AgentInput) => request<AgentRow>('POST', '/api/v1/agents', input),
  updateAgent: (id: number, change: Partial<Pick<AgentInput, 'role' | 'capacity' | 'teams' | 'password'>> & { disabled?: boolean }) => request<AgentRow>('PATCH', `/api/v1/agents/${id}`, change),
  cannedAnswers: () => request<CannedAnswer[]>('GET', '/api/v1/canned-answers'),
  createCannedAnswer: (input: Pick<CannedAnswer, 'shortcut' | 'title' | 'body' | 'teamId'>) => request<CannedAnswer>('POST', '/api/v1/canned-answers', input),
  updateCannedAnswer: (id: number, change: Partial<Pick<CannedAnswer, 'shortcut' | 'title' | 'body' | 'teamId'>>) => request<CannedAnswer>('PATCH', `/api/v1/canned-answers/${id}`, change),
  deleteCannedAnswer: (id: number) => request<null>('DELETE', `/api/v1/canned-answers/${id}`),
  labels: () => request<Label[]>('GET', '/api/v1/labels'),
  createLabel: (input: Omit<Label, 'id'>) => request<Label>('POST', '/api/v1/labels', input),
  updateLabel: (id: number, change: Partial<Pick<Label, 'name' | 'color'>>) => request<Label>('PATCH', `/api/v1/labels/${id}`, change),
  deleteLabel: (id: number) => request<null>('DELETE', `/api/v1/labels/${id}`),
  setLabel: (conversationId: number, labelId: number, on: boolean) =>
    request<{ conversationId: number; labelIds: number[]; changed: boolean }>(on ? 'PUT' : 'DELETE', `/api/v1/conversations/${conversationId}/labels/${labelId}`),
  contact: (id: number) => request<ContactDetail>('GET', `/api/v1/contacts/${id}`),
  searchContacts: (q: string) => request<{ items: ContactMatch[] }>('GET', `/api/v1/contacts${query({ q })}`),
  updateContact: (id: number, change: { name?: string | null; phone?: string | null; email?: string | null }) => request<ContactDetail>('PATCH', `/api/v1/contacts/${id}`, change),
  mergeContact: (keptId: number, mergedId: number) => request<ContactDetail>('POST', `/api/v1/contacts/${keptId}/merge`, { contactId: mergedId }),
  inboxes: () => request<InboxRow[]>('GET', '/api/v1/inboxes'),
  businessHours: () => request<BusinessHoursView>('GET', '/api/v1/business-hours'),
  knowledgeBase: () => request<KnowledgeSummary[]>('GET', '/api/v1/knowledge-base'),
  knowledgeEntry: (id: string) => request<KnowledgeEntry>('GET', `/api/v1/knowledge-base/${encodeURIComponent(id)}`),
  saveKnowledgeEntry: (id: string, entry: Record<string, unknown>) => request<{ id: string; created: boolean; entries: number }>('PUT', `/api/v1/knowledge-base/${encodeURIComponent(id)}`, entry),
  reloadKnowledgeBase: () => request<{ reloaded: boolean; entries: number }>('POST', '/api/v1/knowledge-base/reload'),
  reviewKnowledgeEntry: (id: string, review: { against: string; reviewBy?: string }) => request<{ id: string; reviewState: string }>('POST', `/api/v1/knowledge-base/${encodeURIComponent(id)}/review`, review),
  consideredEntries: (conversationId: number) => request<Considered>('GET', `/api/v1/conversations/${conversationId}/considered-entries`),
  sendConsideredEntry: (conversationId: number, entryId: string) => request<{ messageId: number }>('POST', `/api/v1/conversations/${conversationId}/considered-entries/${encodeURIComponent(entryId)}/send`),
  changePassword: (current: string, next: string) => request<{ ok: boolean; signInAgain: boolean }>('POST', '/api/auth/password', { current, next }),
  beginMfa: () => request<{ secret: string; uri: string; qrSvg: string }>('POST', '/api/auth/mfa/setup'),
  enableMfa: (code: string) => request<{ ok: boolean }>('POST', '/api/auth/mfa/enable', { code }),
};
