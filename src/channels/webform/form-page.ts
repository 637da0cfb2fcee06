import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { escapeHtml } from '../../core/http/html.ts';

const script = readFileSync(new URL('./assets/webform.js', import.meta.url), 'utf8');


/** Strings the page's script needs at run time. */
const scriptKeys: MessageKey[] = ['form.sending', 'form.sent', 'form.thread', 'form.you', 'form.hotline', 'form.waiting', 'form.failed'];

export function renderFormPage(locale: Locale, deploymentName: string, endpoint: string): string {
  const tr = (key: MessageKey, params?: Record<string, string>) => escapeHtml(t(locale, key, params));
  const strings = Object.fromEntries(scriptKeys.map((key) => [key, t(locale, key)]));
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${tr('form.pageTitle', { name: deploymentName })}</title>
<style>
  body { font-family: system-ui, "Segoe UI", Roboto, Arial, sans-serif; margin: 0; background: #f3f6f9; color: #1b2733; }
  header { background: #b71c1c; color: #fff; padding: 16px 24px; }
  header h1 { margin: 0; font-size: 1.3rem; }
  main { max-width: 640px; margin: 24px auto; background: #fff; padding: 24px; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  label { display: block; margin-top: 14px; font-weight: 600; }
  input, textarea { width: 100%; box-sizing: border-box; padding: 10px; margin-top: 4px; border: 1px solid #b8c2cc; border-radius: 6px; font: inherit; }
  textarea { min-height: 140px; }
  .hint, .privacy { color: #52606d; font-size: 0.9rem; }
  button { margin-top: 18px; background: #b71c1c; color: #fff; border: 0; padding: 12px 20px; border-radius: 6px; font: inherit; cursor: pointer; }
  button[disabled] { opacity: .6; }
  .field-error { color: #b00020; font-size: .9rem; }
  #status { margin-top: 14px; }
  #thread { margin-top: 24px; }
  .msg { padding: 10px 12px; border-radius: 8px; margin: 8px 0; white-space: pre-wrap; }
  .msg.citizen { background: #e3f2fd; }
  .msg.hotline { background: #fff3e0; }
  .msg small { display: block; color: #52606d; }
</style>
</head>
<body>
<header><h1>${tr('form.pageTitle', { name: deploymentName })}</h1></header>
<main>
  <p>${tr('form.intro')}</p>
  <form id="webform" novalidate data-endpoint="${escapeHtml(endpoint)}" data-strings="${escapeHtml(JSON.stringify(strings))}">
    <label for="name">${tr('form.name')}</label>
    <input id="name" name="name" autocomplete="name" maxlength="120" required>
    <label for="phone">${tr('form.phone')}</label>
    <input id="phone" name="phone" type="tel" autocomplete="tel" maxlength="24">
    <label for="email">${tr('form.email')}</label>
    <input id="email" name="email" type="email" autocomplete="email" maxlength="254">
    <p class="hint">${tr('form.contactHint')}</p>
    <label for="dossierCode">${tr('form.dossierCode')}</label>
    <input id="dossierCode" name="dossierCode" maxlength="50">
    <label for="unit">${tr('form.unit')}</label>
    <input id="unit" name="unit" maxlength="200">
    <label for="text">${tr('form.text')}</label>
    <textarea id="text" name="text" required></textarea>
    <div id="errors" class="field-error" role="alert"></div>
    <button type="submit">${tr('form.submit')}</button>
    <p class="privacy">${tr('form.privacy')}</p>
  </form>
  <div id="status" role="status"></div>
  <section id="thread" hidden><h2>${tr('form.thread')}</h2><div id="messages"></div></section>
</main>
<script src="/assets/webform.js" defer></script>
</body>
</html>`;
}

export async function registerFormPage(app: FastifyInstance, locale: Locale, deploymentName: string, endpoint: string): Promise<void> {
  const page = renderFormPage(locale, deploymentName, endpoint);
  app.get('/gui-cau-hoi', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/assets/webform.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(script),
  );
}
