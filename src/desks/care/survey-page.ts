import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { CareDesk } from './care-desk.ts';
import type { Question } from './questionnaires.ts';
import { escapeHtml } from '../../core/http/html.ts';
import { t, localeFrom, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { acceptForms, citizenPages } from '../../core/http/citizen-page.ts';

const Token = Type.Object({ token: Type.String({ maxLength: 64 }) });

/**
 * The one-time web survey a citizen opens from the pre-notice or a link the operator sent: the
 * questionnaire as a plain form. Opening records nothing; the POST records the answers once.
 */
export async function surveyPage(app: FastifyInstance, deps: { care: CareDesk; deploymentName: string; perMinute: number }) {
  const { care, deploymentName } = deps;
  acceptForms(app, 64 * 1024);

  const page = citizenPages(
    deploymentName,
    `fieldset{border:1px solid #ccc;border-radius:6px;margin:0 0 1rem;padding:.75rem}
legend{font-weight:600}label{display:inline-block;margin:.25rem 1rem .25rem 0}
.problem{border-color:#b71c1c}.problem legend::after{content:" *";color:#b71c1c}button{font-size:1rem;padding:.6rem 1.2rem;border-radius:6px;border:1px solid #1b5e20;background:#1b5e20;color:#fff}`,
  );

  const field = (q: Question, value: string | undefined, problem: boolean, locale: Locale) => {
    const name = escapeHtml(q.key);
    const legend = `<legend>${escapeHtml(q.label)}${q.required ? ` <small>(${escapeHtml(t(locale, 'care.survey.required'))})</small>` : ''}</legend>`;
    const radio = (v: string, label: string) => `<label><input type="radio" name="${name}" value="${escapeHtml(v)}"${value === v ? ' checked' : ''}${q.required ? ' required' : ''}> ${escapeHtml(label)}</label>`;
    let inner: string;
    if (q.kind === 'text') inner = `<textarea name="${name}" maxlength="4000">${escapeHtml(value ?? '')}</textarea>`;
    else if (q.kind === 'scale') inner = ['1', '2', '3', '4', '5'].map((v) => radio(v, v)).join('');
    else if (q.kind === 'yesno') inner = radio('yes', t(locale, 'care.answer.yes')) + radio('no', t(locale, 'care.answer.no'));
    else inner = (q.options ?? []).map((o) => radio(o.value, o.label)).join('');
    return `<fieldset${problem ? ' class="problem"' : ''}>${legend}${inner}</fieldset>`;
  };

  const form = (locale: Locale, opened: NonNullable<Awaited<ReturnType<CareDesk['campaigns']['survey']>>>, values: Record<string, string> = {}, problems: Set<string> = new Set()) => {
    const title = t(locale, 'care.survey.pageTitle', { code: opened.code });
    const say = (key: MessageKey) => escapeHtml(t(locale, key));
    return {
      title,
      body: `<h1>${escapeHtml(title)}</h1><p>${say('care.survey.intro')}</p>${problems.size ? `<p role="alert">${say('care.survey.problems')}</p>` : ''}
<form method="post">${opened.questionnaire.questions.map((q) => field(q, values[q.key], problems.has(q.key), locale)).join('\n')}<button>${say('care.survey.submit')}</button></form>`,
    };
  };

  app.get('/khao-sat/:token', { schema: { tags: ['public'], summary: 'The one-time web survey page a citizen\u2019s link opens', params: Token } }, async (request, reply) => {
    const locale = localeFrom(request.headers['accept-language']);
    const opened = await care.campaigns.survey((request.params as { token: string }).token);
    if (!opened) return page(reply, locale, 404, t(locale, 'care.survey.invalid'), `<p>${escapeHtml(t(locale, 'care.survey.invalid'))}</p>`);
    const { title, body } = form(locale, opened);
    return page(reply, locale, 200, title, body);
  });

  app.post(
    '/khao-sat/:token',
    {
      config: { rateLimit: deps.perMinute > 0 ? { max: deps.perMinute, timeWindow: '1 minute' } : false },
      schema: { tags: ['public'], summary: 'Record the citizen\u2019s answers (the page\u2019s form posts here); the link then stops working', params: Token, body: Type.Record(Type.String({ maxLength: 60 }), Type.String({ maxLength: 4000 })) },
    },
    async (request, reply) => {
      const locale = localeFrom(request.headers['accept-language']);
      const token = (request.params as { token: string }).token;
      const values = request.body as Record<string, string>;
      const outcome = await care.campaigns.submitSurvey(token, values);
      if (!outcome) return page(reply, locale, 404, t(locale, 'care.survey.invalid'), `<p>${escapeHtml(t(locale, 'care.survey.invalid'))}</p>`);
      if (!outcome.ok) {
        const opened = await care.campaigns.survey(token);
        if (!opened) return page(reply, locale, 404, t(locale, 'care.survey.invalid'), `<p>${escapeHtml(t(locale, 'care.survey.invalid'))}</p>`);
        const { title, body } = form(locale, opened, values, new Set(outcome.problems.map((p) => p.key)));
        return page(reply, locale, 400, title, body);
      }
      const thanks = t(locale, 'care.survey.thanks');
      return page(reply, locale, 200, thanks, `<p>${escapeHtml(thanks)}</p>`);
    },
  );
}
