// Citizens' personal-data requests as the inbox uses them (src/desks/privacy/api.ts): the log of
// requests with their legal timers, the export of what is held about a contact, and its erasure.
import { ApiError, request } from '../api.ts';
import type { MessageKey, Translate } from '../i18n/index.ts';
import type { ErasureResult, NewPrivacyRequest, Outcome, PrivacyRequest, RequestKind } from '../../../../src/contracts/privacy.ts';
export type { RequestKind, Outcome, PrivacyRequest, ErasureResult, NewPrivacyRequest } from '../../../../src/contracts/privacy.ts';

export const requestKinds = ['access', 'correction', 'objection', 'erasure'] as const satisfies readonly RequestKind[];
/** How the request reached the hotline; the server also accepts a channel's name. */
export const receivedVias = ['phone', 'email', 'letter', 'in_person'] as const;
export const erasureCounts = ['messages', 'identities', 'files', 'dossiers', 'calls', 'campaignTargets', 'ticketsKept', 'optOutsKept', 'unusablePayloads'] as const;

export const privacyApi = {
  list: (open = false) => request<{ items: PrivacyRequest[] }>('GET', `/api/v1/privacy-requests${open ? '?open=true' : ''}`),
  get: (id: number) => request<PrivacyRequest>('GET', `/api/v1/privacy-requests/${id}`),
  create: (input: NewPrivacyRequest) => request<PrivacyRequest>('POST', '/api/v1/privacy-requests', input),
  acknowledge: (id: number) => request<PrivacyRequest>('POST', `/api/v1/privacy-requests/${id}/acknowledge`),
  link: (id: number, contactId: number) => request<PrivacyRequest>('POST', `/api/v1/privacy-requests/${id}/contact`, { contactId }),
  complete: (id: number, outcome: Outcome, note?: string) =>
    request<PrivacyRequest & { erasure?: ErasureResult }>('POST', `/api/v1/privacy-requests/${id}/complete`, { outcome, ...(note ? { note } : {}) }),
  /** The citizen's data as a JSON file: a plain link, so the browser saves it with the session cookie. */
  exportUrl: (contactId: number) => `/api/v1/contacts/${contactId}/personal-data`,
};

/** The form's date (yyyy-mm-dd, the agent's own day) as `today`, for the default and the limit. */
export function localDate(at = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
}

/**
 * When the request was received, for the API: nothing for today (received now, so the timers
 * start from this moment); an earlier day at noon of that day, safely inside it whatever the
 * browser's time zone is against the hotline's.
 */
export function receivedAtOf(date: string, today = localDate()): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || date === today) return undefined;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(y, m - 1, d, 12, 0, 0).toISOString();
}

/** dd/mm/yyyy in both languages, as Vietnamese forms write dates. */
export function day(iso: string | null, locale: string): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(iso));
}

/** Where a request stands, for the list and the detail: one key, said in words, not colour. */
export type RequestState = 'overdue' | 'ackOverdue' | 'open' | 'done' | 'refused';
export function stateOf(r: Pick<PrivacyRequest, 'completedAt' | 'outcome' | 'overdue' | 'acknowledgementOverdue'>): RequestState {
  if (r.completedAt) return r.outcome === 'refused' ? 'refused' : 'done';
  if (r.overdue) return 'overdue';
  if (r.acknowledgementOverdue) return 'ackOverdue';
  return 'open';
}

const knownErrors: Record<string, MessageKey> = {
  forbidden: 'privacy.error.forbidden',
  reason_required: 'privacy.error.reasonRequired',
  contact_required: 'privacy.error.contactRequired',
  request_completed: 'privacy.error.completed',
  received_in_future: 'privacy.error.future',
  not_found: 'privacy.error.notFound',
};

/** The server's refusal in the agent's language when it is one of this screen's; else as it came. */
export function privacyError(t: Translate, e: unknown): string {
  if (e instanceof ApiError && knownErrors[e.code]) return t(knownErrors[e.code]!);
  return t('app.error', { detail: e instanceof Error ? e.message : String(e) });
}
