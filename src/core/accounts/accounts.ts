import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import * as OTPAuth from 'otpauth';
import { appendAudit } from '../audit.ts';
import type { FileConfig } from '../config/file-schema.ts';
import { HttpError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { Store } from '../store/store.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';

export type Role = 'admin' | 'supervisor' | 'agent' | 'unit_officer' | 'unit_leader' | 'province_leader';
export const roles: readonly Role[] = ['admin', 'supervisor', 'agent', 'unit_officer', 'unit_leader', 'province_leader'];

/** Who a signed-in session belongs to, as every access check sees it. */
export interface AgentPrincipal {
  agentId: number;
  username: string;
  displayName: string;
  role: Role;
  teamIds: number[];
  sessionId: number;
  /** An admin without MFA may only set it up (SECURITY.md item 1). */
  mfaSetupRequired: boolean;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const sameMessage = 'sai tên đăng nhập hoặc mật khẩu / wrong username or password';

/** Sign-in, sessions, lockout, passwords and TOTP for people using the inbox. */
export function createAccounts(deps: { store: Store; events: EventBus; config: FileConfig['security']; issuer: string }) {
  const { store, events, config, issuer } = deps;
  const { t } = store;

  async function signIn(input: { login: string; password: string; totp?: string; ip: string; userAgent?: string }, now = new Date()) {
    const login = input.login.trim().toLowerCase();
    const [agent] = await store.db
      .select()
      .from(t.agents)
      .where(or(eq(t.agents.username, login), eq(t.agents.email, login)))
      .limit(1);
    const audit = (action: string, detail: Record<string, unknown>) =>
      store.tx((db) => appendAudit(store, db, { actor: agent ? `agent:${agent.id}` : `login:${login}`, action, subjectType: 'agent', subjectId: agent?.id, detail: { ip: input.ip, ...detail } }, now));
    if (!agent || !agent.passwordHash || agent.disabledAt) {
      // Same answer and similar time whether the account exists or not.
      await verifyPassword('$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$Ax5FQ8V2mR2b1kH8Hc1e5bQ3iK9y1oJmDk0Gm2b6kQ8', input.password);
      await audit('auth.signin.failed', { reason: agent ? 'disabled' : 'unknown' });
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    if (agent.lockedUntil && agent.lockedUntil > now) {
      await audit('auth.signin.locked', {});
      throw new HttpError(423, 'locked', `account locked until ${agent.lockedUntil.toISOString()}`, { lockedUntil: agent.lockedUntil.toISOString() });
    }
    const passwordOk = await verifyPassword(agent.passwordHash, input.password);
    const totpOk = passwordOk && (!agent.mfaEnabled || (input.totp !== undefined && checkTotp(agent.mfaSecret!, input.totp)));
    if (!passwordOk || !totpOk) {
      if (passwordOk && agent.mfaEnabled && input.totp === undefined) throw new HttpError(401, 'mfa_required', 'a one-time code is required');
      const failures = agent.failedLogins + 1;
      const lock = failures >= config.lockoutThreshold;
      const lockedUntil = lock ? new Date(now.getTime() + config.lockoutMinutes * 60_000) : null;
      await store.tx((db) => db.update(t.agents).set({ failedLogins: lock ? 0 : failures, lockedUntil }).where(eq(t.agents.id, agent.id)));
      await audit(lock ? 'auth.lockout' : 'auth.signin.failed', { failures, reason: passwordOk ? 'totp' : 'password' });
      if (lock) events.emit('security.alert', { kind: 'lockout', agentId: agent.id, detail: `${agent.username} locked after ${failures} failed sign-ins from ${input.ip}` });
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    const token = randomBytes(32).toString('base64url');
    const sessionId = await store.tx(async (db) => {
      await db.update(t.agents).set({ failedLogins: 0, lockedUntil: null, lastLoginAt: now }).where(eq(t.agents.id, agent.id));
      const [row] = await db
        .insert(t.sessions)
        .values({
          tokenHash: hashToken(token),
          agentId: agent.id,
          sessionVersion: agent.sessionVersion,
          createdAt: now,
          lastSeenAt: now,
          expiresAt: new Date(now.getTime() + config.sessionAbsoluteHours * 3_600_000),
          ip: input.ip,
          userAgent: input.userAgent?.slice(0, 300) ?? null,
        })
        .returning({ id: t.sessions.id });
      await appendAudit(store, db, { actor: `agent:${agent.id}`, action: 'auth.signin', subjectType: 'agent', subjectId: agent.id, detail: { ip: input.ip } }, now);
      return row!.id;
    });
    return { token, sessionId, agentId: agent.id };
  }

  /** The principal of a session token, or null when it is unknown, revoked, idle too long,
   * past its absolute end, or its account was disabled or changed since. */
  async function resolveSession(token: string, now = new Date()): Promise<AgentPrincipal | null> {
    const [row] = await store.db
      .select({ session: t.sessions, agent: t.agents })
      .from(t.sessions)
      .innerJoin(t.agents, eq(t.agents.id, t.sessions.agentId))
      .where(eq(t.sessions.tokenHash, hashToken(token)))
      .limit(1);
    if (!row) return null;
    const { session, agent } = row;
    const idleEnd = session.lastSeenAt.getTime() + config.sessionIdleMinutes * 60_000;
    if (session.revokedAt || session.expiresAt <= now || idleEnd <= now.getTime() || agent.disabledAt || session.sessionVersion !== agent.sessionVersion) return null;
    // Writing on every request would turn reads into writes; a minute's precision is enough.
    if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
      await store.tx((db) => db.update(t.sessions).set({ lastSeenAt: now }).where(eq(t.sessions.id, session.id)));
    }
    const teams = await store.db.select({ teamId: t.agentTeams.teamId }).from(t.agentTeams).where(eq(t.agentTeams.agentId, agent.id));
    const role = agent.role as Role;
    return {
      agentId: agent.id,
      username: agent.username,
      displayName: agent.displayName,
      role,
      teamIds: teams.map((team) => team.teamId),
      sessionId: session.id,
      mfaSetupRequired: role === 'admin' && config.mfaRequiredForAdmins && !agent.mfaEnabled,
    };
  }

  async function signOut(sessionId: number, agentId: number) {
    await store.tx(async (db) => {
      await db.update(t.sessions).set({ revokedAt: new Date() }).where(eq(t.sessions.id, sessionId));
      await appendAudit(store, db, { actor: `agent:${agentId}`, action: 'auth.signout', subjectType: 'agent', subjectId: agentId });
    });
  }

  /** Ends every session of an account at once (sign-out everywhere, role change, disabling). */
  async function endAllSessions(agentId: number, actor: string, reason: string) {
    await store.tx(async (db) => {
      await db.update(t.agents).set({ sessionVersion: sql`${t.agents.sessionVersion} + 1` }).where(eq(t.agents.id, agentId));
      await appendAudit(store, db, { actor, action: 'auth.sessions.ended', subjectType: 'agent', subjectId: agentId, detail: { reason } });
    });
  }

  /** Refuses a password too short or too guessable for this person (400 weak_password). */
  async function assertPasswordAcceptable(person: { username: string; displayName: string; email?: string | null }, password: string) {
    const problem = await passwordProblem(password, config.passwordMinLength, [person.username, person.displayName, person.email ?? '', person.email?.split('@')[0] ?? '', issuer]);
    if (problem) throw new HttpError(400, 'weak_password', problem, { reason: problem });
  }

  async function setPassword(agentId: number, password: string, actor: string) {
    const [agent] = await store.db.select({ username: t.agents.username, displayName: t.agents.displayName, email: t.agents.email }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    if (!agent) throw new HttpError(404, 'not_found', 'agent not found');
    await assertPasswordAcceptable(agent, password);
    const hash = await hashPassword(password);
    await store.tx(async (db) => {
      await db.update(t.agents).set({ passwordHash: hash, passwordChangedAt: new Date() }).where(eq(t.agents.id, agentId));
      await appendAudit(store, db, { actor, action: 'auth.password.set', subjectType: 'agent', subjectId: agentId });
    });
  }

  async function changePassword(agentId: number, current: string, next: string) {
    const [agent] = await store.db.select({ passwordHash: t.agents.passwordHash }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    if (!agent?.passwordHash || !(await verifyPassword(agent.passwordHash, current))) throw new HttpError(401, 'invalid_credentials', sameMessage);
    await setPassword(agentId, next, `agent:${agentId}`);
    await endAllSessions(agentId, `agent:${agentId}`, 'password changed');
  }

  const totpFor = (secret: string, label: string) =>
    new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });
  const checkTotp = (secret: string, code: string) => totpFor(secret, 'x').validate({ token: code.replace(/\s/g, ''), window: 1 }) !== null;

  /** Starts TOTP setup: a new secret, not yet active, and the otpauth:// URI for the app. */
  async function beginMfa(agentId: number) {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    const [agent] = await store.db.select({ username: t.agents.username }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    await store.tx((db) => db.update(t.agents).set({ mfaSecret: secret, mfaEnabled: false }).where(eq(t.agents.id, agentId)));
    return { secret, uri: totpFor(secret, agent!.username).toString() };
  }

  async function enableMfa(agentId: number, code: string) {
    const [agent] = await store.db.select({ secret: t.agents.mfaSecret }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    if (!agent?.secret || !checkTotp(agent.secret, code)) throw new HttpError(400, 'invalid_code', 'the one-time code does not match');
    await store.tx(async (db) => {
      await db.update(t.agents).set({ mfaEnabled: true }).where(eq(t.agents.id, agentId));
      await appendAudit(store, db, { actor: `agent:${agentId}`, action: 'auth.mfa.enabled', subjectType: 'agent', subjectId: agentId });
    });
  }

  /** Disables accounts unused for the configured number of days (SECURITY.md item 4). */
  async function disableInactive(now = new Date()): Promise<number[]> {
    const before = new Date(now.getTime() - config.inactiveAccountDays * 86_400_000);
    const stale = await store.db
      .select({ id: t.agents.id })
      .from(t.agents)
      .where(and(isNull(t.agents.disabledAt), or(lt(t.agents.lastLoginAt, before), and(isNull(t.agents.lastLoginAt), lt(t.agents.createdAt, before)))));
    for (const { id } of stale) {
      await store.tx(async (db) => {
        await db.update(t.agents).set({ disabledAt: now, sessionVersion: sql`${t.agents.sessionVersion} + 1` }).where(eq(t.agents.id, id));
        await appendAudit(store, db, { actor: 'system', action: 'agent.disabled', subjectType: 'agent', subjectId: id, detail: { reason: `unused for ${config.inactiveAccountDays} days` } }, now);
      });
    }
    return stale.map((s) => s.id);
  }

  return { signIn, resolveSession, signOut, endAllSessions, assertPasswordAcceptable, setPassword, changePassword, beginMfa, enableMfa, disableInactive, checkTotp };
}

export type Accounts = ReturnType<typeof createAccounts>;
