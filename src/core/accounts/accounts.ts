import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import * as OTPAuth from 'otpauth';
import { appendAudit } from '../audit.ts';
import type { FileConfig } from '../config/file-schema.ts';
import { HttpError } from '../errors.ts';
import type { EventBus } from '../events.ts';
import type { Store } from '../store/store.ts';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import type { SecretBox } from './secret-box.ts';

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
// One answer for a wrong password, an unknown or disabled account and a locked one: none of them
// tells a stranger that an account exists.
const sameMessage = 'sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa / wrong username or password, or the account is locked for now';
const dummyHash = '$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$Ax5FQ8V2mR2b1kH8Hc1e5bQ3iK9y1oJmDk0Gm2b6kQ8';
const totpPeriod = 30;

/** Sign-in, sessions, lockout, passwords and TOTP for people using the inbox. */
export function createAccounts(deps: { store: Store; events: EventBus; config: FileConfig['security']; issuer: string; secretBox: SecretBox }) {
  const { store, events, config, issuer, secretBox } = deps;
  const { t } = store;

  /**
   * Takes one attempt from the account's allowance before the password is checked, in one
   * statement, so parallel attempts (from one address or many) each count: at most
   * `lockoutThreshold` guesses are ever checked before the lock. Null when the account is locked
   * or its allowance is used up by attempts still in flight.
   */
  async function reserveAttempt(agentId: number, now: Date): Promise<number | null> {
    const [row] = await store.tx((db) =>
      db
        .update(t.agents)
        .set({ failedLogins: sql`${t.agents.failedLogins} + 1` })
        .where(and(eq(t.agents.id, agentId), or(isNull(t.agents.lockedUntil), lt(t.agents.lockedUntil, now))))
        .returning({ attempts: t.agents.failedLogins }),
    );
    if (!row || row.attempts > config.lockoutThreshold) return null;
    return row.attempts;
  }

  /** A failed attempt that used up the allowance locks the account; the counter starts again. */
  async function failedAttempt(agent: { id: number; username: string }, attempts: number, reason: string, ip: string, now: Date, audit: (action: string, detail: Record<string, unknown>) => Promise<unknown>) {
    const lock = attempts >= config.lockoutThreshold;
    if (lock) {
      const lockedUntil = new Date(now.getTime() + config.lockoutMinutes * 60_000);
      await store.tx((db) => db.update(t.agents).set({ failedLogins: 0, lockedUntil }).where(eq(t.agents.id, agent.id)));
      events.emit('security.alert', { kind: 'lockout', agentId: agent.id, detail: `${agent.username} locked after ${attempts} failed attempts, the last from ${ip}` });
    }
    await audit(lock ? 'auth.lockout' : 'auth.signin.failed', { failures: attempts, reason });
  }

  /** The TOTP step a code matches, or null: a code is good once (the last used step is kept). */
  function totpStep(secret: string, code: string, now: Date): number | null {
    const delta = totpFor(secret, 'x').validate({ token: code.replace(/\s/g, ''), window: 1, timestamp: now.getTime() });
    return delta === null ? null : Math.floor(now.getTime() / 1000 / totpPeriod) + delta;
  }

  /** Spends a TOTP step: false when it (or a later one) was already used. */
  async function spendStep(agentId: number, step: number): Promise<boolean> {
    const spent = await store.tx((db) =>
      db
        .update(t.agents)
        .set({ mfaLastStep: step })
        .where(and(eq(t.agents.id, agentId), or(isNull(t.agents.mfaLastStep), lt(t.agents.mfaLastStep, step))))
        .returning({ id: t.agents.id }),
    );
    return spent.length > 0;
  }

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
      await verifyPassword(dummyHash, input.password);
      await audit('auth.signin.failed', { reason: agent ? 'disabled' : 'unknown' });
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    const attempts = await reserveAttempt(agent.id, now);
    if (attempts === null) {
      // Locked: the same work and answer as a wrong password.
      await verifyPassword(dummyHash, input.password);
      await audit('auth.signin.locked', {});
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    const passwordOk = await verifyPassword(agent.passwordHash, input.password);
    if (!passwordOk) {
      await failedAttempt(agent, attempts, 'password', input.ip, now, audit);
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    if (agent.mfaEnabled) {
      if (input.totp === undefined) {
        // The step that asks for the code costs what a failure costs (an audited, counted
        // attempt), so it is no cheaper way to test passwords.
        await audit('auth.signin.mfa_required', { failures: attempts });
        throw new HttpError(401, 'mfa_required', 'a one-time code is required');
      }
      const step = totpStep(secretBox.open(agent.mfaSecret!), input.totp, now);
      if (step === null || !(await spendStep(agent.id, step))) {
        await failedAttempt(agent, attempts, step === null ? 'totp' : 'totp_reused', input.ip, now, audit);
        throw new HttpError(401, 'invalid_credentials', sameMessage);
      }
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

  /** Changing a password asks for the current one: guesses count against the same allowance as
   * sign-in, so a stolen session cannot test passwords faster than the sign-in form. */
  async function changePassword(agentId: number, current: string, next: string, ip = 'unknown', now = new Date()) {
    const [agent] = await store.db.select({ id: t.agents.id, username: t.agents.username, passwordHash: t.agents.passwordHash }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    if (!agent?.passwordHash) throw new HttpError(401, 'invalid_credentials', sameMessage);
    const audit = (action: string, detail: Record<string, unknown>) =>
      store.tx((db) => appendAudit(store, db, { actor: `agent:${agent.id}`, action, subjectType: 'agent', subjectId: agent.id, detail: { ip, via: 'password_change', ...detail } }, now));
    const attempts = await reserveAttempt(agent.id, now);
    if (attempts === null) {
      await verifyPassword(dummyHash, current);
      await audit('auth.signin.locked', {});
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    if (!(await verifyPassword(agent.passwordHash, current))) {
      await failedAttempt(agent, attempts, 'password', ip, now, audit);
      throw new HttpError(401, 'invalid_credentials', sameMessage);
    }
    await store.tx((db) => db.update(t.agents).set({ failedLogins: 0 }).where(eq(t.agents.id, agent.id)));
    await setPassword(agentId, next, `agent:${agentId}`);
    await endAllSessions(agentId, `agent:${agentId}`, 'password changed');
  }

  const totpFor = (secret: string, label: string) =>
    new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(secret) });

  /** Starts TOTP setup: a new secret, not yet active, and the otpauth:// URI for the app. */
  async function beginMfa(agentId: number) {
    const secret = new OTPAuth.Secret({ size: 20 }).base32;
    const [agent] = await store.db.select({ username: t.agents.username }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    await store.tx((db) => db.update(t.agents).set({ mfaSecret: secretBox.seal(secret), mfaEnabled: false, mfaLastStep: null }).where(eq(t.agents.id, agentId)));
    return { secret, uri: totpFor(secret, agent!.username).toString() };
  }

  async function enableMfa(agentId: number, code: string, now = new Date()) {
    const [agent] = await store.db.select({ secret: t.agents.mfaSecret }).from(t.agents).where(eq(t.agents.id, agentId)).limit(1);
    const step = agent?.secret ? totpStep(secretBox.open(agent.secret), code, now) : null;
    // The code that turned MFA on cannot sign in a second time.
    if (step === null || !(await spendStep(agentId, step))) throw new HttpError(400, 'invalid_code', 'the one-time code does not match');
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

  return { signIn, resolveSession, signOut, endAllSessions, assertPasswordAcceptable, setPassword, changePassword, beginMfa, enableMfa, disableInactive };
}

export type Accounts = ReturnType<typeof createAccounts>;
