// The script a website includes: <script src="https://<gateway>/widget.js" async></script>.
// It adds a launcher bubble and a chat panel; the panel is an iframe served by the gateway, so
// the page's scripts never see the visitor's token or messages, and the two talk only by
// postMessage, each checking the other's origin. No framework, no third-party request.
import type { HostMessage, FrameMessage } from './messages.ts';

interface LoaderConfig {
  prefix: string;
  title: string;
  label: string;
  color: string;
  textColor: string;
  position: 'left' | 'right';
  lang: 'vi' | 'en';
}

(function () {
  // The gateway writes this inbox's settings here when it serves the file.
  const injected = '__GW1022_CONFIG__';
  const script = document.currentScript as HTMLScriptElement | null;
  const root = document.documentElement;
  if (!script || root.hasAttribute('data-gw1022-widget')) return;
  root.setAttribute('data-gw1022-widget', '');
  let config: LoaderConfig;
  try {
    config = JSON.parse(injected) as LoaderConfig;
  } catch {
    return;
  }
  const gateway = new URL(script.src, location.href).origin;
  const data = script.dataset;
  const colour = (value: string | undefined) => (value && /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(value) ? value : undefined);
  const color = colour(data.color) ?? config.color;
  const textColor = colour(data.textColor) ?? config.textColor;
  const position = data.position === 'left' || data.position === 'right' ? data.position : config.position;
  const lang = data.lang === 'en' || data.lang === 'vi' ? data.lang : config.lang;

  const params = new URLSearchParams({ host: location.origin, lang });
  if (data.title) params.set('title', data.title.slice(0, 60));
  if (data.greeting) params.set('greeting', data.greeting.slice(0, 300));
  if (colour(data.color)) params.set('color', color);
  if (colour(data.textColor)) params.set('textColor', textColor);

  const host = document.createElement('div');
  host.setAttribute('data-gw1022', 'widget');
  const shadow = host.attachShadow({ mode: 'open' });
  const side = position === 'left' ? 'left' : 'right';
  const style = document.createElement('style');
  style.textContent = `
    :host { all: initial; }
    .launcher { position: fixed; bottom: 20px; ${side}: 20px; width: 60px; height: 60px; border-radius: 50%; border: 0; cursor: pointer;
      background: ${color}; color: ${textColor}; box-shadow: 0 4px 14px rgba(0,0,0,.3); z-index: 2147483000; display: flex; align-items: center; justify-content: center; }
    .launcher:focus-visible { outline: 3px solid #ffd600; outline-offset: 2px; }
    .badge { position: absolute; top: -3px; right: -3px; min-width: 20px; height: 20px; padding: 0 5px; border-radius: 10px; background: #ffd600; color: #111;
      font: bold 12px/20px system-ui, sans-serif; text-align: center; }
    .panel { position: fixed; bottom: 92px; ${side}: 20px; width: 370px; height: 560px; max-height: calc(100vh - 112px); border-radius: 14px; overflow: hidden;
      box-shadow: 0 8px 30px rgba(0,0,0,.25); z-index: 2147483000; background: #fff; display: none; }
    .panel.open { display: block; }
    iframe { border: 0; width: 100%; height: 100%; display: block; }
    /* A phone, or a desktop zoomed to 200-400%: the panel takes the whole view and the launcher
       steps aside while it is open, so it never covers Send (the frame has its own close). */
    @media (max-width: 480px), (max-height: 500px) {
      .panel { top: 0; bottom: 0; left: 0; right: 0; width: 100%; height: 100%; max-height: none; border-radius: 0; }
      .panel.open ~ .launcher { display: none; }
    }
  `;
  const launcher = document.createElement('button');
  launcher.className = 'launcher';
  launcher.type = 'button';
  launcher.setAttribute('aria-label', data.title ? config.label.replace(config.title, data.title) : config.label);
  launcher.setAttribute('aria-expanded', 'false');
  launcher.innerHTML =
    '<svg width="28" height="28" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-4 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z"/></svg>';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  // The count is said in the label (below), not read out as the button's text.
  badge.setAttribute('aria-hidden', 'true');
  launcher.appendChild(badge);

  const panel = document.createElement('div');
  panel.className = 'panel';
  shadow.append(style, panel, launcher);

  // The frame (its page, script and socket) is loaded on the first open, or at once for a
  // visitor who already has a conversation here, so answers that came meanwhile are counted.
  const activeKey = `gw1022:webchat:${config.prefix}:active`;
  const remembered = (() => {
    try {
      return localStorage.getItem(activeKey) === '1';
    } catch {
      return false;
    }
  })();
  let frame: HTMLIFrameElement | null = null;
  function loadFrame(): HTMLIFrameElement {
    if (frame) return frame;
    frame = document.createElement('iframe');
    frame.title = data.title ?? config.title;
    frame.src = `${gateway}${config.prefix}/frame?${params.toString()}`;
    frame.setAttribute('allow', 'clipboard-write');
    panel.appendChild(frame);
    return frame;
  }

  let open = false;
  const post = (message: HostMessage) => frame?.contentWindow?.postMessage(message, gateway);
  function toggle(next: boolean): void {
    if (next) loadFrame();
    const closing = open && !next;
    open = next;
    panel.classList.toggle('open', open);
    launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      badge.hidden = true;
      badge.textContent = '';
    }
    post({ gw1022: 'host', type: 'visible', value: open });
    // Focus left in a hidden frame is lost to the keyboard: it comes back to the launcher.
    if (closing) launcher.focus();
  }
  launcher.addEventListener('click', () => toggle(!open));
  window.addEventListener('message', (event: MessageEvent) => {
    if (!frame || event.origin !== gateway || event.source !== frame.contentWindow) return;
    const message = event.data as FrameMessage | null;
    if (!message || message.gw1022 !== 'frame') return;
    if (message.type === 'close') toggle(false);
    else if (message.type === 'session') {
      try {
        localStorage.setItem(activeKey, '1');
      } catch {
        // Refused storage: the frame is loaded on the first open next time too.
      }
    } else if (message.type === 'ready') post({ gw1022: 'host', type: 'visible', value: open });
    else if (message.type === 'unread' && !open) {
      badge.hidden = message.count <= 0;
      badge.textContent = message.count > 9 ? '9+' : String(message.count);
    }
  });

  const mount = () => {
    document.body.appendChild(host);
    if (data.open === 'true') toggle(true);
    else if (remembered) loadFrame();
  };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
