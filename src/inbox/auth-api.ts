import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import type { GatewayConfig } from '../core/config/load-config.ts';
import { HttpError } from '../core/errors.ts';
import { checkCsrf, sessionCookie } from '../core/http/auth.ts';

/** Sign-in for the inbox: cookie sessions, sign-out (here or everywhere), password, TOTP. */
export async function authApi(app: FastifyInstance, deps: { accounts: Accounts; config: GatewayConfig }) {
  const { accounts, config } = deps;
  const secure = config.env.NODE_ENV === 'production' || (config.env.PUBLIC_BASE_URL?.startsWith('https:') ?? false);
  const cookieOptions = { httpOnly: true, sameSite: 'strict' as const, secure, path: '/' };

  async function current(request: FastifyRequest, reply: FastifyReply, csrf: boolean) {
    const token = request.cookies[sessionCookie];
    const agent = token ? await accounts.resolveSession(token) : null;
    if (!agent) throw new HttpError(401, 'unauthorized', 'not signed in');
    if (csrf) await checkCsrf(app, request, reply);
    return agent;
  }
  const view = (a: Awaited<ReturnType<typeof accounts.resolveSession>>) =>
    a && { id: a.agentId, username: a.username, displayName: a.displayName, role: a.role, teamIds: a.teamIds, mfaSetupRequired: a.mfaSetupRequired };

  app.post(
    '/login',
    {
      config: { rateLimit: { max: config.file.security.signInAttemptsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with username or email and password (and a TOTP code when MFA is on)',
        body: Type.Object(
          { login: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 1024 }), totp: Type.Optional(Type.String({ pattern: '^[0-9 ]{6,8}$' })) },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const body = request.body as { login: string; password: string; totp?: string };
      const session = await accounts.signIn({ ...body, ip: request.ip, userAgent: request.headers['user-agent'] });
      reply.setCookie(sessionCookie, session.token, { ...cookieOptions, maxAge: config.file.security.sessionAbsoluteHours * 3600 });
      const agent = await accounts.resolveSession(session.token);
      return { agent: view(agent), csrfToken: reply.generateCsrf(cookieOptions) };
    },
  );

  app.get('/me', { schema: { tags: ['auth'], summary: 'The signed-in agent and a fresh CSRF token' } }, async (request, reply) => {
    const agent = await current(request, reply, false);
    return { agent: view(agent), csrfToken: reply.generateCsrf(cookieOptions) };
  });

  app.post('/logout', { schema: { tags: ['auth'], summary: 'Sign out of this session' } }, async (request, reply) => {
    const agent = await current(request, reply, true);
    await accounts.signOut(agent.sessionId, agent.agentId);
    reply.clearCookie(sessionCookie, { path: '/' });
    return { ok: true };
  });

  app.post('/logout-all', { schema: { tags: ['auth'], summary: 'Sign out everywhere' } }, async (request, reply) => {
    const agent = await current(request, reply, true);
    await accounts.endAllSessions(agent.agentId, `agent:${agent.agentId}`, 'signed out everywhere');
    reply.clearCookie(sessionCookie, { path: '/' });
    return { ok: true };
  });

  app.post(
    '/password',
    {
      // The current password is a guess like any other: the same limit per address as sign-in
      // (and the same per-account allowance, in accounts).
      config: { rateLimit: { max: config.file.security.signInAttemptsPerMinute, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Change your password (ends your other sessions)',
        body: Type.Object({ current: Type.String({ minLength: 1 }), next: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const agent = await current(request, reply, true);
      const body = request.body as { current: string; next: string };
      await accounts.changePassword(agent.agentId, body.current, body.next, request.ip);
      reply.clearCookie(sessionCookie, { path: '/' });
      return { ok: true, signInAgain: true };
    },
  );

  app.post(
    '/mfa/setup',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start TOTP setup: the secret, the otpauth:// URI and the same URI as a QR code (SVG) to scan with the phone',
        response: { 200: Type.Object({ secret: Type.String(), uri: Type.String(), qrSvg: Type.String() }) },
      },
    },
    async (request, reply) => {
      const agent = await current(request, reply, true);
      const setup = await accounts.beginMfa(agent.agentId);
      return { ...setup, qrSvg: await QRCode.toString(setup.uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) };
    },
  );

  app.post(
    '/mfa/enable',
    { schema: { tags: ['auth'], summary: 'Turn TOTP on with a code from the app', body: Type.Object({ code: Type.String({ pattern: '^[0-9 ]{6,8}$' }) }, { additionalProperties: false }) } },
    async (request, reply) => {
      const agent = await current(request, reply, true);
      await accounts.enableMfa(agent.agentId, (request.body as { code: string }).code);
      return { ok: true };
    },
  );
}
