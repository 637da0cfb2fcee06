// What the other desks and the inbox may use of the ticket desk; the rest is its own.
export { createTicketDesk, type TicketDesk } from './ticket-desk.ts';
export { canSee, isOperator, type Level } from './ticket-rules.ts';
export type { TicketPrincipal } from './tickets.ts';
export { monthRange } from './monthly-report.ts';
export { requireOperator, ticketPrincipalOf } from './principal.ts';
export * as callSchemas from './call-schemas.ts';
