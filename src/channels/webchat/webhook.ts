import { createHash } from 'node:crypto';
import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { WebSocket } from 'ws';
import { effectiveType, type AttachmentStore } from '../../core/attachments.ts';
import { ConfigError } from '../../core/config/load-config.ts';
import { normalizeVnPhone } from '../../core/domain/phone.ts';
import type { Attachment, InboundMessage } from '../../core/domain/types.ts';
import { HttpError } from '../../core/errors.ts';
import { both, t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import type { ChannelContext } from '../channel-adapter.ts';
import type { WebchatSettings } from './config.ts';
import type { Connection, Hub } from './hub.ts';
import { frameConfig, renderDemo, renderFrame } from './pages.ts';
import type { SeenTracker } from './seen.ts';
import type { ClientFrame, HoursInfo, ServerFrame } from './types.ts';
import { fileSignature, newVisitorId, verifyFileSignature, verifyVisitorToken, visitorToken, type VisitorSession } from './visitor-token.ts';
import { widgetBundle } from './widget-assets.ts';

/** The largest frame a widget sends (a message of maxTextLength characters fits many times). */
const maxFrameBytes = 64 * 1024;
const clientIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Servers whose upgrade events a webchat scope already handles (see ensureWebsocket). */
const claimedServers = new WeakSet<object>();

/**
 * @fastify/websocket routes every upgrade of the server through the router, so it must be
 * registered once per server. Registered at the root (by app.ts), every scope has it; else the
 * first webchat inbox registers it in its own scope, and a second one would handle each upgrade
 * twice: that configuration is refused with the fix named.
 */
async function ensureWebsocket(app: FastifyInstance): Promise<void> {
  if (app.hasPlugin('@fastify/websocket')) return;
  if (claimedServers.has(app.server)) {
    throw new ConfigError('more than one webchat inbox needs @fastify/websocket registered once at the root (app.ts), before the channels');
  }
  claimedServers.add(app.server);
  await app.register(websocket, { options: { maxPayload: maxFrameBytes } });
}

export interface WebchatDeps {
  context: ChannelContext<WebchatSettings>;
  hub: Hub;
  seen: SeenTracker;
  attachments: AttachmentStore;
  /** Path prefix of this inbox's endpoints: `/webchat` (default inbox) or `/webchat/<key>`. */
  prefix: string;
}

type Profile = { name: string; phone?: string; email?: string };

export async function registerWebchatRoutes(app: FastifyInstance, deps: WebchatDeps): Promise<void> {
  const { context, hub, seen, attachments, prefix } = deps;
  const { settings, secret, inbox, ingest, metrics, logger, config } = context;
  const locale: Locale = config.file.deployment.locale;
  const title = settings.title ?? config.file.deployment.shortName;
  // Counted across the cluster's nodes (the context's counters); open sockets per address are
  // counted by each node, which holds them.
  const visitorMessages = context.windowCounter('visitor-messages', settings.visitorMessagesPerMinute, 60_000);
  const ipMessages = context.windowCounter('ip-messages', settings.ipMessagesPerMinute, 60_000);
  const ipConnections = context.windowCounter('ip-connections', settings.ipConnectionsPerMinute, 60_000);
  /** Both of a message's limits: the address's is not spent by a visitor already over theirs. */
  const messageAllowed = async (visitorId: string, ip: string) => (await visitorMessages.hit(visitorId)) && (await ipMessages.hit(ip));
  const socketsPerIp = new Map<string, number>();
  const publicOrigin = config.env.PUBLIC_BASE_URL ? new URL(config.env.PUBLIC_BASE_URL).origin : null;

  await ensureWebsocket(app);

  // Uploads arrive as the file's own bytes, typed by the browser; the bytes decide the type.
  // Browsers send .txt as text/plain, which Fastify would otherwise parse to a string.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['*', 'text/plain'], { parseAs: 'buffer', bodyLimit: settings.maxAttachmentBytes }, (_request, body, done) => done(null, body));

  const selfOrigins = (request: FastifyRequest) => [`${request.protocol}://${request.host}`, ...(publicOrigin ? [publicOrigin] : [])];
  /** The gateway's own pages always; other sites only when the inbox lists them. */
  const originAllowed = (origin: string | undefined, request: FastifyRequest): boolean => {
    if (!origin) return false;
    if (settings.allowedOrigins.includes('*')) return true;
    return selfOrigins(request).includes(origin) || settings.allowedOrigins.includes(origin);
  };
  const refuse = (status: number, code: string, key: MessageKey, params?: Record<string, string | number>) => {
    const messages = both(key, params);
    return new HttpError(status, code, messages.en, { messages });
  };

  function hours(now = new Date()): HoursInfo {
    const open = context.businessHours.isOpen(now);
    if (open) return { open, nextOpening: null, notice: null };
    const next = context.businessHours.nextOpening(now);
    const when = next
      ? new Intl.DateTimeFormat(locale === 'vi' ? 'vi-VN' : 'en-GB', { timeZone: config.file.deployment.timezone, hour: '2-digit', minute: '2-digit', weekday: 'long', day: '2-digit', month: '2-digit' }).format(next)
      : null;
    return { open, nextOpening: next?.toISOString() ?? null, notice: when ? t(locale, 'webchat.closedUntil', { when }) : t(locale, 'webchat.closedNoTime') };
  }

  function inboundOf(session: VisitorSession, clientId: string, text: string | null, files: Attachment[], profile: Profile | undefined, raw: unknown, payload?: string): InboundMessage {
    return {
      inboxId: inbox.id,
      // Scoped to the visitor: a resend after a reconnect is the same message, another
      // visitor's client id never collides with it.
      externalMessageId: `wc:${createHash('sha256').update(`${session.visitorId}\n${clientId}`).digest('base64url')}`,
      // The pre-chat phone and email stay in the message metadata: typed by an anonymous
      // visitor, they must not attach this chat to an existing citizen's contact and history.
      sender: { externalUserId: `webchat:${session.visitorId}`, ...(profile?.name ? { displayName: profile.name } : {}) },
      text,
      attachments: files,
      sentAt: new Date(),
      metadata: { clientMessageId: clientId, ...(profile ? { prechat: profile } : {}), ...(payload ? { payload } : {}) },
      raw,
    };
  }

  /** Stores a visitor's message; moves their sockets to the conversation it landed in. */
  async function store(session: VisitorSession, message: InboundMessage): Promise<{ id: number; session: VisitorSession }> {
    const [result] = await ingest([message]);
    metrics.messagesIngested.inc({ channel: 'webchat', result: result!.duplicate ? 'duplicate' : 'stored' });
    const next = { visitorId: session.visitorId, conversationId: result!.conversationId };
    if (next.conversationId !== session.conversationId) {
      hub.moveVisitor(session.visitorId, next.conversationId, () => ({ t: 'session', token: visitorToken(secret, next), conversationId: next.conversationId }));
    }
    return { id: result!.messageId, session: next };
  }

  function parseProfile(frame: Record<string, unknown>): Profile | null {
    const name = typeof frame.name === 'string' ? frame.name.trim() : '';
    const phoneInput = typeof frame.phone === 'string' ? frame.phone.trim() : '';
    const emailInput = typeof frame.email === 'string' ? frame.email.trim().toLowerCase() : '';
    if (!name || name.length > 120 || phoneInput.length > 24 || emailInput.length > 254) return null;
    const phone = phoneInput ? normalizeVnPhone(phoneInput) : undefined;
    if (phoneInput && !phone) return null;
    if (emailInput && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(emailInput)) return null;
    if (settings.preChatForm === 'required' && !phone && !emailInput) return null;
    return { name, ...(phone ? { phone } : {}), ...(emailInput ? { email: emailInput } : {}) };
  }

  /** Admission before the upgrade: a refused socket is an HTTP answer, never an open socket. */
  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!originAllowed(request.headers.origin, request)) throw refuse(403, 'origin_not_allowed', 'webchat.error.origin');
    if ((socketsPerIp.get(request.ip) ?? 0) >= settings.maxSocketsPerIp || !(await ipConnections.hit(request.ip))) {
      reply.header('retry-after', '60');
      throw refuse(429, 'rate_limited', 'webchat.error.rateLimited');
    }
  }

  app.get(`${prefix}/ws`, { websocket: true, preValidation: admit, schema: { hide: true } }, (socket: WebSocket, request: FastifyRequest) => {
    const ip = request.ip;
    socketsPerIp.set(ip, (socketsPerIp.get(ip) ?? 0) + 1);
    let conn: Connection | undefined;
    let profile: Profile | undefined;
    let chain: Promise<void> = Promise.resolve();
    const send = (frame: ServerFrame) => (conn ? hub.send(conn, frame) : socket.readyState === socket.OPEN && socket.send(JSON.stringify(frame)));
    const fail = (code: Extract<ServerFrame, { t: 'error' }>['code'], key: MessageKey, cid?: string, params?: Record<string, string | number>) =>
      send({ t: 'error', code, message: t(locale, key, params), ...(cid ? { cid } : {}) });
    const helloTimer = setTimeout(() => socket.close(4000, 'hello expected'), 15_000);

    socket.on('close', () => {
      clearTimeout(helloTimer);
      const left = (socketsPerIp.get(ip) ?? 1) - 1;
      if (left > 0) socketsPerIp.set(ip, left);
      else socketsPerIp.delete(ip);
      if (conn) hub.detach(conn);
    });

    async function handle(frame: ClientFrame & Record<string, unknown>): Promise<void> {
      if (frame.t === 'ping') {
        if (conn) conn.alive = true;
        send({ t: 'pong' });
        return;
      }
      if (frame.t === 'hello') {
        // A socket gone while its hello waited in the chain must not be registered.
        if (conn || socket.readyState !== socket.OPEN) return;
        clearTimeout(helloTimer);
        const session = verifyVisitorToken(secret, frame.token) ?? { visitorId: newVisitorId(), conversationId: 0 };
        const lastId = typeof frame.lastId === 'number' && Number.isSafeInteger(frame.lastId) && frame.lastId > 0 ? frame.lastId : 0;
        conn = { socket, visitorId: session.visitorId, conversationId: session.conversationId, lastSentId: lastId, ip, alive: true };
        send({ t: 'welcome', token: visitorToken(secret, session), conversationId: session.conversationId || null, hours: hours() });
        hub.attach(conn);
        return;
      }
      if (!conn) {
        fail('session', 'webchat.error.session');
        return;
      }
      const session: VisitorSession = { visitorId: conn.visitorId, conversationId: conn.conversationId };
      switch (frame.t) {
        case 'profile': {
          const parsed = parseProfile(frame);
          if (!parsed) fail('bad_frame', 'webchat.prechat.invalid');
          else profile = parsed;
          return;
        }
        case 'msg': {
          const cid = typeof frame.cid === 'string' && clientIdPattern.test(frame.cid) ? frame.cid : null;
          const text = typeof frame.text === 'string' ? frame.text.normalize('NFC').trim() : '';
          if (!cid || !text) {
            fail('bad_frame', 'webchat.error.session', cid ?? undefined);
            return;
          }
          if (text.length > settings.maxTextLength) {
            fail('too_long', 'webchat.error.tooLong', cid, { max: settings.maxTextLength });
            return;
          }
          if (!(await messageAllowed(conn.visitorId, ip))) {
            fail('rate_limited', 'webchat.error.rateLimited', cid);
            return;
          }
          try {
            // A button's payload (the rating) rides with the button's title as the message.
            const payload = typeof frame.payload === 'string' && frame.payload.length <= 200 ? frame.payload : undefined;
            const stored = await store(session, inboundOf(session, cid, text, [], profile, { cid, text, ...(payload ? { payload } : {}) }, payload));
            send({ t: 'ack', cid, id: stored.id });
          } catch (error) {
            logger.error({ err: error }, 'live chat message not stored');
            fail('unavailable', 'webchat.failed', cid);
          }
          return;
        }
        case 'typing':
          for (const other of hub.visitorSockets(conn.visitorId)) if (other !== conn) hub.send(other, { t: 'typing', on: frame.on === true });
          // The agents' inbox hears it through the live feed.
          if (frame.on === true && conn.conversationId) context.events.emit('conversation.typing', { conversationId: conn.conversationId, by: 'contact' });
          return;
        case 'seen': {
          if (!conn.conversationId || typeof frame.id !== 'number' || !Number.isSafeInteger(frame.id)) return;
          await seen.seen(conn.conversationId, Math.min(frame.id, conn.lastSentId));
          for (const other of hub.visitorSockets(conn.visitorId)) if (other !== conn) hub.send(other, { t: 'seen', id: frame.id });
          return;
        }
        default:
          fail('bad_frame', 'webchat.error.session');
      }
    }

    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
      if (isBinary || size > maxFrameBytes) {
        socket.close(1009, 'frame too large or binary');
        return;
      }
      let frame: (ClientFrame & Record<string, unknown>) | null = null;
      try {
        const parsed: unknown = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
        if (parsed && typeof parsed === 'object' && typeof (parsed as { t?: unknown }).t === 'string') frame = parsed as ClientFrame & Record<string, unknown>;
      } catch {
        frame = null;
      }
      if (!frame) {
        fail('bad_frame', 'webchat.error.session');
        return;
      }
      const current = frame;
      // One frame at a time per socket: the visitor's messages are stored in the order typed.
      chain = chain.then(() => handle(current)).catch((error: unknown) => logger.error({ err: error }, 'live chat frame failed'));
    });
  });

  const frameQuery = Type.Object({
    host: Type.String({ maxLength: 200 }),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
    greeting: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
    color: Type.Optional(Type.String({ pattern: '^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$' })),
    textColor: Type.Optional(Type.String({ pattern: '^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$' })),
    lang: Type.Optional(Type.Union([Type.Literal('vi'), Type.Literal('en')])),
  });

  app.get(`${prefix}/frame`, { schema: { hide: true, querystring: frameQuery } }, async (request, reply) => {
    const query = request.query as { host: string; title?: string; greeting?: string; color?: string; textColor?: string; lang?: Locale };
    if (!originAllowed(query.host, request)) throw refuse(403, 'origin_not_allowed', 'webchat.error.origin');
    const lang = query.lang ?? locale;
    const html = renderFrame(
      frameConfig({
        prefix,
        host: query.host,
        title: query.title ?? title,
        greeting: query.greeting ?? settings.greeting ?? t(lang, 'webchat.greeting', { name: config.file.deployment.shortName }),
        color: query.color ?? settings.color,
        textColor: query.textColor ?? settings.textColor,
        preChatForm: settings.preChatForm,
        maxTextLength: settings.maxTextLength,
        maxAttachmentBytes: settings.maxAttachmentBytes,
        accept: 'image/jpeg,image/png,image/gif,image/webp,application/pdf,.doc,.docx,.xls,.xlsx,.odt,.ods,.txt',
        lang,
      }),
    );
    const ancestors = settings.allowedOrigins.includes('*') ? '*' : [...new Set(["'self'", query.host, ...settings.allowedOrigins])].join(' ');
    const wsOrigins = selfOrigins(request).map((origin) => origin.replace(/^http/, 'ws'));
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ${wsOrigins.join(' ')}; frame-ancestors ${ancestors}; base-uri 'none'; form-action 'none'`,
      )
      .send(html);
  });

  const script = (body: string, reply: FastifyReply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').header('x-content-type-options', 'nosniff').send(body);

  app.get(`${prefix}/frame.js`, { schema: { hide: true } }, async (_request, reply) => script((await widgetBundle()).frame, reply));
  app.get(`${prefix}/frame.css`, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').header('x-content-type-options', 'nosniff').send((await widgetBundle()).css),
  );

  // The loader carries this inbox's look, so one script tag needs no other request to show.
  const loaderConfig = JSON.stringify({
    prefix,
    title,
    label: t(locale, 'webchat.launcher', { name: title }),
    color: settings.color,
    textColor: settings.textColor,
    position: settings.position,
    lang: locale,
  });
  const serveLoader = async (_request: FastifyRequest, reply: FastifyReply) =>
    script((await widgetBundle()).loader.replace(/(["'])__GW1022_CONFIG__\1/, () => JSON.stringify(loaderConfig)), reply);
  app.get(`${prefix}/widget.js`, { schema: { hide: true } }, serveLoader);
  if (context.isDefault) {
    app.get('/widget.js', { schema: { hide: true } }, serveLoader);
    const demo = renderDemo(locale, '/widget.js');
    app.get('/demo', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(demo));
  }

  app.post(
    `${prefix}/upload`,
    {
      bodyLimit: settings.maxAttachmentBytes,
      schema: {
        hide: true,
        querystring: Type.Object({ cid: Type.String({ pattern: clientIdPattern.source }), name: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (request, reply) => {
      if (!originAllowed(request.headers.origin, request)) throw refuse(403, 'origin_not_allowed', 'webchat.error.origin');
      const session = verifyVisitorToken(secret, request.headers['x-webchat-token']);
      if (!session) throw refuse(401, 'session', 'webchat.error.session');
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) throw refuse(400, 'file_type', 'webchat.error.file', { reason: t(locale, 'webchat.error.fileType') });
      if (!(await messageAllowed(session.visitorId, request.ip))) throw refuse(429, 'rate_limited', 'webchat.error.rateLimited');
      const { cid, name } = request.query as { cid: string; name?: string };
      const saved = await attachments.save({ bytes: body, ...(name ? { name } : {}), declaredType: request.headers['content-type'] });
      if (!saved.ok) {
        const reason =
          saved.reason === 'too_large'
            ? t(locale, 'webchat.error.fileTooLarge', { max: Math.floor(settings.maxAttachmentBytes / 1024 / 1024) })
            : t(locale, 'webchat.error.fileType');
        throw refuse(saved.reason === 'too_large' ? 413 : 415, 'file_rejected', 'webchat.error.file', { reason });
      }
      const url = `${prefix}/files/${saved.key}?sig=${fileSignature(secret, saved.key)}`;
      const stored = await store(session, inboundOf(session, cid, null, [{ ...saved.attachment, url }], undefined, { cid, upload: saved.attachment }));
      return reply.status(201).send({ id: stored.id, conversationId: stored.session.conversationId, token: visitorToken(secret, stored.session) });
    },
  );

  app.get(
    `${prefix}/files/:key`,
    { schema: { hide: true, params: Type.Object({ key: Type.String({ pattern: '^[0-9a-f]{64}$' }) }), querystring: Type.Object({ sig: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const { key } = request.params as { key: string };
      const { sig } = request.query as { sig: string };
      if (!verifyFileSignature(secret, key, sig)) throw new HttpError(404, 'not_found', 'file not found');
      const bytes = (await attachments.read(key)) ?? (await context.files.read(key));
      if (!bytes) throw new HttpError(404, 'not_found', 'file not found');
      const type = effectiveType(bytes, undefined);
      const inline = type.startsWith('image/') || type === 'application/pdf';
      return reply
        .type(type)
        .header('content-disposition', inline ? 'inline' : 'attachment')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; img-src 'self'; sandbox")
        .header('cache-control', 'private, max-age=86400')
        .send(bytes);
    },
  );
}
