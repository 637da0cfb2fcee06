// Who may move a ticket where. Pure: the service loads the ticket and the actor, asks here, and
// writes what comes back, so every rule is table-tested without a store.
import type { Role } from '../../core/accounts/accounts.ts';
import type { ticketTypes } from '../../core/config/file-schema.ts';

export type TicketType = (typeof ticketTypes)[number];
/** mới / đang xử lý / chờ đơn vị / đã trả lời / đóng */
export type TicketStatus = 'new' | 'in_progress' | 'waiting_unit' | 'answered' | 'closed';
/** 1 operator, 2 unit, 3 unit leadership, 4 province leadership. */
export type Level = 1 | 2 | 3 | 4;
export type Satisfaction = 'satisfied' | 'not_satisfied' | 'no_response';
export type TicketAction = 'take' | 'forward' | 'accept' | 'escalate' | 'send_back' | 'answer' | 'close' | 'reopen';

export const ticketStatuses: readonly TicketStatus[] = ['new', 'in_progress', 'waiting_unit', 'answered', 'closed'];
export const ticketActions: readonly TicketAction[] = ['take', 'forward', 'accept', 'escalate', 'send_back', 'answer', 'close', 'reopen'];

/** Whoever acts: an operator of the hotline, unit staff (with their units), or an integration. */
export interface TicketActor {
  role: Role;
  unitIds: readonly number[];
}

export interface TicketState {
  level: Level;
  status: TicketStatus;
  unitId: number | null;
  type: TicketType;
}

export interface TransitionInput {
  action: TicketAction;
  /** forward: the responsible unit. */
  unitId?: number;
  /** send_back needs a reason; answer needs the answer. */
  comment?: string;
}

export type DeadlineLevel = 'unit' | 'unitLeadership' | 'provinceLeadership';

export interface Transition {
  level: Level;
  status: TicketStatus;
  unitId: number | null;
  /** Set the deadline from this level's working days, keep it, or clear it. */
  deadline: DeadlineLevel | 'keep' | 'clear';
  answered: boolean;
  closed: boolean;
}

export type Refusal = 'forbidden' | 'invalid_state' | 'unit_required' | 'comment_required';

const operatorRoles: ReadonlySet<Role> = new Set(['admin', 'supervisor', 'agent']);
/** The hotline's own staff (level 1), as opposed to units and the province leadership. */
export const isOperator = (actor: Pick<TicketActor, 'role'>) => operatorRoles.has(actor.role);
const inUnit = (actor: TicketActor, unitId: number | null) => unitId !== null && actor.unitIds.includes(unitId);
const open = (status: TicketStatus) => status !== 'answered' && status !== 'closed';

const levelDeadline: Record<Level, DeadlineLevel | 'clear'> = { 1: 'clear', 2: 'unit', 3: 'unitLeadership', 4: 'provinceLeadership' };

/** Whether this actor is the one who holds a ticket at its current level. */
export function holdsLevel(actor: TicketActor, ticket: Pick<TicketState, 'level' | 'unitId'>): boolean {
  switch (ticket.level) {
    case 1:
      return isOperator(actor);
    case 2:
      return (actor.role === 'unit_officer' || actor.role === 'unit_leader') && inUnit(actor, ticket.unitId);
    case 3:
      return actor.role === 'unit_leader' && inUnit(actor, ticket.unitId);
    case 4:
      return actor.role === 'province_leader';
  }
}

/**
 * Which tickets a person may see: the hotline's staff all of them; unit staff those at their
 * unit (SECURITY.md item 5); the province leadership those escalated to it.
 */
export function canSee(actor: TicketActor, ticket: Pick<TicketState, 'level' | 'unitId'>): boolean {
  if (isOperator(actor)) return true;
  if (actor.role === 'province_leader') return ticket.level === 4;
  return ticket.level >= 2 && inUnit(actor, ticket.unitId);
}

/** Whether the reporter's identity and contact details may be shown (SECURITY.md item 6). */
export function mayIdentifyReporter(actor: TicketActor, ticket: Pick<TicketState, 'type'>): boolean {
  return isOperator(actor) || ticket.type !== 'denunciation';
}

/** What an action does to a ticket, or why it may not. */
export function decideTransition(ticket: TicketState, actor: TicketActor, input: TransitionInput): Transition | Refusal {
  const same = { level: ticket.level, unitId: ticket.unitId, deadline: 'keep' as const, answered: false, closed: false };
  switch (input.action) {
    case 'take':
      if (!isOperator(actor)) return 'forbidden';
      if (ticket.level !== 1 || ticket.status !== 'new') return 'invalid_state';
      return { ...same, status: 'in_progress' };
    case 'forward':
      if (!isOperator(actor)) return 'forbidden';
      if (ticket.level !== 1 || !open(ticket.status)) return 'invalid_state';
      if (input.unitId === undefined) return 'unit_required';
      return { ...same, level: 2, unitId: input.unitId, status: 'waiting_unit', deadline: 'unit' };
    case 'accept':
      if (ticket.level === 1 || !holdsLevel(actor, ticket)) return 'forbidden';
      if (ticket.status !== 'waiting_unit') return 'invalid_state';
      return { ...same, status: 'in_progress' };
    case 'escalate': {
      if (!holdsLevel(actor, ticket)) return 'forbidden';
      if (!open(ticket.status) || ticket.level === 1 || ticket.level === 4) return 'invalid_state';
      // An officer hands up to their leadership; only the leadership hands up to the province.
      if (ticket.level === 3 && actor.role !== 'unit_leader') return 'forbidden';
      const level = (ticket.level + 1) as Level;
      return { ...same, level, status: 'waiting_unit', deadline: levelDeadline[level] };
    }
    case 'send_back': {
      if (!holdsLevel(actor, ticket) || ticket.level === 1) return 'forbidden';
      if (!open(ticket.status)) return 'invalid_state';
      if (!input.comment?.trim()) return 'comment_required';
      const level = (ticket.level - 1) as Level;
      // Back at the hotline the ticket belongs to no unit; a unit gets it back to work on.
      return level === 1
        ? { ...same, level, unitId: null, status: 'in_progress', deadline: 'clear' }
        : { ...same, level, status: 'in_progress', deadline: 'keep' };
    }
    case 'answer':
      if (!holdsLevel(actor, ticket)) return 'forbidden';
      if (!open(ticket.status)) return 'invalid_state';
      if (!input.comment?.trim()) return 'comment_required';
      return { ...same, status: 'answered', answered: true };
    case 'close':
      if (!isOperator(actor)) return 'forbidden';
      if (ticket.status !== 'answered') return 'invalid_state';
      return { ...same, status: 'closed', closed: true };
    case 'reopen':
      // A citizen who was not satisfied is heard again at the hotline, which decides where it goes.
      if (!isOperator(actor)) return 'forbidden';
      if (open(ticket.status)) return 'invalid_state';
      return { ...same, level: 1, unitId: null, status: 'in_progress', deadline: 'clear' };
  }
}
