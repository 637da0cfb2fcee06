import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { createContacts, type ContactChange } from '../core/contacts.ts';
import type { Conversations } from '../core/conversations.ts';
import { normalizeVnPhone } from '../core/domain/phone.ts';
import { HttpError } from '../core/errors.ts';
import type { Store } from '../core/store/store.ts';
import { actorOf, conversationScope, requirePrincipal } from '../core/http/auth.ts';

const security = [{ bearerAuth: [] }];
const DateTime = Type.String({ format: 'date-time' });
const NullableString = (options: Parameters<typeof Type.String>[0]) => Type.Union([Type.String(options), Type.Null()]);
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const Contact = Type.Object({
  id: Type.Integer(),
  name: Type.Union([Type.String(), Type.Null()]),
  phone: Type.Union([Type.String(), Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
  identities: Type.Array(
    Type.Object({
      id: Type.Integer(),
      inboxId: Type.Integer(),
      inboxName: Type.String(),
      channel: Type.String(),
      externalUserId: Type.String(),
      displayName: Type.Union([Type.String(), Type.Null()]),
      following: Type.Union([Type.Boolean(), Type.Null()], { description: 'Whether they follow the account (Zalo OA follow/unfollow); null: not known' }),
      createdAt: DateTime,
    }),
  ),
  conversations: Type.Array(Type.Object({ id: Type.Integer(), channel: Type.String(), status: Type.String(), lastMessageAt: DateTime })),
});

/**
 * Contacts for the inbox's contact panel: read, search, edit, merge. An agent reaches a contact
 * through a conversation they may see; every read, search and change is audited (SECURITY.md 7).
 */
export async function contactsApi(app: FastifyInstance, deps: { store: Store; conversations: Conversations; accounts: Accounts }) {
  const { conversations } = deps;
  const contacts = createContacts(deps.store);
  requirePrincipal(app, deps);

  async function reachable(request: FastifyRequest, id: number) {
    const scope = conversationScope(request.principal);
    if (!(await contacts.canSee(id, scope))) {
      await conversations.audit({ actor: actorOf(request), action: 'contact.denied', subjectType: 'contact', subjectId: id });
      throw new HttpError(403, 'forbidden', "this contact has no conversation in the caller's teams");
    }
    return scope;
  }

  app.get(
    '/contacts',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Find contacts by name, phone or email, accents ignored (for merging)',
        security,
        querystring: Type.Object({ q: Type.String({ minLength: 2, maxLength: 200 }), limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }) }),
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                id: Type.Integer(),
                name: Type.Union([Type.String(), Type.Null()]),
                phone: Type.Union([Type.String(), Type.Null()]),
                email: Type.Union([Type.String(), Type.Null()]),
                channels: Type.Array(Type.String()),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const { q, limit } = request.query as { q: string; limit: number };
      const items = await contacts.search(q, conversationScope(request.principal), limit);
      await conversations.audit({ actor: actorOf(request), action: 'contact.search', detail: { q, count: items.length } });
      return { items };
    },
  );

  app.get(
    '/contacts/:id',
    { schema: { tags: ['contacts'], summary: 'A contact with its identities on each channel and its conversations', security, params: IdParams, response: { 200: Contact } } },
    async (request) => {
      const { id } = request.params as { id: number };
      const scope = await reachable(request, id);
      const contact = await contacts.get(id, scope);
      await conversations.audit({ actor: actorOf(request), action: 'contact.read', subjectType: 'contact', subjectId: id });
      return contact;
    },
  );

  app.patch(
    '/contacts/:id',
    {
      schema: {
        tags: ['contacts'],
        summary: "Correct a contact's name, phone or email (null clears it)",
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(NullableString({ minLength: 1, maxLength: 200 })),
            phone: Type.Optional(NullableString({ minLength: 1, maxLength: 24 })),
            email: Type.Optional(NullableString({ format: 'email', maxLength: 254 })),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Contact },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const body = request.body as ContactChange;
      const scope = await reachable(request, id);
      const change: ContactChange = { ...body };
      if (typeof body.name === 'string') change.name = body.name.trim() || null;
      if (typeof body.email === 'string') change.email = body.email.trim().toLowerCase();
      // Stored as the channels store it (84xxxxxxxxx), so the same citizen matches across channels.
      if (typeof body.phone === 'string') {
        const phone = normalizeVnPhone(body.phone);
        if (!phone) throw new HttpError(400, 'invalid_phone', 'not a Vietnamese phone number', { field: 'phone' });
        change.phone = phone;
      }
      await contacts.update(id, change, actorOf(request));
      return contacts.get(id, scope);
    },
  );

  app.post(
    '/contacts/:id/merge',
    {
      schema: {
        tags: ['contacts'],
        summary: 'Merge another contact into this one: its identities, conversations, tickets and calls move here, and it is deleted',
        security,
        params: IdParams,
        body: Type.Object({ contactId: Type.Integer({ minimum: 1, description: 'The contact merged in (and deleted)' }) }, { additionalProperties: false }),
        response: { 200: Contact },
      },
    },
    async (request) => {
      const { id } = request.params as { id: number };
      const { contactId } = request.body as { contactId: number };
      const scope = await reachable(request, id);
      await reachable(request, contactId);
      await contacts.merge(id, contactId, actorOf(request));
      return contacts.get(id, scope);
    },
  );
}
