import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/load-config.ts';

export const adminToken = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  app: FastifyInstance;
  /** http://127.0.0.1:<port> once listening. */
  url: string;
  auth: { authorization: string };
  close(): Promise<void>;
}

/**
 * A real gateway on a throwaway SQLite file (or the given DATABASE_URL), listening on a free
 * loopback port. `env` overrides any variable; `listen: false` keeps it for `app.inject`.
 */
export async function startTestApp(options: { env?: Record<string, string>; listen?: boolean } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-'));
  const config = loadConfig({
    DATABASE_URL: `file:${join(dir, 'gateway.db')}`,
    LOG_LEVEL: 'silent',
    GATEWAY_ADMIN_TOKEN: adminToken,
    PUBLIC_RATE_LIMIT: '0',
    ...options.env,
  });
  const app = await buildApp(config);
  let url = '';
  if (options.listen !== false) url = await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return {
    app,
    url,
    auth: { authorization: `Bearer ${adminToken}` },
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
