import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelRegistry } from '../../src/channels/registry.ts';
import { envSchema } from '../../src/core/config/env-schema.ts';
import { ConfigError, loadConfig } from '../../src/core/config/load-config.ts';

const failure = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected loadConfig to fail');
};

describe('configuration', () => {
  it('boots on defaults: SQLite under ./data and the demo file', () => {
    const config = loadConfig({});
    expect(config.env.DATABASE_URL).toBe('file:./data/gateway.db');
    expect(config.env.PORT).toBe(3000);
    expect(config.file.deployment.shortName).toBe('1022 Đồng Tháp');
    expect(config.file.inboxes.map((i) => i.channel)).toContain('webform');
  });

  it('names each bad variable', () => {
    expect(failure({ PORT: 'eighty' })).toMatch(/env PORT/);
    expect(failure({ DATABASE_URL: 'mysql://x' })).toMatch(/env DATABASE_URL: must be file:<path> or postgres/);
    expect(failure({ GATEWAY_ADMIN_TOKEN: 'short' })).toMatch(/env GATEWAY_ADMIN_TOKEN: must be at least 24 characters/);
    const both = failure({ PORT: '-1', LOG_LEVEL: 'loud' });
    expect(both).toMatch(/PORT/);
    expect(both).toMatch(/LOG_LEVEL/);
  });

  it('names the bad or missing value of the YAML file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw1022-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'deployment:\n  name: X\ninboxes:\n  - key: Bad Key\n    channel: webform\n    name: W\n');
    const message = failure({ CONFIG_FILE: file });
    expect(message).toMatch(/deployment\.shortName/);
    expect(message).toMatch(/inboxes\.0\.key: must be a lowercase slug/);
    expect(failure({ CONFIG_FILE: join(dir, 'missing.yaml') })).toMatch(/Cannot read CONFIG_FILE/);
  });

  it('env.example lists every variable the gateway reads', () => {
    const example = readFileSync(new URL('../../config/env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    for (const name of Object.keys(envSchema.shape)) expect(listed, name).toContain(name);
    for (const channel of channelRegistry) for (const name of channel.envVariables ?? []) expect(listed, `${channel.name}: ${name}`).toContain(name);
  });
});
