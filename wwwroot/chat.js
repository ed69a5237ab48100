// The page: room from the URL hash, the live list, the connection indicator, the message form.
// Message text only ever goes through textContent: it is never parsed as HTML, never linkified.
import { follow, send } from './feed.js';

const ROOM = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SHOWN = 1000;    // older items leave the DOM so a page left open for days stays light
const NEAR_BOTTOM = 48;    // px: within this the reader is "at the newest" and the list follows
const STATES = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline, retrying' };

const $ = id => document.getElementById(id);
const list = $('messages');
const jump = $('jump');
const status = $('status');
const field = $('message');
const sendError = $('send-error');
const roomInput = $('room-input');

let current = null;        // { room, controller }: the room followed now; abort() leaves it

function roomFromHash() {
  const room = new URLSearchParams(location.hash.slice(1)).get('room');
  return room && ROOM.test(room) ? room : 'chat';
}

function open(room) {
  if (current?.room === room) return;
  current?.controller.abort();
  const controller = new AbortController();
  current = { room, controller };
  list.replaceChildren();
  list.setAttribute('aria-busy', 'true');  // screen readers skip the history batch, then hear new ones
  jump.hidden = true;
  roomInput.value = room;
  $('room-title').textContent = `#${room}`;
  document.title = `#${room} · Chat`;
  setState('connecting');
  // A callback that comes after leaving the room must not touch the next room's list.
  const live = fn => (...args) => { if (!controller.signal.aborted) fn(...args); };
  follow(room, {
    messages: live(show),
    caughtUp: live(() => list.removeAttribute('aria-busy')),
    state: live(setState),
    reset: live(() => list.replaceChildren()),
  }, controller.signal);
}

function setState(state) {
  status.dataset.state = state;
  status.textContent = STATES[state];
}

const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM;

function show(messages) {
  const stick = atBottom() || list.childElementCount === 0;
  const items = messages.map(({ index, text }) => {
    const item = document.createElement('li');
    item.dataset.index = index;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    item.append(body);
    return item;
  });
  list.append(...items);
  while (list.childElementCount > MAX_SHOWN) list.firstElementChild.remove();
  // Follow the newest only if the reader was already there: never yank someone reading history.
  if (stick) list.scrollTop = list.scrollHeight;
  else jump.hidden = false;
}

jump.addEventListener('click', () => {
  list.scrollTop = list.scrollHeight;
  jump.hidden = true;
  field.focus();
});
list.addEventListener('scroll', () => { if (atBottom()) jump.hidden = true; }, { passive: true });

// Enter sends, Shift+Enter breaks the line; not while an input method is composing a character.
field.addEventListener('keydown', event => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('send-form').requestSubmit();
  }
});

$('send-form').addEventListener('submit', event => {
  event.preventDefault();
  const text = field.value;
  if (!text.trim()) return;  // empty or blank: nothing to send
  field.value = '';          // cleared at once, as the seed client does; the list shows it when stored
  sendError.textContent = '';
  const { room } = current;
  send(room, text).catch(error => {
    sendError.textContent = `#${room}: ${error.message}`;
    if (current.room === room && !field.value) field.value = text;  // give the text back, not lost
  });
});

$('room-form').addEventListener('submit', event => {
  event.preventDefault();
  const room = roomInput.value.trim();
  if (ROOM.test(room)) location.hash = `room=${room}`;  // hashchange opens it; Back returns
});

window.addEventListener('hashchange', () => open(roomFromHash()));
open(roomFromHash());
