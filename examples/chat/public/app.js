// The chat page: plain browser JavaScript, no build step. It talks to Respite's gateway over
// its WebSocket JSON protocol: SUBSCRIBE to the room's channel, PUBLISH chat messages, and
// reconnect (re-subscribing) whenever the connection drops, e.g. when the server restarts.
/* global document, WebSocket, CHAT_CONFIG */
'use strict';

const cfg = CHAT_CONFIG;
const $ = (id) => document.getElementById(id);
let ws = null;
let nextId = 1;
let me = '';
let room = '';

function channel(r) {
  return `chat:${r}`;
}

function setStatus(text) {
  $('status').textContent = text;
  $('status').className = `status ${text}`;
}

function send(cmd) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ cmd, id: nextId++ }));
}

function show(cls, user, text) {
  const li = document.createElement('li');
  li.className = cls;
  if (user) {
    li.dataset.user = user;
    const b = document.createElement('span');
    b.className = 'user';
    b.textContent = user;
    li.append(b);
  }
  li.append(document.createTextNode(text));
  $('messages').append(li);
  li.scrollIntoView();
}

function onPush(push) {
  // ["message", channel, payload]: payloads are JSON documents of this chat's services.
  if (push[0] !== 'message' || push[1] !== channel(room)) return;
  let m;
  try {
    m = JSON.parse(push[2]);
  } catch {
    return;
  }
  if (m.type === 'join') show('join', '', `${m.user} ${m.again ? 'is back in' : 'joined'} ${room}`);
  else if (m.type === 'msg') show(m.service ? 'msg service' : 'msg', m.user, m.text);
}

function announce(again) {
  send(['PUBLISH', channel(room), JSON.stringify({ type: 'join', user: me, again })]);
}

function connect() {
  const q = `user=${encodeURIComponent(cfg.user)}&token=${encodeURIComponent(cfg.token)}`;
  ws = new WebSocket(`${cfg.gateway}/ws?${q}`);
  ws.onopen = () => {
    setStatus('connected');
    // Pub/Sub is fire-and-forget: after a reconnection, subscribe again.
    if (room) {
      send(['SUBSCRIBE', channel(room)]);
      announce(true);
    }
  };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.push) onPush(m.push);
    else if (m.error) show('error', '', m.error);
  };
  ws.onclose = () => {
    setStatus('reconnecting');
    setTimeout(connect, 500);
  };
}

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const next = $('room').value.trim();
  me = $('name').value.trim();
  if (!next || !me) return;
  if (room && room !== next) send(['UNSUBSCRIBE', channel(room)]);
  room = next;
  $('messages').replaceChildren();
  $('room-title').textContent = `Room ${room}`;
  send(['SUBSCRIBE', channel(room)]);
  announce(false);
  $('text').disabled = false;
  $('send').disabled = false;
  $('text').focus();
});

$('send-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text || !room) return;
  send(['PUBLISH', channel(room), JSON.stringify({ type: 'msg', user: me, text })]);
  $('text').value = '';
});

connect();
