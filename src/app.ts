import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ChannelAdapter, InboxRef } from './channels/channel-adapter.ts';
import { attachmentDirsOf, inboxSettings, withEnvInboxes } from './channels/inbox-settings.ts';
import { channelListings, configuredNoticeTransports, findChannel, reportNameOf } from './channels/registry.ts';
import { join } from 'node:path';
import { constants as zlibConstants } from 'node:zlib';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { createLeases } from './core/cluster/leases.ts';
import { sharedRateLimitStore } from './core/cluster/rate-limit-store.ts';
import { createRedisBridge } from './core/cluster/redis-bridge.ts';
import { createWindowCounters } from './core/cluster/window-counter.ts';
import { createAccounts } from './core/accounts/accounts.ts';
import { attachmentsDir, createAttachmentStore } from './core/attachments.ts';
import { createAttachmentFiles } from './core/attachment-files.ts';
import { chooseFileStorage } from './core/file-storage.ts';
import { attachmentsApi } from './inbox/attachments-api.ts';
import { ensureBootstrapToken } from './core/api-tokens.ts';
import type { GatewayConfig } from './core/config/load-config.ts';
import { createBusinessHours } from './core/business-hours.ts';
import { createCareDesk } from './desks/care/care-desk.ts';
import { createConversations } from './core/conversations.ts';
import { HttpError } from './core/errors.ts';
import { EventBus } from './core/events.ts';
import { installErrorHandler } from './core/http/error-handler.ts';
import { installTextGuard, installValidators } from './core/http/validators.ts';
import { installSecurityHeaders, metricsAllowed } from './core/http/security-headers.ts';
import { createSecretBox } from './core/accounts/secret-box.ts';
import { both } from './core/i18n/index.ts';
import { createInboxState, setInboxStatus, syncConfiguredInboxes } from './core/inboxes.ts';
import { createInboundHandlers } from './core/inbound-handlers.ts';
import { createIngest } from './core/ingest.ts';
import { createUnusablePayloads } from './core/unusable-payloads.ts';
import { loggerOptions } from './core/logging.ts';
import { createMetrics } from './core/metrics.ts';
import { createOutbox, type OutboundSender, type ReplyWindowState } from './core/outbox.ts';
import { createOutreach } from './core/outreach.ts';
import { deploymentSecret } from './core/settings.ts';
import { openStore } from './core/store/store.ts';
import { createTicketDesk } from './desks/tickets/ticket-desk.ts';
import { adminApi } from './inbox/admin-api.ts';
import { authApi } from './inbox/auth-api.ts';
import { cannedAnswersApi } from './inbox/canned-answers-api.ts';
import { channelsApi } from './inbox/channels-api.ts';
import { createIdentityEvents } from './core/identity-events.ts';
import { careApi } from './desks/care/api.ts';
import { contactsApi } from './inbox/contacts-api.ts';
import { privacyApi } from './desks/privacy/api.ts';
import { auditApi } from './inbox/audit-api.ts';
import { registerSecurityTxt } from './core/http/security-txt.ts';
import { createPersonalData } from './desks/privacy/personal-data.ts';
import { createPrivacyRequests } from './desks/privacy/requests.ts';
import { createRetention } from './desks/privacy/retention.ts';
import { labelsApi } from './inbox/labels-api.ts';
import { conversationsApi } from './inbox/conversations-api.ts';
import { liveFeed } from './inbox/live.ts';
import { inboxWebApp } from './inbox/web-app.ts';
import { agentsTeamsApi } from './inbox/agents-teams-api.ts';
import { inboxSignInApi } from './inbox/inbox-sign-in-api.ts';
import { noticeTemplatesApi } from './inbox/notice-templates-api.ts';
import { telephonyApi } from './inbox/telephony-api.ts';
import { routerApi } from './router/api.ts';
import { createKbProposals } from './router/knowledge-base/proposals.ts';
import { surveyPage } from './desks/care/survey-page.ts';
import { ticketsApi } from './desks/tickets/api.ts';
import { votePage } from './desks/tickets/vote-page.ts';
import { createRouter } from './router/router.ts';
import { registerReviewGauge } from './router/knowledge-base/review.ts';

export interface BuildOptions {
  /** A logger to use instead of the configured pino one (tests pass a silent one). */
  loggerInstance?: FastifyBaseLogger;
}

/**
 * The composition root, in the order of docs/architecture.md: core (store, events, ingest, outbox)
 * -> desks -> channels -> router and the inbound handlers -> API routes -> docs. Each channel's
 * routes live in an encapsulated plugin of its own.
 */
export async function buildApp(config: GatewayConfig, options: BuildOptions = {}): Promise<FastifyInstance> {
  const { env, file } = config;
  const serverOptions: FastifyServerOptions = {
    trustProxy: env.TRUST_PROXY,
    bodyLimit: 1024 * 1024,
  };
  const app = options.loggerInstance
    ? Fastify({ ...serverOptions, loggerInstance: options.loggerInstance })
    : Fastify({ ...serverOptions, logger: loggerOptions(env.LOG_LEVEL) });

  // Core.
  const store = await openStore({ url: env.DATABASE_URL, sqliteSynchronous: env.SQLITE_SYNCHRONOUS });
  const events = new EventBus();
  // Cluster: events and rate limits cross nodes over Redis; once-only work runs under leases.
  const nodeId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const bridge = env.REDIS_URL ? createRedisBridge({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX, nodeId, events, logger: app.log.child({ module: 'cluster' }) }) : undefined;
  // Channels' abuse limits (the widget's per visitor and per address) count where the rate limits do.
  const windowCounters = createWindowCounters(bridge, env.REDIS_PREFIX);
  const leases = createLeases({ store, nodeId, ttlMs: env.CLUSTER_LEASE_SECONDS * 1000, logger: app.log.child({ module: 'leases' }) });
  const metrics = createMetrics();
  const inboxes = await syncConfiguredInboxes(store, withEnvInboxes(config));
  const channelOf = new Map(inboxes.map((inbox) => [inbox.id, inbox.channel]));
  // Files both ways: one storage (a folder, or the database every node of a cluster reads), one
  // set of checks, a row per file with its state, platform links fetched in the background.
  const fileStorage = chooseFileStorage(file.attachments.storage, store, attachmentsDir(config));
  const sharedFiles = createAttachmentStore({ storage: fileStorage, maxBytes: file.attachments.maxBytes, ...(file.attachments.allowedTypes ? { allowedTypes: file.attachments.allowedTypes } : {}) });
  const attachmentFiles = createAttachmentFiles({ store, events, files: sharedFiles, config: file.attachments, logger: app.log.child({ module: 'attachments' }) });
  const ingest = createIngest(store, events, {
    reopenWithinDays: file.conversations.reopenWithinDays,
    channelOf: (inboxId) => channelOf.get(inboxId) ?? 'unknown',
    live: isLive,
    recordAttachments: attachmentFiles.recordWithin,
  });
  const conversations = createConversations(store, events, file.deployment.locale);
  const businessHours = createBusinessHours(file.businessHours, file.deployment.timezone);
  if (await ensureBootstrapToken(store, env.GATEWAY_ADMIN_TOKEN)) app.log.info('created the admin API token from GATEWAY_ADMIN_TOKEN');

  // Channels: one adapter per configured inbox. The outbox exists before them (they get its
  // reach to other inboxes, outreach) and finds them in `adapters` when it sends.
  const adapters = new Map<number, { adapter: ChannelAdapter; inbox: InboxRef }>();
  // A citizen watches this inbox's connection live (ChannelAdapter.live): the ingest, the inbound
  // handlers and the outbox put its messages first. Declared here, asked once the adapters exist.
  function isLive(inboxId: number): boolean {
    return adapters.get(inboxId)?.adapter.live === true;
  }
  const outbox = createOutbox({
    store,
    events,
    config: file.outbox,
    metrics,
    logger: app.log,
    senderFor: (inboxId): OutboundSender | undefined => {
      const entry = adapters.get(inboxId);
      if (!entry) return undefined;
      const { adapter } = entry;
      return {
        channel: entry.inbox.channel,
        send: (message, signal) => adapter.send(message, signal),
        ...(adapter.replyWindow ? { replyWindow: (state: ReplyWindowState) => adapter.replyWindow!(state) } : {}),
        ...(adapter.deliversOnCommit ? { deliversOnCommit: true } : {}),
        ...(adapter.live ? { live: true } : {}),
        ...(adapter.prepareWindow ? { prepareWindow: (recipient: string) => adapter.prepareWindow!(recipient) } : {}),
      };
    },
  });
  const outreach = createOutreach({ store, events, outbox, inboxes });

  // The hotline's desks.
  const ticketDesk = await createTicketDesk({
    store,
    events,
    outbox,
    outreach,
    businessHours,
    config: file,
    publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`,
    logger: app.log.child({ module: 'tickets' }),
  });

  const identityEvents = createIdentityEvents(store);
  const unusablePayloads = createUnusablePayloads(store, app.log.child({ module: 'webhooks' }));
  const configured = new Map(inboxSettings(config).map((entry) => [entry.key, entry]));
  for (const inbox of inboxes) {
    const { definition, settings, isDefault } = configured.get(inbox.key)!;
    const adapter = definition.create({
      inbox,
      settings,
      isDefault,
      config,
      ingest,
      conversations,
      metrics,
      events,
      businessHours,
      logger: app.log.child({ channel: inbox.channel, inbox: inbox.key }),
      secret: await deploymentSecret(store, `channel.${inbox.channel}.${inbox.key}`),
      setStatus: (status, detail) => setInboxStatus(store, events, inbox.id, status, detail),
      outreach,
      markDelivery: (externalIds, status) => outbox.markDelivery(inbox.id, externalIds, status),
      markDeliveryOf: (messageIds, status) => outbox.markDeliveryOf(inbox.id, messageIds, status),
      markDeliveryUpTo: (externalUserId, upTo, status) => outbox.markDeliveryUpTo(inbox.id, externalUserId, upTo, status),
      markBounced: (ref, reason) => outbox.markBounced(inbox.id, ref, reason),
      conversationQuotedIn: (text) => ticketDesk.tickets.conversationQuotedIn(text),
      state: createInboxState(store, inbox.id),
      keepUnusable: (reason, raw) => unusablePayloads.keep({ inboxId: inbox.id, channel: inbox.channel, reason, raw }),
      files: sharedFiles,
      calls: { record: (event, source) => ticketDesk.calls.recordEvent(event, source) },
      windowCounter: (name, limit, windowMs) => windowCounters(`inbox.${inbox.key}:${name}`, limit, windowMs),
      identities: {
        setFollowing: (externalUserId, following, at, displayName) => identityEvents.setFollowing({ inboxId: inbox.id, channel: inbox.channel, externalUserId }, following, at, displayName),
        shareDetails: (externalUserId, details, at) => identityEvents.shareDetails({ inboxId: inbox.id, channel: inbox.channel, externalUserId }, details, at, `${inbox.channel}:${inbox.key}`),
      },
    });
    adapters.set(inbox.id, { adapter, inbox });
  }

  // The care desk (and the ticket desk, for answers) gets every notice transport: the registry's (SMS) and those an inbox offers
  // (ZNS with a Zalo OA that has templates); `care.noticeOrder` decides which it tries.
  const noticeTransports = [...configuredNoticeTransports(config.channelEnv), ...[...adapters.values()].flatMap(({ adapter }) => (adapter.noticeTransport ? [adapter.noticeTransport] : []))];
  const careDesk = createCareDesk({ store, outbox, outreach, ticketDesk, config: file, noticeTransports, publicBaseUrl: env.PUBLIC_BASE_URL ?? `http://${env.HOST}:${env.PORT}`, logger: app.log.child({ module: 'care' }) });
  app.decorate('care', careDesk);
  ticketDesk.useNoticeTransports(noticeTransports);
  ticketDesk.reports.includeCare((from, to) => careDesk.campaigns.figures(from, to));

  // TOTP secrets are encrypted; without MFA_ENCRYPTION_KEY (development, tests) a key kept in
  // the store stands in, which protects nothing at rest and is refused in production.
  const secretBox = createSecretBox(env.MFA_ENCRYPTION_KEY ?? (await deploymentSecret(store, 'accounts.mfa-key')));
  const accounts = createAccounts({ store, events, config: file.security, issuer: file.deployment.shortName, secretBox });
  const router = createRouter({ store, events, outbox, config, businessHours, logger: app.log.child({ module: 'router' }) });
  const kbProposals = createKbProposals(store);
  // Entries never reviewed or past their review-by date show in /metrics for the hotline to act on.
  registerReviewGauge(metrics.registry, () => router.knowledge.matcher.entries(), file.deployment.timezone);
  // What happens to a citizen's message once it is stored, in this order: the first handler that
  // takes it ends the walk. The router comes last and answers or hands off whatever is left.
  const inbound = createInboundHandlers({
    store,
    events,
    logger: app.log.child({ module: 'inbound' }),
    handlers: [ticketDesk.voteHandler, careDesk.statusHandler, careDesk.noticeReplyHandler, ...(file.router.enabled ? [router.handler] : [])],
    live: isLive,
  });

  const personalData = createPersonalData(store, { attachmentDirs: attachmentDirsOf(config), storage: fileStorage });
  const privacyRequests = createPrivacyRequests(store, { config: file.privacy, businessHours, personalData, events, logger: app.log });
  const retention = createRetention(store, { config: file.retention, personalData, logger: app.log });
  app.decorate('gateway', { config, store, events, leases, metrics, ingest, outbox, outreach, conversations, inboxes, businessHours, router, inbound, accounts, ticketDesk, retention, privacyRequests, attachmentFiles });

  // HTTP plumbing.
  installValidators(app);
  installTextGuard(app);
  installSecurityHeaders(app);
  installErrorHandler(app, { text: 5000 });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // One WebSocket server for the whole app (agents' live feed, the citizens' widget); frames are
  // small JSON messages, attachments go over HTTP.
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  // Pages, scripts, styles and JSON travel compressed: citizens on slow phone links wait for
  // bytes, not for the CPU. Brotli at quality 5 costs about as much as gzip; the inbox's hashed
  // bundles are compressed once at the highest quality instead (src/inbox/web-app.ts).
  await app.register(compress, {
    global: true,
    threshold: 1024,
    encodings: ['br', 'gzip'],
    brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5 } },
    customTypes: /^(?:text\/|application\/(?:javascript|json|xml)|image\/svg\+xml)/,
  });
  await app.register(cookie);
  await app.register(csrf, { sessionPlugin: '@fastify/cookie', getToken: (request) => request.headers['x-csrf-token'] as string | undefined });
  await app.register(rateLimit, {
    global: false,
    ...(bridge ? { store: sharedRateLimitStore(bridge, env.REDIS_PREFIX) } : {}),
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.ceil(context.ttl / 1000);
      const messages = both('error.rateLimited', { seconds });
      return new HttpError(429, 'rate_limited', messages.en, { messages });
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: `${file.deployment.shortName} gateway API`, version: '0.1.0', description: 'Public API for citizens and REST API for integrations.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });

  // Routes.
  app.get('/healthz', { schema: { tags: ['ops'], summary: 'The process is up', response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'The store answers; `degraded` when Redis is down (the node serves alone: other nodes miss its events)',
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ready', 'degraded'] }, redis: { type: 'string', enum: ['up', 'down'] } } } },
      },
    },
    async () => {
      try {
        await store.ping();
      } catch {
        throw new HttpError(503, 'not_ready', 'store unreachable');
      }
      if (!bridge) return { status: 'ready' };
      return bridge.connected ? { status: 'ready', redis: 'up' } : { status: 'degraded', redis: 'down' };
    },
  );
  registerSecurityTxt(app, { contact: file.deployment.securityContact, publicBaseUrl: env.PUBLIC_BASE_URL, languages: file.deployment.locale === 'vi' ? ['vi', 'en'] : ['en', 'vi'] });
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus metrics (METRICS_ALLOW addresses, or Authorization: Bearer METRICS_TOKEN)' } }, async (request, reply) => {
    if (!metricsAllowed(request, { token: env.METRICS_TOKEN, allow: env.METRICS_ALLOW })) throw new HttpError(403, 'forbidden', 'metrics are for the monitoring system');
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  for (const { adapter } of adapters.values()) {
    if (adapter.routes) await app.register(async (scope) => adapter.routes!(scope));
  }
  await app.register(async (scope) => authApi(scope, { accounts, config }), { prefix: '/api/auth' });
  await app.register(async (scope) => conversationsApi(scope, { store, conversations, outbox, accounts, attachmentFiles, featuresOf: (channel) => findChannel(channel)?.features ?? [], locale: file.deployment.locale }), { prefix: '/api/v1' });
  await app.register(async (scope) => attachmentsApi(scope, { store, conversations, accounts, attachmentFiles, maxBytes: file.attachments.maxBytes }), { prefix: '/api/v1' });
  await app.register(async (scope) => routerApi(scope, { store, router, accounts, outbox, conversations, timeZone: file.deployment.timezone, proposals: kbProposals, teams: new Set(file.teams.map((team) => team.key)) }), { prefix: '/api/v1' });
  await app.register(async (scope) => agentsTeamsApi(scope, { store, events, accounts }), { prefix: '/api/v1' });
  await app.register(async (scope) => inboxSignInApi(scope, { store, accounts, signInOf: (inboxId) => adapters.get(inboxId)?.adapter.signIn }), { prefix: '/api/v1' });
  await app.register(async (scope) => noticeTemplatesApi(scope, { store, accounts, templates: () => noticeTransports.flatMap((transport) => transport.templates?.() ?? []) }), { prefix: '/api/v1' });
  // A unit's scanned reply is read from whichever node serves the ticket: the same storage choice
  // as the conversations' files (the database on PostgreSQL), in a folder of its own on one node.
  const ticketFiles = createAttachmentStore({ storage: chooseFileStorage(file.attachments.storage, store, join(attachmentsDir(config), 'tickets')), maxBytes: 20 * 1024 * 1024 });
  await app.register(async (scope) => ticketsApi(scope, { store, accounts, conversations, desk: ticketDesk, deploymentName: file.deployment.name, timeZone: file.deployment.timezone, attachments: ticketFiles, channelName: reportNameOf, printFonts: { regular: env.PRINT_FONT_REGULAR, bold: env.PRINT_FONT_BOLD } }), { prefix: '/api/v1' });
  await app.register(async (scope) => careApi(scope, { store, accounts, care: careDesk, tickets: ticketDesk, deploymentName: file.deployment.name, timeZone: file.deployment.timezone }), { prefix: '/api/v1' });
  await app.register(async (scope) => surveyPage(scope, { care: careDesk, deploymentName: file.deployment.name, perMinute: env.PUBLIC_RATE_LIMIT }));
  await app.register(async (scope) => votePage(scope, { store, desk: ticketDesk, deploymentName: file.deployment.name, perMinute: env.PUBLIC_RATE_LIMIT }));
  await app.register(async (scope) => liveFeed(scope, { store, events, accounts, unitIdsOf: ticketDesk.tickets.unitIdsOf, publicBaseUrl: env.PUBLIC_BASE_URL }), { prefix: '/api/v1' });
  await app.register(async (scope) => channelsApi(scope, { store, accounts, channels: channelListings() }), { prefix: '/api/v1' });
  await app.register(async (scope) => cannedAnswersApi(scope, { store, accounts, attachmentFiles }), { prefix: '/api/v1' });
  // The phone line: click-to-call goes through the first switchboard inbox able to place calls.
  const dialer = () => [...adapters.values()].find((entry) => entry.adapter.dialer)?.adapter.dialer;
  await app.register(async (scope) => telephonyApi(scope, { store, accounts, desk: ticketDesk, dialer, ...(file.care.outboundNumber ? { callerId: file.care.outboundNumber } : {}) }), { prefix: '/api/v1' });
  await app.register(async (scope) => labelsApi(scope, { store, events, conversations, accounts }), { prefix: '/api/v1' });
  await app.register(async (scope) => contactsApi(scope, { store, conversations, accounts }), { prefix: '/api/v1' });
  await app.register(async (scope) => auditApi(scope, { store, accounts }), { prefix: '/api/v1' });
  await app.register(async (scope) => privacyApi(scope, { store, accounts, requests: privacyRequests, personalData }), { prefix: '/api/v1' });
  await app.register(async (scope) => adminApi(scope, { store, accounts, config, businessHours, router }), { prefix: '/api/v1' });
  await app.register(inboxWebApp);
  if (env.DOCS_ENABLED ?? env.NODE_ENV !== 'production') await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/gui-cau-hoi'));

  // Lifecycle: workers start when the server is ready and stop before the store closes.
  let inactivityTimer: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    await bridge?.start();
    for (const { adapter } of adapters.values()) await adapter.start?.();
    await outbox.start();
    await attachmentFiles.start();
    await router.start();
    await ticketDesk.start();
    inbound.start();
    // Work one node does for all (the others would announce or fetch it twice): under leases.
    for (const { adapter, inbox } of adapters.values()) if (adapter.exclusive) leases.add(`inbox.${inbox.key}`, adapter.exclusive);
    leases.add('router.assignment', router.assigner);
    leases.add('tickets.sweeps', ticketDesk.sweeps);
    leases.add('privacy.deadlines', privacyRequests);
    leases.add('privacy.retention', retention);
    leases.add('accounts.inactivity', {
      async start() {
        // Accounts unused too long are disabled; checking a few times a day is precise enough.
        inactivityTimer = setInterval(() => void accounts.disableInactive().catch((err: unknown) => app.log.error({ err }, 'inactive account check failed')), 6 * 3_600_000);
        inactivityTimer.unref();
        await accounts.disableInactive();
      },
      stop: () => clearInterval(inactivityTimer),
    });
    await leases.start();
  });
  app.addHook('onClose', async () => {
    await leases.stop();
    await inbound.stop();
    await router.stop();
    ticketDesk.stop();
    await outbox.stop();
    await attachmentFiles.stop();
    for (const { adapter } of adapters.values()) await adapter.close?.();
    await bridge?.close();
    await store.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    gateway: {
      config: GatewayConfig;
      store: Awaited<ReturnType<typeof openStore>>;
      events: EventBus;
      /** Once-only work of a cluster and which of it this node holds. */
      leases: ReturnType<typeof createLeases>;
      metrics: ReturnType<typeof createMetrics>;
      ingest: ReturnType<typeof createIngest>;
      outbox: ReturnType<typeof createOutbox>;
      outreach: ReturnType<typeof createOutreach>;
      conversations: ReturnType<typeof createConversations>;
      inboxes: InboxRef[];
      businessHours: ReturnType<typeof createBusinessHours>;
      router: ReturnType<typeof createRouter>;
      /** The ordered handlers every citizen message walks after it is stored. */
      inbound: ReturnType<typeof createInboundHandlers>;
      retention: ReturnType<typeof createRetention>;
      privacyRequests: ReturnType<typeof createPrivacyRequests>;
      accounts: ReturnType<typeof createAccounts>;
      ticketDesk: Awaited<ReturnType<typeof createTicketDesk>>;
      /** Files both ways: attachment rows, uploads, the background fetcher. */
      attachmentFiles: ReturnType<typeof createAttachmentFiles>;
    };
  }
}
