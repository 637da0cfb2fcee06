// The customer-care API as the inbox uses it (src/desks/care/api.ts): dossier import, campaigns,
// the operators' call queue, field visits and results.
import { ApiError, currentCsrfToken, query, request } from '../api.ts';
import type { NoticeTemplateInfo } from '../../../../src/contracts/notice-templates.ts';
import type { AnswerValue, CampaignCreated, CampaignDetail, CampaignInput, CampaignResults, CampaignSummary, DeskLevel, DossierPage, DossierSearch, ImportResult, MappingList, NotifyResult, Outcome, Questionnaire, TargetCard, TargetTicket, Template } from '../../../../src/contracts/care.ts';
export type { DeskLevel, Template, StratifyBy, Outcome, Satisfaction, AnswerValue, Question, Questionnaire, Attempt, TargetCard, Stratum, CampaignSummary, CampaignDetail, CampaignInput, CampaignCreated, ImportResult, DossierRow, DossierSearch, NotifyResult, Group, CampaignResults, MappingList, DossierPage, TargetTicket } from '../../../../src/contracts/care.ts';
export type { NoticeTemplateInfo } from '../../../../src/contracts/notice-templates.ts';

export const deskLevels: DeskLevel[] = ['province', 'district', 'commune'];
const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const careApi = {
  /** Sends the file as it is: the server reads CSV or XLSX by its content type. */
  importDossiers: async (file: File, mapping: string): Promise<ImportResult> => {
    const type = /\.xlsx$/i.test(file.name) ? xlsxType : 'text/csv';
    const res = await fetch(`/api/v1/dossiers/import${mapping ? `?mapping=${encodeURIComponent(mapping)}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': type, 'x-csrf-token': currentCsrfToken(), accept: 'application/json' },
      body: file,
      credentials: 'same-origin',
    });
    const body = (await res.json().catch(() => ({}))) as ImportResult & { code?: string; message?: string };
    if (!res.ok) throw new ApiError(res.status, body.code ?? String(res.status), body.message ?? res.statusText);
    return body;
  },
  mappings: () => request<MappingList>('GET', '/api/v1/dossiers/mappings'),
  /** Imported dossiers, newest first; `before` is the previous page's `nextBefore`. */
  dossiers: (search: DossierSearch, page: { before?: number; limit?: number } = {}) =>
    request<DossierPage>('GET', `/api/v1/dossiers${query({ ...search, ...page })}`),
  template: (name: Template) => request<Questionnaire>('GET', `/api/v1/care/templates/${name}`),
  noticeTemplates: () => request<NoticeTemplateInfo[]>('GET', '/api/v1/notice-templates'),
  campaigns: () => request<{ items: CampaignSummary[] }>('GET', '/api/v1/campaigns'),
  campaign: (id: number) => request<CampaignDetail>('GET', `/api/v1/campaigns/${id}`),
  create: (input: CampaignInput) => request<CampaignCreated>('POST', '/api/v1/campaigns', input),
  notify: (id: number, limit: number) => request<NotifyResult>('POST', `/api/v1/campaigns/${id}/notify?limit=${limit}`),
  close: (id: number) => request<{ id: number; status: 'closed' }>('POST', `/api/v1/campaigns/${id}/close`),
  assignVisits: (id: number, agentIds: number[]) => request<{ assigned: number }>('POST', `/api/v1/campaigns/${id}/visits/assign`, { agentIds }),
  /** The next citizen, held for this operator; null when nobody is due (204). */
  next: (id: number) => request<TargetCard | null>('GET', `/api/v1/campaigns/${id}/queue/next`),
  record: (targetId: number, input: { outcome: Outcome; answers?: Record<string, AnswerValue>; callBackAt?: string; note?: string; durationSeconds?: number }) =>
    request<TargetCard>('POST', `/api/v1/campaign-targets/${targetId}/attempts`, input),
  visits: () => request<{ items: TargetCard[] }>('GET', '/api/v1/care/visits'),
  results: (id: number) => request<CampaignResults>('GET', `/api/v1/campaigns/${id}/results`),
  toTicket: (targetId: number) => request<TargetTicket>('POST', `/api/v1/campaign-targets/${targetId}/ticket`, {}),
  resultsXlsxUrl: (id: number) => `/api/v1/campaigns/${id}/results?format=xlsx`,
};

/**
 * The answers a questionnaire form holds, typed as the server checks them: the scale as a number,
 * yes/no as a boolean, empty answers left out. Returns the required questions left unanswered too.
 */
export function answersFrom(questionnaire: Questionnaire, values: Record<string, string>): { answers: Record<string, AnswerValue>; missing: string[] } {
  const answers: Record<string, AnswerValue> = {};
  const missing: string[] = [];
  for (const q of questionnaire.questions) {
    const raw = (values[q.key] ?? '').trim();
    if (raw === '') {
      if (q.required) missing.push(q.key);
      continue;
    }
    answers[q.key] = q.kind === 'scale' ? Number(raw) : q.kind === 'yesno' ? raw === 'yes' : raw;
  }
  return { answers, missing };
}

/** A stored phone (84xxxxxxxxx) as Vietnamese write it: 0912 345 678 (a landline 0277 310 2200). */
export function phoneText(phone: string | null): string {
  if (!phone) return '';
  const national = /^84\d{9,10}$/.test(phone) ? `0${phone.slice(2)}` : phone;
  return /^0\d{9,10}$/.test(national) ? `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}` : national;
}

/** A day as dd/mm/yyyy in Viet Nam's time zone, whatever the browser's. */
export function dayText(iso: string | null): string {
  if (!iso) return '';
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh', day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')}/${part('month')}/${part('year')}`;
}

export type ReasonKey = 'missingCode' | 'codeTooLong' | 'badDate' | 'badPhone' | 'badEmail' | 'badLevel' | 'repeated';

/**
 * A bad row's reason, as the server words it in English (for the API and the CLI), read back into
 * a catalogue key and its values so the screen says it in the agent's language; null when the
 * wording is not one of these (the screen then shows it as it came).
 */
export function importReason(reason: string): { key: ReasonKey; params: Record<string, string> } | null {
  const patterns: Array<[RegExp, ReasonKey, string[]]> = [
    [/^missing dossier code$/, 'missingCode', []],
    [/^dossier code longer than (\d+) characters$/, 'codeTooLong', ['max']],
    [/^unreadable (\w+) "(.*)" \(/, 'badDate', ['field', 'value']],
    [/^not a Vietnamese phone number "(.*)"$/, 'badPhone', ['value']],
    [/^not an email address "(.*)"$/, 'badEmail', ['value']],
    [/^unknown desk level "(.*)" \(/, 'badLevel', ['value']],
    [/^dossier code repeated \(first on line (\d+)\)$/, 'repeated', ['line']],
  ];
  for (const [pattern, key, names] of patterns) {
    const m = pattern.exec(reason);
    if (m) return { key, params: Object.fromEntries(names.map((name, i) => [name, m[i + 1]!])) };
  }
  return null;
}
