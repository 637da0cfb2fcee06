import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { appendAudit } from './audit.ts';
import type { Store } from './store/store.ts';

export type TokenRole = 'admin' | 'integration';

export interface TokenPrincipal {
  tokenId: number;
  name: string;
  role: TokenRole;
}

/** Tokens are long random strings, so a fast hash is enough: nothing to brute-force. */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function generateToken(): string {
  return `gw_${randomBytes(32).toString('base64url')}`;
}

export async function createApiToken(
  store: Store,
  input: { name: string; role: TokenRole; token?: string; actor: string },
): Promise<{ id: number; token: string }> {
  const token = input.token ?? generateToken();
  const id = await store.tx(async (db) => {
    const [row] = await db
      .insert(store.t.apiTokens)
      .values({ name: input.name, role: input.role, tokenHash: hashToken(token), createdAt: new Date() })
      .returning({ id: store.t.apiTokens.id });
    await appendAudit(store, db, { actor: input.actor, action: 'token.created', subjectType: 'api_token', subjectId: row!.id, detail: { name: input.name, role: input.role } });
    return row!.id;
  });
  return { id, token };
}

/** Creates the admin token given by GATEWAY_ADMIN_TOKEN when the store has no token yet. */
export async function ensureBootstrapToken(store: Store, token: string | undefined): Promise<boolean> {
  if (!token) return false;
  const [any] = await store.db.select({ id: store.t.apiTokens.id }).from(store.t.apiTokens).limit(1);
  if (any) return false;
  try {
    await createApiToken(store, { name: 'bootstrap-admin', role: 'admin', token, actor: 'system' });
  } catch (error) {
    // Two nodes of a cluster starting on a new database both find no token and both create the
    // same one: the second meets the unique hash and the token is there all the same.
    const [created] = await store.db.select({ id: store.t.apiTokens.id }).from(store.t.apiTokens).where(eq(store.t.apiTokens.tokenHash, hashToken(token))).limit(1);
    if (created) return false;
    throw error;
  }
  return true;
}

export async function authenticateToken(store: Store, token: string): Promise<TokenPrincipal | null> {
  const { t } = store;
  const [row] = await store.db
    .select({ id: t.apiTokens.id, name: t.apiTokens.name, role: t.apiTokens.role })
    .from(t.apiTokens)
    .where(and(eq(t.apiTokens.tokenHash, hashToken(token)), isNull(t.apiTokens.revokedAt)))
    .limit(1);
  return row ? { tokenId: row.id, name: row.name, role: row.role as TokenRole } : null;
}
