import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Accounts } from '../core/accounts/accounts.ts';
import { requirePrincipal } from '../core/http/auth.ts';
import type { Store } from '../core/store/store.ts';
import type { ChannelListing, ChannelsResponse } from '../contracts/channels.ts';

const security = [{ bearerAuth: [] }];
const Names = Type.Object({ vi: Type.String(), en: Type.String() });
const Listing = Type.Object({
  key: Type.String(),
  names: Names,
  reportNames: Names,
  icon: Type.String(),
  color: Type.String(),
  features: Type.Array(Type.Literal('request_contact_info'), { description: 'What agents can do there beyond replying' }),
});

/**
 * The channels the gateway knows, with their names: the web app names channels from this list
 * (each channel declares its names in its own folder), never from a list of its own.
 */
export async function channelsApi(app: FastifyInstance, deps: { store: Store; accounts: Accounts; channels: readonly ChannelListing[] }) {
  requirePrincipal(app, deps);
  app.get(
    '/channels',
    { schema: { tags: ['inbox'], summary: 'Every channel the gateway knows, with its names in Vietnamese and English', security, response: { 200: Type.Object({ items: Type.Array(Listing) }) } } },
    async (): Promise<ChannelsResponse> => ({ items: [...deps.channels] }),
  );
}
