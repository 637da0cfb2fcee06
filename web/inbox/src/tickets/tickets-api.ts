// The tickets, calls and report API as the inbox uses it.
import { currentCsrfToken, request } from '../api.ts';

export type TicketType = 'question' | 'complaint' | 'petition' | 'suggestion' | 'denunciation';
export type TicketStatus = 'new' | 'in_progress' | 'waiting_unit' | 'answered' | 'closed';
export type TicketAction = 'take' | 'forward' | 'accept' | 'escalate' | 'send_back' | 'answer' | 'close' | 'reopen';
export type Satisfaction = 'satisfied' | 'not_satisfied' | 'no_response';
export const ticketTypes: TicketType[] = ['question', 'complaint', 'petition', 'suggestion', 'denunciation'];
export const ticketStatuses: TicketStatus[] = ['new', 'in_progress', 'waiting_unit', 'answered', 'closed'];

export interface TicketSummary {
  id: number;
  code: string;
  channel: string;
  conversationId: number | null;
  callId: number | null;
  type: TicketType;
  tthc: boolean;
  field: string | null;
  unitId: number | null;
  unitName: string | null;
  level: 1 | 2 | 3 | 4;
  status: TicketStatus;
  subject: string;
  deadline: string | null;
  receivedAt: string;
  answeredAt: string | null;
  satisfaction: Satisfaction | null;
  overdue: boolean;
}

export interface TicketFile {
  key: string;
  name: string | null;
  mimeType: string | null;
  size: number | null;
}

export interface TicketEvent {
  id: number;
  at: string;
  actorName: string;
  action: string;
  fromLevel: number | null;
  toLevel: number | null;
  fromStatus: string | null;
  toStatus: string | null;
  fromUnitId: number | null;
  toUnitId: number | null;
  comment: string | null;
  attachments: TicketFile[] | null;
}

export interface Ticket extends TicketSummary {
  body: string | null;
  answer: string | null;
  satisfactionComment: string | null;
  contact: { name: string | null; phone: string | null; email: string | null } | null;
  reporterHidden: boolean;
  history: TicketEvent[];
}

export interface Unit {
  id: number;
  key: string;
  name: string;
  kind: 'province' | 'department' | 'commune' | 'ward' | 'other';
  parentId: number | null;
}

export interface Call {
  id: number;
  direction: 'in' | 'out';
  number: string;
  startedAt: string;
  durationSeconds: number;
  notes: string | null;
  source: string;
}

export interface ReportRate {
  count: number;
  percent: number;
}

export interface MonthTotals {
  month: string;
  calls: { in: number; out: number; total: number };
  interactions: { total: number; byChannel: Record<string, number> };
  tickets: number;
  tthcTickets: number;
}

export interface UnitLateness {
  unitId: number | null;
  unitName: string | null;
  level: number;
  received: number;
  onTime: number;
  late: number;
  openOverdue: number;
  lateCodes: string[];
  openOverdueCodes: string[];
}

export interface MonthlyReport extends MonthTotals {
  care: { calls: number; visits: number; answered: number; tickets: number; satisfied: ReportRate; notSatisfied: ReportRate } | null;
  rounding: 'half-up' | 'truncate';
  ticketsByChannel: Record<string, number>;
  byType: Record<string, number>;
  byField: Record<string, number>;
  byUnit: Array<{ unitId: number | null; unitName: string | null; count: number }>;
  byLevel: Record<string, number>;
  inProgress: number;
  answered: number;
  deadlines: { onTime: number; late: number; openOverdue: number };
  /** Late handling per unit and level, with the codes behind each late figure. */
  lateByUnit: UnitLateness[];
  satisfaction: { base: number; satisfied: ReportRate; notSatisfied: ReportRate; noResponse: ReportRate; awaiting: number };
  previous: MonthTotals;
  change: { tickets: number; calls: number; interactions: number };
}

export interface TicketQuery {
  status?: TicketStatus;
  level?: number;
  overdue?: boolean;
  dueSoon?: boolean;
  conversationId?: number;
  beforeId?: number;
}

const query = (params: Record<string, string | number | boolean | undefined>) => {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '' && value !== false) q.set(key, String(value));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const ticketsApi = {
  list: (filter: TicketQuery) => request<{ items: TicketSummary[]; nextBeforeId: number | null }>('GET', `/api/v1/tickets${query({ limit: 100, ...filter })}`),
  get: (id: number) => request<Ticket>('GET', `/api/v1/tickets/${id}`),
  create: (input: { type: TicketType; subject: string; body?: string; tthc?: boolean; field?: string; conversationId?: number; callId?: number; channel?: string }) =>
    request<{ id: number; code: string }>('POST', '/api/v1/tickets', input),
  act: (id: number, action: TicketAction, extra: { unitId?: number; comment?: string; attachments?: TicketFile[] } = {}) => request<{ id: number; level: number; status: TicketStatus }>('POST', `/api/v1/tickets/${id}/actions`, { action, ...extra }),
  rate: (id: number, satisfaction: 'satisfied' | 'not_satisfied', comment?: string) => request<{ recorded: boolean }>('POST', `/api/v1/tickets/${id}/satisfaction`, { satisfaction, ...(comment ? { comment } : {}) }),
  upload: async (id: number, file: File): Promise<TicketFile> => {
    const res = await fetch(`/api/v1/tickets/${id}/attachments?name=${encodeURIComponent(file.name)}`, {
      method: 'POST',
      headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': currentCsrfToken() },
      body: file,
      credentials: 'same-origin',
    });
    const body = (await res.json()) as TicketFile & { message?: string };
    if (!res.ok) throw new Error(body.message ?? res.statusText);
    return { key: body.key, name: body.name, mimeType: body.mimeType, size: body.size };
  },
  units: () => request<{ items: Unit[] }>('GET', '/api/v1/units'),
  myUnits: () => request<{ unitIds: number[] }>('GET', '/api/v1/units/mine'),
  calls: (month?: string) => request<{ items: Call[] }>('GET', `/api/v1/calls${query({ month, limit: 100 })}`),
  logCall: (input: { direction: 'in' | 'out'; number: string; durationSeconds: number; notes?: string; ticket?: { type: TicketType; subject: string; tthc?: boolean; field?: string } }) =>
    request<{ id: number; ticket: { id: number; code: string } | null }>('POST', '/api/v1/calls', input),
  report: (month: string) => request<MonthlyReport>('GET', `/api/v1/reports/monthly${query({ month })}`),
};

/** Which actions a person may try on a ticket, as the server's rules allow them (it checks again). */
export function actionsFor(role: string, unitIds: number[] | null, ticket: Pick<TicketSummary, 'level' | 'status' | 'unitId'>): TicketAction[] {
  const operator = role === 'agent' || role === 'supervisor' || role === 'admin';
  const open = ticket.status !== 'answered' && ticket.status !== 'closed';
  const inUnit = ticket.unitId !== null && (unitIds ?? []).includes(ticket.unitId);
  const holds =
    (ticket.level === 1 && operator) ||
    (ticket.level === 2 && (role === 'unit_officer' || role === 'unit_leader') && inUnit) ||
    (ticket.level === 3 && role === 'unit_leader' && inUnit) ||
    (ticket.level === 4 && role === 'province_leader');
  const actions: TicketAction[] = [];
  if (operator && ticket.level === 1 && ticket.status === 'new') actions.push('take');
  if (operator && ticket.level === 1 && open) actions.push('forward');
  if (holds && ticket.level > 1 && ticket.status === 'waiting_unit') actions.push('accept');
  if (holds && open && (ticket.level === 2 || (ticket.level === 3 && role === 'unit_leader'))) actions.push('escalate');
  if (holds && open && ticket.level > 1) actions.push('send_back');
  if (holds && open) actions.push('answer');
  if (operator && ticket.status === 'answered') actions.push('close');
  if (operator && !open) actions.push('reopen');
  return actions;
}
