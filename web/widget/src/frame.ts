// The chat panel inside the gateway's iframe. Every message carries the store's id: the panel
// remembers the highest one it shows and, after any disconnect, says it in its hello; the
// server sends what came after it, then live messages. Messages are shown once by id.
// Everything from the server is written as text (textContent), never as HTML.
import type { ClientFrame, FrameConfig, HoursInfo, ServerFrame, WireMessage } from '../../../src/channels/webchat/types.ts';
import type { FrameMessage, HostMessage } from './messages.ts';

interface Saved {
  token?: string;
  /** The pre-chat form was answered or skipped. */
  introduced?: boolean;
  profile?: { name: string; phone?: string; email?: string };
}

(function () {
  const config = JSON.parse(document.body.getAttribute('data-config') ?? '{}') as FrameConfig;
  const text = (key: string, params: Record<string, string | number> = {}) =>
    (config.strings[key] ?? key).replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const log = $<HTMLElement>('log');
  const status = $<HTMLElement>('status');
  const notice = $<HTMLElement>('notice');
  const typing = $<HTMLElement>('typing');
  const composer = $<HTMLFormElement>('composer');
  const input = $<HTMLTextAreaElement>('text');
  const fileInput = $<HTMLInputElement>('file');
  const prechat = $<HTMLFormElement>('prechat');
  const embedded = window.parent !== window;
  // The inbox's colours (validated by the server) for the style sheet, which is a file of its own.
  document.documentElement.style.setProperty('--brand', config.color);
  document.documentElement.style.setProperty('--brand-text', config.textColor);

  // Larger text and high contrast, remembered for the gateway's origin: the web form reads the
  // same switches.
  const prefsKey = 'gw1022:prefs';
  const prefs = (() => {
    try {
      return JSON.parse(localStorage.getItem(prefsKey) ?? '{}') as { large?: boolean; contrast?: boolean };
    } catch {
      return {};
    }
  })();
  const switchButton = (id: string, name: 'large' | 'contrast') => {
    const button = $<HTMLButtonElement>(id);
    const apply = () => {
      document.documentElement.classList.toggle(name, prefs[name] === true);
      button.setAttribute('aria-pressed', String(prefs[name] === true));
    };
    apply();
    button.addEventListener('click', () => {
      prefs[name] = !prefs[name];
      apply();
      try {
        localStorage.setItem(prefsKey, JSON.stringify(prefs));
      } catch {
        // Refused storage: the switch holds for this page view.
      }
    });
  };
  switchButton('bigger', 'large');
  switchButton('contrast', 'contrast');

  const storageKey = `gw1022:webchat:${config.prefix}`;
  const load = (): Saved => {
    try {
      return JSON.parse(localStorage.getItem(storageKey) ?? '{}') as Saved;
    } catch {
      return {};
    }
  };
  let saved = load();
  const save = (change: Partial<Saved>) => {
    saved = { ...saved, ...change };
    try {
      localStorage.setItem(storageKey, JSON.stringify(saved));
    } catch {
      // Storage may be refused (private mode): the chat still works for this page view.
    }
  };

  const shown = new Map<number, HTMLElement>();
  /** Messages typed but not yet acknowledged, by client id, in the order typed. */
  const pending = new Map<string, { text: string; el: HTMLElement; payload?: string }>();
  let lastId = 0;
  let lastAgentId = 0;
  let seenSent = 0;
  let unread = 0;
  let visible = !embedded;
  let socket: WebSocket | null = null;
  let ready = false;
  let attempt = 0;
  let reconnectTimer: number | undefined;
  let lastFrameAt = Date.now();
  let typingOn = false;
  let typingTimer: number | undefined;
  let hideTypingTimer: number | undefined;

  const toHost = (message: FrameMessage) => {
    if (embedded) window.parent.postMessage(message, config.host);
  };
  const newId = () => {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  };
  const scrollDown = () => {
    log.scrollTop = log.scrollHeight;
  };
  /** An answer taller than the view is shown from its first line: the end of a long answer
   * first would make the citizen scroll back to find where it starts. */
  const reveal = (el: HTMLElement) => {
    if (el.offsetHeight > log.clientHeight - 16) log.scrollTop = el.offsetTop - 8;
    else scrollDown();
  };
  const time = (iso: string) => new Date(iso).toLocaleTimeString(config.lang === 'vi' ? 'vi-VN' : 'en-GB', { hour: '2-digit', minute: '2-digit' });

  function bubble(from: string, body: string | null, message?: WireMessage): HTMLElement {
    const el = document.createElement('div');
    el.className = `msg ${from}`;
    if (from !== 'visitor') {
      const who = document.createElement('span');
      who.className = 'who';
      who.textContent = text(from === 'bot' ? 'webchat.bot' : 'webchat.agent');
      el.appendChild(who);
    }
    if (body) el.appendChild(document.createTextNode(body));
    if (message?.choices?.length) {
      // The rating question's buttons: one tap answers, then they are done.
      const row = document.createElement('div');
      row.className = 'choices';
      for (const choice of message.choices) {
        const button = document.createElement('button');
        button.type = 'button';
        button.textContent = choice.title;
        button.addEventListener('click', () => {
          for (const b of row.querySelectorAll('button')) b.disabled = true;
          submitText(choice.title, choice.payload);
        });
        row.appendChild(button);
      }
      el.appendChild(row);
    }
    for (const file of message?.attachments ?? []) {
      // Only the gateway's own file links are followed; anything else is shown as its name.
      const own = typeof file.url === 'string' && file.url.startsWith(`${config.prefix}/files/`);
      if (own && file.kind === 'image') {
        const img = document.createElement('img');
        img.src = file.url!;
        img.alt = file.name ?? '';
        img.loading = 'lazy';
        el.appendChild(img);
      } else if (own) {
        const a = document.createElement('a');
        a.href = file.url!;
        a.target = '_blank';
        a.rel = 'noopener noreferrer';
        a.textContent = file.name ?? file.kind;
        el.appendChild(document.createElement('br'));
        el.appendChild(a);
      } else {
        el.appendChild(document.createTextNode(`\n[${file.name ?? file.kind}]`));
      }
    }
    const meta = document.createElement('span');
    meta.className = 'meta';
    meta.textContent = message ? time(message.at) : text('webchat.sending');
    el.appendChild(meta);
    return el;
  }

  function render(message: WireMessage): void {
    lastId = Math.max(lastId, message.id);
    if (shown.has(message.id)) return;
    const mine = message.cid ? pending.get(message.cid) : undefined;
    const el = bubble(message.from, message.text, message);
    el.dataset.id = String(message.id);
    if (mine) {
      log.replaceChild(el, mine.el);
      pending.delete(message.cid!);
    } else {
      const existing = message.cid ? log.querySelector<HTMLElement>(`[data-cid="${message.cid}"]`) : null;
      if (existing) log.replaceChild(el, existing);
      else log.appendChild(el);
    }
    shown.set(message.id, el);
    if (message.from !== 'visitor') {
      lastAgentId = Math.max(lastAgentId, message.id);
      typing.hidden = true;
      if (!visible || document.visibilityState !== 'visible') {
        unread++;
        toHost({ gw1022: 'frame', type: 'unread', count: unread });
      }
      reveal(el);
    } else scrollDown();
    markSeen();
  }

  function markSeen(): void {
    if (!visible || document.visibilityState !== 'visible' || lastAgentId <= seenSent) return;
    if (send({ t: 'seen', id: lastAgentId })) seenSent = lastAgentId;
  }

  function showHours(hours: HoursInfo): void {
    notice.hidden = hours.open || !hours.notice;
    notice.textContent = hours.notice ?? '';
  }

  function send(frame: ClientFrame): boolean {
    if (!socket || socket.readyState !== WebSocket.OPEN || (!ready && frame.t !== 'hello')) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function flushPending(): void {
    for (const [cid, item] of pending) send({ t: 'msg', cid, text: item.text, ...(item.payload ? { payload: item.payload } : {}) });
  }

  function handle(frame: ServerFrame): void {
    switch (frame.t) {
      case 'welcome':
        ready = true;
        attempt = 0;
        save({ token: frame.token });
        if (frame.conversationId) toHost({ gw1022: 'frame', type: 'session' });
        status.textContent = '';
        showHours(frame.hours);
        if (saved.profile && !frame.conversationId) send({ t: 'profile', ...saved.profile });
        flushPending();
        markSeen();
        break;
      case 'session':
        save({ token: frame.token });
        toHost({ gw1022: 'frame', type: 'session' });
        break;
      case 'msg':
        render(frame.m);
        break;
      case 'ack': {
        const item = pending.get(frame.cid);
        if (item && !shown.has(frame.id)) {
          // Shown as stored until its copy from the server replaces it.
          item.el.dataset.cid = frame.cid;
          item.el.classList.remove('pending');
          pending.delete(frame.cid);
        }
        break;
      }
      case 'typing':
        typing.hidden = !frame.on;
        window.clearTimeout(hideTypingTimer);
        if (frame.on) hideTypingTimer = window.setTimeout(() => (typing.hidden = true), 8000);
        break;
      case 'error':
        if (frame.cid && pending.has(frame.cid)) {
          const item = pending.get(frame.cid)!;
          if (frame.code === 'too_long' || frame.code === 'bad_frame') {
            item.el.remove();
            pending.delete(frame.cid);
            input.value = item.text;
          } else {
            // Kept and sent again with the same id (stored once) after the next connect.
            item.el.querySelector('.meta')!.textContent = text('webchat.failed');
            window.setTimeout(() => send({ t: 'msg', cid: frame.cid!, text: item.text, ...(item.payload ? { payload: item.payload } : {}) }), frame.code === 'rate_limited' ? 20_000 : 3000);
          }
        }
        status.textContent = frame.message;
        break;
      case 'seen':
      case 'pong':
        break;
    }
  }

  function connect(): void {
    window.clearTimeout(reconnectTimer);
    if (socket && socket.readyState <= WebSocket.OPEN) return;
    ready = false;
    status.textContent = attempt ? text('webchat.reconnecting') : text('webchat.connecting');
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${config.prefix}/ws`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      lastFrameAt = Date.now();
      ws.send(JSON.stringify({ t: 'hello', ...(saved.token ? { token: saved.token } : {}), lastId } satisfies ClientFrame));
    };
    ws.onmessage = (event: MessageEvent) => {
      lastFrameAt = Date.now();
      try {
        handle(JSON.parse(String(event.data)) as ServerFrame);
      } catch {
        // A frame this version does not understand is skipped.
      }
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      ready = false;
      status.textContent = text('webchat.reconnecting');
      // Offline: the 'online' event reconnects; trying before it only fails.
      if (navigator.onLine === false) return;
      // Backoff with jitter, so a restarted gateway is not met by every visitor at once.
      const delay = Math.min(30_000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
      attempt = Math.min(attempt + 1, 10);
      reconnectTimer = window.setTimeout(connect, delay);
    };
  }

  // Heartbeat: a socket silent for too long is dead even if the browser has not noticed.
  window.setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    if (Date.now() - lastFrameAt > 45_000) socket.close();
    else send({ t: 'ping' });
  }, 20_000);
  window.addEventListener('online', () => {
    attempt = 0;
    if (!socket) connect();
  });
  window.addEventListener('offline', () => socket?.close());
  document.addEventListener('visibilitychange', markSeen);

  function submitText(body: string, payload?: string): void {
    const cid = newId();
    const el = bubble('visitor', body);
    el.classList.add('pending');
    log.appendChild(el);
    pending.set(cid, { text: body, el, ...(payload ? { payload } : {}) });
    scrollDown();
    if (!socket) connect();
    send({ t: 'msg', cid, text: body, ...(payload ? { payload } : {}) });
  }

  composer.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    if (body.length > config.maxTextLength) {
      status.textContent = text('webchat.error.tooLong', { max: config.maxTextLength });
      return;
    }
    input.value = '';
    input.style.height = '';
    submitText(body);
    if (typingOn) {
      typingOn = false;
      send({ t: 'typing', on: false });
    }
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener('input', () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
    if (!typingOn && input.value) {
      typingOn = true;
      send({ t: 'typing', on: true });
    }
    window.clearTimeout(typingTimer);
    typingTimer = window.setTimeout(() => {
      if (typingOn) send({ t: 'typing', on: false });
      typingOn = false;
    }, 4000);
  });

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (!file) return;
    if (file.size > config.maxAttachmentBytes) {
      status.textContent = text('webchat.error.file', { reason: text('webchat.error.fileTooLarge', { max: Math.floor(config.maxAttachmentBytes / 1048576) }) });
      return;
    }
    const upload = () => {
      if (!saved.token) {
        window.setTimeout(upload, 500);
        if (!socket) connect();
        return;
      }
      const cid = newId();
      const el = bubble('visitor', file.name);
      el.classList.add('pending');
      el.dataset.cid = cid;
      log.appendChild(el);
      scrollDown();
      fetch(`${config.prefix}/upload?cid=${cid}&name=${encodeURIComponent(file.name.slice(0, 200))}`, {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream', 'x-webchat-token': saved.token },
        body: file,
      })
        .then((response) => response.json().then((body: { token?: string; details?: { messages?: Record<string, string> }; message?: string }) => ({ ok: response.ok, body })))
        .then(({ ok, body }) => {
          if (ok && body.token) save({ token: body.token });
          else {
            el.remove();
            status.textContent = body.details?.messages?.[config.lang] ?? body.message ?? text('webchat.failed');
          }
        })
        .catch(() => {
          el.remove();
          status.textContent = text('webchat.failed');
        });
    };
    upload();
  });

  $<HTMLButtonElement>('close').addEventListener('click', () => toHost({ gw1022: 'frame', type: 'close' }));
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !event.isComposing) toHost({ gw1022: 'frame', type: 'close' });
  });
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== window.parent || event.origin !== config.host) return;
    const message = event.data as HostMessage | null;
    if (!message || message.gw1022 !== 'host' || message.type !== 'visible') return;
    visible = message.value;
    if (visible) {
      unread = 0;
      if (!socket) connect();
      if (!prechat.hidden) ($<HTMLInputElement>('pc-name')).focus();
      else input.focus();
      markSeen();
    }
  });

  // The pre-chat form, once per visitor (answered or skipped).
  const introduce = !saved.introduced && !saved.token && config.preChatForm !== 'off';
  if (introduce) {
    prechat.hidden = false;
    log.hidden = true;
    composer.hidden = true;
  }
  const finishIntro = (profile?: Saved['profile']) => {
    save({ introduced: true, ...(profile ? { profile } : {}) });
    if (profile) send({ t: 'profile', ...profile });
    prechat.hidden = true;
    log.hidden = false;
    composer.hidden = false;
    input.focus();
  };
  prechat.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (prechat.elements.namedItem(name) as HTMLInputElement).value.trim();
    const name = value('name');
    const phone = value('phone');
    const email = value('email');
    const phoneOk = !phone || /^\+?[0-9 .()-]{8,20}$/.test(phone);
    const emailOk = !email || /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email);
    const contactMissing = config.preChatForm === 'required' && !phone && !email;
    // Each fault is said under its own field (a screen reader reads it with the field), and the
    // first faulty field takes the focus: an elderly visitor should not hunt for what is wrong.
    const faults: Array<[field: string, key: string | null]> = [
      ['name', name ? null : 'webchat.prechat.nameMissing'],
      ['phone', !phoneOk ? 'webchat.prechat.phoneInvalid' : contactMissing ? 'webchat.prechat.contactMissing' : null],
      ['email', !emailOk ? 'webchat.prechat.emailInvalid' : null],
    ];
    let first: HTMLInputElement | null = null;
    for (const [field, key] of faults) {
      const input = $<HTMLInputElement>(`pc-${field}`);
      $<HTMLElement>(`pc-${field}-error`).textContent = key ? text(key) : '';
      if (key) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      if (key && !first) first = input;
    }
    $<HTMLElement>('pc-error').textContent = first ? text('webchat.prechat.invalid') : '';
    if (first) {
      first.focus();
      return;
    }
    finishIntro({ name, ...(phone ? { phone } : {}), ...(email ? { email } : {}) });
  });
  document.getElementById('pc-skip')?.addEventListener('click', () => finishIntro());

  // A returning visitor (or a frame opened on its own) connects at once: answers that came
  // while they were away show, and the launcher can count them.
  if (saved.token || !embedded) connect();
  toHost({ gw1022: 'frame', type: 'ready' });
})();
