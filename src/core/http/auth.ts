import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AgentPrincipal, Accounts } from '../accounts/accounts.ts';
import { authenticateToken, type TokenPrincipal } from '../api-tokens.ts';
import { HttpError } from '../errors.ts';
import type { Conversations } from '../conversations.ts';
import type { Store } from '../store/store.ts';

export const sessionCookie = 'gw_session';

/** Who is calling: an integration's API token, or a person signed in to the inbox. */
export type Principal = ({ kind: 'token' } & TokenPrincipal) | ({ kind: 'agent' } & AgentPrincipal);

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Every route of the plugin it is added to needs a principal: a bearer API token, or the session
 * cookie of a signed-in agent. Cookie-authenticated changes also need the CSRF token (header
 * `x-csrf-token`); an admin who has not set up MFA may do nothing else until they do.
 */
export function requirePrincipal(app: FastifyInstance, deps: { store: Store; accounts: Accounts }): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (bearer) {
      const token = await authenticateToken(deps.store, bearer[1]!);
      if (!token) throw new HttpError(401, 'unauthorized', 'a valid bearer token is required');
      request.principal = { kind: 'token', ...token };
      return;
    }
    const cookie = request.cookies[sessionCookie];
    const agent = cookie ? await deps.accounts.resolveSession(cookie) : null;
    if (!agent) throw new HttpError(401, 'unauthorized', 'sign in or use a bearer token');
    if (agent.mfaSetupRequired) throw new HttpError(403, 'mfa_setup_required', 'set up two-factor sign-in first (/api/auth/mfa)');
    request.principal = { kind: 'agent', ...agent };
    if (unsafe.has(request.method)) await checkCsrf(app, request, reply);
  });
}

export function checkCsrf(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  return new Promise((resolve, reject) =>
    app.csrfProtection(request, reply, (error?: Error) => (error ? reject(new HttpError(403, 'csrf', 'missing or invalid CSRF token')) : resolve())),
  );
}

export const actorOf = (request: FastifyRequest) => {
  const p = request.principal;
  return p?.kind === 'agent' ? `agent:${p.agentId}` : `token:${p?.name ?? 'unknown'}`;
};

export const isAdmin = (p: Principal | null) => (p?.kind === 'token' ? p.role === 'admin' : p?.role === 'admin');

export function requireAdmin(request: FastifyRequest): void {
  if (!isAdmin(request.principal)) throw new HttpError(403, 'forbidden', 'this call needs an admin');
}

export function requireSupervisor(request: FastifyRequest): void {
  const p = request.principal;
  if (!(isAdmin(p) || (p?.kind === 'agent' && p.role === 'supervisor'))) throw new HttpError(403, 'forbidden', 'this call needs a supervisor');
}

/**
 * The conversations a principal may see: integrations and supervisors all; an agent only
 * their teams' and those assigned to them (SECURITY.md item 5).
 */
export function conversationScope(p: Principal | null): { teamIds: number[]; agentId: number } | null {
  if (!p || p.kind === 'token' || p.role === 'admin' || p.role === 'supervisor') return null;
  return { teamIds: p.teamIds, agentId: p.agentId };
}

/**
 * Loads a conversation the caller may see; an agent outside its team gets 403, and the refusal
 * is audited.
 */
export async function visibleConversation(conversations: Conversations, request: FastifyRequest, id: number) {
  const conversation = await conversations.get(id);
  const scope = conversationScope(request.principal);
  if (scope && !(conversation.assigneeId === scope.agentId || (conversation.teamId !== null && scope.teamIds.includes(conversation.teamId)))) {
    await conversations.audit({ actor: actorOf(request), action: 'conversation.denied', subjectType: 'conversation', subjectId: id });
    throw new HttpError(403, 'forbidden', 'this conversation belongs to another team');
  }
  return conversation;
}
