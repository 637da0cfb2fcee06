import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { escapeHtml } from '../../core/http/html.ts';
import { t, localeFrom, type MessageKey } from '../../core/i18n/index.ts';
import type { Store } from '../../core/store/store.ts';
import type { TicketDesk } from './ticket-desk.ts';
import { acceptForms, citizenPages } from '../../core/http/citizen-page.ts';
import { eq } from 'drizzle-orm';

const Token = Type.Object({ token: Type.String({ maxLength: 64 }) });

/**
 * The page a vote link opens. Opening it only shows the answer and two buttons; the vote is the
 * POST of a button, so a mail scanner or link preview that fetches the link votes nothing.
 */
export async function votePage(app: FastifyInstance, deps: { store: Store; desk: TicketDesk; deploymentName: string; perMinute: number }) {
  const { store, desk, deploymentName } = deps;
  const { t: tables } = store;
  acceptForms(app, 16 * 1024);

  const page = citizenPages(
    deploymentName,
    `blockquote{white-space:pre-wrap;background:#f6f6f6;padding:1rem;margin:0 0 1rem;border-left:4px solid #b71c1c}
button{font-size:1rem;padding:.6rem 1.2rem;margin:.5rem .5rem 0 0;border-radius:6px;border:1px solid #888;cursor:pointer}button.yes{background:#1b5e20;color:#fff;border-color:#1b5e20}`,
  );

  async function ticketFor(token: string) {
    const id = desk.satisfaction.ticketOfToken(token);
    if (id === null) return null;
    const [row] = await store.db.select({ id: tables.tickets.id, code: tables.tickets.code, answer: tables.tickets.answer, satisfaction: tables.tickets.satisfaction }).from(tables.tickets).where(eq(tables.tickets.id, id)).limit(1);
    return row ?? null;
  }

  app.get('/danh-gia/:token', { schema: { tags: ['public'], summary: 'The rating page of an answered ticket (a vote link opens it)', params: Token } }, async (request, reply) => {
    const locale = localeFrom(request.headers['accept-language']);
    const say = (key: MessageKey, params?: Record<string, string>) => escapeHtml(t(locale, key, params));
    const ticket = await ticketFor((request.params as { token: string }).token);
    if (!ticket) return page(reply, locale, 404, t(locale, 'ticket.vote.invalid'), `<p>${say('ticket.vote.invalid')}</p>`);
    const title = t(locale, 'ticket.vote.pageTitle', { code: ticket.code });
    if (ticket.satisfaction) return page(reply, locale, 200, title, `<h1>${escapeHtml(title)}</h1><p>${say('ticket.vote.already')}</p>`);
    return page(
      reply,
      locale,
      200,
      title,
      `<h1>${escapeHtml(title)}</h1><p>${say('ticket.vote.pageIntro')}</p><blockquote>${escapeHtml(ticket.answer ?? '')}</blockquote>
<form method="post"><label for="comment">${say('ticket.vote.commentLabel')}</label><textarea id="comment" name="comment" maxlength="2000"></textarea>
<button class="yes" name="vote" value="satisfied">${say('ticket.vote.satisfied')}</button><button name="vote" value="not_satisfied">${say('ticket.vote.notSatisfied')}</button></form>`,
    );
  });

  app.post(
    '/danh-gia/:token',
    {
      // Guessing tokens is hopeless (HMAC); the limit keeps a script from hammering the store.
      config: { rateLimit: deps.perMinute > 0 ? { max: deps.perMinute, timeWindow: '1 minute' } : false },
      schema: {
        tags: ['public'],
        summary: 'Record the citizen\u2019s rating (the page\u2019s buttons post here)',
        params: Token,
        body: Type.Object({ vote: Type.Union([Type.Literal('satisfied'), Type.Literal('not_satisfied')]), comment: Type.Optional(Type.String({ maxLength: 2000 })) }),
      },
    },
    async (request, reply) => {
      const locale = localeFrom(request.headers['accept-language']);
      const ticket = await ticketFor((request.params as { token: string }).token);
      if (!ticket) return page(reply, locale, 404, t(locale, 'ticket.vote.invalid'), `<p>${escapeHtml(t(locale, 'ticket.vote.invalid'))}</p>`);
      const { vote, comment } = request.body as { vote: 'satisfied' | 'not_satisfied'; comment?: string };
      const outcome = await desk.satisfaction.rate(ticket.id, vote, comment ?? null, { agentId: null, name: 'citizen (link)' });
      const message = t(locale, outcome.recorded ? 'ticket.vote.thanks' : 'ticket.vote.already');
      return page(reply, locale, 200, message, `<h1>${escapeHtml(t(locale, 'ticket.vote.pageTitle', { code: ticket.code }))}</h1><p>${escapeHtml(message)}</p>`);
    },
  );
}
