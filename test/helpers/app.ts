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

/**
 * The REST API over HTTP with the admin token, for tests that drive a browser and check or set
 * up the store beside it: the status and the parsed body. `gateway` is read at each call (the
 * test starts it in a hook).
 */
export function adminRest(gateway: () => TestApp) {
  return async <T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> => {
    const gw = gateway();
    const res = await fetch(`${gw.url}${path}`, {
      method: init.method ?? 'GET',
      headers: { ...gw.auth, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as T };
  };
}
