import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from './html.ts';
import type { Locale } from '../i18n/index.ts';

// No script at all, and styles only from the page's own <style> block.
const csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const baseStyle = `body{font-family:system-ui,"Noto Sans",sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
header{border-bottom:3px solid #b71c1c;margin-bottom:1rem}textarea{width:100%;min-height:4rem;font:inherit}`;

/**
 * A plain page for citizens who open a link from the hotline (rating an answer, a survey): no
 * script, not cached, not indexed, no referrer. Returns the sender of one kind of page; `style`
 * adds that kind's own rules.
 */
export function citizenPages(deploymentName: string, style = '') {
  return (reply: FastifyReply, locale: Locale, status: number, title: string, body: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(`<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title><style>
${baseStyle}
${style}</style></head><body><header><strong>${escapeHtml(deploymentName)}</strong></header><main>${body}</main></body></html>`);
}

/** The buttons of these pages post plain HTML forms. */
export function acceptForms(app: FastifyInstance, bodyLimit: number): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
}
