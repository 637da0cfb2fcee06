// The citizen's web form: submit once (a client id makes retries safe), then show the thread
// and poll for the hotline's answer. Everything from the server is rendered as text.
(function () {
  'use strict';
  var form = document.getElementById('webform');
  if (!form) return;
  var endpoint = form.getAttribute('data-endpoint');
  var strings = JSON.parse(form.getAttribute('data-strings') || '{}');
  var status = document.getElementById('status');
  var errors = document.getElementById('errors');
  var thread = document.getElementById('thread');
  var list = document.getElementById('messages');
  var key = 'gw1022.webform.thread';
  var lastId = 0;
  var timer = null;

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + '-' + Math.random().toString(36).slice(2);
  }

  function render(messages) {
    messages.forEach(function (m) {
      if (m.id <= lastId) return;
      lastId = m.id;
      var div = document.createElement('div');
      div.className = 'msg ' + m.from;
      var who = document.createElement('small');
      who.textContent = (m.from === 'citizen' ? strings['form.you'] : strings['form.hotline']) + ' · ' + new Date(m.createdAt).toLocaleString('vi-VN');
      var body = document.createElement('div');
      body.textContent = m.text || '';
      div.appendChild(who);
      div.appendChild(body);
      list.appendChild(div);
    });
  }

  function poll(saved) {
    var url = endpoint.replace(/\/messages$/, '') + '/conversations/' + saved.conversationId + '/messages?token=' + encodeURIComponent(saved.token) + '&after=' + lastId;
    fetch(url).then(function (r) { return r.ok ? r.json() : { messages: [] }; }).then(function (body) {
      thread.hidden = false;
      render(body.messages);
    }).catch(function () {}).then(function () {
      timer = setTimeout(function () { poll(saved); }, 10000);
    });
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || 'null'); } catch { return null; }
  }

  var saved = load();
  if (saved) poll(saved);

  var pendingId = null;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    errors.textContent = '';
    var data = {};
    ['name', 'phone', 'email', 'dossierCode', 'unit', 'text'].forEach(function (field) {
      var value = form.elements[field].value.trim();
      if (value) data[field] = value;
    });
    pendingId = pendingId || newClientId();
    data.clientMessageId = pendingId;
    if (saved && saved.visitorKey) data.visitorKey = saved.visitorKey;
    var button = form.querySelector('button');
    button.disabled = true;
    status.textContent = strings['form.sending'];
    fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-language': document.documentElement.lang }, body: JSON.stringify(data) })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) {
          var lang = document.documentElement.lang === 'en' ? 'en' : 'vi';
          errors.textContent = (res.body.fields || []).map(function (f) { return f.message[lang]; }).join(' ') || res.body.message || strings['form.failed'];
          status.textContent = '';
          return;
        }
        pendingId = null;
        form.elements.text.value = '';
        status.textContent = strings['form.sent'].replace('{id}', res.body.conversationId);
        var next = { conversationId: res.body.conversationId, token: res.body.threadToken, visitorKey: res.body.visitorKey };
        var changed = !saved || saved.conversationId !== next.conversationId;
        saved = next;
        localStorage.setItem(key, JSON.stringify(saved));
        if (changed) { lastId = 0; list.textContent = ''; }
        clearTimeout(timer);
        poll(saved);
      })
      .catch(function () { status.textContent = strings['form.failed']; })
      .then(function () { button.disabled = false; });
  });
})();
