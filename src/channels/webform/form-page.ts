import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { escapeHtml } from '../../core/http/html.ts';

const script = readFileSync(new URL('./assets/webform.js', import.meta.url), 'utf8');
const style = readFileSync(new URL('./assets/webform.css', import.meta.url), 'utf8');


/** Strings the page's script needs at run time. */
const scriptKeys: MessageKey[] = [
  'form.sending', 'form.sent', 'form.thread', 'form.you', 'form.hotline', 'form.waiting', 'form.failed', 'form.replySent', 'form.askPersonText', 'form.fixFields',
  'validation.name.required', 'validation.contact.required', 'validation.phone.invalid', 'validation.email.invalid',
];

export function renderFormPage(locale: Locale, deploymentName: string, endpoint: string, maxTextLength = 5000): string {
  const tr = (key: MessageKey, params?: Record<string, string>) => escapeHtml(t(locale, key, params));
  const strings = { ...Object.fromEntries(scriptKeys.map((key) => [key, t(locale, key)])), 'validation.text.required': t(locale, 'validation.text.required', { max: maxTextLength }) };
  // Each field says what is wrong under itself; the script fills these and ties them to the field.
  const error = (field: string) => `<p class="field-error" id="${field}-error" hidden></p>`;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${tr('form.pageTitle', { name: deploymentName })}</title>
<link rel="stylesheet" href="/assets/webform.css">
</head>
<body>
<header><h1>${tr('form.pageTitle', { name: deploymentName })}</h1>
  <div class="switches">
    <button type="button" id="bigger" aria-pressed="false" title="${tr('form.bigger')}"><span aria-hidden="true">A+</span><span class="sr-only">${tr('form.bigger')}</span></button>
    <button type="button" id="contrast" aria-pressed="false" title="${tr('form.contrast')}"><span aria-hidden="true">&#x25D0;</span><span class="sr-only">${tr('form.contrast')}</span></button>
  </div>
</header>
<main>
  <p>${tr('form.intro')}</p>
  <form id="webform" novalidate data-endpoint="${escapeHtml(endpoint)}" data-strings="${escapeHtml(JSON.stringify(strings))}">
    <label for="name">${tr('form.name')}</label>
    <input id="name" name="name" autocomplete="name" maxlength="120" required aria-describedby="name-error">
    ${error('name')}
    <label for="phone">${tr('form.phone')}</label>
    <input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="24" aria-describedby="contact-hint phone-error">
    ${error('phone')}
    <label for="email">${tr('form.email')}</label>
    <input id="email" name="email" type="email" autocomplete="email" maxlength="254" aria-describedby="contact-hint email-error">
    ${error('email')}
    <p class="hint" id="contact-hint">${tr('form.contactHint')}</p>
    <label for="dossierCode">${tr('form.dossierCode')}</label>
    <input id="dossierCode" name="dossierCode" maxlength="50" aria-describedby="dossierCode-error">
    ${error('dossierCode')}
    <label for="unit">${tr('form.unit')}</label>
    <input id="unit" name="unit" maxlength="200" aria-describedby="unit-error">
    ${error('unit')}
    <label for="text">${tr('form.text')}</label>
    <textarea id="text" name="text" required maxlength="${maxTextLength}" aria-describedby="text-error"></textarea>
    ${error('text')}
    <p id="errors" class="field-error" role="alert"></p>
    <button type="submit">${tr('form.submit')}</button>
    <p class="privacy">${tr('form.privacy')}</p>
  </form>
  <div id="status" role="status"></div>
  <section id="thread" hidden aria-labelledby="thread-title"><h2 id="thread-title">${tr('form.thread')}</h2>
    <div id="messages" role="log" tabindex="0" aria-labelledby="thread-title"></div>
    <form id="reply" novalidate>
      <label for="reply-text">${tr('form.reply')}</label>
      <textarea id="reply-text" name="text" maxlength="${maxTextLength}" aria-describedby="reply-text-error"></textarea>
      ${error('reply-text')}
      <div class="actions">
        <button type="submit">${tr('form.replySend')}</button>
        <button type="button" class="secondary" id="ask-person">${tr('form.askPerson')}</button>
      </div>
      <div id="reply-status" role="status"></div>
    </form>
  </section>
</main>
<script src="/assets/webform.js" defer></script>
</body>
</html>`;
}

export async function registerFormPage(app: FastifyInstance, locale: Locale, deploymentName: string, endpoint: string, maxTextLength?: number): Promise<void> {
  const page = renderFormPage(locale, deploymentName, endpoint, maxTextLength);
  app.get('/gui-cau-hoi', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/assets/webform.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(script),
  );
  app.get('/assets/webform.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(style),
  );
}
