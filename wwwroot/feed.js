// The transport: follows one room over HTTP long polling and posts to it. No DOM here.
// Main path: GET /rooms/{room} for `next`, then the batch long poll /rooms/{room}/messages?from=N.
// Fallback: the seed loop over .../get/N, for a server that only speaks the seed protocol.
// Every request names this tab's client id (?client=), so the room counts the tab once among those here, and, in a
// protected room, carries the token (Authorization: Bearer).

const PAGE = 50;               // history shown on open, and the batch size of each poll
const STATUS_MS = 10_000;      // a status answer is immediate; longer means the server is not there
const POLL_MS = 65_000;        // the server answers 204 after its poll timeout (default 30 s); past this
                               // the connection is presumed dead (e.g. a proxy dropped it silently)
const OFFLINE_AFTER = 5;       // failures in a row (about 8 s of backoff) before "reconnecting" becomes "offline"
const HERE_MS = 3_000;         // how often the page asks who is here
const HERE_FIRST_MS = 500;     // …and when first, after opening a room

/** Where the service is: by default where this module was loaded from, so a page on another origin that imports it
 *  from the service (allowed by the service's `Cors:Origins`) talks to the service. */
let service = new URL('.', import.meta.url);

/** Points the module at the service at `url` (its base, e.g. `https://chat.example/` behind a path prefix). */
export function useService(url) { service = new URL(url, location.href); }

const at = path => new URL(path.replace(/^\//, ''), service).href;

/** This tab's id: one per page load, so two tabs are two people here (and one reload is one). */
export const clientId = randomKey();
const withClient = url => `${url}${url.includes('?') ? '&' : '?'}client=${clientId}`;

let batchMissing = false;      // learnt once per page: the server has no /messages route, use the seed loop

/** Exponential backoff with "equal jitter": half the delay fixed, half random, so clients
 *  that lost the same server do not all come back in the same millisecond. */
export class Backoff {
  constructor(base = 250, cap = 10_000) { Object.assign(this, { base, cap, failures: 0 }); }
  next() {
    const delay = Math.min(this.cap, this.base * 2 ** this.failures++);
    return delay / 2 + Math.random() * delay / 2;
  }
  reset() { this.failures = 0; }
}

/** The server refused the token (401) or what it allows (403): retrying with the same token cannot help. */
export class AccessError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

/** 401 and 403 as an AccessError that says, for a person, what is wrong. */
async function refused(response, token) {
  let detail = '';
  try { detail = (await response.json()).detail ?? ''; } catch { /* not problem+json */ }
  if (response.status === 403) return new AccessError(403, `Your token does not allow this room. ${detail}`.trim());
  if (!token) return new AccessError(401, 'This room needs a token: open it with a link that carries one (#room=…&token=…).');
  return new AccessError(401, /expired/i.test(detail) ? 'Your token has expired: ask for a new link.' : `Your token was refused. ${detail}`.trim());
}

/** A room's first kept index, as its status or a 410 last said: reads start there, never below (retention trimmed
 *  the rest, and a read below it would only be answered 410). A status says it as it is (a store that restarted
 *  empty starts at 0 again); a 410 only moves it up. */
const firsts = new Map();
const firstOf = room => firsts.get(room) ?? 0;
const kept = (room, first, status = false) => { if (status || first > firstOf(room)) firsts.set(room, first); };

class HttpError extends Error {
  constructor(response) {
    super(`HTTP ${response.status}`);
    this.status = response.status;
    // Retry-After (seconds) on 429/503: the server knows better than our backoff when to come back.
    this.retryAfterMs = (Number(response.headers.get('Retry-After')) || 0) * 1000;
  }
}

/** 410 Gone: the read was below the room's first kept index. The problem's `first` says where the room starts now
 *  (and `room` which, for a many-rooms poll); a 410 without it is a failure like any other. */
async function gone(response, room = null) {
  let body = null;
  try { body = await response.json(); } catch { /* not problem+json */ }
  room = body?.room ?? room;
  if (!Number.isSafeInteger(body?.first) || typeof room !== 'string') throw new HttpError(response);
  kept(room, body.first);
  return { room, first: body.first };
}

// The default room keeps the seed's own URLs, so the page also works against a seed-only server.
const base = room => (room === 'chat' ? '/chat' : `/rooms/${encodeURIComponent(room)}`);

const authorization = token => (token ? { Authorization: `Bearer ${token}` } : {});

async function get(url, signal, ms, token) {
  const response = await fetch(withClient(at(url)), {
    signal: AbortSignal.any([signal, AbortSignal.timeout(ms)]),
    cache: 'no-store',
    headers: authorization(token),
  });
  if (response.status >= 500 || response.status === 429) throw new HttpError(response);
  if (response.status === 401 || response.status === 403) throw await refused(response, token);
  return response;
}

/**
 * Follows `room` until `signal` aborts. Calls on.messages([{index, text, author, time}]) with each new batch in
 * order, every index exactly once (an entry may carry `removes: N`, a moderator's removal of message N, or
 * `removedBy: M`, a message removed by entry M, its text and author erased: both passed on as the service gives
 * them), from the room's first kept index on (retention trims below it: a 410 says where it is now, and the follow
 * goes on from there); on.caughtUp() once the history there at opening is shown;
 * on.state('live' | 'reconnecting' | 'offline' | 'denied'); on.reset() if the server lost history we had
 * shown (e.g. an in-memory store restarted), before showing it afresh; on.denied(message) when the room's token is
 * missing, refused or expired (then it stops: the same token would be refused again). `token`: for a protected room.
 */
export async function follow(room, on, signal, token = '') {
  const backoff = new Backoff();
  let next = null;        // index of the next message to show; null until the first status answer
  let synced = false;     // false after any failure: confirm the server with a quick status first
  let suspect404 = false; // the last batch poll said 404: past the end, or no such route?
  let historyEnd = null;  // the room's count when first opened: messages before it are history

  const catchUp = () => {
    if (historyEnd !== null && next >= historyEnd) { historyEnd = null; on.caughtUp(); }
  };

  // Delivers the messages at or after `next`, so a repeated answer never shows anything twice.
  const deliver = messages => {
    const fresh = messages.filter(m => m.index >= next);
    if (fresh.length) { next = fresh.at(-1).index + 1; on.messages(fresh); }
    catchUp();
  };

  const sync = async () => {
    const response = await get(`/rooms/${encodeURIComponent(room)}`, signal, STATUS_MS, token);
    if (response.status === 404) {                                     // no status route: seed server
      batchMissing = true;
      if (next === null) { next = 0; on.caughtUp(); }
      return;
    }
    if (!response.ok) throw new HttpError(response);
    const { next: count, first = 0 } = await response.json();
    kept(room, first, true);
    if (next !== null && count < next) { on.reset(); next = null; }    // the server forgot messages
    else if (suspect404) batchMissing = true;                          // `from` was valid: no batch route
    if (next === null) { next = Math.max(first, count - PAGE); historyEnd = count; catchUp(); }
    else if (next < first) { next = first; catchUp(); }              // trimmed while away: go on from where it starts
    suspect404 = false;
  };

  const pollBatch = async () => {
    const url = `/rooms/${encodeURIComponent(room)}/messages?from=${next}&limit=${PAGE}`;
    const response = await get(url, signal, POLL_MS, token);
    if (response.status === 404) { suspect404 = true; synced = false; return; }
    if (response.status === 204) return;                               // poll timeout: ask again
    if (response.status === 410) {                                     // trimmed: go on from where the room starts
      const { first } = await gone(response, room);
      if (first <= next) throw new HttpError(response);                // nothing to skip: a failure, with backoff
      next = first; catchUp(); return;
    }
    if (!response.ok) throw new HttpError(response);
    const body = await response.json();
    deliver(body.messages);
    next = Math.max(next, body.next);
  };

  const pollSeed = async () => {
    const response = await get(`${base(room)}/get/${next}`, signal, POLL_MS, token);
    if (response.status === 404) {
      if (next === 0) throw new HttpError(response);                   // not even /get/0: wait, retry
      on.reset(); next = 0; return;                                    // past the end: history was lost
    }
    if (response.status === 204) return;
    if (!response.ok) throw new HttpError(response);
    // An empty answer with a header says what the index is: trimmed (go on at the first kept one), a placeholder, or
    // a removal. The seed has no other metadata.
    const first = Number(response.headers.get('Chat-First') ?? NaN);
    if (Number.isSafeInteger(first) && first > next) { kept(room, first); next = first; catchUp(); return; }
    const entry = { index: next, text: await response.text(), author: null, time: null };
    const removedBy = Number(response.headers.get('Chat-Removed-By') ?? NaN);
    const removes = Number(response.headers.get('Chat-Removes') ?? NaN);
    if (Number.isSafeInteger(removedBy)) entry.removedBy = removedBy;
    if (Number.isSafeInteger(removes)) entry.removes = removes;
    deliver([entry]);
  };

  while (!signal.aborted) {
    try {
      if (!synced) { await sync(); synced = true; backoff.reset(); on.state('live'); }
      await (batchMissing ? pollSeed() : pollBatch());
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof AccessError) { on.state('denied'); on.denied?.(error.message); return; }
      synced = false;
      await away(on.state, backoff, error, signal);
    }
  }
}

const LEADER_LOCK = 'chat-follow';   // the Web Lock whose holder polls for every tab of this origin
const CHANNEL = 'chat-follow';       // the BroadcastChannel the tabs share what it receives on
const WANT_MS = 2_000;               // how often a tab says which room it shows (and where it is)
const WANT_TTL_MS = 6_000;           // a tab not heard from for this long has closed

/**
 * follow(), through one long poll per browser: a browser opens at most six HTTP/1.1 connections to a host, and a held
 * poll per tab would take them all. The tabs of an origin elect one (Web Locks) to hold `GET /messages?from=...` for
 * every room any tab shows; it shares what arrives on a BroadcastChannel. When it closes, the next tab takes over at
 * the cursors the tabs last gave. Each tab keeps its own `next`, so nothing is shown twice, and fetches any gap itself,
 * so nothing is lost. Without those APIs, or in a protected room (its token is the tab's own), it is follow().
 * `watch`: other rooms whose count the tab shows (unread); on.counts(room, next) gives each one's next index, at once
 * and as messages arrive there, through the same poll.
 */
export async function followShared(room, on, signal, token = '', watch = []) {
  if (token || !('locks' in navigator) || typeof BroadcastChannel !== 'function') return follow(room, on, signal, token);
  const channel = new BroadcastChannel(CHANNEL);
  signal.addEventListener('abort', () => channel.close(), { once: true });
  const wants = new Map();            // tab id -> { room, next, at }: what every tab shows, should this one lead
  let next = null;                    // the next index to show; null until the history is shown
  const early = [];                   // messages that came before the history was shown

  // Shows each index once, in order: what does not follow on is held back until the gap before it is read.
  const deliver = async messages => {
    if (next === null) { early.push(...messages); return; }
    try {
      if (messages.length && messages[0].index > next) {
        const gap = await range(room, next, messages[0].index, signal);
        next = Math.max(next, gap.from);   // the gap began below the room's first kept index: those are gone
        messages = [...gap.entries, ...messages];
      }
    } catch { return; }  // the gap could not be read: the next message reads it again
    const fresh = [];
    for (const m of messages) if (m.index === next) { fresh.push(m); next++; }
    if (fresh.length) on.messages(fresh);
  };
  const watched = new Map();          // watched room -> its next index, once known
  const counted = (other, count, entries = []) => {
    if (!watched.has(other) || count <= (watched.get(other) ?? -1)) return;
    watched.set(other, count);
    on.counts?.(other, count, entries);
  };
  const receive = (to, messages) => (to === room ? deliver(messages) : messages.length && counted(to, messages.at(-1).index + 1, messages));
  const want = () => {
    const mine = { type: 'want', tab: clientId, room, next, watch: [...watched].filter(([, n]) => n !== null), at: Date.now() };
    wants.set(clientId, mine);
    channel.postMessage(mine);
  };
  // The history, read at once (no held poll): from the room's end less a page (not below its first kept index), as
  // follow() shows it.
  const load = async () => {
    const backoff = new Backoff();
    while (next === null && !signal.aborted) {
      try {
        const { next: count, first } = await statusOf(room, signal, token);
        const { from, entries: history } = await range(room, Math.max(first, count - PAGE), count, signal);
        next = history.length ? history.at(-1).index + 1 : from;
        if (history.length) on.messages(history);
        on.caughtUp();
        on.state('live');
        await deliver(early.splice(0));
        want();
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof AccessError) { on.state('denied'); on.denied?.(error.message); return; }  // a protected room
        await away(on.state, backoff, error, signal);
      }
    }
  };
  // The service has fewer messages than were shown (an in-memory store restarted): show it afresh.
  const resync = () => {
    if (next === null) return;
    next = null;
    on.reset();
    load();
  };
  channel.onmessage = ({ data }) => {
    if (data.type === 'want') wants.set(data.tab, data);
    else if (data.type === 'messages') receive(data.room, data.messages);
    else if (data.type === 'state') on.state(data.state);
    else if (data.type === 'resync') resync();
  };

  for (const other of watch) watched.set(other, null);
  await Promise.all(watch.map(async other => {   // each watched room's count, asked at once
    try {
      counted(other, await countOf(other, signal));
    } catch { /* its first message through the poll will say */ }
  }));
  await load();
  const heartbeat = setInterval(() => next !== null && want(), WANT_MS);
  signal.addEventListener('abort', () => clearInterval(heartbeat), { once: true });
  // Every tab queues for the lock; the one that holds it leads until it closes (or leaves the room).
  navigator.locks.request(LEADER_LOCK, { signal }, () => lead(wants, channel, { receive, state: on.state, resync }, signal))
    .catch(() => { /* aborted while waiting: this tab left */ });
  await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }));
}

/** Up to a page of the entries of `room` just before index `before`, oldest first: scrolling back through history.
 *  Not below the room's first kept index: there, and once retention has trimmed everything before `before`, [].
 *  (Removal entries count towards the page: a page may show fewer messages than it has entries.) */
export async function older(room, before, signal, token = '') {
  for (;;) {
    const from = Math.max(firstOf(room), before - PAGE);
    if (from >= before) return [];
    const response = await get(`/rooms/${encodeURIComponent(room)}/messages?from=${from}&limit=${before - from}`, signal, STATUS_MS, token);
    if (response.status === 410) {   // trimmed since the page opened: start where it starts now (firstOf moved up)
      if ((await gone(response, room)).first <= from) throw new HttpError(response);
      continue;
    }
    if (!response.ok) throw new HttpError(response);
    return (await response.json()).messages;
  }
}

/** The entries of `room` from `from` up to `end` (not held: they are stored), a page at a time; `from`: where it
 *  began, above the one asked for when retention had trimmed that (those indexes are gone, not to be waited for). */
async function range(room, from, end, signal) {
  const entries = [];
  from = Math.max(from, firstOf(room));
  const start = from;
  while (from < end) {
    const page = await batch(room, from, signal);
    if (page.first !== undefined) {  // 410: trimmed meanwhile; what was read is below `first` now: read on from there
      if (page.first <= from) throw new Error(`${room}: 410 with first ${page.first} for a read from ${from}`);
      return range(room, page.first, end, signal);
    }
    if (!page.length) break;
    entries.push(...page);
    from = page.at(-1).index + 1;
  }
  return { from: start, entries };
}

/** The room's status: `next` (where a follow that shows only new messages starts) and `first`, its first kept index
 *  (0 without retention, or from a service that does not say). */
async function statusOf(room, signal, token = '') {
  const status = await get(`/rooms/${encodeURIComponent(room)}`, signal, STATUS_MS, token);
  if (!status.ok) throw new HttpError(status);
  const { next, first = 0 } = await status.json();
  kept(room, first, true);
  return { next, first };
}

/** The next index of `room`. */
const countOf = async (room, signal, token = '') => (await statusOf(room, signal, token)).next;

/** After a failure: 'reconnecting' (or 'offline' after a few in a row, or while the browser is offline), then the
 *  backoff, or the server's Retry-After when that is longer. */
async function away(state, backoff, error, signal) {
  state(backoff.failures >= OFFLINE_AFTER || !navigator.onLine ? 'offline' : 'reconnecting');
  await sleep(Math.max(backoff.next(), error.retryAfterMs ?? 0), signal);
}

/** Entries of `room` from `from` on, answered at once (the batch is not held when `from` is behind the end); below the
 *  room's first kept index, `{first}`, where it starts. */
async function batch(room, from, signal) {
  const response = await get(`/rooms/${encodeURIComponent(room)}/messages?from=${from}&limit=${PAGE}`, signal, STATUS_MS);
  if (response.status === 204 || response.status === 404) return [];
  if (response.status === 410) return { first: (await gone(response, room)).first };
  if (!response.ok) throw new HttpError(response);
  return (await response.json()).messages;
}

/** The leader's loop: one `GET /messages` for every room a tab showed lately, restarted when a new room appears;
 *  what arrives goes to every tab (and to its own), with the state of the link. */
async function lead(wants, channel, own, signal) {
  const cursors = new Map();          // room -> the next index this leader polls it from
  const backoff = new Backoff();
  let state = null;
  const tell = message => {
    channel.postMessage(message);
    if (message.type === 'messages') own.receive(message.room, message.messages);
    if (message.type === 'state') own.state(message.state);
    if (message.type === 'resync') own.resync();
  };
  const say = s => { if (s !== state) { state = s; tell({ type: 'state', state: s }); } };
  while (!signal.aborted) {
    const now = Date.now();
    const rooms = new Map();          // room -> the lowest next any tab gave for it
    for (const [tab, w] of wants) {
      if (now - w.at > WANT_TTL_MS) { wants.delete(tab); continue; }
      for (const [room, next] of [[w.room, w.next], ...(w.watch ?? [])])
        if (next !== null) rooms.set(room, Math.min(rooms.get(room) ?? Infinity, next));
    }
    for (const room of cursors.keys()) if (!rooms.has(room)) cursors.delete(room);
    if (!rooms.size) { await sleep(200, signal); continue; }
    const from = [...rooms].map(([room, lowest]) => `${room}:${cursors.get(room) ?? lowest}`).join(',');
    const poll = new AbortController();   // a tab showing a room not in this poll restarts it
    const restart = ({ data }) => {
      if (data.type === 'want' && [data.room, ...(data.watch ?? []).map(([r]) => r)].some(r => !rooms.has(r))) poll.abort();
    };
    channel.addEventListener('message', restart);
    try {
      const response = await get(`/messages?from=${from}`, AbortSignal.any([signal, poll.signal]), POLL_MS);
      if (response.status === 404) {   // a cursor past a room's end: the service lost messages the tabs showed
        cursors.clear();
        tell({ type: 'resync' });
        throw new HttpError(response);
      }
      if (response.status === 410) {   // a cursor below a room's first kept index: that room goes on from there
        const { room, first } = await gone(response);
        if (first <= (cursors.get(room) ?? rooms.get(room) ?? first)) throw new HttpError(response);
        cursors.set(room, first);      // the tabs' gap reads learn the same from their own 410
        backoff.reset();
        say('live');
        continue;
      }
      if (response.status === 200) {
        const body = await response.json();
        for (const page of body.rooms) tell({ type: 'messages', room: page.room, messages: page.messages });
        for (const part of body.next.split(',')) {
          const colon = part.lastIndexOf(':');
          cursors.set(part.slice(0, colon), Number(part.slice(colon + 1)));
        }
      } else if (response.status !== 204) throw new HttpError(response);
      backoff.reset();
      say('live');
    } catch (error) {
      if (signal.aborted) return;
      if (poll.signal.aborted) continue;
      await away(say, backoff, error, signal);
    } finally {
      channel.removeEventListener('message', restart);
    }
  }
}

/**
 * Follows several rooms through one long poll (`GET /messages`), each from its end, until `signal` aborts:
 * on.messages(room, batch) with each room's new entries in order, every index once (removals and placeholders as
 * follow() gives them; a room trimmed by retention past its cursor goes on from its first kept index);
 * on.state(s) as follow() says it.
 * For a page that shows several rooms at once (the chat page itself shares one poll between its tabs: followShared).
 */
export async function followMany(rooms, on, signal, token = '') {
  const cursors = new Map();
  const backoff = new Backoff();
  while (!signal.aborted) {
    try {
      let asked = false;
      for (const room of rooms) {   // each room's end, once: `room` alone would move with every poll
        if (cursors.has(room)) continue;
        cursors.set(room, await countOf(room, signal, token));
        asked = true;
      }
      if (asked) { backoff.reset(); on.state?.('live'); }   // every room answered: live while its poll is held
      const from = [...cursors].map(([room, next]) => `${room}:${next}`).join(',');
      const response = await get(`/messages?from=${from}`, signal, POLL_MS, token);
      if (response.status === 404) { cursors.clear(); throw new HttpError(response); }  // a room lost messages
      if (response.status === 410) {   // one room's cursor fell below its first kept index: that room goes on from there
        const { room, first } = await gone(response);
        if (!cursors.has(room) || first <= cursors.get(room)) throw new HttpError(response);
        cursors.set(room, first);
        backoff.reset();
        on.state?.('live');
        continue;
      }
      if (response.status === 200) {
        const body = await response.json();
        for (const page of body.rooms) on.messages(page.room, page.messages);
        for (const page of body.rooms) cursors.set(page.room, page.next);
      } else if (response.status !== 204) throw new HttpError(response);
      backoff.reset();
      on.state?.('live');
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof AccessError) { on.state?.('denied'); on.denied?.(error.message); return; }
      await away(s => on.state?.(s), backoff, error, signal);
    }
  }
}

/** Calls on(here) with who is in `room` ({count, names}) now and every few seconds, until `signal` aborts.
 *  Quiet about failures: the follow loop already says when the server is away. */
export async function watchHere(room, on, signal, token = '') {
  await sleep(HERE_FIRST_MS, signal);  // the follow loop's first poll is held by then, so this tab is counted
  while (!signal.aborted) {
    try {
      const response = await get(`/rooms/${encodeURIComponent(room)}`, signal, STATUS_MS, token);
      if (response.ok) on((await response.json()).here ?? { count: 0, names: [] });
    } catch (error) {
      if (error instanceof AccessError) return;  // the follow loop says why; the same token will not do
    }
    await sleep(HERE_MS, signal);
  }
}

/** Posts `text` to `room`, as `name` when one is given (a protected room takes the name from `token`). Retries lost
 *  requests with one Idempotency-Key, so a retry after a lost response is stored once. Not cancelled by leaving the
 *  room: a message typed is a message sent. Resolves to the index; rejects with a message fit for a person. */
export async function send(room, text, name = '', token = '') {
  const key = randomKey();
  const backoff = new Backoff(250, 4_000);
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(withClient(at(`${base(room)}/post`)), {
        method: 'POST',
        body: new URLSearchParams(name ? { message: text, name } : { message: text }),
        headers: { 'Idempotency-Key': key, ...authorization(token) },
        signal: AbortSignal.timeout(STATUS_MS),
      });
      if (response.ok) return (await response.json()).index;
      if (response.status === 401 || response.status === 403) throw await refused(response, token);
      if (response.status < 500 && response.status !== 429) throw new Error(await problem(response));
      if (attempt === 4) throw new Error('The server is busy: message not sent.');
      await sleep(Math.max(backoff.next(), new HttpError(response).retryAfterMs));
    } catch (error) {
      if (!(error instanceof TypeError || error.name === 'TimeoutError')) throw error;
      if (attempt === 4) throw new Error('No connection: message not sent.');
      await sleep(backoff.next());
    }
  }
}

async function problem(response) {
  const reasons = { 400: 'The message or the name is empty or malformed.', 413: 'The message is too long.' };
  try {
    const body = await response.json();  // application/problem+json: detail, else title
    return body.detail || body.title || reasons[response.status] || `Not sent (${response.status}).`;
  } catch {
    return reasons[response.status] || `Not sent (${response.status}).`;
  }
}

// crypto.randomUUID needs a secure context; getRandomValues works on plain http too.
function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join('');
}

/** Waits `ms`, or less if the room is left or the browser says the network is back. */
function sleep(ms, signal = new AbortController().signal) {
  return new Promise(resolve => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      window.removeEventListener('online', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
    window.addEventListener('online', done);
  });
}
