// The dashboard shell: session, navigation between views, live updates over SSE.
import { startAlertBanner } from './alert-banner.js';
import { api, atLeast, can, loadPermissions, onSignedOut } from './api.js';
import { debounced, el } from './dom.js';
import { startTitleCount } from './title-count.js';
import { startWhatsAppState } from './whatsapp-state.js';

const $ = (id) => document.getElementById(id);
const views = {
  board: () => import('./views/board.js'),
  incident: () => import('./views/incident.js'),
  incidents: () => import('./views/incidents.js'),
  map: () => import('./views/map.js'),
  alerts: () => import('./views/alerts.js'),
  welfare: () => import('./views/welfare.js'),
  playbooks: () => import('./views/playbooks.js'),
  whatsapp: () => import('./views/whatsapp.js'),
  audit: () => import('./views/audit.js'),
  rumours: () => import('./views/rumours.js'),
};

let current;
let events;
/** Who is signed in ({name, role}), while the API knows them; undefined once their sign-in ended. */
let signedIn;
/** Who the shell was last set up for: a second sign-in in the same page resumes it. */
let entered;
let bannerStarted = false;
let titleStarted = false;
/** The current view's listeners to live changes (cleared when the officer opens another view). */
const listeners = new Set();
/** Listeners for the whole session, whatever the view (the WhatsApp alert banner). */
const sessionListeners = new Set();

/** Subscribes the current view to live changes; returns the unsubscribe function. */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * The buttons an event came from: the clicked button, or a submitted form's submit buttons. They are
 * disabled while the action runs: a double click (a hurried hand at 3 a.m.) must not send it twice.
 */
function buttonsOf(args) {
  const e = args.find((a) => a instanceof Event);
  const from = e?.currentTarget;
  if (from instanceof HTMLButtonElement) return [from];
  if (from instanceof HTMLFormElement) return [...from.querySelectorAll('button[type=submit]')];
  return [];
}

/**
 * Runs `fn` with the buttons it came from disabled until it ends; a call arriving meanwhile (the
 * second click of a double click, Enter pressed twice) is dropped. Resolves with `fn`'s result.
 */
export async function whileBusy(args, fn) {
  const buttons = buttonsOf(args);
  const e = args.find((a) => a instanceof Event);
  if (buttons.some((b) => b.dataset.busy)) {
    if (e?.type === 'submit') e.preventDefault();
    return undefined;
  }
  for (const b of buttons) {
    b.dataset.busy = 'true';
    b.disabled = true;
    b.setAttribute('aria-busy', 'true');
  }
  try {
    return await fn();
  } finally {
    for (const b of buttons) {
      delete b.dataset.busy;
      b.disabled = false;
      b.removeAttribute('aria-busy');
    }
  }
}

/**
 * An action of the page (a click, a submit; pass the event along): `fn`, whose error is shown as a
 * toast instead of lost, run once at a time from its button (see whileBusy).
 */
export const guarded =
  (fn) =>
  async (...args) => {
    try {
      await whileBusy(args, () => fn(...args));
    } catch (err) {
      toast(err.message, 'error');
    }
  };

/**
 * Reloads the view with `refresh` on each live change that `wanted` accepts and on a (re)connected
 * stream; a burst of changes becomes one refresh after `ms` (a number, or a function asked each time).
 * Call it before the first load, so a change made while that load runs is not missed. Returns the function that cancels a pending refresh.
 */
export function liveRefresh(wanted, refresh, ms) {
  const later = debounced(guarded(refresh), ms);
  onChange((c) => {
    if (c.type === 'resync' || wanted(c)) later();
  });
  return later.cancel;
}

/**
 * A short message at the bottom of the screen; gone after 4 s, unless it is an error or a warning:
 * that one stays until the officer dismisses it or the next message comes. Gone after 4 s too, "The
 * server cannot be reached" had vanished when the officer looked back from the phone they were calling on.
 * A warning is for an action that was done but needs the officer to know something ("1 reads ar: they
 * get the en text"), not an error.
 */
export function toast(text, kind = 'info') {
  const t = $('toast');
  clearTimeout(toast.timer);
  t.className = `toast ${kind}`;
  t.setAttribute('role', kind === 'info' ? 'status' : 'alert');
  const words = el('span', { className: 'toast-text' }, text);
  if (kind === 'error' || kind === 'warning') {
    const dismiss = () => {
      t.hidden = true;
    };
    t.replaceChildren(words, ' ', el('button', { type: 'button', className: 'toast-dismiss', onclick: dismiss }, 'Dismiss'));
  } else {
    t.replaceChildren(words);
    toast.timer = setTimeout(() => {
      t.hidden = true;
    }, 4000);
  }
  t.hidden = false;
}

function dispatch(change) {
  for (const fn of [...sessionListeners, ...listeners]) fn(change);
}

/**
 * How long the page waits before opening the live stream again once the browser gave it up. The
 * browser reconnects by itself after a dropped connection (the server's `retry: 3000`), but not after
 * an answer that is no event stream: a proxy's 502 while the server restarts, a 503, a 401.
 */
const LIVE_RETRY_MS = 3000;
let liveRetry;

function connectLive() {
  clearTimeout(liveRetry);
  events?.close();
  events = new EventSource('/dashboard/events');
  events.addEventListener('ready', () => {
    $('live').textContent = 'live';
    $('live').className = 'live on';
    // Changes made while the stream was down were never pushed: views reload what they show.
    dispatch({ type: 'resync' });
  });
  events.addEventListener('change', (e) => dispatch(JSON.parse(e.data)));
  events.onerror = (e) => {
    $('live').textContent = 'reconnecting';
    $('live').className = 'live';
    // Given up for good: the board showed "reconnecting" and no new incident until a reload.
    if (e.target === events && events.readyState === EventSource.CLOSED) {
      clearTimeout(liveRetry);
      liveRetry = setTimeout(reviveLive, LIVE_RETRY_MS);
    }
  };
}

/** Opens the live stream again once the server answers; a 401 instead ends the session (sessionEnded). */
async function reviveLive() {
  if (!signedIn) return;
  try {
    await api('GET', '/api/me');
  } catch (err) {
    if (err.status !== 401) liveRetry = setTimeout(reviveLive, LIVE_RETRY_MS);
    return;
  }
  if (signedIn) connectLive();
}

/** Counts navigations: a view still loading when the officer moved on must not take over. */
let navigation = 0;

/** The officer moved (Back, a link) while the sign-in page showed: the view is drawn once signed in again. */
let movedWhileOut = false;

async function route() {
  if (!signedIn) {
    movedWhileOut = true;
    return;
  }
  const mine = ++navigation;
  const [name, ...args] = (location.hash.replace(/^#\//, '') || 'board').split('/');
  const load = views[name] ?? views.board;
  current?.();
  current = undefined;
  listeners.clear();
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${name}`);
  // Each view draws into its own element: one still loading when the officer opened another (a
  // board of thousands, then a click on an incident) draws into a detached element, not over it.
  const root = el('div', { className: 'view-root' }, el('p', { className: 'muted' }, 'Loading…'));
  $('view').replaceChildren(root);
  try {
    const mod = await load();
    const cleanup = await mod.render(root, args.map(decodeURIComponent));
    if (mine === navigation) current = cleanup;
    else cleanup?.();
  } catch (err) {
    // Refused because the sign-in ended (the sign-in page shows): drawn again once signed in.
    if (err.status === 401) movedWhileOut = true;
    root.replaceChildren(el('p', { className: 'error' }, `This view cannot load: ${err.message}`));
  }
}

/**
 * The sign-in ended while the page stayed open (the token was revoked, the 12-hour cookie expired):
 * every action and view answered "invalid token" and live updates stopped for good, behind a page
 * that still looked signed in. The sign-in page comes back, saying why; the view stays as it was
 * underneath (a note being typed included) for when the officer signs in again.
 */
function sessionEnded() {
  if (!signedIn) return;
  signedIn = undefined;
  clearTimeout(liveRetry);
  events?.close();
  $('live').textContent = 'offline';
  $('live').className = 'live';
  $('shell').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = 'Your sign-in has ended (the token was revoked or has expired). Sign in again to go on.';
  $('token').focus();
}

async function enter(me) {
  await loadPermissions(me.role, me.name, me.phone);
  const same = entered?.name === me.name && entered?.role === me.role;
  const first = !entered;
  signedIn = me;
  entered = me;
  $('who').textContent = `${me.name} · ${me.role.replace('_', ' ')}`;
  document.body.dataset.role = me.role;
  // A view the role may not read is not offered: a viewer's "Audit" opened on "this action needs the duty_officer role".
  for (const a of document.querySelectorAll('#nav a[data-needs]')) {
    const [method, path] = a.dataset.needs.split(' ');
    a.hidden = !can(method, path);
  }
  $('sign-in').hidden = true;
  $('sign-in-error').textContent = '';
  $('shell').hidden = false;
  // Problems with the WhatsApp number are theirs to act on, whatever view they are in.
  if (!bannerStarted && atLeast('duty_officer')) {
    bannerStarted = true;
    startAlertBanner($('alert-banner'), (fn) => sessionListeners.add(fn));
  }
  // The tab's title counts incidents nobody has taken: seen from another tab.
  // And the WhatsApp number's state, whatever the view: a plain disconnect raises no banner.
  if (!titleStarted) {
    titleStarted = true;
    startTitleCount((fn) => sessionListeners.add(fn));
    startWhatsAppState($('whatsapp-state'), (fn) => sessionListeners.add(fn));
  }
  onSignedOut(sessionEnded);
  connectLive();
  if (first) window.addEventListener('hashchange', route);
  // The same person back: the live stream's ready reloads the view, keeping what they typed.
  if (!same || movedWhileOut) {
    movedWhileOut = false;
    await route();
  }
}

async function signIn(e) {
  e.preventDefault();
  $('sign-in-error').textContent = '';
  try {
    const me = await api('POST', '/dashboard/session', { token: $('token').value.trim() });
    $('token').value = '';
    await enter(me);
  } catch (err) {
    // A token too short to be one (a password typed from habit) is refused as the API words it,
    // "body.token: must be an API token": said as for any token that is not valid.
    $('sign-in-error').textContent =
      err.status === 401 || err.status === 400 ? 'This token is not valid: paste the whole API token you were given.' : err.message;
  }
}

/**
 * Only the server can clear the HttpOnly cookie: when it cannot be reached the officer is told, instead
 * of a button that did nothing (on a shared laptop, the next person found the dashboard signed in).
 */
async function signOut() {
  try {
    await api('DELETE', '/dashboard/session');
  } catch (err) {
    toast(`Not signed out: ${err.message} Until then, anyone at this browser is still signed in as you.`, 'error');
    return;
  }
  signedIn = undefined;
  clearTimeout(liveRetry);
  events?.close();
  location.hash = '';
  location.reload();
}

/**
 * What the browser scrolls to (a required field it points at, a control reached with Tab, a welfare
 * check opened from an incident) stops below the sticky top bar and the WhatsApp banner under it: on
 * a phone, "Please fill out this field" pointed at a field hidden behind the bar.
 */
function keepClearOfTopBar() {
  const top = document.querySelector('.top');
  const pad = () => {
    document.documentElement.style.scrollPaddingTop = `${Math.ceil(top.getBoundingClientRect().height) + 8}px`;
  };
  new ResizeObserver(pad).observe(top);
  pad();
}

async function main() {
  keepClearOfTopBar();
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', guarded(signOut));
  try {
    await enter(await api('GET', '/api/me'));
  } catch {
    $('sign-in').hidden = false;
    $('token').focus();
  }
}

main();
