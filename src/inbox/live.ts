import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { eq } from 'drizzle-orm';
import type { Accounts } from '../core/accounts/accounts.ts';
import type { EventBus, EventName, GatewayEvents } from '../core/events.ts';
import type { Store } from '../core/store/store.ts';
import { canSee, type Level } from '../desks/tickets/index.ts';
import { conversationScope, requirePrincipal } from '../core/http/auth.ts';
import { HttpError } from '../core/errors.ts';
import { both } from '../core/i18n/index.ts';
import { appendAudit } from '../core/audit.ts';
import { callerCard } from './caller-card.ts';

/** Events an inbox client follows; each carries the conversation it concerns, if any. */
const forwarded: EventName[] = ['message.created', 'message.updated', 'conversation.updated', 'conversation.assigned', 'conversation.handoff', 'conversation.labels', 'conversation.typing', 'agent.presence', 'attachment.updated'];
/** Alerts for the people who run the hotline: a broken channel connection, a lockout. */
const alerts: EventName[] = ['inbox.status', 'security.alert', 'privacy.deadline'];
const ticketEvents: EventName[] = ['ticket.updated', 'ticket.deadline', 'ticket.rated'];

const heartbeatMs = 30_000;

/**
 * The agents' live feed over WebSocket (`GET /api/v1/live`): what happens to the conversations
 * the signed-in agent may see, as JSON lines `{type, ...payload}`. The client sends
 * `{type: "presence", presence}` and `{type: "typing", conversationId}`. Closing the last socket
 * of an agent sets them offline, so the router stops assigning to a closed browser.
 */
export async function liveFeed(app: FastifyInstance, deps: { store: Store; events: EventBus; accounts: Accounts; unitIdsOf: (agentId: number) => Promise<number[]>; publicBaseUrl?: string | undefined }) {
  const { store, events } = deps;
  const { t } = store;
  requirePrincipal(app, deps);
  const socketsOf = new Map<number, Set<WebSocket>>();

  const setPresence = async (agentId: number, presence: 'online' | 'away' | 'offline') => {
    await store.tx((db) => db.update(t.agents).set({ presence, presenceAt: new Date() }).where(eq(t.agents.id, agentId)));
    events.emit('agent.presence', { agentId, presence });
  };

  const publicOrigin = deps.publicBaseUrl ? new URL(deps.publicBaseUrl).origin : null;
  /** Browsers send the session cookie with a WebSocket from any site: only the inbox's own pages
   * may open the feed (as the widget checks its sites); clients without an Origin are not browsers. */
  async function sameOrigin(request: FastifyRequest): Promise<void> {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (origin === `${request.protocol}://${request.host}` || origin === publicOrigin) return;
    throw new HttpError(403, 'origin_not_allowed', 'the live feed opens only from the inbox itself');
  }


  // Events of other nodes reach this one through Redis; while it is down they do not, and the
  // people watching are told so, and told to reload once it is back (what they missed is in the
  // store, not in the feed).
  let clusterState: GatewayEvents['cluster.status']['state'] = 'connected';
  const clusterFrame = (state: typeof clusterState) => JSON.stringify({ type: 'cluster.status', state, refresh: state === 'connected', notice: both(state === 'connected' ? 'live.cluster.recovered' : 'live.cluster.degraded') });
  events.on('cluster.status', (event) => (clusterState = event.state));


  app.get('/live', { websocket: true, preValidation: sameOrigin, schema: { tags: ['inbox'], summary: 'Live feed of conversation events (WebSocket)' } }, (socket: WebSocket, request: FastifyRequest) => {
    const principal = request.principal!;
    const scope = conversationScope(principal);
    const agentId = principal.kind === 'agent' ? principal.agentId : null;
    const teamOf = new Map<number, { teamId: number | null; assigneeId: number | null }>();

    // Team and assignee change over time: the cache holds only until the conversation's next event.
    async function visible(conversationId: number): Promise<boolean> {
      if (!scope) return true;
      let row = teamOf.get(conversationId);
      if (!row) {
        const [found] = await store.db.select({ teamId: t.conversations.teamId, assigneeId: t.conversations.assigneeId }).from(t.conversations).where(eq(t.conversations.id, conversationId)).limit(1);
        if (!found) return false;
        row = found;
        teamOf.set(conversationId, row);
      }
      return row.assigneeId === scope.agentId || (row.teamId !== null && scope.teamIds.includes(row.teamId));
    }

    const offs = forwarded.map((type) =>
      events.on(type, (payload: GatewayEvents[typeof type]) => {
        const conversationId = (payload as { conversationId?: number }).conversationId;
        if (conversationId !== undefined && type !== 'message.created' && type !== 'message.updated') teamOf.delete(conversationId);
        void (async () => {
          if (conversationId !== undefined && !(await visible(conversationId))) return;
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type, ...payload }));
        })().catch((err: unknown) => request.log.warn({ err }, 'live event not delivered'));
      }),
    );

    const overseer = principal.kind === 'token' ? principal.role === 'admin' : principal.role === 'admin' || principal.role === 'supervisor';
    if (overseer) {
      for (const type of alerts) {
        offs.push(events.on(type, (payload) => socket.readyState === socket.OPEN && socket.send(JSON.stringify({ type, ...payload }))));
      }
    }

    // Tickets: each person hears of those they may see (units their own, the province level 4);
    // supervisors also hear every rating, so a "not satisfied" reaches them at once.
    const unitIds = agentId === null ? Promise.resolve<number[]>([]) : deps.unitIdsOf(agentId);
    const ticketActor = async () => ({ role: principal.kind === 'token' ? ('admin' as const) : principal.role, unitIds: await unitIds });
    for (const type of ticketEvents) {
      offs.push(
        events.on(type, (payload) => {
          void (async () => {
            const ticket = payload as { level?: number; unitId?: number | null };
            const allowed = type === 'ticket.rated' ? overseer : canSee(await ticketActor(), { level: (ticket.level ?? 1) as Level, unitId: ticket.unitId ?? null });
            if (allowed && socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type, ...payload }));
          })().catch((err: unknown) => request.log.warn({ err }, 'live event not delivered'));
        }),
      );
    }

    offs.push(events.on('cluster.status', (event) => socket.readyState === socket.OPEN && socket.send(clusterFrame(event.state))));
    // The phone: the operator whose extension rings gets the caller's card at once (the screen
    // pop, audited as a read of the caller's details); they and the supervisors follow the call.
    // Call frames go out in the order the events came: the caller's card is read before the
    // pop is sent, and an answer heard meanwhile must not reach the screen first (the pop would
    // then show a call answered seconds ago as still ringing).
    let callFrames: Promise<void> = Promise.resolve();
    offs.push(
      events.on('call.updated', (payload) => {
        callFrames = callFrames.then(async () => {
          const own = agentId !== null && payload.agentId === agentId;
          if (socket.readyState !== socket.OPEN || !(own || overseer)) return;
          if (own && payload.ring) {
            const caller = await callerCard(store, payload.number, payload.contactId);
            await store.tx((db) => appendAudit(store, db, { actor: `agent:${agentId}`, action: 'call.screen_pop', subjectType: 'call', subjectId: payload.callId, detail: { contactId: caller.contact?.id ?? null } }));
            if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'call.ringing', call: payload, caller }));
          }
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ type: 'call.updated', ...payload }));
        }).catch((err: unknown) => request.log.warn({ err }, 'call event not delivered'));
      }),
    );

    if (agentId !== null) {
      const set = socketsOf.get(agentId) ?? new Set();
      set.add(socket);
      socketsOf.set(agentId, set);
    }

    let alive = true;
    socket.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      // A socket that missed a whole beat is gone (sleeping laptop, dropped network).
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeatMs);

    socket.on('message', (data) => {
      let message: { type?: string; presence?: string; conversationId?: number };
      try {
        message = JSON.parse(String(data)) as typeof message;
      } catch {
        return;
      }
      if (agentId === null) return;
      if (message.type === 'presence' && (message.presence === 'online' || message.presence === 'away' || message.presence === 'offline')) {
        void setPresence(agentId, message.presence);
      } else if (message.type === 'typing' && Number.isInteger(message.conversationId)) {
        void visible(message.conversationId!).then((ok) => ok && events.emit('conversation.typing', { conversationId: message.conversationId!, by: 'agent', agentId }));
      }
    });

    socket.on('close', () => {
      clearInterval(heartbeat);
      for (const off of offs) off();
      if (agentId === null) return;
      const set = socketsOf.get(agentId);
      set?.delete(socket);
      if (set && set.size === 0) {
        socketsOf.delete(agentId);
        void setPresence(agentId, 'offline').catch(() => {});
      }
    });
    socket.send(JSON.stringify({ type: 'hello', principal: principal.kind === 'agent' ? { id: principal.agentId, role: principal.role, teamIds: principal.teamIds } : { token: principal.name } }));
    if (clusterState === 'degraded') socket.send(clusterFrame('degraded'));
  });
}
