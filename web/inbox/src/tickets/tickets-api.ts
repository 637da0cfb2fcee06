// The tickets, calls and report API as the inbox uses it.
import { currentCsrfToken, request } from '../api.ts';
import type { Call, CallLogged, MonthlyReport, PrintedTicket, Ticket, TicketAction, TicketCreated, TicketFile, TicketMoved, TicketPage, TicketQuery, TicketStatus, TicketSummary, TicketType, Unit, YearlyReport } from '../../../../src/contracts/tickets.ts';
export type { TicketType, TicketStatus, TicketAction, Satisfaction, TicketSummary, TicketFile, TicketEvent, Ticket, Unit, Call, ReportRate, MonthTotals, MonthlyReport, TicketQuery, TicketPage, TicketCreated, TicketMoved, CallLogged, UnitLateness, PrintedTicket, PrintedStage, YearlyReport } from '../../../../src/contracts/tickets.ts';

export const ticketTypes: TicketType[] = ['question', 'complaint', 'petition', 'suggestion', 'denunciation'];
export const ticketStatuses: TicketStatus[] = ['new', 'in_progress', 'waiting_unit', 'answered', 'closed'];

const query = (params: Record<string, string | number | boolean | undefined>) => {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '' && value !== false) q.set(key, String(value));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const ticketsApi = {
  list: (filter: TicketQuery) => request<TicketPage>('GET', `/api/v1/tickets${query({ limit: 100, ...filter })}`),
  get: (id: number) => request<Ticket>('GET', `/api/v1/tickets/${id}`),
  create: (input: { type: TicketType; subject: string; body?: string; tthc?: boolean; field?: string; conversationId?: number; callId?: number; channel?: string }) =>
    request<TicketCreated>('POST', '/api/v1/tickets', input),
  act: (id: number, action: TicketAction, extra: { unitId?: number; comment?: string; attachments?: TicketFile[] } = {}) => request<TicketMoved>('POST', `/api/v1/tickets/${id}/actions`, { action, ...extra }),
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
    request<CallLogged>('POST', '/api/v1/calls', input),
  report: (month: string) => request<MonthlyReport>('GET', `/api/v1/reports/monthly${query({ month })}`),
  yearly: (year: number) => request<YearlyReport>('GET', `/api/v1/reports/yearly${query({ year })}`),
  printed: (id: number) => request<PrintedTicket>('GET', `/api/v1/tickets/${id}/print`),
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
