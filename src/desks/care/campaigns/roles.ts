import { HttpError } from '../../../core/errors.ts';
import { isOperator, type TicketPrincipal } from '../../tickets/index.ts';

// Who may do what with campaigns, in one place: the hotline's operators work them, supervisors
// (and admins) create, announce, staff and close them. Unit staff never see a campaign.

/** Agents, supervisors and admins: calling, visiting, recording, opening tickets. */
export function requireOperator(by: TicketPrincipal): void {
  if (!isOperator(by)) throw new HttpError(403, 'forbidden', 'campaigns are the hotline\u2019s work');
}

/** Supervisors and admins: creating, announcing, assigning visits, closing. */
export function requireSupervisor(by: TicketPrincipal): void {
  if (by.role !== 'admin' && by.role !== 'supervisor') throw new HttpError(403, 'forbidden', 'this needs a supervisor');
}
