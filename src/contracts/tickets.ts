// The tickets, calls and monthly report API on the wire (src/desks/tickets/api.ts), as JSON
// (instants are ISO strings).

export type TicketType = 'question' | 'complaint' | 'petition' | 'suggestion' | 'denunciation';

export type TicketStatus = 'new' | 'in_progress' | 'waiting_unit' | 'answered' | 'closed';

export type TicketAction = 'take' | 'forward' | 'accept' | 'escalate' | 'send_back' | 'answer' | 'close' | 'reopen';

export type Satisfaction = 'satisfied' | 'not_satisfied' | 'no_response';

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

/** Calls have their own contract (the phone line); the list item is re-exported for the ticket screens. */
export type { Call } from './calls.ts';

/** A count and its share of a base, in percent with two decimals, rounded as configured. */
export interface ReportRate {
  count: number;
  percent: number;
}

export interface MonthTotals {
  month: string;
  calls: { in: number; out: number; total: number };
  /** Conversations on the written channels (everything but phone) with a citizen's message that month. */
  interactions: { total: number; byChannel: Record<string, number> };
  tickets: number;
  tthcTickets: number;
}

/** Late handling of one unit at one level in a period, with the ticket codes behind each late figure. */
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
  satisfaction: { base: number; satisfied: ReportRate; notSatisfied: ReportRate; noResponse: ReportRate; awaiting: number };
  previous: MonthTotals;
  change: { tickets: number; calls: number; interactions: number };
  /** Late handling per unit and level, with the codes behind each late figure. */
  lateByUnit: UnitLateness[];
}

export interface TicketQuery {
  status?: TicketStatus;
  level?: number;
  overdue?: boolean;
  dueSoon?: boolean;
  conversationId?: number;
  beforeId?: number;
}

/** A page of tickets, newest first; `nextBeforeId` asks for the next one. */
export interface TicketPage {
  items: TicketSummary[];
  nextBeforeId: number | null;
}

export interface TicketCreated {
  id: number;
  code: string;
}

/** Where a ticket stands after an action. */
export interface TicketMoved {
  id: number;
  level: number;
  status: TicketStatus;
}

/** A call logged, with the ticket opened from it when one was asked for. */
export interface CallLogged {
  id: number;
  /** The citizen found by the number, if they have written or called before. */
  contactId: number | null;
  ticket: TicketCreated | null;
}
