// The WhatsApp number's state in the top bar, on every view: "WhatsApp: connected", or in red
// "WhatsApp: disconnected" / "logged out" / "unknown" (no gateway reported within a minute) /
// "sending held" (a restriction holds messages to new chats). A plain disconnect raises no alert
// banner, yet while it lasts nothing the cell sends reaches anyone.
// API: GET /api/whatsapp → {transport: {state}, restricted, held}.
import { api } from './api.js';
import { stateWords } from './whatsapp-words.js';

/** How often the state is read again (the gateway publishes it every 20 s and on every change). */
const POLL_MS = 10_000;

/** Keeps `pill` showing the number's state; `listen` subscribes to every live change of the session. */
export function startWhatsAppState(pill, listen) {
  let timer;
  const refresh = async () => {
    clearTimeout(timer);
    try {
      const w = await api('GET', '/api/whatsapp');
      const state = w.transport?.state ?? 'unknown';
      const held = w.restricted ? ` · sending held${w.held ? ` (${w.held})` : ''}` : '';
      pill.textContent = `WhatsApp: ${stateWords(state)}${held}`;
      pill.className = `wa-state ${state === 'open' && !w.restricted ? 'up' : 'down'}`;
    } catch {
      pill.textContent = 'WhatsApp: state unknown (server not answering)';
      pill.className = 'wa-state down';
    }
    pill.hidden = false;
    timer = setTimeout(refresh, POLL_MS);
  };
  listen((change) => {
    if (change.type === 'transport.alert' || change.type === 'resync') refresh();
  });
  refresh();
}
