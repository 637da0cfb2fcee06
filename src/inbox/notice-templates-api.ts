import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { requirePrincipal, requireSupervisor } from '../core/http/auth.ts';
import type { NoticeTemplateInfo } from '../contracts/notice-templates.ts';
import type { Store } from '../core/store/store.ts';

/** The notice templates the channels offer (Zalo ZNS), for the campaign screen to pick one. */
export async function noticeTemplatesApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; templates: () => NoticeTemplateInfo[] }) {
  requirePrincipal(app, deps);
  app.get(
    '/notice-templates',
    {
      schema: {
        tags: ['care'],
        summary: 'Templates for notices by phone number (ZNS), as configured on the channels',
        security: [{ bearerAuth: [] }],
        response: {
          200: Type.Array(Type.Object({ transport: Type.String(), key: Type.String(), name: Type.String(), purpose: Type.Union([Type.Literal('care_pre_notice'), Type.Literal('ticket_answer')]) })),
        },
      },
    },
    async (request) => {
      requireSupervisor(request);
      return deps.templates();
    },
  );
}
