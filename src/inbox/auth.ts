import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateToken, type TokenPrincipal } from '../core/api-tokens.ts';
import { HttpError } from '../core/errors.ts';
import type { Store } from '../core/store/store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: TokenPrincipal | null;
  }
}

/** Bearer API tokens for `/api/v1`: every route of the plugin it is added to needs one. */
export function requireApiToken(app: FastifyInstance, store: Store): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    const principal = match ? await authenticateToken(store, match[1]!) : null;
    if (!principal) throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
    request.principal = principal;
  });
}

export const actorOf = (request: FastifyRequest) => `token:${request.principal?.name ?? 'unknown'}`;

export function requireAdmin(request: FastifyRequest): void {
  if (request.principal?.role !== 'admin') throw new HttpError(403, 'forbidden', 'this call needs an admin token');
}
