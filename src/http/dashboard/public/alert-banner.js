// The banner over every view that tells duty officers of a problem with the embassy's WhatsApp
// number: logged out, refused, replaced by another client, restricted, near the new-chat cap
// (src/transport/baileys/staff-alert.ts). Raised live by the gateway's `transport.alert` change;
// it stays until the officer dismisses it in this browser, and names the number's state now, so
// an alert already dealt with reads as such.
// API: GET /api/whatsapp → {transport: {state}, restricted, alerts: [{code, message, at}], newest first}.
import { api } from './api.js';
import { el, oneAtATime, when } from './dom.js';
import { stateWords, words } from './whatsapp-words.js';

/** Where this browser remembers the newest alert the officer dismissed (its `at`). */
const SEEN = 'cc.whatsappAlertsSeenUpTo';
/** Older alerts are only on the WhatsApp view: the banner is for what happened in the last day. */
const RECENT_MS = 86_400_000;
/** How often the state shown under an alert is read again while the banner shows. */
const POLL_MS = 15_000;

/** The newest alert dismissed in this browser (kept across reloads where storage allows). */
let seenUpTo = '';
try {
  seenUpTo = localStorage.getItem(SEEN) ?? '';
} catch {
  // Storage refused (private browsing): dismissed until the page is reloaded.
}

/** The alerts of the last day not dismissed here, newest first. */
const unseen = (alerts) => (alerts ?? []).filter((a) => a.at > seenUpTo && Date.now() - Date.parse(a.at) < RECENT_MS);

function draw(banner, w, dismiss) {
  const fresh = unseen(w.alerts);
  const newest = fresh[0];
  if (!newest) {
    banner.hidden = true;
    banner.replaceChildren();
    return;
  }
  const now = `WhatsApp now: ${stateWords(w.transport?.state)}${w.restricted ? ' · sending held' : ''}`;
  banner.replaceChildren(
    el(
      'p',
      { className: 'banner-text' },
      el('strong', {}, `⚠ WhatsApp alert: ${words(newest.code)}`),
      ' ',
      el('time', { dateTime: newest.at }, when(newest.at)),
      ' — ',
      newest.message,
      fresh.length > 1 ? ` (and ${fresh.length - 1} earlier ${fresh.length === 2 ? 'alert' : 'alerts'})` : '',
    ),
    el(
      'p',
      { className: 'banner-actions' },
      el('span', { className: 'banner-now' }, now),
      el('a', { className: 'banner-link', href: '#/whatsapp' }, 'Open the WhatsApp page'),
      el(
        'button',
        { type: 'button', className: 'act-dismiss', onclick: () => dismiss(newest.at), 'aria-label': 'Dismiss the WhatsApp alert' },
        'Dismiss',
      ),
    ),
  );
  banner.hidden = false;
}

/**
 * Keeps `banner` showing the WhatsApp alerts not dismissed here (the shell starts it for duty
 * officers and admins): `listen` subscribes a function to every live change of the session, views
 * come and go.
 */
export function startAlertBanner(banner, listen) {
  let last = {};
  const dismiss = (at) => {
    seenUpTo = at;
    try {
      localStorage.setItem(SEEN, at);
    } catch {
      // Kept in this page only.
    }
    draw(banner, last, dismiss);
  };
  let timer;
  const refresh = oneAtATime(async () => {
    clearTimeout(timer);
    last = await api('GET', '/api/whatsapp');
    draw(banner, last, dismiss);
    // While it shows, "WhatsApp now" follows the number (linked again, reconnected) as the WhatsApp view does.
    if (!banner.hidden) timer = setTimeout(() => refresh().catch(() => undefined), POLL_MS);
  });
  // Alerts raised while the stream was down come with the resync that follows its return.
  listen((change) => {
    if (change.type === 'transport.alert' || change.type === 'resync') refresh().catch(() => undefined);
  });
  refresh().catch(() => undefined);
}
