import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Every environment variable the gateway reads, besides the channels' and notice transports' own
 * (declared in their folders). `config/env.example` lists them all; a test holds them in step.
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  /** `file:./data/gateway.db` (SQLite, the default) or `postgres://user@host:5432/db`. */
  DATABASE_URL: z
    .string()
    .regex(/^(file:.+|postgres(ql)?:\/\/.+)$/, 'must be file:<path> or postgres://...')
    .default('file:./data/gateway.db'),
  /** SQLite durability: NORMAL survives process crashes, FULL also power loss. */
  SQLITE_SYNCHRONOUS: z.enum(['NORMAL', 'FULL']).default('NORMAL'),
  /** YAML deployment configuration (inboxes, teams, routing). */
  CONFIG_FILE: z.string().min(1).default('config/default.yaml'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Requests per minute per IP on the public API; 0 turns the limit off (benchmarks only). */
  PUBLIC_RATE_LIMIT: z.coerce.number().int().min(0).default(30),
  /** Admin API token created on first start when no token exists yet. */
  GATEWAY_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Public URL of this gateway, used in links sent to citizens. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Trust X-Forwarded-* from a reverse proxy (needed for per-IP limits behind one). */
  TRUST_PROXY: bool.default(false),
  /** Serve the OpenAPI documentation at /docs (default: on, except under NODE_ENV=production). */
  DOCS_ENABLED: bool.optional(),

  // Hardening (SECURITY.md in the repository).
  /** Key material (32+ random characters) that encrypts the TOTP secrets in the store. Required
   * in production; elsewhere a per-deployment key kept in the store stands in (demo and tests). */
  MFA_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Bearer token that opens /metrics to a scraper outside METRICS_ALLOW. */
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Addresses that may read /metrics without the token, comma-separated (default: loopback). */
  METRICS_ALLOW: z
    .string()
    .default('127.0.0.1,::1,::ffff:127.0.0.1')
    .transform((list) => list.split(',').map((ip) => ip.trim()).filter(Boolean)),
  // Printed tickets (GET /api/v1/tickets/:id/print.pdf): TrueType fonts with Vietnamese letters.
  /** Regular face; the default is Debian's package fonts-noto-core. */
  PRINT_FONT_REGULAR: z.string().min(1).default('/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf'),
  /** Bold face of the same family. */
  PRINT_FONT_BOLD: z.string().min(1).default('/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf'),
  // Cluster (README, Production): several nodes on one PostgreSQL.
  /** Redis that carries events and shared rate limits between nodes; unset: a node runs alone. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/.+/, 'must be redis://... or rediss://...')
    .optional(),
  /** Put before every Redis key and channel, so deployments (or tests) can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/).default('gw1022:'),
  /** How long a node's lease on once-only work lasts unrenewed (a dead node's work moves on). */
  CLUSTER_LEASE_SECONDS: z.coerce.number().int().min(3).max(300).default(15),
});

export type Env = z.infer<typeof envSchema>;
