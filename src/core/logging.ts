import type { FastifyServerOptions } from 'fastify';

/** Query parameters that carry secrets; their values never reach a log line. */
const secretParams = /([?&](?:token|access_token|hub\.verify_token|hub\.challenge|code)=)[^&]*/gi;

export const maskUrl = (url: string) => url.replace(secretParams, '$1[redacted]');

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
      req(request: { method: string; url: string; ip?: string }) {
        return { method: request.method, url: maskUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}
