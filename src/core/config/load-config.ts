import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { envSchema, type Env } from './env-schema.ts';
import { fileSchema, type FileConfig } from './file-schema.ts';
import { projectRoot } from './project-root.ts';

export interface GatewayConfig {
  env: Env;
  file: FileConfig;
  /** Raw environment, handed to channel config schemas (their variables are declared there). */
  channelEnv: Readonly<Record<string, string | undefined>>;
}

/** A configuration problem found at boot; its message names every bad or missing value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function describeIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => `  ${source}${issue.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue.message}`)
    .join('\n');
}

/** Reads env and the YAML file once, validates both, and throws ConfigError naming what is wrong. */
export function loadConfig(
  rawEnv: Readonly<Record<string, string | undefined>> = process.env,
): GatewayConfig {
  // Empty strings in env files mean "not set", not "set to nothing".
  const cleaned = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const env = envSchema.safeParse(cleaned);
  if (!env.success) throw new ConfigError(`Invalid environment:\n${describeIssues('env', env.error)}`);
  // A production store's second factors are never encrypted with a key kept beside them.
  if (env.data.NODE_ENV === 'production' && !env.data.MFA_ENCRYPTION_KEY) throw new ConfigError('Invalid environment:\n  env MFA_ENCRYPTION_KEY: required when NODE_ENV=production');

  const path = isAbsolute(env.data.CONFIG_FILE) ? env.data.CONFIG_FILE : resolve(projectRoot, env.data.CONFIG_FILE);
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read CONFIG_FILE ${path}: ${(err as Error).message}`);
  }
  const file = fileSchema.safeParse(parsed);
  if (!file.success) throw new ConfigError(`Invalid ${path}:\n${describeIssues('', file.error)}`);

  const keys = new Set<string>();
  for (const inbox of file.data.inboxes) {
    if (keys.has(inbox.key)) throw new ConfigError(`Invalid ${path}:\n  inboxes: duplicate key "${inbox.key}"`);
    keys.add(inbox.key);
  }
  return { env: env.data, file: file.data, channelEnv: cleaned };
}
