import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config/load-config.ts';
import { inboxWebApp } from '../../src/inbox/web-app.ts';
import { adminToken, type TestApp } from './app.ts';

/**
 * Like startTestApp (test/helpers/app.ts), with the agents' web app served at /inbox: the
 * plugin is registered here unless src/app.ts already does, so the browser tests run before
 * and after the line that turns it on in the app.
 */
export async function startInboxTestApp(options: { env?: Record<string, string> } = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-'));
  const config = loadConfig({
    DATABASE_URL: `file:${join(dir, 'gateway.db')}`,
    LOG_LEVEL: 'silent',
    GATEWAY_ADMIN_TOKEN: adminToken,
    PUBLIC_RATE_LIMIT: '0',
    ...options.env,
  });
  const app = await buildApp(config);
  if (!app.hasRoute({ method: 'GET', url: '/inbox' })) await app.register(inboxWebApp);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
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
