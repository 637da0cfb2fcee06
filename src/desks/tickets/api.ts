import { and, eq, inArray } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Accounts } from '../../core/accounts/accounts.ts';
import { effectiveType, type createAttachmentStore } from '../../core/attachments.ts';
import { ticketTypes } from '../../core/config/file-schema.ts';
import { HttpError } from '../../core/errors.ts';
import { appendAudit } from '../../core/audit.ts';
import { localeFrom } from '../../core/i18n/index.ts';
import type { Store } from '../../core/store/store.ts';
import { monthRange } from './monthly-report.ts';
import { reportCsv, reportXlsx, yearlyXlsx, type ChannelNameOf } from './report-export.ts';
import type { TicketDesk } from './ticket-desk.ts';
import { ticketPdf, type PrintFonts } from './ticket-pdf.ts';
import { ticketActions, ticketStatuses, type Level } from './ticket-rules.ts';
import { unitKinds } from './units.ts';
import { actorOf, requireAdmin, requirePrincipal, requireSupervisor, visibleConversation } from '../../core/http/auth.ts';
import type { Conversations } from '../../core/conversations.ts';
import { requireOperator, ticketPrincipalOf } from './principal.ts';
import { CallLoggedSchema, CallSchema, CdrImportSchema } from './call-schemas.ts';

const security = [{ bearerAuth: [] }];
type AttachmentStore = ReturnType<typeof createAttachmentStore>;
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const TicketType = literals(ticketTypes);
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });

const CreateTicket = Type.Object(
  {
    type: TicketType,
    subject: Type.String({ minLength: 1, maxLength: 300 }),
    body: Type.Optional(Type.String({ maxLength: 20_000 })),
    tthc: Type.Optional(Type.Boolean()),
    field: Type.Optional(Type.String({ maxLength: 120 })),
    conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
    callId: Type.Optional(Type.Integer({ minimum: 1 })),
    channel: Type.Optional(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9-]{0,30}$' })),
  },
  { additionalProperties: false },
);

const CallInput = Type.Object(
  {
    direction: literals(['in', 'out'] as const),
    number: Type.String({ minLength: 2, maxLength: 30, pattern: '^[0-9 +().-]+$' }),
    startedAt: Type.Optional(Type.String({ format: 'date-time' })),
    durationSeconds: Type.Integer({ minimum: 0, maximum: 86_400 }),
    notes: Type.Optional(Type.String({ maxLength: 5000 })),
    /** Open a ticket from the call at once ("a few keystrokes"). */
    ticket: Type.Optional(Type.Omit(CreateTicket, ['conversationId', 'callId', 'channel'])),
  },
  { additionalProperties: false },
);

/**
 * Tickets and their levels, the organisation, phone calls and the monthly report. Access: the
 * hotline's staff see every ticket; unit staff only their units' (SECURITY.md item 5).
 */
export async function ticketsApi(
  app: FastifyInstance,
  deps: {
    store: Store;
    accounts: Accounts;
    conversations: Conversations;
    desk: TicketDesk;
    deploymentName: string;
    timeZone: string;
    attachments: AttachmentStore;
    /** A channel's name in printed reports, from the channels' registry (undefined: not a channel). */
    channelName?: ChannelNameOf;
    /** TrueType fonts with Vietnamese letters for the printed ticket's PDF. */
    printFonts: PrintFonts;
  },
) {
  const { desk, deploymentName } = deps;
  const { t } = deps.store;
  requirePrincipal(app, deps);
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 20 * 1024 * 1024 }, (_request, body, done) => done(null, body));

  const principalOf = (request: FastifyRequest) => ticketPrincipalOf(request, desk.tickets.unitIdsOf);

  // --- The organisation -------------------------------------------------------------------
  app.get('/units/mine', { schema: { tags: ['tickets'], summary: 'The units the signed-in person works for', security } }, async (request) => ({ unitIds: (await principalOf(request)).unitIds }));
  app.get('/units', { schema: { tags: ['tickets'], summary: 'Units tickets are forwarded to', security } }, async () => ({ items: await desk.units.list() }));
  app.post(
    '/units',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Add a unit (admin)',
        security,
        body: Type.Object({ key: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 80 }), name: Type.String({ minLength: 1, maxLength: 200 }), kind: literals(unitKinds), parentId: Type.Optional(Type.Union([Type.Integer(), Type.Null()])) }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { key: string; name: string; kind: (typeof unitKinds)[number]; parentId?: number | null };
      return reply.code(201).send(await desk.units.create(body, actorOf(request)));
    },
  );
  app.patch(
    '/units/:id',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Rename, move or disable a unit (admin)',
        security,
        params: Id,
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), kind: Type.Optional(literals(unitKinds)), parentId: Type.Optional(Type.Union([Type.Integer(), Type.Null()])), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      requireAdmin(request);
      return desk.units.update((request.params as { id: number }).id, request.body as never, actorOf(request));
    },
  );
  app.get('/units/:id/members', { schema: { tags: ['tickets'], summary: 'The unit officers and leaders of a unit (admin)', security, params: Id } }, async (request) => {
    requireAdmin(request);
    return { items: await desk.units.members((request.params as { id: number }).id) };
  });
  app.get('/agents/:id/units', { schema: { tags: ['tickets'], summary: 'The units a person works for (admin)', security, params: Id } }, async (request) => {
    requireAdmin(request);
    return { unitIds: await desk.tickets.unitIdsOf((request.params as { id: number }).id) };
  });
  app.put(
    '/agents/:id/units',
    { schema: { tags: ['tickets'], summary: 'The units a unit officer or leader works for (admin)', security, params: Id, body: Type.Object({ unitIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 50 }) }, { additionalProperties: false }) } },
    async (request) => {
      requireAdmin(request);
      const { unitIds } = request.body as { unitIds: number[] };
      await desk.units.setMembership((request.params as { id: number }).id, unitIds, actorOf(request));
      return { unitIds };
    },
  );

  // --- Tickets ----------------------------------------------------------------------------
  app.post('/tickets', { schema: { tags: ['tickets'], summary: 'Open a ticket from a conversation, a call, or by hand', security, body: CreateTicket } }, async (request, reply) => {
    const { conversationId } = request.body as Static<typeof CreateTicket>;
    // A ticket shows its citizen: it is opened only from a conversation the caller may read.
    if (conversationId !== undefined) await visibleConversation(deps.conversations, request, conversationId);
    const created = await desk.tickets.create(request.body as Static<typeof CreateTicket>, await principalOf(request));
    return reply.code(201).send(created);
  });

  app.get(
    '/tickets',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Tickets the caller may see, newest first (overdue and dueSoon: by deadline)',
        security,
        querystring: Type.Object({
          status: Type.Optional(literals(ticketStatuses)),
          level: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
          unitId: Type.Optional(Type.Integer()),
          type: Type.Optional(TicketType),
          channel: Type.Optional(Type.String({ maxLength: 30 })),
          overdue: Type.Optional(Type.Boolean()),
          dueSoon: Type.Optional(Type.Boolean()),
          month: Type.Optional(month),
          conversationId: Type.Optional(Type.Integer()),
          beforeId: Type.Optional(Type.Integer()),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
      },
    },
    async (request) => {
      const q = request.query as { status?: never; level?: Level; unitId?: number; type?: never; channel?: string; overdue?: boolean; dueSoon?: boolean; month?: string; conversationId?: number; beforeId?: number; limit: number };
      const range = q.month ? monthRange(q.month, deps.timeZone) : null;
      return desk.tickets.list({ ...q, ...(range ? { receivedFrom: range.from, receivedTo: range.to } : {}) }, await principalOf(request));
    },
  );

  app.get('/tickets/:id', { schema: { tags: ['tickets'], summary: 'A ticket with its full history', security, params: Id } }, async (request) =>
    desk.tickets.get((request.params as { id: number }).id, await principalOf(request)),
  );

  // --- The printed ticket: one page for units that file tickets on paper --------------------
  // Built from the ticket as the reader may read it (the same check and masking as GET
  // /tickets/:id); a print or PDF is an export of personal data, so it is audited as one.
  const printed = async (request: FastifyRequest, format: 'page' | 'pdf') => {
    const principal = await principalOf(request);
    const id = (request.params as { id: number }).id;
    const ticket = await desk.printed(id, principal);
    await deps.store.tx((tx) => appendAudit(deps.store, tx, { actor: principal.auditActor, action: 'ticket.print', subjectType: 'ticket', subjectId: id, detail: { format, reporterHidden: ticket.reporterHidden } }));
    return ticket;
  };
  app.get('/tickets/:id/print', { schema: { tags: ['tickets'], summary: 'A ticket laid out for printing (the inbox\u2019s print page)', security, params: Id } }, async (request) => printed(request, 'page'));
  app.get(
    '/tickets/:id/print.pdf',
    {
      schema: {
        tags: ['tickets'],
        summary: 'A ticket as one A4 page of PDF (503 when the configured fonts are missing)',
        security,
        params: Id,
        // The inbox's language, which may differ from the browser's Accept-Language.
        querystring: Type.Object({ lang: Type.Optional(literals(['vi', 'en'] as const)) }),
        produces: ['application/pdf'],
      },
    },
    async (request, reply) => {
      const ticket = await printed(request, 'pdf');
      const locale = (request.query as { lang?: 'vi' | 'en' }).lang ?? localeFrom(request.headers['accept-language']);
      const pdf = await ticketPdf(ticket, { locale, timeZone: deps.timeZone, fonts: deps.printFonts, channelName: deps.channelName });
      return reply.type('application/pdf').header('content-disposition', `inline; filename="phieu-${ticket.code}.pdf"`).header('cache-control', 'no-store').send(pdf);
    },
  );

  app.post(
    '/tickets/:id/actions',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Move a ticket: take, forward (unitId), accept, escalate, send_back (comment), answer (comment), close, reopen',
        security,
        params: Id,
        body: Type.Object(
          {
            action: literals(ticketActions),
            unitId: Type.Optional(Type.Integer({ minimum: 1 })),
            comment: Type.Optional(Type.String({ maxLength: 20_000 })),
            /** Files uploaded first to /tickets/:id/attachments, named by the key that returned. */
            attachments: Type.Optional(
              Type.Array(Type.Object({ key: Type.String({ pattern: '^[0-9a-f]{64}$' }), name: Type.Optional(Type.String({ maxLength: 255 })), mimeType: Type.Optional(Type.String({ maxLength: 100 })), size: Type.Optional(Type.Integer()) }, { additionalProperties: false }), { maxItems: 10 }),
            ),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request) => {
      const id = (request.params as { id: number }).id;
      const body = request.body as { attachments?: Array<{ key: string; name?: string }> };
      const principal = await principalOf(request);
      if (body.attachments?.length) {
        // Only files uploaded to this ticket, described as the gateway stored them.
        await desk.tickets.get(id, principal);
        const uploads = await deps.store.db
          .select()
          .from(t.ticketUploads)
          .where(and(eq(t.ticketUploads.ticketId, id), inArray(t.ticketUploads.key, body.attachments.map((a) => a.key))));
        body.attachments = body.attachments.map((given) => {
          const upload = uploads.find((u) => u.key === given.key);
          if (!upload) throw new HttpError(400, 'attachment_unknown', 'attach files uploaded to this ticket (POST /tickets/:id/attachments)');
          return { key: upload.key, name: upload.name ?? given.name ?? upload.key, mimeType: upload.mimeType, size: upload.size } as never;
        });
      }
      return desk.tickets.transition(id, body as never, principal);
    },
  );

  app.post(
    '/tickets/:id/satisfaction',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Record the citizen\u2019s rating given by phone (operators)',
        security,
        params: Id,
        body: Type.Object({ satisfaction: literals(['satisfied', 'not_satisfied'] as const), comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
      },
    },
    async (request) => {
      const principal = await principalOf(request);
      requireOperator(principal);
      const body = request.body as { satisfaction: 'satisfied' | 'not_satisfied'; comment?: string };
      return desk.satisfaction.rate((request.params as { id: number }).id, body.satisfaction, body.comment ?? null, principal);
    },
  );

  // --- Files on a ticket's history (the unit's official reply, a scan) ---------------------
  // Files arrive as raw bytes whatever their type: browsers send .txt as text/plain, which
  // Fastify would otherwise parse to a string.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(['*', 'text/plain'], { parseAs: 'buffer', bodyLimit: deps.attachments.maxBytes }, (_request, body, done) => done(null, body));
  app.post(
    '/tickets/:id/attachments',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Upload a file (the raw bytes, typed) to attach to the next step of a ticket',
        security,
        params: Id,
        querystring: Type.Object({ name: Type.Optional(Type.String({ maxLength: 255 })) }),
      },
    },
    async (request, reply) => {
      const id = (request.params as { id: number }).id;
      await desk.tickets.get(id, await principalOf(request));
      // A CSV arrives as text (the call import reads it so); any other file as bytes.
      const bytes = Buffer.isBuffer(request.body) ? request.body : typeof request.body === 'string' ? Buffer.from(request.body, 'utf8') : null;
      if (!bytes || bytes.length === 0) throw new HttpError(400, 'file_expected', 'send the file as the request body');
      const saved = await deps.attachments.save({ bytes, name: (request.query as { name?: string }).name, declaredType: request.headers['content-type'] });
      if (!saved.ok) throw new HttpError(saved.reason === 'too_large' ? 413 : 415, `attachment_${saved.reason}`, `the file was refused (${saved.reason})`);
      const { attachment } = saved;
      await deps.store.db
        .insert(t.ticketUploads)
        .values({ ticketId: id, key: saved.key, name: attachment.name ?? null, mimeType: attachment.mimeType ?? 'application/octet-stream', size: attachment.size ?? bytes.length, uploadedById: request.principal?.kind === 'agent' ? request.principal.agentId : null, uploadedAt: new Date() })
        .onConflictDoNothing();
      return reply.code(201).send({ key: saved.key, name: attachment.name ?? null, mimeType: attachment.mimeType ?? null, size: attachment.size ?? null, url: `/api/v1/tickets/${id}/attachments/${saved.key}` });
    },
  );
  app.get(
    '/tickets/:id/attachments/:key',
    { schema: { tags: ['tickets'], summary: 'A file attached to a ticket\u2019s history', security, params: Type.Object({ id: Type.Integer({ minimum: 1 }), key: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
    async (request, reply) => {
      const { id, key } = request.params as { id: number; key: string };
      const ticket = await desk.tickets.get(id, await principalOf(request));
      // Only files this ticket's history names: a key from another ticket opens nothing here.
      const file = ticket.history.flatMap((h) => (Array.isArray(h.attachments) ? (h.attachments as Array<{ key?: string; name?: string; mimeType?: string }>) : [])).find((a) => a.key === key);
      const bytes = file ? await deps.attachments.read(key) : null;
      if (!file || !bytes) throw new HttpError(404, 'not_found', 'no such file on this ticket');
      return reply
        // The bytes say what the file is, never the type a client once named.
        .type(effectiveType(bytes, file.mimeType))
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name ?? key)}`)
        .send(bytes);
    },
  );

  // --- Phone calls ------------------------------------------------------------------------
  app.post('/calls', { schema: { tags: ['calls'], summary: 'Log a call, and open a ticket from it at once if `ticket` is given', security, body: CallInput, response: { 201: CallLoggedSchema } } }, async (request, reply) => {
    const principal = await principalOf(request);
    requireOperator(principal);
    const body = request.body as Static<typeof CallInput>;
    const call = await desk.calls.log(
      { direction: body.direction, number: body.number, startedAt: body.startedAt ? new Date(body.startedAt) : new Date(), durationSeconds: body.durationSeconds, notes: body.notes ?? null },
      principal.agentId,
    );
    const ticket = body.ticket ? await desk.tickets.create({ ...body.ticket, callId: call.id }, principal) : null;
    return reply.code(201).send({ id: call.id, contactId: call.contactId, ticket });
  });

  app.get(
    '/calls',
    { schema: { tags: ['calls'], summary: 'Calls, newest first', security, querystring: Type.Object({ month: Type.Optional(month), direction: Type.Optional(literals(['in', 'out'] as const)), beforeId: Type.Optional(Type.Integer()), limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }) }), response: { 200: Type.Object({ items: Type.Array(CallSchema) }) } } },
    async (request) => {
      requireOperator(await principalOf(request));
      const q = request.query as { month?: string; direction?: 'in' | 'out'; beforeId?: number; limit: number };
      const range = q.month ? monthRange(q.month, deps.timeZone) : null;
      return { items: await desk.calls.list({ ...q, ...(range ? { from: range.from, to: range.to } : {}) }) };
    },
  );

  app.post(
    '/calls/import',
    { schema: { tags: ['calls'], summary: 'Import the switchboard\u2019s call detail records (text/csv with a header row; supervisors)', security, consumes: ['text/csv'], response: { 200: CdrImportSchema } } },
    async (request) => {
      requireSupervisor(request);
      if (typeof request.body !== 'string') throw new HttpError(415, 'csv_expected', 'send the file as text/csv');
      return desk.calls.importCdr(request.body);
    },
  );

  // --- The monthly report -----------------------------------------------------------------
  app.get(
    '/reports/monthly',
    {
      schema: {
        tags: ['reports'],
        summary: 'The monthly report (JSON, CSV or XLSX) in the province\u2019s form',
        security,
        querystring: Type.Object({ month, format: Type.Optional(literals(['json', 'csv', 'xlsx'] as const)) }),
      },
    },
    async (request, reply) => {
      requireSupervisor(request);
      const { month: m, format = 'json' } = request.query as { month: string; format?: 'json' | 'csv' | 'xlsx' };
      const report = await desk.reports.build(m);
      const locale = localeFrom(request.headers['accept-language']);
      const file = `bao-cao-1022-${m}`;
      if (format === 'csv') return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${file}.csv"`).send(reportCsv(report, locale, deps.channelName));
      if (format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="${file}.xlsx"`)
          .send(await reportXlsx(report, locale, deploymentName, deps.channelName));
      }
      return report;
    },
  );

  app.get(
    '/reports/yearly',
    {
      schema: {
        tags: ['reports'],
        summary: "The yearly report (JSON or XLSX): the months side by side, the year's sums, late handling by unit, customer care of the year",
        security,
        querystring: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2100 }), format: Type.Optional(literals(['json', 'xlsx'] as const)) }),
      },
    },
    async (request, reply) => {
      requireSupervisor(request);
      const { year, format = 'json' } = request.query as { year: number; format?: 'json' | 'xlsx' };
      const report = await desk.reports.yearly(year);
      if (format === 'xlsx') {
        return reply
          .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
          .header('content-disposition', `attachment; filename="bao-cao-1022-nam-${year}.xlsx"`)
          .send(await yearlyXlsx(report, localeFrom(request.headers['accept-language']), deploymentName));
      }
      return report;
    },
  );
}
