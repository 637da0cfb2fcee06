import { Ajv, type Options } from 'ajv';
import ajvFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { unstorablePath } from '../store-text.ts';
import { fieldError, ValidationError } from './validation.ts';

/**
 * Request validation with two Ajv instances. Query strings, path parameters and headers arrive as
 * text and are coerced to the types their schemas say ("42" -> 42). Bodies are JSON that carries
 * its own types: `"name": 123` or `"text": ["a"]` is a client's mistake, answered 400 rather
 * than stored as "123" or "a".
 */
export function installValidators(app: FastifyInstance): void {
  // allErrors: a citizen is told every field to fix at once, not one per try.
  const shared: Options = { allErrors: true, removeAdditional: false, useDefaults: true, addUsedSchema: false, strict: false };
  const text = new Ajv({ ...shared, coerceTypes: 'array' });
  const json = new Ajv({ ...shared, coerceTypes: false });
  for (const ajv of [text, json]) (ajvFormats as unknown as (ajv: Ajv) => void)(ajv);
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? json : text).compile(schema as object) as never,
  );
}

/**
 * Refuses text that only one of the two databases could store (NUL, lone UTF-16 surrogates) in a
 * body, a query string or a path parameter, before any handler sees it: the same 400 on SQLite
 * and PostgreSQL, where PostgreSQL would otherwise fail the insert with a 500. Bodies a channel
 * keeps as raw bytes (signed webhooks) are cleaned at ingest instead, never refused.
 */
export function installTextGuard(app: FastifyInstance): void {
  app.addHook('preValidation', async (request) => {
    for (const part of [request.params, request.query, request.body]) {
      if (!part || typeof part !== 'object' || Buffer.isBuffer(part)) continue;
      const path = unstorablePath(part);
      if (path !== null) throw new ValidationError([fieldError(path.replace(/^\//, '').replace(/\//g, '.'), 'text')]);
    }
  });
}
