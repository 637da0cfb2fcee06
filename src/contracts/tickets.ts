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
  /** Codes of the tickets answered after their deadline. */
  lateCodes: string[];
  /** Codes of the tickets still open past their deadline. */
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

/**
 * One level's turn with a printed ticket: who held it, by when, how it ended and who signed.
 * Instants are `I`: ISO strings on the wire, `Date` in the desk that builds it (one declaration
 * for both, since the PDF is laid out from the same model).
 */
export interface PrintedStageOf<I> {
  level: 1 | 2 | 3 | 4;
  /** The unit holding it (null at the hotline's own level). */
  unitName: string | null;
  /** When the ticket reached this level. */
  from: I;
  /** The deadline in force while it was here (null at level 1, which has none). */
  deadline: I | null;
  outcome: 'answered' | 'forwarded' | 'escalated' | 'sent_back' | 'reopened' | 'open';
  endedAt: I | null;
  /** Who answered, forwarded, escalated or sent it back. */
  signedBy: string | null;
  /** The answer, or the reason it was sent back. */
  text: string | null;
}

export type PrintedStage = PrintedStageOf<string>;

/**
 * A ticket laid out for paper (`GET /api/v1/tickets/:id/print`; the PDF at `print.pdf` holds the
 * same): only what the reader may read of it, the citizen masked or hidden as on their screen.
 */
export interface PrintedTicketOf<I> {
  /** The administrative header: the national motto and the organisation (the deployment's name). */
  header: { country: string; motto: string; organisation: string };
  id: number;
  code: string;
  type: TicketType;
  channel: string;
  tthc: boolean;
  field: string | null;
  status: TicketStatus;
  level: 1 | 2 | 3 | 4;
  unitName: string | null;
  receivedAt: I;
  answeredAt: I | null;
  closedAt: I | null;
  /** The citizen as far as the reader may see them; null when the ticket has no contact or hides it. */
  citizen: { name: string | null; phone: string | null; email: string | null } | null;
  /** A denunciation read by the handling unit: the reporter is not printed (SECURITY.md item 6). */
  reporterHidden: boolean;
  subject: string;
  body: string | null;
  stages: PrintedStageOf<I>[];
  satisfaction: Satisfaction | null;
  satisfactionComment: string | null;
  printedAt: I;
  printedBy: string;
}

export type PrintedTicket = PrintedTicketOf<string>;

/** The yearly report (`GET /api/v1/reports/yearly?year=YYYY`): the months side by side and their sums. */
export interface YearlyReport {
  year: number;
  rounding: 'half-up' | 'truncate';
  months: MonthlyReport[];
  totals: Pick<MonthlyReport, 'calls' | 'interactions' | 'tickets' | 'tthcTickets' | 'ticketsByChannel' | 'byType' | 'byField' | 'byLevel' | 'inProgress' | 'answered' | 'deadlines' | 'satisfaction'>;
  lateByUnit: UnitLateness[];
  care: MonthlyReport['care'];
}
