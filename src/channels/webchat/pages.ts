import { t, type Locale, type MessageKey } from '../../core/i18n/index.ts';
import { escapeHtml } from '../../core/http/html.ts';
import type { FrameConfig } from './types.ts';

/** Strings the frame's script shows at run time. */
const frameKeys = [
  'webchat.you',
  'webchat.agent',
  'webchat.bot',
  'webchat.connecting',
  'webchat.reconnecting',
  'webchat.typing',
  'webchat.sending',
  'webchat.failed',
  'webchat.prechat.invalid',
  'webchat.prechat.nameMissing',
  'webchat.prechat.phoneInvalid',
  'webchat.prechat.emailInvalid',
  'webchat.prechat.contactMissing',
  'webchat.error.tooLong',
  'webchat.error.rateLimited',
  'webchat.error.file',
  'webchat.error.fileTooLarge',
  'webchat.error.fileType',
  'webchat.error.session',
] as const satisfies readonly MessageKey[];


export function frameConfig(base: Omit<FrameConfig, 'strings'>): FrameConfig {
  return { ...base, strings: Object.fromEntries(frameKeys.map((key) => [key, t(base.lang, key)])) };
}

/** The chat panel inside the iframe. Colours are validated before they reach the style sheet. */
export function renderFrame(config: FrameConfig): string {
  const tr = (key: MessageKey, params?: Record<string, string | number>) => escapeHtml(t(config.lang, key, params));
  return `<!doctype html>
<html lang="${config.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${escapeHtml(config.title)}</title>
<link rel="stylesheet" href="${escapeHtml(config.prefix)}/frame.css">
</head>
<body data-config="${escapeHtml(JSON.stringify(config))}">
<div id="app">
  <header>
    <div class="title"><strong>${escapeHtml(config.title)}</strong><small id="status" role="status">${tr('webchat.connecting')}</small></div>
    <button id="bigger" type="button" aria-pressed="false" title="${tr('webchat.bigger')}"><span aria-hidden="true">A+</span><span class="sr-only">${tr('webchat.bigger')}</span></button>
    <button id="contrast" type="button" aria-pressed="false" title="${tr('webchat.contrast')}"><span aria-hidden="true">&#x25D0;</span><span class="sr-only">${tr('webchat.contrast')}</span></button>
    <button id="close" type="button" aria-label="${tr('webchat.close')}" title="${tr('webchat.close')}">&#x2013;</button>
  </header>
  <div id="notice" role="note" hidden></div>
  <form id="prechat" hidden novalidate>
    <p>${tr('webchat.prechat.intro')}</p>
    <label for="pc-name">${tr('webchat.prechat.name')}</label>
    <input id="pc-name" name="name" autocomplete="name" maxlength="120" required aria-describedby="pc-name-error">
    <p class="field-error" id="pc-name-error"></p>
    <label for="pc-phone">${tr('webchat.prechat.phone')}</label>
    <input id="pc-phone" name="phone" type="tel" autocomplete="tel" maxlength="24" aria-describedby="pc-phone-error">
    <p class="field-error" id="pc-phone-error"></p>
    <label for="pc-email">${tr('webchat.prechat.email')}</label>
    <input id="pc-email" name="email" type="email" autocomplete="email" maxlength="254" aria-describedby="pc-email-error">
    <p class="field-error" id="pc-email-error"></p>
    <p class="error" id="pc-error" role="alert"></p>
    <div class="actions">
      <button type="submit">${tr('webchat.prechat.start')}</button>
      ${config.preChatForm === 'optional' ? `<button type="button" class="skip" id="pc-skip">${tr('webchat.prechat.skip')}</button>` : ''}
    </div>
  </form>
  <div id="log" role="log" tabindex="0" aria-label="${tr('webchat.log')}">
    <div class="msg greeting">${escapeHtml(config.greeting)}</div>
  </div>
  <div id="typing" hidden>${tr('webchat.typing')}</div>
  <form id="composer">
    <label class="attach" title="${tr('webchat.attach')}">
      <input id="file" type="file" accept="${escapeHtml(config.accept)}" aria-label="${tr('webchat.attach')}">
      <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"/></svg>
    </label>
    <textarea id="text" rows="1" maxlength="${config.maxTextLength}" placeholder="${tr('webchat.placeholder')}" aria-label="${tr('webchat.placeholder')}"></textarea>
    <button id="send" type="submit">${tr('webchat.send')}</button>
  </form>
  <p class="privacy">${tr('webchat.privacy')}</p>
</div>
<script src="${escapeHtml(config.prefix)}/frame.js" defer></script>
</body>
</html>`;
}

/** A page in the style of a provincial portal, with the widget on it (GET /demo). */
export function renderDemo(locale: Locale, loaderPath: string): string {
  const tr = (key: MessageKey) => escapeHtml(t(locale, key));
  const nav = t(locale, 'webchat.demo.nav')
    .split('|')
    .map((item) => `<a href="#">${escapeHtml(item)}</a>`)
    .join('');
  const card = (title: MessageKey, text: MessageKey) => `<article><h3>${tr(title)}</h3><p>${tr(text)}</p></article>`;
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${tr('webchat.demo.portal')}</title>
<style>
  body { margin: 0; font: 16px/1.5 system-ui, "Segoe UI", Roboto, Arial, sans-serif; color: #1b2733; background: #f3f4f6; }
  .top { background: linear-gradient(#c62828, #a51c1c); color: #fff; }
  .top .inner { max-width: 1080px; margin: 0 auto; padding: 18px 20px; display: flex; align-items: center; gap: 16px; }
  .emblem { width: 64px; height: 64px; border-radius: 50%; background: radial-gradient(circle, #ffd54f 0 28%, #c62828 30% 62%, #ffd54f 64%); flex: none; box-shadow: 0 0 0 3px #ffd54f inset; }
  .top h1 { margin: 0; font-size: 1.5rem; text-transform: uppercase; letter-spacing: .02em; }
  .top p { margin: 2px 0 0; color: #ffe082; }
  nav { background: #8e1515; }
  nav .inner { max-width: 1080px; margin: 0 auto; display: flex; flex-wrap: wrap; }
  nav a { color: #fff; text-decoration: none; padding: 10px 16px; font-weight: 600; }
  nav a:hover { background: #a51c1c; }
  .hero { max-width: 1080px; margin: 20px auto; background: #fff; padding: 24px; border-left: 6px solid #c62828; }
  .hero h2 { margin-top: 0; color: #a51c1c; }
  .cards { max-width: 1080px; margin: 0 auto 40px; display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 16px; padding: 0 0 20px; }
  .cards article { background: #fff; padding: 18px; border-top: 3px solid #c62828; }
  .cards h3 { margin-top: 0; }
  footer { background: #2b2b2b; color: #ddd; text-align: center; padding: 18px; font-size: .9rem; }
</style>
</head>
<body>
<header class="top"><div class="inner"><div class="emblem" aria-hidden="true"></div><div><h1>${tr('webchat.demo.portal')}</h1><p>${tr('webchat.demo.tagline')}</p></div></div></header>
<nav><div class="inner">${nav}</div></nav>
<section class="hero"><h2>${tr('webchat.demo.heroTitle')}</h2><p>${tr('webchat.demo.heroText')}</p></section>
<section class="cards">
  ${card('webchat.demo.s1Title', 'webchat.demo.s1Text')}
  ${card('webchat.demo.s2Title', 'webchat.demo.s2Text')}
  ${card('webchat.demo.s3Title', 'webchat.demo.s3Text')}
</section>
<footer>${tr('webchat.demo.footer')}</footer>
<script src="${escapeHtml(loaderPath)}" async></script>
</body>
</html>`;
}
