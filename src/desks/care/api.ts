import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import type { Accounts } from '../../core/accounts/accounts.ts';
import { instantOf } from '../../core/business-hours.ts';
import { attemptOutcomes } from './campaign-rules.ts';
import type { CareDesk } from './care-desk.ts';
import { dossierFields, type ColumnMapping } from './dossier-import.ts';
import { defaultQuestionnaire, templates } from './questionnaires.ts';
import { resultsXlsx } from './results-export.ts';
import { appendAudit } from '../../core/audit.ts';
import { HttpError } from '../../core/errors.ts';
import { localeFrom } from '../../core/i18n/index.ts';
import type { Store } from '../../core/store/store.ts';
import { actorOf, requirePrincipal, requireSupervisor } from '../../core/http/auth.ts';
import { monthRange, requireOperator, ticketPrincipalOf, type TicketDesk } from '../tickets/index.ts';

const security = [{ bearerAuth: [] }];
const literals = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const Id = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const DeskLevel = literals(['province', 'district', 'commune'] as const);
const day = Type.String({ format: 'date' });
const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const Columns = Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 200 }));

const Question = Type.Object(
  {
    key: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,40}$' }),
    kind: literals(['choice', 'scale', 'yesno', 'text'] as const),
    label: Type.String({ minLength: 1, maxLength: 500 }),
    required: Type.Boolean(),
    options: Type.Optional(Type.Array(Type.Object({ value: Type.String({ minLength: 1, maxLength: 60 }), label: Type.String({ minLength: 1, maxLength: 200 }), satisfaction: Type.Optional(literals(['satisfied', 'neutral', 'not_satisfied'] as const)) }, { additionalProperties: false }), { maxItems: 20 })),
    area: Type.Optional(literals(['access', 'procedures', 'civilServants', 'results', 'feedback'] as const)),
  },
  { additionalProperties: false },
);

const CreateCampaign = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    template: literals(templates),
    questionnaire: Type.Optional(Type.Object({ title: Type.String({ minLength: 1, maxLength: 300 }), overallKey: Type.String(), questions: Type.Array(Question, { minItems: 1, maxItems: 40 }) }, { additionalProperties: false })),
    filter: Type.Object(
      {
        finishedFrom: Type.Optional(day),
        finishedTo: Type.Optional(day),
        deskLevels: Type.Optional(Type.Array(DeskLevel, { maxItems: 3 })),
        units: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 500 })),
        procedures: Type.Optional(Type.Array(Type.String({ maxLength: 500 }), { maxItems: 500 })),
      },
      { additionalProperties: false },
    ),
    sampleSize: Type.Integer({ minimum: 1, maximum: 100_000 }),
    stratifyBy: literals(['deskLevel', 'unit', 'none'] as const),
    minPerStratum: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000 })),
    seed: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    excludeDays: Type.Integer({ minimum: 0, maximum: 3650 }),
    outboundNumber: Type.Optional(Type.String({ pattern: '^[\\d +.()-]{3,20}$' })),
    visitLevels: Type.Optional(Type.Array(DeskLevel, { maxItems: 3 })),
    webSurvey: Type.Optional(Type.Boolean()),
    noticeLeadMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080 })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    znsTemplate: Type.Optional(Type.String({ pattern: '^[a-z0-9-]+$', description: 'ZNS template (by key) for the pre-notice' })),
  },
  { additionalProperties: false },
);

const Attempt = Type.Object(
  {
    outcome: literals(attemptOutcomes),
    answers: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String({ maxLength: 4000 }), Type.Number(), Type.Boolean()]))),
    callBackAt: Type.Optional(Type.String({ format: 'date-time' })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    durationSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

/**
 * Customer care over HTTP: dossier import, campaigns, the operators' call queue, field visits,
 * results. Operators (agents, supervisors, admins) work campaigns; supervisors create them.
 */
export async function careApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; care: CareDesk; tickets: TicketDesk; deploymentName: string; timeZone: string }) {
  const { care } = deps;
  requirePrincipal(app, deps);
  for (const type of ['text/csv', xlsxType, 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: 64 * 1024 * 1024 }, (_request, body, done) => done(null, body));
  }

  const principalOf = (request: FastifyRequest) => ticketPrincipalOf(request, deps.tickets.tickets.unitIdsOf);
  const localDay = (value: string) => instantOf(value, 0, deps.timeZone);

  // --- Dossiers ---------------------------------------------------------------------------
  app.post(
    '/dossiers/import',
    {
      schema: {
        tags: ['care'],
        summary: 'Import the one-stop system\u2019s dossier export (text/csv or XLSX; supervisors). Bad rows are listed, good rows kept; known codes are updated.',
        security,
        consumes: ['text/csv', xlsxType],
        querystring: Type.Object({ mapping: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,40}$' })), columns: Type.Optional(Type.String({ maxLength: 4000, description: 'JSON: {"code": "Mã hồ sơ", ...}' })) }),
      },
    },
    async (request) => {
      requireSupervisor(request);
      if (!Buffer.isBuffer(request.body)) throw new HttpError(415, 'file_expected', 'send the file as text/csv or XLSX');
      const q = request.query as { mapping?: string; columns?: string };
      let mapping: ColumnMapping | undefined;
      if (q.columns) {
        try {
          mapping = JSON.parse(q.columns) as ColumnMapping;
        } catch {
          throw new HttpError(400, 'invalid_mapping', 'columns must be JSON: {"code": "<header>", ...}');
        }
        if (typeof mapping !== 'object' || mapping === null || Object.values(mapping).some((v) => typeof v !== 'string')) throw new HttpError(400, 'invalid_mapping', 'columns maps field names to header texts');
      }
      return care.dossiers.importFile(request.body, { ...(q.mapping ? { mappingName: q.mapping } : {}), ...(mapping ? { mapping } : {}), actor: actorOf(request) });
    },
  );
  app.get(
    '/dossiers',
    {
      schema: {
        tags: ['care'],
        summary: 'Imported dossiers, newest first: by code, applicant name or phone (q), status, unit and finishing days; `before` pages on (supervisors; audited)',
        security,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ minLength: 2, maxLength: 200 })),
          status: Type.Optional(Type.String({ maxLength: 100 })),
          unit: Type.Optional(Type.String({ maxLength: 200 })),
          finishedFrom: Type.Optional(day),
          finishedTo: Type.Optional(day),
          before: Type.Optional(Type.Integer({ minimum: 1 })),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
      },
    },
    async (request) => {
      requireSupervisor(request);
      const q = request.query as { q?: string; status?: string; unit?: string; finishedFrom?: string; finishedTo?: string; before?: number; limit: number };
      const page = await care.dossiers.list({
        ...(q.q ? { q: q.q } : {}),
        ...(q.status ? { status: q.status } : {}),
        ...(q.unit ? { unit: q.unit } : {}),
        ...(q.finishedFrom ? { finishedFrom: localDay(q.finishedFrom) } : {}),
        // The last day counts whole.
        ...(q.finishedTo ? { finishedBefore: new Date(localDay(q.finishedTo).getTime() + 86_400_000) } : {}),
        ...(q.before ? { before: q.before } : {}),
        limit: q.limit,
      });
      // A list of applicants' names and phones is a read of personal data (SECURITY.md item 7).
      await deps.store.tx((db) => appendAudit(deps.store, db, { actor: actorOf(request), action: 'dossier.search', detail: { q: q.q ?? null, status: q.status ?? null, unit: q.unit ?? null, finishedFrom: q.finishedFrom ?? null, finishedTo: q.finishedTo ?? null, before: q.before ?? null, count: page.items.length } }));
      return page;
    },
  );
  app.get('/dossiers/mappings', { schema: { tags: ['care'], summary: 'Remembered column mappings of dossier imports', security } }, async (request) => {
    requireSupervisor(request);
    return { fields: dossierFields, items: await care.dossiers.mappings() };
  });
  app.put(
    '/dossiers/mappings/:name',
    { schema: { tags: ['care'], summary: 'Remember a column mapping under a name (supervisors)', security, params: Type.Object({ name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,40}$' }) }), body: Type.Object({ columns: Columns }, { additionalProperties: false }) } },
    async (request) => {
      requireSupervisor(request);
      const { columns } = request.body as { columns: Record<string, string> };
      const unknown = Object.keys(columns).filter((k) => !(dossierFields as readonly string[]).includes(k));
      if (unknown.length) throw new HttpError(400, 'invalid_mapping', `unknown fields: ${unknown.join(', ')}`);
      await care.dossiers.saveMapping((request.params as { name: string }).name, columns);
      return { name: (request.params as { name: string }).name, columns };
    },
  );

  // --- Campaigns --------------------------------------------------------------------------
  app.get('/care/templates/:name', { schema: { tags: ['care'], summary: 'A default questionnaire (care: three care questions; survey: the five areas of the national index)', security, params: Type.Object({ name: literals(templates) }) } }, async (request) =>
    defaultQuestionnaire((request.params as { name: (typeof templates)[number] }).name, localeFrom(request.headers['accept-language'])),
  );
  app.post('/campaigns', { schema: { tags: ['care'], summary: 'Create a campaign and draw its sample (supervisors)', security, body: CreateCampaign } }, async (request, reply) => {
    const body = request.body as Static<typeof CreateCampaign>;
    const created = await care.campaigns.create(
      {
        ...body,
        filter: { ...body.filter, ...(body.filter.finishedFrom ? { finishedFrom: localDay(body.filter.finishedFrom) } : {}), ...(body.filter.finishedTo ? { finishedTo: new Date(localDay(body.filter.finishedTo).getTime() + 86_400_000) } : {}) },
      } as never,
      await principalOf(request),
    );
    return reply.code(201).send(created);
  });
  app.get('/campaigns', { schema: { tags: ['care'], summary: 'Campaigns, newest first', security } }, async () => ({ items: await care.campaigns.list() }));
  app.get('/campaigns/:id', { schema: { tags: ['care'], summary: 'A campaign with its strata and where its targets stand', security, params: Id } }, async (request) => care.campaigns.get((request.params as { id: number }).id));
  app.post(
    '/campaigns/:id/notify',
    {
      schema: {
        tags: ['care'],
        summary: 'Send the pre-notice (the ways of care.noticeOrder, by default Zalo OA, else the ZNS template the campaign chose, else email, else SMS) to up to `limit` citizens not told yet; repeat while `remaining` > 0 (supervisors)',
        security,
        params: Id,
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 5000, default: 1000 }) }),
      },
    },
    async (request) => care.campaigns.notify((request.params as { id: number }).id, await principalOf(request), (request.query as { limit: number }).limit),
  );
  app.post('/campaigns/:id/close', { schema: { tags: ['care'], summary: 'Close a campaign (supervisors)', security, params: Id } }, async (request) => care.campaigns.close((request.params as { id: number }).id, await principalOf(request)));
  app.get('/campaigns/:id/queue/next', { schema: { tags: ['care'], summary: 'The next citizen to call, held for the operator: script, tel: link, history, outcome codes (204: nobody due)', security, params: Id } }, async (request, reply) => {
    const next = await care.campaigns.next((request.params as { id: number }).id, await principalOf(request));
    return next ? next : reply.code(204).send();
  });
  app.post(
    '/campaigns/:id/visits/assign',
    { schema: { tags: ['care'], summary: 'Share the unassigned home visits among field interviewers (supervisors)', security, params: Id, body: Type.Object({ agentIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 200 }) }, { additionalProperties: false }) } },
    async (request) => care.campaigns.assignVisits((request.params as { id: number }).id, (request.body as { agentIds: number[] }).agentIds, await principalOf(request)),
  );
  app.get('/care/visits', { schema: { tags: ['care'], summary: 'The signed-in interviewer\u2019s open home visits', security } }, async (request) => ({ items: await care.campaigns.visits(await principalOf(request)) }));
  app.get(
    '/campaigns/:id/results',
    { schema: { tags: ['care'], summary: 'Response and reach rates, satisfaction by desk, unit, procedure and month, answers\u2019 texts (JSON or XLSX; supervisors)', security, params: Id, querystring: Type.Object({ format: Type.Optional(literals(['json', 'xlsx'] as const)) }) } },
    async (request, reply) => {
      requireSupervisor(request);
      const results = await care.campaigns.results((request.params as { id: number }).id);
      if ((request.query as { format?: string }).format !== 'xlsx') return results;
      return reply
        .type(xlsxType)
        .header('content-disposition', `attachment; filename="ket-qua-chien-dich-${results.campaign.id}.xlsx"`)
        .send(await resultsXlsx(results, localeFrom(request.headers['accept-language']), deps.deploymentName));
    },
  );

  app.get(
    '/reports/care',
    {
      schema: {
        tags: ['reports'],
        summary: 'Customer-care figures of a month or a year across campaigns (calls, visits, answers, satisfaction, tickets; supervisors)',
        security,
        querystring: Type.Object({ month: Type.Optional(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' })), year: Type.Optional(Type.String({ pattern: '^\\d{4}$' })) }),
      },
    },
    async (request) => {
      requireSupervisor(request);
      const { month, year } = request.query as { month?: string; year?: string };
      if (Boolean(month) === Boolean(year)) throw new HttpError(400, 'period_required', 'give either month=YYYY-MM or year=YYYY');
      const range = month ? monthRange(month, deps.timeZone) : { from: instantOf(`${year}-01-01`, 0, deps.timeZone), to: instantOf(`${Number(year) + 1}-01-01`, 0, deps.timeZone) };
      return { period: month ?? year, ...(await care.campaigns.figures(range.from, range.to)) };
    },
  );

  // --- Targets ----------------------------------------------------------------------------
  app.get('/campaign-targets/:id', { schema: { tags: ['care'], summary: 'A citizen of a campaign, with the script and the history', security, params: Id } }, async (request) => {
    const principal = await principalOf(request);
    requireOperator(principal, 'campaigns are the hotline\u2019s work');
    return care.campaigns.card((request.params as { id: number }).id, principal.auditActor);
  });
  app.post('/campaign-targets/:id/attempts', { schema: { tags: ['care'], summary: 'Record a call or visit and its outcome (completed carries the answers)', security, params: Id, body: Attempt } }, async (request, reply) => {
    const body = request.body as Static<typeof Attempt>;
    const card = await care.campaigns.record(
      (request.params as { id: number }).id,
      { outcome: body.outcome, ...(body.answers ? { answers: body.answers } : {}), ...(body.callBackAt ? { callBackAt: new Date(body.callBackAt) } : {}), ...(body.note ? { note: body.note } : {}), ...(body.durationSeconds !== undefined ? { durationSeconds: body.durationSeconds } : {}) },
      await principalOf(request),
    );
    return reply.code(201).send(card);
  });
  app.post('/campaign-targets/:id/survey-link', { schema: { tags: ['care'], summary: 'A one-time web survey link for the citizen (replaces an earlier one)', security, params: Id } }, async (request) => {
    const principal = await principalOf(request);
    if (!['admin', 'supervisor', 'agent'].includes(principal.role)) throw new HttpError(403, 'forbidden', 'campaigns are the hotline\u2019s work');
    const card = await care.campaigns.card((request.params as { id: number }).id);
    if (!['pending', 'notified', 'no_answer', 'call_back'].includes(card.status)) throw new HttpError(409, 'target_closed', `this citizen's interview is already ${card.status}`);
    return { url: await care.campaigns.surveyLink(card.id) };
  });
  app.post(
    '/campaign-targets/:id/ticket',
    { schema: { tags: ['care'], summary: 'Turn an answered interview into a ticket forwarded to the responsible unit, in one call', security, params: Id, body: Type.Object({ unitId: Type.Optional(Type.Integer({ minimum: 1 })), subject: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })) }, { additionalProperties: false }) } },
    async (request, reply) => reply.code(201).send(await care.campaigns.toTicket((request.params as { id: number }).id, request.body as { unitId?: number; subject?: string }, await principalOf(request))),
  );
}

declare module 'fastify' {
  interface FastifyInstance {
    care: CareDesk;
  }
}
