import type { FastifyRequest } from 'fastify';
import { actorOf } from '../../core/http/auth.ts';
import { HttpError } from '../../core/errors.ts';
import { isOperator } from './ticket-rules.ts';
import type { TicketPrincipal } from './tickets.ts';

/**
 * The caller as the ticket and care rules see them: an integration token acts as the hotline
 * (an admin token as an admin), a person with their role and the units they work for.
 */
export async function ticketPrincipalOf(request: FastifyRequest, unitIdsOf: (agentId: number) => Promise<number[]>): Promise<TicketPrincipal> {
  const p = request.principal!;
  if (p.kind === 'token') return { role: p.role === 'admin' ? 'admin' : 'agent', unitIds: [], agentId: null, name: `API ${p.name}`, auditActor: actorOf(request) };
  return { role: p.role, unitIds: await unitIdsOf(p.agentId), agentId: p.agentId, name: p.displayName, auditActor: actorOf(request) };
}

/** Refuses anyone but the hotline's own staff (unit staff and the province leadership included). */
export function requireOperator(principal: TicketPrincipal, why = 'this is for the hotline\u2019s staff'): void {
  if (!isOperator(principal)) throw new HttpError(403, 'forbidden', why);
}
