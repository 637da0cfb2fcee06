import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { appendAudit } from '../core/audit.ts';
import { HttpError, NotFoundError } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import type { Db, Store } from '../core/store/store.ts';
import { roles, type Accounts } from '../core/accounts/accounts.ts';
import { actorOf, requireAdmin, requirePrincipal, requireSupervisor } from '../core/http/auth.ts';

const security = [{ bearerAuth: [] }];
const Role = Type.Union(roles.map((role) => Type.Literal(role)));
const Presence = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('offline')]);
const Agent = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  displayName: Type.String(),
  role: Type.String(),
  capacity: Type.Integer(),
  presence: Presence,
  teams: Type.Array(Type.String()),
  disabled: Type.Boolean(),
  extension: Type.Union([Type.String(), Type.Null()]),
});

/** Administration of the people and places work goes to: inboxes, teams, agents and their presence, the access review. */
export async function agentsTeamsApi(app: FastifyInstance, deps: { store: Store; events: EventBus; accounts: Accounts }) {
  const { store, events, accounts } = deps;
  const { t } = store;
  requirePrincipal(app, deps);

  app.get(
    '/inboxes',
    {
      schema: {
        tags: ['admin'],
        summary: 'Connected inboxes (one per OA, page, mailbox, form, widget) and whether each connection works',
        security,
        response: {
          200: Type.Array(
            Type.Object({
              id: Type.Integer(),
              key: Type.String(),
              channel: Type.String(),
              name: Type.String(),
              status: Type.Union([Type.Literal('active'), Type.Literal('needs_reconnect'), Type.Literal('disabled')]),
              statusDetail: Type.Union([Type.String(), Type.Null()]),
              updatedAt: Type.String({ format: 'date-time' }),
            }),
          ),
        },
      },
    },
    async (request) => {
      requireSupervisor(request);
      return store.db
        .select({ id: t.inboxes.id, key: t.inboxes.key, channel: t.inboxes.channel, name: t.inboxes.name, status: t.inboxes.status, statusDetail: t.inboxes.statusDetail, updatedAt: t.inboxes.updatedAt })
        .from(t.inboxes)
        .orderBy(t.inboxes.id);
    },
  );

  app.get(
    '/teams',
    { schema: { tags: ['routing'], summary: 'Teams', security, response: { 200: Type.Array(Type.Object({ id: Type.Integer(), key: Type.String(), name: Type.String() })) } } },
    async () => store.db.select().from(t.teams).orderBy(t.teams.id),
  );

  // One extension, one person: a call ringing there pops up on exactly one screen.
  async function assertExtensionFree(db: Db, extension: string, self: number | null) {
    const [holder] = await db.select({ id: t.agents.id, username: t.agents.username }).from(t.agents).where(eq(t.agents.extension, extension)).limit(1);
    if (holder && holder.id !== self) throw new HttpError(409, 'extension_taken', `extension ${extension} belongs to ${holder.username}`);
  }

  async function listAgents(ids?: number[], includeDisabled = false) {
    const rows = await store.db
      .select({ id: t.agents.id, username: t.agents.username, displayName: t.agents.displayName, role: t.agents.role, capacity: t.agents.capacity, presence: t.agents.presence, disabledAt: t.agents.disabledAt, extension: t.agents.extension })
      .from(t.agents)
      .where(and(includeDisabled ? undefined : isNull(t.agents.disabledAt), ids ? inArray(t.agents.id, ids) : undefined))
      .orderBy(t.agents.id);
    const memberships = await store.db
      .select({ agentId: t.agentTeams.agentId, key: t.teams.key })
      .from(t.agentTeams)
      .innerJoin(t.teams, eq(t.teams.id, t.agentTeams.teamId));
    return rows.map(({ disabledAt, ...row }) => ({ ...row, disabled: disabledAt !== null, teams: memberships.filter((m) => m.agentId === row.id).map((m) => m.key) }));
  }

  app.get(
    '/agents',
    {
      schema: {
        tags: ['routing'],
        summary: 'Agents, their teams and presence',
        security,
        querystring: Type.Object({ includeDisabled: Type.Boolean({ default: false, description: 'Disabled accounts too (admin)' }) }),
        response: { 200: Type.Array(Agent) },
      },
    },
    async (request) => {
      const { includeDisabled } = request.query as { includeDisabled: boolean };
      if (includeDisabled) requireAdmin(request);
      return listAgents(undefined, includeDisabled);
    },
  );

  const teamIdsOf = async (keys: string[]) => {
    const rows = keys.length ? await store.db.select({ id: t.teams.id, key: t.teams.key }).from(t.teams).where(inArray(t.teams.key, keys)) : [];
    const unknown = keys.filter((k) => !rows.some((r) => r.key === k));
    if (unknown.length) throw new HttpError(400, 'unknown_team', `unknown team: ${unknown.join(', ')}`);
    return rows.map((r) => r.id);
  };

  app.post(
    '/agents',
    {
      schema: {
        tags: ['routing'],
        summary: 'Create an agent (admin)',
        security,
        body: Type.Object(
          {
            username: Type.String({ pattern: '^[a-z0-9._-]{3,40}$' }),
            displayName: Type.String({ minLength: 1, maxLength: 120 }),
            role: Role,
            capacity: Type.Integer({ minimum: 1, maximum: 50, default: 3 }),
            teams: Type.Array(Type.String(), { default: [] }),
            email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Set to let the agent sign in to the inbox' })),
            extension: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{2,6}$', description: 'The telephone extension on the switchboard (screen pop, click-to-call)' }), Type.Null()])),
          },
          { additionalProperties: false },
        ),
        response: { 201: Agent },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { username: string; displayName: string; role: string; capacity: number; teams: string[]; email?: string; password?: string; extension?: string | null };
      const teamIds = await teamIdsOf(body.teams);
      // Checked before anything is written: a refused password leaves no half-made account.
      if (body.password) await accounts.assertPasswordAcceptable(body, body.password);
      const id = await store.tx(async (db) => {
        const [exists] = await db.select({ id: t.agents.id }).from(t.agents).where(eq(t.agents.username, body.username)).limit(1);
        if (exists) throw new HttpError(409, 'exists', `agent ${body.username} exists`);
        if (body.extension) await assertExtensionFree(db, body.extension, null);
        const [row] = await db
          .insert(t.agents)
          .values({ username: body.username, displayName: body.displayName, role: body.role, capacity: body.capacity, email: body.email?.toLowerCase() ?? null, extension: body.extension ?? null, createdAt: new Date() })
          .returning({ id: t.agents.id });
        for (const teamId of teamIds) await db.insert(t.agentTeams).values({ agentId: row!.id, teamId });
        await appendAudit(store, db, { actor: actorOf(request), action: 'agent.created', subjectType: 'agent', subjectId: row!.id, detail: { username: body.username, role: body.role, teams: body.teams } });
        return row!.id;
      });
      if (body.password) await accounts.setPassword(id, body.password, actorOf(request));
      return reply.status(201).send((await listAgents([id]))[0]);
    },
  );

  app.patch(
    '/agents/:id',
    {
      schema: {
        tags: ['routing'],
        summary: "Change an agent's role, teams, capacity or password, or disable them (admin); role changes and disabling end their sessions",
        security,
        params: Type.Object({ id: Type.Integer() }),
        body: Type.Object(
          {
            role: Type.Optional(Role),
            teams: Type.Optional(Type.Array(Type.String())),
            capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
            disabled: Type.Optional(Type.Boolean()),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
            extension: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{2,6}$', description: 'The telephone extension on the switchboard (screen pop, click-to-call)' }), Type.Null()])),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Agent },
      },
    },
    async (request) => {
      requireAdmin(request);
      const { id } = request.params as { id: number };
      const body = request.body as { role?: string; teams?: string[]; capacity?: number; disabled?: boolean; password?: string; extension?: string | null };
      const actor = actorOf(request);
      const [current] = await store.db.select({ role: t.agents.role, disabledAt: t.agents.disabledAt }).from(t.agents).where(eq(t.agents.id, id)).limit(1);
      if (!current) throw new NotFoundError('agent');
      const teamIds = body.teams ? await teamIdsOf(body.teams) : undefined;
      await store.tx(async (db) => {
        const set: Partial<typeof t.agents.$inferInsert> = {};
        if (body.role) set.role = body.role;
        if (body.capacity) set.capacity = body.capacity;
        if (body.disabled !== undefined) set.disabledAt = body.disabled ? (current.disabledAt ?? new Date()) : null;
        if (body.extension !== undefined) {
          if (body.extension) await assertExtensionFree(db, body.extension, id);
          set.extension = body.extension;
        }
        if (Object.keys(set).length) await db.update(t.agents).set(set).where(eq(t.agents.id, id));
        if (teamIds) {
          await db.delete(t.agentTeams).where(eq(t.agentTeams.agentId, id));
          for (const teamId of teamIds) await db.insert(t.agentTeams).values({ agentId: id, teamId });
        }
        await appendAudit(store, db, { actor, action: 'agent.changed', subjectType: 'agent', subjectId: id, detail: { ...body, password: body.password ? '(set)' : undefined } });
      });
      if (body.password) await accounts.setPassword(id, body.password, actor);
      if ((body.role && body.role !== current.role) || body.disabled) await accounts.endAllSessions(id, actor, body.disabled ? 'disabled' : 'role changed');
      return (await listAgents([id], true))[0];
    },
  );

  app.get(
    '/access-review',
    { schema: { tags: ['admin'], summary: 'Who can see what: every account, role, teams, status and last sign-in, as CSV (admin)', security } },
    async (request, reply) => {
      requireAdmin(request);
      const rows = await store.db.select().from(t.agents).orderBy(t.agents.id);
      const all = await listAgents(undefined, true);
      const cell = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
      const lines = [['id', 'username', 'display_name', 'role', 'teams', 'status', 'mfa', 'last_sign_in'].join(',')];
      for (const row of rows) {
        const teams = all.find((a) => a.id === row.id)?.teams.join(' ') ?? '';
        lines.push([row.id, row.username, row.displayName, row.role, teams, row.disabledAt ? 'disabled' : 'active', row.mfaEnabled ? 'yes' : 'no', row.lastLoginAt?.toISOString() ?? ''].map(cell).join(','));
      }
      await store.tx((db) => appendAudit(store, db, { actor: actorOf(request), action: 'access_review.exported', detail: { accounts: rows.length } }));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="access-review.csv"').send(`${lines.join('\n')}\n`);
    },
  );

  app.put(
    '/agents/:id/presence',
    {
      schema: {
        tags: ['routing'],
        summary: "Set an agent's presence; online agents receive waiting conversations",
        security,
        params: Type.Object({ id: Type.Integer() }),
        body: Type.Object({ presence: Presence }, { additionalProperties: false }),
        response: { 200: Agent },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const { presence } = request.body as { presence: 'online' | 'away' | 'offline' };
      // Online agents are given conversations: only the agent, a supervisor or an integration
      // may say who is online, or anyone could steer work to or away from a colleague.
      const caller = request.principal;
      if (caller?.kind === 'agent' && caller.agentId !== id && caller.role !== 'supervisor' && caller.role !== 'admin') {
        throw new HttpError(403, 'forbidden', "only a supervisor sets another agent's presence");
      }
      const updated = await store.tx((db) => db.update(t.agents).set({ presence, presenceAt: new Date() }).where(eq(t.agents.id, id)).returning({ id: t.agents.id }));
      if (!updated.length) throw new NotFoundError('agent');
      events.emit('agent.presence', { agentId: id, presence });
      return (await listAgents([id]))[0];
    },
  );
}
