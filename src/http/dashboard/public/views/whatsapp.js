// WhatsApp: the gateway's connection state, the pairing QR (or code) while it waits, a restriction
// on new chats (and how many messages it holds), and recent transport alerts.
// API: GET /api/whatsapp → {transport: {name, state, at?}, pairing: {qrWaiting, pairingCode}, restricted:
// {reason, since, until?} | null, held, alerts: [{code, message, at}]}; GET /api/whatsapp/qr (PNG, admin);
// DELETE /api/whatsapp/restriction (admin).
import { api, can } from '../api.js';
import { guarded, liveRefresh, toast } from '../app.js';
import { el, oneAtATime, when } from '../dom.js';
import { stateWords, words } from '../whatsapp-words.js';

function pairing(w) {
  if (w.transport?.state !== 'waiting_for_pairing' && !w.pairing?.qrWaiting && !w.pairing?.pairingCode) return '';
  const steps = el('p', {}, 'Open WhatsApp on the embassy phone → Linked devices → Link a device, and scan:');
  return el(
    'div',
    { className: 'pairing' },
    w.pairing?.qrWaiting && can('get', '/api/whatsapp/qr')
      ? [steps, el('img', { className: 'qr', src: `/api/whatsapp/qr?at=${Date.now()}`, alt: 'WhatsApp pairing QR code' })]
      : w.pairing?.qrWaiting
        ? el('p', {}, 'A pairing QR is waiting; an admin can show it here.')
        : '',
    w.pairing?.pairingCode
      ? el('p', {}, 'Or link with the phone number and this code: ', el('strong', { className: 'mono' }, w.pairing.pairingCode))
      : '',
  );
}

/** A restriction without an end date is held this long (src/transport/baileys/account-restriction.ts). */
const DEFAULT_HOLD_MS = 24 * 3600_000;

function restriction(w, redraw) {
  const r = w.restricted;
  if (!r) return '';
  const lift = guarded(async () => {
    const res = await api('DELETE', '/api/whatsapp/restriction');
    toast(res.lifted ? 'Restriction lifted: the held messages go out' : 'No restriction was in force');
    await redraw();
  });
  const end = r.until ?? r.since + DEFAULT_HOLD_MS;
  const held = w.held ?? 0;
  return el(
    'section',
    { className: 'card warn-card restriction' },
    el('h2', {}, 'New chats are held'),
    el(
      'p',
      {},
      `WhatsApp stops the embassy number from starting new chats (${words(r.reason)}) since ${when(new Date(r.since).toISOString())}, until ${when(new Date(end).toISOString())} at the latest.`,
    ),
    el('p', {}, 'Still going out: replies to people who wrote to the number in the last weeks, and posts in the cell groups.'),
    el(
      'p',
      { className: 'held' },
      el('strong', {}, `${held} message${held === 1 ? '' : 's'}`),
      ' to people who have not written to the number recently (alerts to citizens who never wrote, DMs to staff who never wrote to it) ',
      held === 1 ? 'is' : 'are',
      ' held, and sent once it lifts.',
    ),
    can('delete', '/api/whatsapp/restriction')
      ? el('button', { type: 'button', className: 'danger act-lift', onclick: lift }, 'WhatsApp lifted it: send the held messages')
      : '',
  );
}

function alerts(w) {
  const items = w.alerts ?? [];
  return el(
    'section',
    { className: 'card' },
    el('h2', {}, 'Recent transport alerts'),
    items.length
      ? el(
          'ul',
          { className: 'transport-alerts' },
          ...items.map((a) => el('li', {}, el('time', {}, when(a.at)), ` ${words(a.code)}: ${a.message}`)),
        )
      : el('p', { className: 'muted' }, 'None.'),
  );
}

export async function render(root) {
  let timer;
  let left = false;
  const draw = oneAtATime(async () => {
    clearTimeout(timer);
    const w = await api('GET', '/api/whatsapp');
    if (left) return;
    const t = w.transport ?? {};
    root.replaceChildren(
      el('h1', {}, 'WhatsApp'),
      el(
        'section',
        { className: 'card' },
        el(
          'p',
          { className: `conn conn-${t.state}` },
          el('strong', {}, stateWords(t.state)),
          ` · ${t.name ?? ''}${t.at ? ` · reported ${when(t.at)}` : ''}`,
        ),
        pairing(w),
      ),
      restriction(w, draw),
      alerts(w),
    );
    timer = setTimeout(() => draw().catch(() => undefined), t.state === 'waiting_for_pairing' ? 5_000 : 15_000);
  });
  // A new alert about the number (logged out, restricted...) shows at once, not at the next poll.
  const cancel = liveRefresh((c) => c.type === 'transport.alert', draw, 300);
  await draw();
  return () => {
    left = true;
    cancel();
    clearTimeout(timer);
  };
}
