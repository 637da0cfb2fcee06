import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// Pages that set no policy of their own (the citizens' form, the widget demo): their own scripts
// and styles only, never framed by another site. The widget's frame and the link pages keep
// the policies they set.
const defaultPagePolicy =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Headers every answer carries: no MIME sniffing; HSTS when the request came over TLS (directly
 * or, with TRUST_PROXY, through a proxy that says so); a CSP on HTML that has none. The API
 * documentation brings its own page scripts and is left as it is.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.protocol === 'https') reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html') && !reply.hasHeader('content-security-policy') && !request.url.startsWith('/docs')) {
      reply.header('content-security-policy', defaultPagePolicy);
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });
}

/** /metrics is for the monitoring system: its addresses, or whoever holds the token. */
export function metricsAllowed(request: FastifyRequest, access: { token?: string | undefined; allow: string[] }): boolean {
  if (access.allow.includes(request.ip)) return true;
  const header = request.headers.authorization;
  if (!access.token || typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(access.token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
