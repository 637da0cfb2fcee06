import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { loadCalendar, type BusinessHours } from '../core/business-hours.ts';
import { weekdays } from '../core/config/file-schema.ts';
import type { GatewayConfig } from '../core/config/load-config.ts';
import type { Store } from '../core/store/store.ts';
import type { Router } from '../router/router.ts';
import { appendAudit } from '../core/audit.ts';
import { HttpError, NotFoundError } from '../core/errors.ts';
import { EntryRejected, writeEntry } from '../router/knowledge-base/editor.ts';
import { localDay, reviewState, signReview } from '../router/knowledge-base/review.ts';
import { actorOf, requireAdmin, requirePrincipal, requireSupervisor } from '../core/http/auth.ts';

const security = [{ bearerAuth: [] }];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const EntrySummary = Type.Object({
  id: Type.String(),
  title: Type.String(),
  field: Type.String(),
  fieldName: Type.String(),
  team: Type.String(),
  level: Type.String(),
  reviewed: Type.Boolean(),
  lastReviewed: Type.String(),
  /** current: reviewed and in date; unreviewed: never checked; overdue: past its review-by date. */
  reviewState: Type.Union([Type.Literal('current'), Type.Literal('unreviewed'), Type.Literal('overdue')]),
  reviewedBy: Type.Optional(Type.String()),
  reviewedAt: Type.Optional(Type.String()),
  reviewedAgainst: Type.Optional(Type.String()),
  reviewBy: Type.Optional(Type.String()),
});

/** The admin screens' views of the configured business hours, and the knowledge base (read, and edited by admins). */
export async function adminApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; config: GatewayConfig; businessHours: BusinessHours; router: Router }) {
  const { config, businessHours, router } = deps;
  requirePrincipal(app, deps);

  app.get(
    '/business-hours',
    {
      schema: {
        tags: ['admin'],
        summary: 'Opening hours per weekday, the days off of the configured holiday calendars, and whether people answer now (supervisor or admin)',
        security,
        response: {
          200: Type.Object({
            timezone: Type.String(),
            configured: Type.Boolean({ description: 'false: no hours configured, people answer at any time' }),
            weekly: Type.Record(Type.String(), Type.Array(Type.String())),
            daysOff: Type.Array(Type.Object({ date: Type.String(), name: Type.String() })),
            makeUpDays: Type.Array(Type.String()),
            openNow: Type.Boolean(),
            nextOpening: Nullable(Type.String({ format: 'date-time' })),
          }),
        },
      },
    },
    async (request) => {
      requireSupervisor(request);
      const hours = config.file.businessHours;
      const calendar = loadCalendar(hours?.holidayFiles ?? []);
      const now = new Date();
      return {
        timezone: config.file.deployment.timezone,
        configured: Boolean(hours),
        weekly: Object.fromEntries(weekdays.map((day) => [day, hours?.weekly[day] ?? []])),
        daysOff: [...calendar.daysOff].map(([date, name]) => ({ date, name })).sort((a, b) => a.date.localeCompare(b.date)),
        makeUpDays: [...calendar.makeUpDays].sort(),
        openNow: businessHours.isOpen(now),
        nextOpening: businessHours.nextOpening(now)?.toISOString() ?? null,
      };
    },
  );

  app.get(
    '/knowledge-base',
    { schema: { tags: ['router'], summary: 'The knowledge-base entries the bot answers from (supervisor or admin)', security, response: { 200: Type.Array(EntrySummary) } } },
    async (request) => {
      requireSupervisor(request);
      const today = localDay(new Date(), config.file.deployment.timezone);
      return router.knowledge.matcher.entries().map((e) => ({
        id: e.id,
        title: e.title,
        field: e.field,
        fieldName: e.fieldName,
        team: e.team,
        level: e.level,
        reviewed: e.reviewed,
        lastReviewed: e.lastReviewed,
        reviewState: reviewState(e, today),
        ...(e.reviewedBy ? { reviewedBy: e.reviewedBy } : {}),
        ...(e.reviewedAt ? { reviewedAt: e.reviewedAt } : {}),
        ...(e.reviewedAgainst ? { reviewedAgainst: e.reviewedAgainst } : {}),
        ...(e.reviewBy ? { reviewBy: e.reviewBy } : {}),
      }));
    },
  );

  app.get(
    '/knowledge-base/:entryId',
    {
      schema: {
        tags: ['router'],
        summary: 'One knowledge-base entry in full (supervisor or admin)',
        security,
        params: Type.Object({ entryId: Type.String({ maxLength: 120 }) }),
        response: {
          200: Type.Intersect([
            EntrySummary,
            Type.Object({
              questions: Type.Array(Type.String()),
              keywords: Type.Array(Type.String()),
              answer: Type.String(),
              where: Type.Optional(Type.String()),
              documents: Type.Optional(Type.Array(Type.String())),
              processingTime: Type.Optional(Type.String()),
              fee: Type.Optional(Type.String()),
              onlineUrl: Type.Optional(Nullable(Type.String())),
              legalBasis: Type.Array(Type.String()),
              sources: Type.Array(Type.String()),
            }),
          ]),
        },
      },
    },
    async (request) => {
      requireSupervisor(request);
      const entry = router.knowledge.matcher.entry((request.params as { entryId: string }).entryId);
      if (!entry) throw new NotFoundError('knowledge-base entry');
      return { ...entry, reviewState: reviewState(entry, localDay(new Date(), config.file.deployment.timezone)) };
    },
  );

  app.post(
    '/knowledge-base/:entryId/review',
    {
      schema: {
        tags: ['router'],
        summary: 'Sign off a knowledge-base entry as checked (supervisor or admin): by whom (the caller), today, against which legal text, until when',
        security,
        params: Type.Object({ entryId: Type.String({ maxLength: 120 }) }),
        body: Type.Object(
          {
            against: Type.String({ minLength: 3, maxLength: 500, description: 'the legal text or published procedure the entry was checked against' }),
            reviewBy: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'check again by this day (default: six months on)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ id: Type.String(), reviewState: Type.String(), reviewedBy: Type.String(), reviewedAt: Type.String(), reviewBy: Type.String() }) },
      },
    },
    async (request) => {
      requireSupervisor(request);
      const { entryId } = request.params as { entryId: string };
      const body = request.body as { against: string; reviewBy?: string };
      const entry = router.knowledge.matcher.entry(entryId);
      if (!entry) throw new NotFoundError('knowledge-base entry');
      const today = localDay(new Date(), config.file.deployment.timezone);
      if (body.reviewBy !== undefined && body.reviewBy <= today) throw new HttpError(400, 'invalid_review_by', 'the review-by date must be after today');
      const p = request.principal;
      const by = p?.kind === 'agent' ? `${p.displayName} (${p.username})` : p?.kind === 'token' ? `token ${p.name}` : actorOf(request);
      const signed = signReview(entry, { by, against: body.against.trim(), today, ...(body.reviewBy ? { reviewBy: body.reviewBy } : {}) });
      const written = writeEntry(router.knowledge.dir, signed, new Set(config.file.teams.map((team) => team.key)));
      if (!router.knowledge.reload()) {
        written.undo();
        router.knowledge.reload();
        throw new HttpError(400, 'knowledge_base_broken', 'the knowledge base does not load with this entry; nothing was changed');
      }
      await deps.store.tx((tx) =>
        appendAudit(deps.store, tx, { actor: actorOf(request), action: 'knowledge.reviewed', subjectType: 'knowledge', subjectId: entryId, detail: { against: signed.reviewedAgainst, reviewBy: signed.reviewBy } }),
      );
      return { id: entryId, reviewState: reviewState(signed, today), reviewedBy: signed.reviewedBy!, reviewedAt: signed.reviewedAt!, reviewBy: signed.reviewBy! };
    },
  );

  app.put(
    '/knowledge-base/:entryId',
    {
      schema: {
        tags: ['router'],
        summary: 'Create or change a knowledge-base entry (admin); the bot answers from it at once',
        security,
        params: Type.Object({ entryId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 120 }) }),
        body: Type.Object({}, { additionalProperties: true }),
      },
    },
    async (request) => {
      requireAdmin(request);
      const { entryId } = request.params as { entryId: string };
      const body = request.body as Record<string, unknown>;
      if (body.id !== undefined && body.id !== entryId) throw new HttpError(400, 'id_mismatch', 'the entry id in the body differs from the one in the path');
      let written: ReturnType<typeof writeEntry>;
      try {
        written = writeEntry(router.knowledge.dir, { ...body, id: entryId }, new Set(config.file.teams.map((team) => team.key)));
      } catch (error) {
        if (error instanceof EntryRejected) throw new HttpError(400, 'invalid_entry', error.message, { problems: error.problems });
        throw error;
      }
      // The whole knowledge base must still load; if not, the old file goes back and the bot keeps answering.
      if (!router.knowledge.reload()) {
        written.undo();
        router.knowledge.reload();
        throw new HttpError(400, 'knowledge_base_broken', 'the knowledge base does not load with this entry; nothing was changed');
      }
      await deps.store.tx((tx) =>
        appendAudit(deps.store, tx, { actor: actorOf(request), action: written.created ? 'knowledge.created' : 'knowledge.updated', subjectType: 'knowledge', subjectId: entryId, detail: { reviewed: written.entry.reviewed } }),
      );
      return { id: entryId, created: written.created, entries: router.knowledge.matcher.size };
    },
  );
}
