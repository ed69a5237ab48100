// The page: the rooms joined (with unread counts), the open room from the URL hash, its live list (older history on
// scrolling up), the connection indicator, who is here, the message form.
// Message text and names only ever go through textContent: never parsed as HTML, never linkified.
// A moderator's removal is an entry of its own (`removes: N`): it is not shown, it turns message N into a short
// "message removed" note in its place; a message removed before it was read (`removedBy`) shows as the same note.
import { followShared, older, send, watchHere } from './feed.js';

const ROOM = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SHOWN = 1000;    // older items leave the DOM so a page left open for days stays light
const NEAR_BOTTOM = 48;    // px: within this the reader is "at the newest" and the list follows
const STATES = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', offline: 'Offline, retrying', denied: 'No access' };
const GROUP_MS = 5 * 60_000;  // one author's messages within this of each other show under one name
const NAME_KEY = 'chat.name'; // the name, remembered in this browser
const ROOMS_KEY = 'chat.rooms';  // the rooms joined, in this browser
const SEEN_KEY = 'chat.seen';    // per room, the next index the person has seen there
const OLDER_AT = 80;          // px from the top: scrolling back this far loads older messages

const $ = id => document.getElementById(id);
const list = $('messages');
const jump = $('jump');
const status = $('status');
const field = $('message');
const sendError = $('send-error');
const roomInput = $('room-input');
const nameInput = $('name-input');
const here = $('here');
const roomList = $('room-list');
const roomsToggle = $('rooms-toggle');
const access = $('access');
const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const day = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

let current = null;        // { room, controller, mine }: the room followed now; abort() leaves it; mine: indexes sent here
let myName = localStorage.getItem(NAME_KEY) ?? '';
let joined = stored(ROOMS_KEY, []).filter(room => ROOM.test(room));
let seen = stored(SEEN_KEY, {});
const counts = {};         // per joined room, its next index as last heard
const removals = {};       // per room, the indexes of removal entries heard at or after `seen`: not unread messages
const REMOVED = 'message removed';

/** A moderator's removal of another message: an entry in the log, not a message to show or count. */
const isRemoval = entry => entry.removes !== undefined && entry.removes !== null;

function heardRemovals(room, entries) {
  for (const entry of entries) if (isRemoval(entry)) (removals[room] ??= new Set()).add(entry.index);
}

function stored(key, empty) {
  try { return JSON.parse(localStorage.getItem(key)) ?? empty; } catch { return empty; }
}

// The room and, for a protected one, its token: both in the fragment (#room=team-a&token=...), which never reaches a
// server's log.
function fromHash() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const room = hash.get('room');
  return { room: room && ROOM.test(room) ? room : 'chat', token: hash.get('token') ?? '' };
}

function open({ room, token }, again = false) {
  if (!again && current?.room === room && current.token === token) return;
  current?.controller.abort();
  const controller = new AbortController();
  if (!joined.includes(room)) saveRooms([...joined, room]);
  // The first unread message gets a divider once the history is shown; a room never opened here has none.
  // oldest: the lowest index the list has been given (a removal entry shows nothing, so the list alone cannot say);
  // olderDone: scrolling back reached the start of what the room keeps.
  current = { room, token, controller, mine: new Set(), dividerAt: seen[room], caughtUp: false, loadingOlder: false,
    oldest: null, olderDone: false };
  document.body.classList.remove('rooms-open');
  access.textContent = '';
  list.replaceChildren();
  list.setAttribute('aria-busy', 'true');  // screen readers skip the history batch, then hear new ones
  jump.hidden = true;
  roomInput.value = room;
  $('room-title').textContent = `#${room}`;
  showRooms();
  setState('connecting');
  showHere({ count: 0, names: [] });
  // A callback that comes after leaving the room must not touch the next room's list.
  const live = fn => (...args) => { if (!controller.signal.aborted) fn(...args); };
  followShared(room, {
    messages: live(show),
    caughtUp: live(() => { list.removeAttribute('aria-busy'); current.caughtUp = true; markDivider(); markSeen(); showRooms(); }),
    counts: live((other, next, entries = []) => { heardRemovals(other, entries); counted(other, next); showRooms(); }),
    state: live(setState),
    reset: live(() => { list.replaceChildren(); Object.assign(current, { oldest: null, olderDone: false }); }),
    denied: live(message => { access.textContent = message; list.removeAttribute('aria-busy'); }),
  }, controller.signal, token, joined.filter(other => other !== room));
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
  const live = current.caughtUp;
  const stick = atBottom() || list.childElementCount === 0;
  let added = 0;
  for (const message of messages) {  // in order: a removal finds its message shown, even from the same batch
    if (isRemoval(message)) { takeAway(message.removes, message.index); continue; }
    list.append(render(message, list.lastElementChild));
    added++;
  }
  current.oldest = Math.min(current.oldest ?? Infinity, messages[0].index);
  if (list.childElementCount > MAX_SHOWN) {
    while (list.childElementCount > MAX_SHOWN) list.firstElementChild.remove();
    // Scrolling back reads them again.
    Object.assign(current, { oldest: Number(list.querySelector('li[data-index]')?.dataset.index ?? current.oldest), olderDone: false });
  }
  // Follow the newest only if the reader was already there: never yank someone reading history.
  if (stick) list.scrollTop = list.scrollHeight;
  else if (added) jump.hidden = false;
  heardRemovals(current.room, messages);
  counted(current.room, messages.at(-1).index + 1);
  if (live) { markSeen(); messages.filter(m => !isRemoval(m) && mentionsMe(m)).forEach(notify); }
  showRooms();
}

/** Message `index`, removed by entry `by`: its item, if shown, becomes the note in its place. */
function takeAway(index, by) {
  const item = list.querySelector(`li[data-index="${index}"]`);
  if (!item || item.classList.contains('removed')) return;
  const next = item.nextElementSibling;
  item.replaceWith(render({ index, text: '', author: null, time: item.dataset.time ?? null, removedBy: by }, null));
  // The message after it went under the removed one's name: it shows its own now.
  if (next?.classList.contains('continued')) {
    next.classList.remove('continued');
    next.prepend(authorOf(next.dataset.author || null));
  }
}

/** The rooms joined, as a list with each one's unread count (the open one marked), and the total in the title, so a
 *  person sees it from another tab, and on the drawer's button on a phone. */
function showRooms() {
  roomList.replaceChildren(...joined.map(room => {
    const item = document.createElement('li');
    item.dataset.room = room;
    if (room === current?.room) item.setAttribute('aria-current', 'true');
    const link = document.createElement('a');
    link.href = `#room=${room}`;
    link.textContent = `#${room}`;
    const count = unread(room);
    const badge = document.createElement('span');
    badge.className = 'unread';
    badge.textContent = count > 0 ? String(count) : '';
    badge.title = `${count} unread`;
    const leave = document.createElement('button');
    leave.type = 'button';
    leave.className = 'leave';
    leave.textContent = '×';
    leave.title = `Leave #${room}`;
    leave.setAttribute('aria-label', `Leave #${room}`);
    leave.addEventListener('click', () => leaveRoom(room));
    item.append(link, badge, leave);
    return item;
  }));
  const total = joined.reduce((sum, room) => sum + unread(room), 0);
  document.title = `${total > 0 ? `(${total}) ` : ''}#${current.room} · Chat`;
  roomsToggle.textContent = total > 0 ? `Rooms (${total})` : 'Rooms';
}

/** Entries after the last seen, less the removal entries among them (a removal is not something to read). */
function unread(room) {
  const next = counts[room] ?? 0;
  const from = seen[room] ?? next;
  let count = next - from;
  for (const index of removals[room] ?? []) if (index >= from && index < next) count--;
  return Math.max(0, count);
}

/** A room's next index as last heard (a room first heard of here starts with nothing unread). */
function counted(room, next) {
  counts[room] = Math.max(counts[room] ?? 0, next);
  if (seen[room] === undefined) setSeen(room, next);
}

function setSeen(room, next) {
  seen = { ...stored(SEEN_KEY, {}), [room]: next };
  localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
  for (const index of removals[room] ?? []) if (index < next) removals[room].delete(index);  // seen: no longer needed
}

/** The open room is read up to its end while the person can see it. */
function markSeen() {
  if (document.visibilityState !== 'visible' || !current?.caughtUp || counts[current.room] === undefined) return;
  if ((seen[current.room] ?? 0) < counts[current.room]) setSeen(current.room, counts[current.room]);
}

/** "new" above the first message that was unread when the room was opened. */
function markDivider() {
  const at = current.dividerAt;
  const first = [...list.querySelectorAll('li[data-index]')].find(item => Number(item.dataset.index) >= at);
  if (at === undefined || !first) return;
  const divider = document.createElement('li');
  divider.className = 'divider';
  divider.setAttribute('role', 'separator');
  divider.textContent = 'new';
  list.insertBefore(divider, first);
}

function saveRooms(rooms) {
  joined = rooms;
  localStorage.setItem(ROOMS_KEY, JSON.stringify(rooms));
}

function leaveRoom(room) {
  saveRooms(joined.filter(other => other !== room));
  if (room === current.room) location.hash = `room=${joined[0] ?? 'chat'}`;
  else open(current, true);  // follow the rooms left
}

/** A message that names the person (not their own). */
const mentionsMe = ({ text, author }) =>
  Boolean(myName) && author !== myName && new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escapeRegExp(myName)}($|[^\\p{L}\\p{N}_])`, 'iu').test(text);

const escapeRegExp = text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Shown as a notification when the tab is hidden and the person allowed it. */
function notify({ text, author }) {
  if (document.visibilityState === 'visible' || !('Notification' in window) || Notification.permission !== 'granted') return;
  new Notification(`${author ?? 'someone'} in #${current.room}`, { body: text, tag: `chat-${current.room}` });
}

/** Older messages, a page at a time, while the reader scrolls up, down to the first the room keeps; the reader's
 *  place is kept. */
async function loadOlder() {
  const c = current;
  const before = c.oldest ?? 0;
  if (!c.caughtUp || c.loadingOlder || c.olderDone || before === 0) return;
  c.loadingOlder = true;
  try {
    const messages = await older(c.room, before, c.controller.signal, c.token);
    if (c !== current) return;
    if (!messages.length) { c.olderDone = true; return; }  // the room's start, or the first index it keeps
    c.oldest = messages[0].index;
    const height = list.scrollHeight;
    let previous = null;
    list.prepend(...messages.filter(m => !isRemoval(m)).map(message => (previous = render(message, previous))));
    for (const m of messages.filter(isRemoval)) takeAway(m.removes, m.index);
    list.scrollTop += list.scrollHeight - height;
  } catch { /* the next scroll asks again */ } finally {
    c.loadingOlder = false;
  }
}

/** One message: who (unless the one before is theirs and recent), when (local time), the text. A message sent
 *  from this tab is marked as mine. A removed one (`removedBy`) is only a note that it was there, and when. */
function render({ index, text, author, time, removedBy }, previous) {
  const item = document.createElement('li');
  item.dataset.index = index;
  if (time) item.dataset.time = time;
  if (removedBy !== undefined && removedBy !== null) {
    item.classList.add('removed');
    const note = document.createElement('span');
    note.className = 'note';
    note.textContent = REMOVED;
    item.append(note, ...when(time));
    return item;
  }
  item.dataset.author = author ?? '';
  if (current.mine.has(index)) item.classList.add('mine');
  if (mentionsMe({ text, author })) item.classList.add('mention');
  const sameAuthor = previous && previous.dataset.author === item.dataset.author
    && (!time || !previous.dataset.time || Date.parse(time) - Date.parse(previous.dataset.time) < GROUP_MS);
  if (sameAuthor) item.classList.add('continued');
  else item.append(authorOf(author));
  item.append(...when(time));
  const body = document.createElement('span');
  body.className = 'text';
  body.textContent = text;
  item.append(body);
  return item;
}

/** The name above a message (or "anonymous"). */
function authorOf(author) {
  const who = document.createElement('span');
  who.className = 'author';
  who.textContent = author ?? 'anonymous';
  if (!author) who.classList.add('anonymous');
  return who;
}

/** When a message was posted, in local time (the date on hover); nothing for a message stored without a time. */
function when(time) {
  if (!time) return [];
  const element = document.createElement('time');
  element.dateTime = time;
  element.textContent = clock.format(new Date(time));
  element.title = day.format(new Date(time));
  return [element];
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
list.addEventListener('scroll', () => {
  if (atBottom()) jump.hidden = true;
  if (list.scrollTop < OLDER_AT) loadOlder();
}, { passive: true });
document.addEventListener('visibilitychange', () => { markSeen(); showRooms(); });
// Another tab read a room or joined one: the counts here follow.
window.addEventListener('storage', event => {
  if (event.key === SEEN_KEY) seen = stored(SEEN_KEY, {});
  if (event.key === ROOMS_KEY) joined = stored(ROOMS_KEY, []).filter(room => ROOM.test(room));
  showRooms();
});
roomsToggle.addEventListener('click', () => {
  const opened = document.body.classList.toggle('rooms-open');
  roomsToggle.setAttribute('aria-expanded', String(opened));
});

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
  // Mentions of the name become notifications while the tab is hidden, if the person allows them (asked once, here).
  if (myName && 'Notification' in window && Notification.permission === 'default') Notification.requestPermission().catch(() => {});
  nameInput.value = myName;
  field.focus();
});
if (!myName) nameInput.focus();

window.addEventListener('hashchange', () => open(fromHash()));
open(fromHash());
