// The citizen's web form: submit once (a client id makes retries safe), then show the thread,
// poll for the hotline's answer and let the citizen write back. Everything from the server is
// rendered as text.
(function () {
  'use strict';
  var root = document.documentElement;

  // Larger text and high contrast, remembered on this origin (the chat widget reads the same).
  var prefsKey = 'gw1022:prefs';
  var prefs = {};
  try { prefs = JSON.parse(localStorage.getItem(prefsKey) || '{}') || {}; } catch { prefs = {}; }
  function switchButton(id, name) {
    var button = document.getElementById(id);
    if (!button) return;
    function apply() {
      root.classList.toggle(name, prefs[name] === true);
      button.setAttribute('aria-pressed', String(prefs[name] === true));
    }
    apply();
    button.addEventListener('click', function () {
      prefs[name] = !prefs[name];
      apply();
      try { localStorage.setItem(prefsKey, JSON.stringify(prefs)); } catch { /* this page view only */ }
    });
  }
  switchButton('bigger', 'large');
  switchButton('contrast', 'contrast');

  var form = document.getElementById('webform');
  if (!form) return;
  var endpoint = form.getAttribute('data-endpoint');
  var strings = JSON.parse(form.getAttribute('data-strings') || '{}');
  var lang = root.lang === 'en' ? 'en' : 'vi';
  var status = document.getElementById('status');
  var errors = document.getElementById('errors');
  var thread = document.getElementById('thread');
  var list = document.getElementById('messages');
  var replyForm = document.getElementById('reply');
  var replyText = document.getElementById('reply-text');
  var replyStatus = document.getElementById('reply-status');
  var key = 'gw1022.webform.thread';
  var lastId = 0;
  var timer = null;
  var fields = ['name', 'phone', 'email', 'dossierCode', 'unit', 'text'];

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + '-' + Math.random().toString(36).slice(2);
  }

  // Marks one field wrong: its message under it, aria-invalid on it (the message is already in
  // its aria-describedby). Returns the field.
  function markField(name, message) {
    var input = document.getElementById(name);
    var note = document.getElementById(name + '-error');
    if (!input || !note) return null;
    input.setAttribute('aria-invalid', 'true');
    note.textContent = message;
    note.hidden = false;
    return input;
  }
  function clearFields(names) {
    names.forEach(function (name) {
      var input = document.getElementById(name);
      var note = document.getElementById(name + '-error');
      if (input) input.removeAttribute('aria-invalid');
      if (note) { note.textContent = ''; note.hidden = true; }
    });
  }
  // Shows every wrong field and puts focus on the first one, in the order of the form.
  function showErrors(list) {
    var first = null;
    var loose = [];
    list.forEach(function (item) {
      // "phone or email" belongs to both fields; its message goes under the phone.
      var name = item.field === 'contact' ? 'phone' : item.field;
      var input = markField(name, item.message);
      if (item.field === 'contact') document.getElementById('email').setAttribute('aria-invalid', 'true');
      if (!input) loose.push(item.message);
    });
    fields.forEach(function (name) {
      var input = document.getElementById(name);
      if (!first && input && input.getAttribute('aria-invalid') === 'true') first = input;
    });
    errors.textContent = loose.length ? loose.join(' ') : (first ? strings['form.fixFields'] : '');
    if (first) first.focus();
  }

  // The checks the server makes too, so an empty form is answered at once and field by field.
  function check(data) {
    var found = [];
    if (!data.name) found.push({ field: 'name', message: strings['validation.name.required'] });
    if (!data.phone && !data.email) found.push({ field: 'contact', message: strings['validation.contact.required'] });
    if (data.email && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(data.email)) found.push({ field: 'email', message: strings['validation.email.invalid'] });
    if (!data.text) found.push({ field: 'text', message: strings['validation.text.required'] });
    return found;
  }

  function render(messages) {
    messages.forEach(function (m) {
      if (m.id <= lastId) return;
      lastId = m.id;
      var div = document.createElement('div');
      div.className = 'msg ' + m.from;
      var who = document.createElement('small');
      who.textContent = (m.from === 'citizen' ? strings['form.you'] : strings['form.hotline']) + ' · ' + new Date(m.createdAt).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB');
      var body = document.createElement('div');
      body.textContent = m.text || '';
      div.appendChild(who);
      div.appendChild(body);
      list.appendChild(div);
    });
  }

  function threadUrl(saved) {
    return endpoint.replace(/\/messages$/, '') + '/conversations/' + saved.conversationId + '/messages';
  }

  // Right after the citizen writes, the bot's answer comes within a second or two: look again
  // soon, then every 10 s.
  function poll(saved, soon) {
    clearTimeout(timer);
    fetch(threadUrl(saved) + '?token=' + encodeURIComponent(saved.token) + '&after=' + lastId).then(function (r) { return r.ok ? r.json() : { messages: [] }; }).then(function (body) {
      thread.hidden = false;
      render(body.messages);
    }).catch(function () {}).then(function () {
      timer = setTimeout(function () { poll(saved); }, soon ? 1500 : 10000);
    });
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch { return null; }
  }
  function remember(body) {
    var next = { conversationId: body.conversationId, token: body.threadToken, visitorKey: body.visitorKey };
    var changed = !saved || saved.conversationId !== next.conversationId;
    saved = next;
    try { localStorage.setItem(key, JSON.stringify(saved)); } catch { /* this page view only */ }
    if (changed) { lastId = 0; list.textContent = ''; }
    poll(saved, true);
  }
  function send(url, data) {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': lang }, body: JSON.stringify(data) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); });
  }

  var saved = load();
  if (saved) poll(saved);

  var pendingId = null;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    errors.textContent = '';
    clearFields(fields);
    var data = {};
    fields.forEach(function (field) {
      var value = form.elements[field].value.trim();
      if (value) data[field] = value;
    });
    var problems = check(data);
    if (problems.length) { showErrors(problems); return; }
    pendingId = pendingId || newClientId();
    data.clientMessageId = pendingId;
    if (saved && saved.visitorKey) data.visitorKey = saved.visitorKey;
    var button = form.querySelector('button[type=submit]');
    button.disabled = true;
    status.textContent = strings['form.sending'];
    send(endpoint, data)
      .then(function (res) {
        if (!res.ok) {
          status.textContent = '';
          var found = (res.body.details && res.body.details.fields) || res.body.fields || [];
          if (found.length) showErrors(found.map(function (f) { return { field: f.field, message: f.message[lang] }; }));
          else errors.textContent = res.body.message || strings['form.failed'];
          return;
        }
        pendingId = null;
        form.elements.text.value = '';
        status.textContent = strings['form.sent'].replace('{id}', res.body.conversationId);
        remember(res.body);
      })
      .catch(function () { status.textContent = strings['form.failed']; })
      .then(function () { button.disabled = false; });
  });

  // The reply box under the thread: the thread token opens it, the visitor key signs it.
  var replyId = null;
  function reply(text) {
    clearFields(['reply-text']);
    if (!text) { markField('reply-text', strings['validation.text.required']).focus(); return; }
    if (!saved) return;
    replyId = replyId || newClientId();
    var buttons = replyForm.querySelectorAll('button');
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    replyStatus.textContent = strings['form.sending'];
    send(threadUrl(saved), { token: saved.token, visitorKey: saved.visitorKey, text: text, clientMessageId: replyId })
      .then(function (res) {
        if (!res.ok) {
          var found = (res.body.details && res.body.details.fields) || res.body.fields || [];
          replyStatus.textContent = '';
          markField('reply-text', found.length ? found[0].message[lang] : (res.body.message || strings['form.failed'])).focus();
          return;
        }
        replyId = null;
        replyText.value = '';
        replyStatus.textContent = strings['form.replySent'];
        remember(res.body);
      })
      .catch(function () { replyStatus.textContent = strings['form.failed']; })
      .then(function () { Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; }); });
  }
  replyForm.addEventListener('submit', function (event) {
    event.preventDefault();
    reply(replyText.value.trim());
  });
  document.getElementById('ask-person').addEventListener('click', function () {
    reply(strings['form.askPersonText']);
  });
})();
