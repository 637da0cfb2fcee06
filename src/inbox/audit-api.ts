import type { FastifyInstance } from 'fastify';
import { asc, gt } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { appendAudit, verifyAuditChain } from '../core/audit.ts';
import type { Store } from '../core/store/store.ts';
import { actorOf, requireAdmin, requirePrincipal } from '../core/http/auth.ts';

const security = [{ bearerAuth: [] }];

/**
 * The audit log for a SIEM (SECURITY.md item 7): JSON lines after a cursor, each entry with the
 * hashes that chain it, so the collector can check nothing was removed between two polls. Admins
 * (or an admin token) only; each export is itself audited.
 */
export async function auditApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts }) {
  const { store } = deps;
  const { t } = store;
  requirePrincipal(app, deps);

  app.get(
    '/audit-events',
    {
      schema: {
        tags: ['audit'],
        summary: 'Audit entries after `after` (an entry id), oldest first, as JSON lines (application/x-ndjson); poll with the last id seen',
        security,
        querystring: Type.Object({ after: Type.Integer({ minimum: 0, default: 0 }), limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 }) }),
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { after, limit } = request.query as { after: number; limit: number };
      const rows = await store.db.select().from(t.auditEvents).where(gt(t.auditEvents.id, after)).orderBy(asc(t.auditEvents.id)).limit(limit);
      await store.tx((db) => appendAudit(store, db, { actor: actorOf(request), action: 'audit.export', detail: { after, count: rows.length } }));
      const lines = rows.map((row) =>
        JSON.stringify({ id: row.id, at: row.at.toISOString(), actor: row.actor, action: row.action, subjectType: row.subjectType, subjectId: row.subjectId, detail: row.detail, prevHash: row.prevHash, hash: row.hash }),
      );
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('x-next-after', String(rows.at(-1)?.id ?? after))
        .send(lines.length ? `${lines.join('\n')}\n` : '');
    },
  );

  app.get('/audit-events/verify', { schema: { tags: ['audit'], summary: 'Walks the hash chain: intact, or the first entry that does not fit', security } }, async (request) => {
    requireAdmin(request);
    const broken = await verifyAuditChain(store);
    return { intact: broken === null, firstBrokenId: broken };
  });
}
