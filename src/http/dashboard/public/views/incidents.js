// Incidents by status and severity (#/incidents/status=resolved&severity=critical): where the board's
// counts lead, and the only way to an incident once it was resolved or closed. API: GET
// /api/incidents?status=&severity=&timeline=false (the active ones: status=open,acknowledged,in_progress, every page).
// Incidents opened by one welfare check's HELP answers (#/incidents/welfare/WFC-0003): where the welfare
// card's "N need help" leads. API: GET /api/incidents?welfareCheck=WFC-0003&timeline=false (every page).
// "Download CSV": GET /api/incidents/export?format=csv&status=&severity= (what the filters show), after
// GET /api/me (a sign-in that ended goes back to the sign-in page rather than a failed download).
import { api, can, optional } from '../api.js';
import { guarded, liveRefresh, toast } from '../app.js';
import { el, keepFocus, oneAtATime } from '../dom.js';
import {
  ACTIVE,
  acknowledge,
  everyPage,
  filterHash,
  incidentRow,
  listIncidents,
  refreshAges,
  SEVERITIES,
  STATUSES,
} from './incidents-common.js';

/** Rows of a finished status (resolved, closed: they pile up over a crisis) fetched per "Show older". */
const PAGE = 100;
const words = (s) => String(s).replace(/_/g, ' ');

/** The filter a hash names: {status: 'active' | 'all' | a status, severity: '' | a severity}. */
export function filterOf(arg = '') {
  const q = new URLSearchParams(arg);
  const status = q.get('status') ?? 'active';
  const severity = q.get('severity') ?? '';
  return {
    status: status === 'active' || status === 'all' || STATUSES.includes(status) ? status : 'active',
    severity: SEVERITIES.includes(severity) ? severity : '',
  };
}

/** The incidents one filter selects, newest first: `shown` of them at least when there are more ({items, more}). */
async function filtered({ status, severity }, shown) {
  if (status === 'active') {
    const items = (await listIncidents()).filter((i) => !severity || i.severity === severity);
    return { items, more: false };
  }
  const items = [];
  let cursor = '';
  const query = `${status === 'all' ? '' : `status=${encodeURIComponent(status)}&`}${severity ? `severity=${encodeURIComponent(severity)}&` : ''}`;
  for (;;) {
    const page = await api(
      'GET',
      `/api/incidents?${query}limit=${PAGE}&timeline=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    if (!page.nextCursor) return { items, more: false };
    if (items.length >= shown) return { items, more: true };
    cursor = page.nextCursor;
  }
}

/**
 * The export of what a filter shows, as a plain link: the browser sends the session cookie and writes
 * the file to disk as it streams (a Blob would hold 100,000 incidents in the page), and the token
 * never appears in the address.
 */
export function exportHref({ status, severity }) {
  const q = new URLSearchParams({ format: 'csv' });
  if (status !== 'all') q.set('status', status);
  if (severity) q.set('severity', severity);
  return `/api/incidents/export?${q}`;
}

/**
 * "Download CSV". A download the server refuses fails in the browser's downloads, not in the page: with
 * the sign-in ended (the token revoked, the 12-hour cookie expired) the officer saw nothing happen. So
 * the session is checked first (GET /api/me): ended, the sign-in page comes back saying why, as for any
 * action; still good, the link downloads as a plain link does.
 */
function exportLink(filter) {
  let checked = false;
  const link = el(
    'a',
    {
      className: 'button act-export',
      href: exportHref(filter),
      download: '',
      onclick: async (e) => {
        if (checked) {
          checked = false;
          return;
        }
        e.preventDefault();
        try {
          await api('GET', '/api/me');
        } catch (err) {
          // A 401 has brought the sign-in page back (api.js); anything else is said here.
          if (err.status !== 401) toast(`Not downloaded: ${err.message}`, 'error');
          return;
        }
        checked = true;
        link.click();
      },
    },
    'Download CSV',
  );
  return link;
}

/**
 * The filter select a change came from, and the address it led to: the view is drawn again for
 * that address, and the keyboard goes back to the same select. An officer moving through the
 * statuses with the arrow keys lost the select, and the keyboard, at every step.
 */
let changedFilter;

async function byFilter(root, arg) {
  const filter = filterOf(arg);
  const go = (change, from) => {
    const hash = filterHash({ ...filter, ...change });
    changedFilter = { id: from.id, hash };
    location.hash = hash;
  };
  const statusPick = el(
    'select',
    { id: 'filter-status', onchange: (e) => go({ status: e.target.value }, e.target) },
    ...[['active', 'active (open, acknowledged, in progress)'], ...STATUSES.map((s) => [s, words(s)]), ['all', 'all']].map(([v, label]) =>
      el('option', { value: v, selected: v === filter.status }, label),
    ),
  );
  const severityPick = el(
    'select',
    { id: 'filter-severity', onchange: (e) => go({ severity: e.target.value }, e.target) },
    ...[['', 'any'], ...SEVERITIES.map((s) => [s, s])].map(([v, label]) =>
      el('option', { value: v, selected: v === filter.severity }, label),
    ),
  );
  const title = el('h2', {});
  const list = el('div', {});
  let shown = PAGE;
  let left = false;
  const draw = oneAtATime(async () => {
    const { items, more } = await filtered(filter, shown);
    if (left) return;
    const onAck = guarded(async (id) => {
      await acknowledge(id);
      toast(`${id} acknowledged`);
      await draw();
    });
    title.textContent = `${filter.status === 'all' ? 'All' : words(filter.status).replace(/^./, (c) => c.toUpperCase())}${filter.severity ? `, ${filter.severity}` : ''}, newest first (${items.length}${more ? '+' : ''})`;
    const older = guarded(async () => {
      shown += PAGE;
      await draw();
    });
    const refocus = keepFocus(list);
    list.replaceChildren(
      items.length
        ? el('ul', { className: 'incidents' }, ...items.map((i) => incidentRow(i, onAck)))
        : el('p', { className: 'muted' }, 'No incident matches.'),
      more ? el('button', { type: 'button', className: 'act-older', onclick: older }, 'Show older') : '',
    );
    refocus();
  });
  root.replaceChildren(
    el('p', {}, el('a', { href: '#/board' }, '← Board')),
    el('h1', {}, 'Incidents'),
    el(
      'div',
      { className: 'row filters' },
      el('label', { htmlFor: 'filter-status' }, 'Status'),
      statusPick,
      el('label', { htmlFor: 'filter-severity' }, 'Severity'),
      severityPick,
      can('GET', '/api/incidents/export') ? exportLink(filter) : '',
    ),
    el('section', { className: 'card' }, title, list),
  );
  const from = changedFilter;
  changedFilter = undefined;
  if (from?.id && from.hash === location.hash) root.querySelector(`#${CSS.escape(from.id)}`)?.focus();
  return keepLive(root, draw, () => {
    left = true;
  });
}

/** Redraws the view on every change to an incident and keeps its ages fresh; returns its cleanup (`leave` first). */
async function keepLive(root, draw, leave) {
  const stop = liveRefresh((c) => c.type.startsWith('incident.'), draw, 300);
  await draw();
  const ages = setInterval(() => refreshAges(root), 30_000);
  return () => {
    leave();
    clearInterval(ages);
    stop();
  };
}

export async function render(root, [by, check]) {
  if (by !== 'welfare') return byFilter(root, by);
  if (!/^WFC-\d{4,}$/.test(check ?? '')) {
    root.replaceChildren(el('h1', {}, 'Incidents'), el('p', { className: 'error' }, 'This list needs a welfare check.'));
    return undefined;
  }
  // A check that does not exist has no HELP answers: "none yet" would send the officer waiting for them.
  if (!(await optional('GET', `/api/welfare-checks/${encodeURIComponent(check)}`))) {
    root.replaceChildren(
      el('p', {}, el('a', { href: '#/welfare' }, '← Welfare checks')),
      el('h1', {}, 'Incidents'),
      el('p', { className: 'error', role: 'alert' }, `Welfare check ${check} was not found.`),
    );
    return undefined;
  }
  let left = false;
  const draw = oneAtATime(async () => {
    const items = await everyPage(`welfareCheck=${encodeURIComponent(check)}`);
    if (left) return;
    const onAck = guarded(async (id) => {
      await acknowledge(id);
      toast(`${id} acknowledged`);
      await draw();
    });
    const active = items.filter((i) => ACTIVE.has(i.status)).length;
    const refocus = keepFocus(root);
    root.replaceChildren(
      el('p', {}, el('a', { href: `#/welfare/${encodeURIComponent(check)}` }, `← Welfare check ${check}`)),
      el('h1', {}, `Incidents from welfare check ${check}`),
      el(
        'section',
        { className: 'card' },
        el('h2', {}, `Citizens who answered HELP (${items.length}; ${active} still active)`),
        items.length
          ? el('ul', { className: 'incidents' }, ...items.map((i) => incidentRow(i, onAck)))
          : el('p', { className: 'muted' }, 'No HELP answer has opened an incident yet.'),
      ),
    );
    refocus();
  });
  return keepLive(root, draw, () => {
    left = true;
  });
}
