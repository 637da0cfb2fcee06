import { ConfigError } from '../../core/config/load-config.ts';

/** A secret in an inbox's settings: written as is, or `{ env: NAME }` to read a variable. */
export type SecretRef = string | { env: string };

/** The secret's value; a reference to an unset variable stops the start, naming both. */
export function resolveSecret(inboxKey: string, field: string, ref: SecretRef, env: Readonly<Record<string, string | undefined>>): string {
  if (typeof ref === 'string') return ref;
  const value = env[ref.env];
  if (!value) throw new ConfigError(`inbox "${inboxKey}" settings.${field}: environment variable ${ref.env} is not set`);
  return value;
}
