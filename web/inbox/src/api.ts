// The gateway's REST API as the inbox uses it: same-origin fetch with the session cookie, and
// the CSRF token (from sign-in or /api/auth/me) on every state-changing call.
import type { ChannelsResponse } from '../../../src/contracts/channels.ts';
import type { Agent, AgentInput, AgentRow, BusinessHoursView, CannedAnswer, ContactDetail, ContactMatch, Conversation, ConversationChanged, ConversationLabels, ConversationPage, ConversationQuery, ConversationStatus, InboxRow, KnowledgeEntry, KnowledgeReloaded, KnowledgeSaved, KnowledgeSummary, Label, Message, MfaSetup, PasswordChanged, ReplyQueued, ReplyWindow, SignedIn, SignInState, Suggestion, Team, Upload, Considered } from '../../../src/contracts/inbox.ts';
export type { Role, ConversationStatus, Presence, Agent, ConversationSummary, Conversation, Message, ReplyWindow, Team, AgentRow, CannedAnswer, Label, ContactDetail, ContactMatch, InboxRow, BusinessHoursView, KnowledgeSummary, KnowledgeEntry, ConversationQuery, AgentInput, Suggestion, SignedIn, ConversationPage, ReplyQueued, ConversationChanged, ConversationLabels, KnowledgeSaved, KnowledgeReloaded, PasswordChanged, MfaSetup, SignInState, MessageFile, Upload, Considered, ConsideredEntry } from '../../../src/contracts/inbox.ts';

/** Supervisors and admins see every team's conversations and the queue. */
export const isOverseer = (agent: Agent) => agent.role === 'supervisor' || agent.role === 'admin';

/**
 * Uploads one file for a reply with the upload's progress (fetch reports none), as multipart with
 * the CSRF token; resolves with the stored file or rejects with the server's reason.
 */
export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/uploads');
    xhr.setRequestHeader('x-csrf-token', csrfToken);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let data: { message?: string; code?: string } & Partial<Upload> = {};
      try {
        data = JSON.parse(xhr.responseText) as typeof data;
      } catch {
        data = {};
      }
      if (xhr.status === 201) resolve(data as Upload);
      else reject(new ApiError(xhr.status, data.code ?? String(xhr.status), data.message ?? xhr.statusText));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    const form = new FormData();
    form.set('file', file, file.name);
    xhr.send(form);
  });
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

export const api = {
  me: () => request<SignedIn>('GET', '/api/auth/me'),
  login: (login: string, password: string, totp?: string) => request<SignedIn>('POST', '/api/auth/login', { login, password, ...(totp ? { totp } : {}) }),
  logout: () => request<{ ok: boolean }>('POST', '/api/auth/logout'),
  logoutAll: () => request<{ ok: boolean }>('POST', '/api/auth/logout-all'),
  conversations: (filter: ConversationQuery) =>
    request<ConversationPage>('GET', `/api/v1/conversations${query({ limit: 200, ...filter })}`),
  conversation: (id: number) => request<Conversation>('GET', `/api/v1/conversations/${id}`),
  messages: (id: number, after?: number) => request<{ items: Message[] }>('GET', `/api/v1/conversations/${id}/messages${query({ after, limit: 500 })}`),
  window: (id: number) => request<ReplyWindow>('GET', `/api/v1/conversations/${id}/window`),
  requestContactInfo: (id: number) => request<ReplyQueued>('POST', `/api/v1/conversations/${id}/request-contact-info`),
  send: (id: number, text: string, isPrivate: boolean, attachmentIds: number[] = []) =>
    request<ReplyQueued>('POST', `/api/v1/conversations/${id}/messages`, { ...(text ? { text } : {}), private: isPrivate, ...(attachmentIds.length ? { attachmentIds } : {}) }),
  change: (id: number, change: { status?: ConversationStatus; teamId?: number | null; assigneeId?: number | null; handler?: 'bot' | 'human' }) =>
    request<ConversationChanged>('PATCH', `/api/v1/conversations/${id}`, change),
  suggest: (text: string) => request<Suggestion>('POST', '/api/v1/router/answer', { text }),
  teams: () => request<Team[]>('GET', '/api/v1/teams'),
  agents: () => request<AgentRow[]>('GET', '/api/v1/agents'),
  allAgents: () => request<AgentRow[]>('GET', '/api/v1/agents?includeDisabled=true'),
  createAgent: (input: AgentInput) => request<AgentRow>('POST', '/api/v1/agents', input),
  updateAgent: (id: number, change: Partial<Pick<AgentInput, 'role' | 'capacity' | 'teams' | 'password'>> & { disabled?: boolean }) => request<AgentRow>('PATCH', `/api/v1/agents/${id}`, change),
  cannedAnswers: () => request<CannedAnswer[]>('GET', '/api/v1/canned-answers'),
  /** The canned answer's file as the caller's own upload, ready for a reply. */
  cannedFile: (id: number) => request<Upload>('POST', `/api/v1/canned-answers/${id}/file`),
  createCannedAnswer: (input: Pick<CannedAnswer, 'shortcut' | 'title' | 'body' | 'teamId' | 'attachmentId'>) => request<CannedAnswer>('POST', '/api/v1/canned-answers', input),
  updateCannedAnswer: (id: number, change: Partial<Pick<CannedAnswer, 'shortcut' | 'title' | 'body' | 'teamId' | 'attachmentId'>>) => request<CannedAnswer>('PATCH', `/api/v1/canned-answers/${id}`, change),
  deleteCannedAnswer: (id: number) => request<null>('DELETE', `/api/v1/canned-answers/${id}`),
  labels: () => request<Label[]>('GET', '/api/v1/labels'),
  createLabel: (input: Omit<Label, 'id'>) => request<Label>('POST', '/api/v1/labels', input),
  updateLabel: (id: number, change: Partial<Pick<Label, 'name' | 'color'>>) => request<Label>('PATCH', `/api/v1/labels/${id}`, change),
  deleteLabel: (id: number) => request<null>('DELETE', `/api/v1/labels/${id}`),
  setLabel: (conversationId: number, labelId: number, on: boolean) =>
    request<ConversationLabels>(on ? 'PUT' : 'DELETE', `/api/v1/conversations/${conversationId}/labels/${labelId}`),
  contact: (id: number) => request<ContactDetail>('GET', `/api/v1/contacts/${id}`),
  searchContacts: (q: string) => request<{ items: ContactMatch[] }>('GET', `/api/v1/contacts${query({ q })}`),
  updateContact: (id: number, change: { name?: string | null; phone?: string | null; email?: string | null }) => request<ContactDetail>('PATCH', `/api/v1/contacts/${id}`, change),
  mergeContact: (keptId: number, mergedId: number) => request<ContactDetail>('POST', `/api/v1/contacts/${keptId}/merge`, { contactId: mergedId }),
  inboxes: () => request<InboxRow[]>('GET', '/api/v1/inboxes'),
  /** Every channel the gateway knows, with its names (each channel declares them in its own folder). */
  channels: () => request<ChannelsResponse>('GET', '/api/v1/channels'),
  signInState: (inboxId: number) => request<SignInState>('GET', `/api/v1/inboxes/${inboxId}/sign-in`),
  beginSignIn: (inboxId: number) => request<SignInState>('POST', `/api/v1/inboxes/${inboxId}/sign-in`),
  businessHours: () => request<BusinessHoursView>('GET', '/api/v1/business-hours'),
  knowledgeBase: () => request<KnowledgeSummary[]>('GET', '/api/v1/knowledge-base'),
  knowledgeEntry: (id: string) => request<KnowledgeEntry>('GET', `/api/v1/knowledge-base/${encodeURIComponent(id)}`),
  saveKnowledgeEntry: (id: string, entry: Record<string, unknown>) => request<KnowledgeSaved>('PUT', `/api/v1/knowledge-base/${encodeURIComponent(id)}`, entry),
  reloadKnowledgeBase: () => request<KnowledgeReloaded>('POST', '/api/v1/knowledge-base/reload'),
  changePassword: (current: string, next: string) => request<PasswordChanged>('POST', '/api/auth/password', { current, next }),
  beginMfa: () => request<MfaSetup>('POST', '/api/auth/mfa/setup'),
  reviewKnowledgeEntry: (id: string, review: { against: string; reviewBy?: string }) => request<{ id: string; reviewState: string }>('POST', `/api/v1/knowledge-base/${encodeURIComponent(id)}/review`, review),
  consideredEntries: (conversationId: number) => request<Considered>('GET', `/api/v1/conversations/${conversationId}/considered-entries`),
  sendConsideredEntry: (conversationId: number, entryId: string) => request<{ messageId: number }>('POST', `/api/v1/conversations/${conversationId}/considered-entries/${encodeURIComponent(entryId)}/send`),
  enableMfa: (code: string) => request<{ ok: boolean }>('POST', '/api/auth/mfa/enable', { code }),
};
