import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../src/core/config/env-schema.ts';
import { loadConfig } from '../../src/core/config/load-config.ts';
import { nginxInstalled } from '../helpers/nginx.ts';

// No Docker engine runs the tests: the compose file and the proxy's configuration are held to
// what the gateway needs by reading them.
const deploy = new URL('../../deploy/', import.meta.url);
const compose = parse(readFileSync(new URL('docker-compose.yml', deploy), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const nginxConf = readFileSync(new URL('nginx.conf', deploy), 'utf8');
const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

interface Service {
  build?: unknown;
  image?: string;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition?: string }>;
  healthcheck?: { test: string[] | string };
  command?: string[];
}

/** Compose's own interpolation: `${X:?message}` must be given (a stand-in here), `${X:-default}` may be. */
const given = 'x'.repeat(48);
const interpolate = (value: string) => value.replace(/\$\{(\w+)(?::\?[^}]*|:-([^}]*))?\}/g, (_match, _name: string, fallback?: string) => fallback ?? given);

/** The runtime image's ENV lines (NODE_ENV=production and the rest), which compose adds to. */
function imageEnv(): Record<string, string> {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const block = /\nENV ((?:[^\n]*\\\n)*[^\n]*)/.exec(runtime)![1]!.replace(/\\\n/g, ' ');
  return Object.fromEntries([...block.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

const services = Object.entries(compose.services);
const gateways = services.filter(([, service]) => service.environment?.DATABASE_URL);
const hostOf = (url: string | undefined) => new URL(interpolate(url ?? '')).hostname;

describe('deploy/docker-compose.yml', () => {
  it('runs two gateway nodes on one PostgreSQL and one Redis', () => {
    expect(gateways.map(([name]) => name)).toHaveLength(2);
    const [[, first], [, second]] = gateways as [[string, Service], [string, Service]];
    expect(second.environment!.DATABASE_URL).toBe(first.environment!.DATABASE_URL);
    expect(second.environment!.REDIS_URL).toBe(first.environment!.REDIS_URL);
    expect(first.environment!.REDIS_URL).toMatch(/^redis:\/\//);
    for (const [, gateway] of gateways) expect(gateway.build ?? gateway.image).toBeTruthy();

    // The URLs name the services of this file, which the nodes wait for until healthy.
    const database = compose.services[hostOf(first.environment!.DATABASE_URL)];
    const redis = compose.services[hostOf(first.environment!.REDIS_URL)];
    expect(database?.image).toMatch(/^postgres:/);
    expect(redis?.image).toMatch(/^redis:/);
    for (const [, gateway] of gateways) {
      expect(gateway.depends_on?.[hostOf(first.environment!.DATABASE_URL)]?.condition).toBe('service_healthy');
      expect(gateway.depends_on?.[hostOf(first.environment!.REDIS_URL)]?.condition).toBe('service_healthy');
      expect(String(gateway.healthcheck?.test)).toContain('/readyz');
    }
  });

  it('gives PostgreSQL and Redis health checks, and the data that must survive a named volume', () => {
    const database = compose.services[hostOf(gateways[0]![1].environment!.DATABASE_URL)]!;
    const redis = compose.services[hostOf(gateways[0]![1].environment!.REDIS_URL)]!;
    expect(String(database.healthcheck?.test)).toContain('pg_isready');
    expect(String(redis.healthcheck?.test)).toContain('ping');
    const named = (service: Service) => (service.volumes ?? []).map((volume) => volume.split(':')[0]!).filter((source) => Object.hasOwn(compose.volumes ?? {}, source));
    expect(named(database)).toHaveLength(1);
    // Redis holds events in flight and rate-limit counters only: persistence is off on purpose.
    const command = redis.command ?? [];
    expect(command[command.indexOf('--save') + 1]).toBe('');
    expect(command[command.indexOf('--appendonly') + 1]).toBe('no');
    for (const [, gateway] of gateways) expect(named(gateway).length).toBeGreaterThan(0);
  });

  it('sets only variables the gateway reads, and all it needs to start in production', () => {
    const known = new Set(Object.keys(envSchema.shape));
    expect(gateways).not.toHaveLength(0);
    for (const [name, gateway] of gateways) {
      for (const variable of Object.keys(gateway.environment!)) expect(known.has(variable), `${name}: ${variable}`).toBe(true);
      const env = { ...imageEnv(), ...Object.fromEntries(Object.entries(gateway.environment!).map(([key, value]) => [key, interpolate(String(value))])) };
      expect(env.NODE_ENV).toBe('production');
      // Loads as a node of the image would: a missing production variable is a ConfigError here.
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('puts the proxy in front of both nodes, started once they are healthy', () => {
    const proxy = services.find(([, service]) => service.image?.startsWith('nginx'));
    expect(proxy).toBeDefined();
    const [, service] = proxy!;
    for (const [name] of gateways) expect(service.depends_on?.[name]?.condition).toBe('service_healthy');
    expect(service.volumes?.some((volume) => volume.startsWith('./nginx.conf:'))).toBe(true);
    expect(service.healthcheck).toBeDefined();
    const upstream = /upstream\s+(\w+)\s*\{([^}]*)\}/.exec(nginxConf)!;
    const port = imageEnv().PORT;
    for (const [name] of gateways) expect(upstream[2]).toContain(`server ${name}:${port}`);
  });
});

describe('deploy/nginx.conf', () => {
  const locations = [...nginxConf.matchAll(/location\s+(~\*?|=)?\s*(\S+)\s*\{([^}]*)\}/g)].map((m) => ({ kind: m[1] ?? 'prefix', pattern: m[2]!, body: m[3]! }));
  /** The location nginx picks for a path: an exact match, else the first regex, else the longest prefix. */
  const locationOf = (path: string) =>
    locations.find((l) => l.kind === '=' && l.pattern === path) ??
    locations.find((l) => l.kind.startsWith('~') && new RegExp(l.pattern, l.kind === '~*' ? 'i' : '').test(path)) ??
    locations.filter((l) => l.kind === 'prefix' && path.startsWith(l.pattern)).sort((x, y) => y.pattern.length - x.pattern.length)[0];

  it('passes the WebSocket upgrade on the widget (every live-chat inbox) and the live feed, and only there', () => {
    expect(nginxConf).toMatch(/map\s+\$http_upgrade\s+\$connection_upgrade\s*\{[^}]*default\s+upgrade;/);
    for (const path of ['/webchat/ws', '/webchat/ho-tro/ws', '/api/v1/live']) {
      const location = locationOf(path);
      expect(location, path).toBeDefined();
      expect(location!.body, path).toMatch(/proxy_http_version\s+1\.1;/);
      expect(location!.body, path).toMatch(/proxy_set_header\s+Upgrade\s+\$http_upgrade;/);
      expect(location!.body, path).toMatch(/proxy_set_header\s+Connection\s+\$connection_upgrade;/);
      expect(location!.body, path).toMatch(/proxy_read_timeout\s+\d+s;/);
    }
    for (const path of ['/api/v1/conversations', '/webchat/frame', '/api/v1/live-stats']) expect(locationOf(path)!.body, path).not.toMatch(/Upgrade/);
    // Per-address limits need the client's address, which the nodes read from this header; the
    // widget's own-origin check needs the host with its port ($host would drop it).
    for (const location of locations) {
      expect(location.body).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;/);
      expect(location.body).toMatch(/proxy_set_header\s+Host\s+\$http_host;/);
    }
  });

  const nginx = nginxInstalled() ? 'nginx' : null;
  it.skipIf(!nginx)('is a configuration nginx accepts (nginx -t, service names pointed at this host)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw1022-nginx-'));
    try {
      // Inside compose the service names resolve; here they are this host.
      let site = nginxConf;
      for (const [name] of gateways) site = site.replaceAll(`${name}:`, '127.0.0.1:');
      writeFileSync(join(dir, 'site.conf'), site.replace(/listen\s+80;/, 'listen 127.0.0.1:18080;'));
      writeFileSync(join(dir, 'nginx.conf'), `error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents {}\nhttp {\n  access_log off;\n  include ${dir}/site.conf;\n}\n`);
      execFileSync(nginx!, ['-t', '-q', '-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
