import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { InteractiveSignIn } from '../channels/channel-adapter.ts';
import type { Accounts } from '../core/accounts/accounts.ts';
import { appendAudit } from '../core/audit.ts';
import { HttpError } from '../core/errors.ts';
import { actorOf, requireAdmin, requirePrincipal } from '../core/http/auth.ts';
import type { Store } from '../core/store/store.ts';

const security = [{ bearerAuth: [] }];
const SignInState = Type.Object(
  {
    step: Type.Union(['idle', 'starting', 'waiting_scan', 'scanned', 'expired', 'declined', 'signed_in', 'failed'].map((s) => Type.Literal(s))),
    at: Type.Optional(Type.String()),
    qrImage: Type.Optional(Type.String({ description: 'data: URL of the QR code to scan with the phone' })),
    displayName: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ id: Type.Integer() });

/**
 * Signing an account in from the admin screen, for the channels that do it interactively (a
 * personal Zalo account scanned by QR code). Admins only: whoever signs in hands the gateway an
 * account; each start is audited.
 */
export async function inboxSignInApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; signInOf: (inboxId: number) => InteractiveSignIn | undefined }) {
  requirePrincipal(app, deps);
  const find = (id: number) => {
    const signIn = deps.signInOf(id);
    if (!signIn) throw new HttpError(404, 'no_sign_in', 'this inbox is not signed in from the admin screen');
    return signIn;
  };

  app.get(
    '/inboxes/:id/sign-in',
    { schema: { tags: ['admin'], summary: 'Where the sign-in of an inbox stands (QR code to scan, scanned, signed in)', security, params: Params, response: { 200: SignInState } } },
    async (request) => {
      requireAdmin(request);
      return find((request.params as { id: number }).id).state();
    },
  );

  app.post(
    '/inboxes/:id/sign-in',
    { schema: { tags: ['admin'], summary: 'Start signing an inbox in (or get the sign-in in progress): answers with the QR code', security, params: Params, response: { 200: SignInState } } },
    async (request) => {
      requireAdmin(request);
      const { id } = request.params as { id: number };
      const signIn = find(id);
      await deps.store.tx((db) => appendAudit(deps.store, db, { actor: actorOf(request), action: 'inbox.sign_in', subjectType: 'inbox', subjectId: id }));
      return signIn.begin();
    },
  );

  app.delete(
    '/inboxes/:id/sign-in',
    { schema: { tags: ['admin'], summary: 'Give up the sign-in in progress', security, params: Params, response: { 200: SignInState } } },
    async (request) => {
      requireAdmin(request);
      const signIn = find((request.params as { id: number }).id);
      await signIn.cancel();
      return signIn.state();
    },
  );
}
