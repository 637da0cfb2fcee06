import type { FastifyServerOptions } from 'fastify';
import { stdSerializers } from 'pino';

/** Query parameters that carry secrets; their values never reach a log line. */
const secretParams = /([?&](?:token|access_token|hub\.verify_token|hub\.challenge|code|sig)=)[^&]*/gi;
/** Paths whose last segment is a capability (a rating or survey link sent to one citizen). */
const secretPaths = /(\/(?:danh-gia|khao-sat)\/)[^/?#]+/gi;

export const maskUrl = (url: string) => url.replace(secretParams, '$1[redacted]').replace(secretPaths, '$1[redacted]');

/** Database drivers put the bound values in an error (drizzle's message and `params`, the
 * PostgreSQL `detail` of a unique violation): names, phones and message text. */
const boundValues = /\n\s*params: [\s\S]*?(?=\n\s+at |$)/g;
const driverFields = ['params', 'parameters', 'detail', 'where', 'internalQuery', 'parameter'];

type SerializedError = Record<string, unknown> & { message?: string; stack?: string; cause?: unknown };

function scrub(value: unknown, depth = 0): unknown {
  if (!value || typeof value !== 'object' || depth > 4) return value;
  const out: SerializedError = { ...(value as SerializedError) };
  for (const field of driverFields) if (field in out) out[field] = '[redacted]';
  if (typeof out.message === 'string') {
    const at = out.message.indexOf('\nparams: ');
    if (at >= 0) {
      const message = `${out.message.slice(0, at)}\nparams: [redacted]`;
      if (typeof out.stack === 'string') out.stack = out.stack.replace(out.message, message);
      out.message = message;
    }
  }
  if (typeof out.stack === 'string') out.stack = out.stack.replace(boundValues, '\nparams: [redacted]');
  if (out.cause) out.cause = scrub(out.cause, depth + 1);
  return out;
}

/** Pino's error serializer without what a database driver copied of the data into the error. */
export function errorSerializer(error: Error): ReturnType<typeof stdSerializers.err> {
  return scrub(error instanceof Error ? stdSerializers.err(error) : error) as ReturnType<typeof stdSerializers.err>;
}

/**
 * Pino settings for the whole process. Logs hold no passwords, tokens or one-time codes, and
 * no citizen's phone, email, name or message text (SECURITY.md items 7 and 8): request bodies are
 * never logged, and these paths are censored wherever an object is logged on purpose.
 */
export function loggerOptions(level: string): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
        'body',
        '*.body',
        '*.phone',
        '*.email',
        '*.text',
        '*.name',
        '*.password',
        '*.token',
        '*.accessToken',
        '*.refreshToken',
        '*.access_token',
        '*.refresh_token',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      err: errorSerializer,
      req(request: { method: string; url: string; ip?: string }) {
        return { method: request.method, url: maskUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}
