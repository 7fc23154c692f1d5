// The simulator page: chat with the bot as any phone, in a DM or a cell group.
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('cc_token') || '';

/** The bot message being replied to: {id, text}, or null. */
let replyTo = null;
/** What this tab sent: messages {id, chat, from, text, at} and reactions {reaction, messageId, chat, from}. */
const mine = JSON.parse(sessionStorage.getItem('cc_sim_mine') || '[]');
/** A message that was not confirmed sent: retried with the same id, so it is never handled twice. */
let pending = null;

/** The outbox API pages by sequence number: this many items at most per request. */
const PAGE = 500;
/** Bubbles shown at most (the newest). */
const SHOWN = 400;
/** A request with no answer after this long is reported (the server waits for Redis forever). */
const TIMEOUT_MS = 10_000;

const MEDIA = { image: '🖼 Photo', video: '🎥 Video', audio: '🎤 Voice note', document: '📄 Document', sticker: '🙂 Sticker' };

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** What a failed request means to someone trying the page, in words. */
async function explain(err) {
  if (err instanceof HttpError && err.status === 401)
    return `${err.message}: this token is not valid. The admin token changes at each start: paste the one npm start printed last (or set ADMIN_TOKEN).`;
  if (err instanceof HttpError && err.status < 500) return err.message;
  // No answer, or a server error: ask the server whether Redis is there.
  const ready = await fetch('/readyz', { signal: AbortSignal.timeout(TIMEOUT_MS) })
    .then((r) => r.json())
    .catch(() => undefined);
  if (!ready) return 'The crisis-cell server does not answer: is npm start still running?';
  if (ready.redis === 'down')
    return 'The server cannot reach Redis, where every message is kept: nothing is lost, it waits until Redis is back. Is redis-server running?';
  if (ready.redis === 'read_only') return `Redis refuses writes (${ready.refusal}): see the server log.`;
  return err.message;
}

async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'same-origin',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new Error(`no answer from the server within ${TIMEOUT_MS / 1000} s`);
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new HttpError(res.status, data.error ? data.error.message : `HTTP ${res.status}`);
  return data;
}

/** An error from something the user did: it stays until their next action succeeds. */
async function showError(err) {
  $('status').textContent = await explain(err);
}
const clearError = () => {
  $('status').textContent = '';
};

const sender = () => $('phone').value.trim() || $('as').value;
const chatKey = () => ($('chat').value === 'dm' ? sender() : $('chat').value);
const inGroup = () => ($('chat').value === 'dm' ? undefined : $('chat').value);

/** What the bot sent each chat, fetched incrementally: {after, items}. */
const chats = new Map();
const chatState = (key) => {
  if (!chats.has(key)) chats.set(key, { after: 0, items: [] });
  return chats.get(key);
};

/**
 * A message's time with its zone ("14:47:10 GMT+3"): the bot's own words speak UTC ("SITREP 2026-11-27
 * 11:47 UTC"), and a bare "2:47:10 PM" under them, in the browser's zone, read as a contradiction.
 */
const clock = (at) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' });

function bubble(m) {
  const div = document.createElement('div');
  div.className = `msg ${m.who}`;
  div.dir = 'auto';
  if (m.quote) {
    const q = document.createElement('blockquote');
    q.dir = 'auto';
    q.textContent = m.quote;
    div.append(q);
  }
  const body = document.createElement('div');
  body.className = 'body';
  body.dir = 'auto';
  body.textContent = m.text;
  const meta = document.createElement('span');
  meta.className = 'meta';
  meta.textContent = m.who === 'me' ? `${m.from} · ${clock(m.at)}` : `bot · ${m.kind} · #${m.seq} · ${clock(m.at)}`;
  div.append(body, meta);
  if (m.reactions?.length) {
    const r = document.createElement('span');
    r.className = 'reactions';
    r.textContent = m.reactions.join(' ');
    div.append(r);
  }
  if (m.who === 'bot') {
    div.dataset.id = m.id;
    const actions = document.createElement('span');
    actions.className = 'actions';
    const react = document.createElement('button');
    react.type = 'button';
    react.className = 'react';
    react.textContent = '👍';
    react.title = 'React 👍 (on a card: acknowledge the incident)';
    const reply = document.createElement('button');
    reply.type = 'button';
    reply.className = 'reply';
    reply.textContent = '↩ Reply';
    reply.title = 'Reply to this message';
    actions.append(react, reply);
    div.append(actions);
  }
  return div;
}

let shownKey = '';
let shownCount = -1;
function render(force = false) {
  const key = chatKey();
  const c = chatState(key);
  const own = mine.filter((m) => m.chat === key && !m.reaction);
  const reactions = mine.filter((m) => m.chat === key && m.reaction);
  const count = c.items.length + own.length + reactions.length;
  if (!force && key === shownKey && count === shownCount) return; // nothing new: leave the scroll and selection alone
  const thread = $('thread');
  const atBottom = key !== shownKey || thread.scrollHeight - thread.scrollTop - thread.clientHeight < 40;
  const byId = new Map(c.items.map((i) => [i.id, i]));
  const all = [...own.map((m) => ({ ...m, who: 'me' })), ...c.items.map((i) => ({ ...i, who: 'bot' }))]
    .sort((a, b) => a.at.localeCompare(b.at))
    .slice(-SHOWN)
    .map((m) => ({
      ...m,
      quote: m.who === 'me' && m.replyTo ? (byId.get(m.replyTo)?.text ?? m.quote) : undefined,
      reactions: m.who === 'bot' ? reactions.filter((r) => r.messageId === m.id).map((r) => `${r.reaction} ${r.from}`) : undefined,
    }));
  const hidden = c.items.length + own.length - all.length;
  thread.replaceChildren(
    ...(hidden > 0
      ? [Object.assign(document.createElement('p'), { className: 'more', textContent: `${hidden} earlier messages not shown` })]
      : []),
    ...all.map(bubble),
  );
  if (atBottom) thread.scrollTop = thread.scrollHeight;
  shownKey = key;
  shownCount = count;
}

let polling = false;
async function poll() {
  if (!token || polling) return;
  polling = true;
  const key = chatKey();
  try {
    const c = chatState(key);
    // Every page since the last message seen, so a busy group keeps showing its newest messages.
    for (;;) {
      const data = await api('GET', `/sim/messages?to=${encodeURIComponent(key)}&after=${c.after}&limit=${PAGE}`);
      for (const item of data.items) if (item.seq > c.after) c.items.push(item);
      c.after = Math.max(c.after, ...data.items.map((i) => i.seq));
      if (data.items.length < PAGE) break;
    }
    $('conn').textContent = '';
  } catch (err) {
    $('conn').textContent = await explain(err);
  } finally {
    polling = false;
  }
  if (key === chatKey()) render();
  else poll(); // the chat changed meanwhile: show the new one now
}

async function loadRoster() {
  const data = await api('GET', '/sim/roster');
  $('embassy').textContent = data.embassy;
  $('as').replaceChildren(
    ...[{ name: 'Citizen', phone: '+33612345678', roles: ['citizen'] }, ...data.staff].map(
      (s) => new Option(`${s.name} (${s.roles.join(', ')}) ${s.phone}`, s.phone),
    ),
  );
  $('chat').replaceChildren(
    new Option('Direct message to the embassy', 'dm'),
    ...data.cellGroups.map((g) => new Option(`Group: ${g.name}`, g.id)),
  );
  whoChanged();
}

function remember(entry) {
  mine.push(entry);
  sessionStorage.setItem('cc_sim_mine', JSON.stringify(mine.slice(-2000)));
}

/** A message id. (crypto.randomUUID exists only on https or localhost: a phone on the LAN opens http://host:8080/sim.) */
const newId = () => `SIM-PAGE-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`;

/** Sends a message; on failure the text stays in the box and a retry reuses the same id. */
async function send(body, label) {
  const group = inGroup();
  const forwarded = $('forwarded').checked;
  const shown = forwarded ? `↪️ Forwarded\n${label}` : label;
  const request = {
    from: sender(),
    ...(group ? { group } : {}),
    ...body,
    ...(replyTo ? { replyTo: replyTo.id } : {}),
    ...(forwarded ? { forwarded: true } : {}),
  };
  const same = pending && JSON.stringify(pending.request) === JSON.stringify(request);
  if (!same) pending = null;
  const id = pending ? pending.id : newId();
  const at = pending?.at ?? new Date().toISOString(); // when it was sent, so it shows before the answer to it
  pending = { id, request, at };
  const res = await api('POST', '/sim/messages', { ...request, id });
  pending = null;
  remember({
    id: res.id,
    chat: chatKey(),
    from: sender(),
    text: shown,
    at,
    ...(replyTo ? { replyTo: replyTo.id, quote: replyTo.text } : {}),
  });
  setReply(null);
  $('forwarded').checked = false;
  clearError();
  render();
  $('thread').scrollTop = $('thread').scrollHeight;
  await poll();
}

function setReply(target) {
  replyTo = target;
  $('replying').hidden = !target;
  $('replying').querySelector('q').textContent = target ? target.text.split('\n')[0].slice(0, 80) : '';
  if (target) $('text').focus();
}

/** Who is typing, in the message box, so a typed phone never silently overrides "Chat as". */
function whoChanged() {
  const phone = $('phone').value.trim();
  const staff = $('as').selectedOptions[0]?.textContent ?? '';
  $('text').placeholder = `Message as ${phone ? `${phone} (citizen)` : staff}`;
  pending = null;
  setReply(null);
  render();
  poll();
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('cc_token', token);
  chats.clear();
  try {
    await loadRoster();
    clearError();
  } catch (err) {
    await showError(err);
  }
});
$('compose').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim()) return;
  try {
    await send({ text }, text);
    if ($('text').value === text) $('text').value = '';
  } catch (err) {
    await showError(err);
  }
});
$('pin').addEventListener('click', async () => {
  const where = prompt('Location as "lat, lng" (e.g. Aleppo)', '36.2021, 37.1343');
  if (!where) return;
  const [lat, lng] = where.split(',').map((n) => Number(n.trim()));
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
    $('status').textContent = `"${where}" is not a location: write a latitude and a longitude, e.g. 36.2021, 37.1343`;
    return;
  }
  await send({ location: { lat, lng } }, `📍 ${lat}, ${lng}`).catch(showError);
});
$('call').addEventListener('click', async () => {
  if (inGroup()) {
    $('status').textContent = 'Calls go to the embassy number: choose "Direct message to the embassy" first';
    return;
  }
  try {
    const res = await api('POST', '/sim/calls', { from: sender(), id: newId() });
    remember({ id: res.id, chat: chatKey(), from: sender(), text: '📞 Missed call (nobody answered)', at: new Date().toISOString() });
    clearError();
    render();
    await poll();
  } catch (err) {
    await showError(err);
  }
});
$('media').addEventListener('change', async () => {
  const media = $('media').value;
  $('media').value = '';
  if (!media) return;
  const caption = $('text').value;
  try {
    await send({ media, ...(caption.trim() ? { text: caption } : {}) }, caption.trim() ? `${MEDIA[media]}\n${caption}` : MEDIA[media]);
    if ($('text').value === caption) $('text').value = '';
  } catch (err) {
    await showError(err);
  }
});
$('thread').addEventListener('click', async (e) => {
  const el = e.target.closest('.msg.bot');
  if (!el) return;
  const item = chatState(chatKey()).items.find((i) => i.id === el.dataset.id);
  if (!item) return;
  if (e.target.closest('button.reply')) return setReply({ id: item.id, text: item.text });
  if (!e.target.closest('button.react')) return;
  const group = inGroup();
  try {
    await api('POST', '/sim/reactions', { from: sender(), messageId: item.id, emoji: '👍', ...(group ? { group } : {}) });
    remember({ reaction: '👍', messageId: item.id, chat: chatKey(), from: sender(), at: new Date().toISOString() });
    clearError();
    render();
    await poll();
  } catch (err) {
    await showError(err);
  }
});
$('cancelReply').addEventListener('click', () => setReply(null));
$('as').addEventListener('change', () => {
  $('phone').value = ''; // choosing someone from the roster means being them, not the phone typed earlier
  whoChanged();
});
$('phone').addEventListener('change', whoChanged);
$('chat').addEventListener('change', whoChanged);

if (token) {
  $('token').value = token;
  loadRoster().catch(showError);
}
setInterval(poll, 1500);
