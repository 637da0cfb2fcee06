import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server the integration tests use (trust auth on this machine and in CI). */
export const pgBaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: Promise<boolean> | undefined;

/** True when PostgreSQL answers. Under CI=true a missing server is a failure, not a skip. */
export function postgresAvailable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: pgBaseUrl, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (error) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL at ${pgBaseUrl} is required under CI=true: ${(error as Error).message}`);
      console.warn(`PostgreSQL at ${pgBaseUrl} is not reachable: its tests are skipped`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachable;
}

/** A database URL on a schema of its own, so test files never see each other's rows. */
export function freshPgUrl(): { url: string; drop: () => Promise<void> } {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const url = `${pgBaseUrl}${pgBaseUrl.includes('?') ? '&' : '?'}schema=${schema}`;
  return {
    url,
    async drop() {
      const client = new pg.Client({ connectionString: pgBaseUrl });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
