// The simulator page: chat with the bot as any phone, in a DM or a cell group.
const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem('cc_token') || '';

let replyTo = null;
const mine = JSON.parse(sessionStorage.getItem('cc_sim_mine') || '[]');

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ? data.error.message : `HTTP ${res.status}`);
  return data;
}

const sender = () => $('phone').value.trim() || $('as').value;
const chatKey = () => ($('chat').value === 'dm' ? sender() : $('chat').value);

function bubble(cls, text, meta, id) {
  const div = document.createElement('div');
  div.className = `msg ${cls}`;
  div.textContent = text;
  const m = document.createElement('span');
  m.className = 'meta';
  m.textContent = meta;
  div.append(m);
  if (id) div.dataset.id = id;
  return div;
}

function render(items) {
  const key = chatKey();
  const thread = $('thread');
  thread.replaceChildren();
  const own = mine.filter((m) => m.chat === key);
  const all = [...own.map((m) => ({ ...m, who: 'me' })), ...items.map((i) => ({ ...i, who: 'bot' }))].sort((a, b) =>
    a.at.localeCompare(b.at),
  );
  for (const m of all) {
    const label =
      m.who === 'me'
        ? `${m.from} · ${new Date(m.at).toLocaleTimeString()}`
        : `bot · ${m.kind} · #${m.seq} · ${new Date(m.at).toLocaleTimeString()}`;
    thread.append(bubble(m.who, m.text, label, m.who === 'bot' ? m.id : undefined));
  }
  thread.scrollTop = thread.scrollHeight;
}

let items = [];
async function poll() {
  if (!token) return;
  try {
    const data = await api('GET', `/sim/messages?to=${encodeURIComponent(chatKey())}&after=0`);
    items = data.items;

    render(items);
    $('status').textContent = '';
  } catch (e) {
    $('status').textContent = e.message;
  }
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
}

async function send(body) {
  const group = $('chat').value === 'dm' ? undefined : $('chat').value;
  const res = await api('POST', '/sim/messages', { from: sender(), ...(group ? { group } : {}), ...body, ...(replyTo ? { replyTo } : {}) });
  mine.push({
    id: res.id,
    chat: chatKey(),
    from: sender(),
    text: body.text ?? `📍 ${body.location.lat}, ${body.location.lng}`,
    at: new Date().toISOString(),
  });
  sessionStorage.setItem('cc_sim_mine', JSON.stringify(mine.slice(-500)));
  setReply(null);
  await poll();
}

function setReply(id) {
  replyTo = id;
  $('replying').hidden = !id;
  $('replying').querySelector('span').textContent = id || '';
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  sessionStorage.setItem('cc_token', token);
  await loadRoster().catch((err) => ($('status').textContent = err.message));
  await poll();
});
$('compose').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('text').value;
  if (!text.trim()) return;
  $('text').value = '';
  await send({ text }).catch((err) => ($('status').textContent = err.message));
});
$('pin').addEventListener('click', async () => {
  const where = prompt('Location as "lat, lng"', '36.2021, 37.1343');
  if (!where) return;
  const [lat, lng] = where.split(',').map(Number);
  await send({ location: { lat, lng } }).catch((err) => ($('status').textContent = err.message));
});
$('thread').addEventListener('click', async (e) => {
  const el = e.target.closest('.msg.bot');
  if (!el) return;
  const action = prompt('Type 👍 to react, or "reply" to reply to this message', '👍');
  if (!action) return;
  if (action === 'reply') return setReply(el.dataset.id);
  const group = $('chat').value === 'dm' ? undefined : $('chat').value;
  await api('POST', '/sim/reactions', { from: sender(), messageId: el.dataset.id, emoji: action, ...(group ? { group } : {}) }).catch(
    (err) => ($('status').textContent = err.message),
  );
});
$('cancelReply').addEventListener('click', () => setReply(null));
for (const id of ['as', 'chat', 'phone']) $(id).addEventListener('change', poll);

if (token) {
  $('token').value = token;
  loadRoster()
    .then(poll)
    .catch((err) => ($('status').textContent = err.message));
}
setInterval(poll, 1500);
