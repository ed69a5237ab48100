// The page: room from the URL hash, the live list, the connection indicator, who is here, the message form.
// Message text and names only ever go through textContent: never parsed as HTML, never linkified.
import { followShared, send, watchHere } from './feed.js';

const ROOM = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SHOWN = 1000;    // older items leave the DOM so a page left open for days stays light
const NEAR_BOTTOM = 48;    // px: within this the reader is "at the newest" and the list follows
const STATES = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline, retrying', denied: 'No access' };
const GROUP_MS = 5 * 60_000;  // one author's messages within this of each other show under one name
const NAME_KEY = 'chat.name'; // the name, remembered in this browser

const $ = id => document.getElementById(id);
const list = $('messages');
const jump = $('jump');
const status = $('status');
const field = $('message');
const sendError = $('send-error');
const roomInput = $('room-input');
const nameInput = $('name-input');
const here = $('here');
const access = $('access');
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

let current = null;        // { room, controller, mine }: the room followed now; abort() leaves it; mine: indexes sent here
let myName = localStorage.getItem(NAME_KEY) ?? '';

// The room and, for a protected one, its token: both in the fragment (#room=team-a&token=...), which never reaches a
// server's log.
function fromHash() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const room = hash.get('room');
  return { room: room && ROOM.test(room) ? room : 'chat', token: hash.get('token') ?? '' };
}

function open({ room, token }) {
  if (current?.room === room && current.token === token) return;
  current?.controller.abort();
  const controller = new AbortController();
  current = { room, token, controller, mine: new Set() };
  access.textContent = '';
  list.replaceChildren();
  list.setAttribute('aria-busy', 'true');  // screen readers skip the history batch, then hear new ones
  jump.hidden = true;
  roomInput.value = room;
  $('room-title').textContent = `#${room}`;
  document.title = `#${room} · Chat`;
  setState('connecting');
  showHere({ count: 0, names: [] });
  // A callback that comes after leaving the room must not touch the next room's list.
  const live = fn => (...args) => { if (!controller.signal.aborted) fn(...args); };
  followShared(room, {
    messages: live(show),
    caughtUp: live(() => list.removeAttribute('aria-busy')),
    state: live(setState),
    reset: live(() => list.replaceChildren()),
    denied: live(message => { access.textContent = message; list.removeAttribute('aria-busy'); }),
  }, controller.signal, token);
  watchHere(room, live(showHere), controller.signal, token);
}

function showHere({ count, names }) {
  here.textContent = count === 1 ? '1 here' : `${count} here`;
  if (names.length) here.textContent += `: ${names.join(', ')}`;
}

function setState(state) {
  status.dataset.state = state;
  status.textContent = STATES[state];
}

const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM;

function show(messages) {
  const stick = atBottom() || list.childElementCount === 0;
  let previous = list.lastElementChild;
  const items = messages.map(message => {
    const item = render(message, previous);
    previous = item;
    return item;
  });
  list.append(...items);
  while (list.childElementCount > MAX_SHOWN) list.firstElementChild.remove();
  // Follow the newest only if the reader was already there: never yank someone reading history.
  if (stick) list.scrollTop = list.scrollHeight;
  else jump.hidden = false;
}

/** One message: who (unless the one before is theirs and recent), when (local time), the text. A message sent
 *  from this tab is marked as mine. */
function render({ index, text, author, time }, previous) {
  const item = document.createElement('li');
  item.dataset.index = index;
  item.dataset.author = author ?? '';
  if (time) item.dataset.time = time;
  if (current.mine.has(index)) item.classList.add('mine');
  const sameAuthor = previous && previous.dataset.author === item.dataset.author
    && (!time || !previous.dataset.time || Date.parse(time) - Date.parse(previous.dataset.time) < GROUP_MS);
  if (sameAuthor) item.classList.add('continued');
  else {
    const who = document.createElement('span');
    who.className = 'author';
    who.textContent = author ?? 'anonymous';
    if (!author) who.classList.add('anonymous');
    item.append(who);
  }
  if (time) {
    const when = document.createElement('time');
    when.dateTime = time;
    when.textContent = clock.format(new Date(time));
    when.title = day.format(new Date(time));
    item.append(when);
  }
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.append(body);
  return item;
}

/** A message this tab sent: marked when shown, or now if the list already shows it. */
function markMine(room, index) {
  if (current.room !== room) return;
  current.mine.add(index);
  list.querySelector(`li[data-index="${index}"]`)?.classList.add('mine');
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
  const { room, token } = current;
  send(room, text, myName, token).then(index => markMine(room, index)).catch(error => {
    sendError.textContent = `#${room}: ${error.message}`;
    if (current.room === room && !field.value) field.value = text;  // give the text back, not lost
  });
});

$('room-form').addEventListener('submit', event => {
  event.preventDefault();
  const room = roomInput.value.trim();
  if (ROOM.test(room)) location.hash = `room=${room}`;  // hashchange opens it (without a token); Back returns
});

// The name: asked for once (the field is empty and says so), remembered in localStorage, changeable at any time.
nameInput.value = myName;
$('name-form').addEventListener('submit', event => {
  event.preventDefault();
  myName = nameInput.value.trim();
  if (myName) localStorage.setItem(NAME_KEY, myName); else localStorage.removeItem(NAME_KEY);
  nameInput.value = myName;
  field.focus();
});
if (!myName) nameInput.focus();

window.addEventListener('hashchange', () => open(fromHash()));
open(fromHash());
