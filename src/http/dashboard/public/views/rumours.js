// Rumours: forwarded messages claiming to come from the embassy or the local authorities, fake alerts
// and altered copies of genuine ones that citizens sent in, the most spread first; live. A panel of the board, and a view of their own.
// API: GET /api/rumours?since=&sort=&limit=&cursor= → {items: [{id, text, language, kind, alert,
// citizens, forwards, firstSeen, lastSeen, incidents, incidentCount}], nextCursor, total}.
import { api, can } from '../api.js';
import { guarded, liveRefresh } from '../app.js';
import { ago, el, oneAtATime, when } from '../dom.js';
import { refreshAges } from './incidents-common.js';

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** What the rumour pretends to be, as a badge; an altered copy links to the genuine alert. */
function kindOf(r) {
  if (r.kind === 'altered_alert')
    return el(
      'span',
      { className: 'badge rumour-altered' },
      'Altered copy of ',
      el('a', { href: `#/alerts/${encodeURIComponent(r.alert)}` }, r.alert),
      ' (genuine alert, words changed)',
    );
  if (r.kind === 'fake_alert') return el('span', { className: 'badge rumour-fake' }, `Fake alert: names ${r.alert}, not sent by us`);
  // It may be true (a real curfew): the citizens were not told it is false, and neither is the officer.
  if (r.kind === 'authorities_claim')
    return el(
      'span',
      { className: 'badge rumour-authorities' },
      'Claims to come from the local authorities: the embassy cannot confirm it; citizens were told to check it on official channels',
    );
  return el('span', { className: 'badge rumour-claim' }, 'Claims to be official');
}

/** The reports a rumour joined (citizens with a report open who forwarded it). */
function incidentsOf(r) {
  if (!r.incidentCount) return '';
  const more = r.incidentCount - r.incidents.length;
  return el(
    'span',
    { className: 'rumour-incidents' },
    'In reports: ',
    ...r.incidents.flatMap((id, i) => [i ? ', ' : '', el('a', { href: `#/incident/${encodeURIComponent(id)}` }, id)]),
    more > 0 ? ` and ${more} more` : '',
  );
}

/** One rumour: how far it spread first (read at a glance), then its words, what it is, when, where it went. */
export function rumourRow(r) {
  const reach =
    r.forwards > r.citizens
      ? `${plural(r.citizens, 'citizen')} sent it (${plural(r.forwards, 'time')})`
      : `${plural(r.citizens, 'citizen')} sent it`;
  return el(
    'li',
    { className: `rumour kind-${r.kind}`, dataset: { id: r.id } },
    el('strong', { className: 'reach' }, reach),
    kindOf(r),
    el('blockquote', { className: 'text', dir: 'auto', lang: r.language || undefined }, r.text),
    el(
      'span',
      { className: 'meta' },
      `first ${when(r.firstSeen)} · last `,
      el('time', { className: 'ago', dateTime: r.lastSeen, title: when(r.lastSeen) }, ago(r.lastSeen)),
    ),
    incidentsOf(r),
  );
}

const fromAuthorities = (r) => r.kind === 'authorities_claim';

/**
 * What to do about the rumours listed: one claiming to be us is countered with an alert (for those who
 * may send one); one claiming the local authorities may be genuine, and is verified with them first.
 */
function advice(items) {
  const counter =
    items.some((r) => !fromAuthorities(r)) && can('post', '/api/alerts')
      ? el(
          'p',
          { className: 'muted counter' },
          'To counter one that claims to be us: ',
          el('a', { href: '#/alerts' }, 'send an alert with the genuine advice'),
          '.',
        )
      : '';
  const verify = items.some(fromAuthorities)
    ? el(
        'p',
        { className: 'muted verify' },
        'One from the local authorities may be genuine: verify it with the authorities before any alert, and do not counter it as a fake.',
      )
    : '';
  return [counter, verify];
}

/** Rumours shown on the board, and the window it looks back over (as /sitrep does). */
const PANEL_SHOWN = 5;
const PANEL_SINCE = '24h';

/**
 * The board's rumours panel: the five most spread in the last 24 hours, and how many there are. It
 * keeps itself up to date on `rumour.updated` (the board redraws on incidents, not on rumours).
 * Returns its element (the board places it at each redraw), its first load and its stop function.
 */
export function rumourPanel() {
  const title = el('h2', {}, 'Rumours going round, last 24 h');
  const list = el('ul', { className: 'rumours' });
  const node = el('section', { className: 'card rumours-panel', 'aria-live': 'polite' }, title, list);
  const refresh = oneAtATime(async () => {
    const page = await api('GET', `/api/rumours?since=${PANEL_SINCE}&limit=${PANEL_SHOWN}`);
    title.textContent = `Rumours going round, last 24 h (${page.total})`;
    const more = page.total - page.items.length;
    list.replaceChildren(...page.items.map(rumourRow));
    node.replaceChildren(
      title,
      page.items.length ? list : el('p', { className: 'muted' }, 'No rumour sent in by citizens in the last 24 hours.'),
      more > 0 ? el('p', { className: 'more' }, el('a', { href: '#/rumours' }, `…and ${more} more: all rumours`)) : '',
      ...advice(page.items),
    );
  });
  const stop = liveRefresh((c) => c.type === 'rumour.updated', refresh, 250);
  // The board shows its incidents even when rumours cannot load; the next change tries again.
  const load = refresh().catch((err) => {
    node.replaceChildren(title, el('p', { className: 'error' }, `Rumours cannot load: ${err.message}`));
  });
  return { node, load, stop };
}

const WINDOWS = [
  ['24h', 'last 24 hours'],
  ['7d', 'last 7 days'],
  ['30d', 'last 30 days'],
];
const SORTS = [
  ['spread', 'most spread first'],
  ['recent', 'latest first'],
];

/** Every page of rumours for a query (there are 1,000 at most). */
async function everyRumour(query) {
  const items = [];
  let cursor = '';
  for (;;) {
    const page = await api('GET', `/api/rumours?${query}&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
}

/** The rumours view: every rumour of a window, most spread or latest first; live. */
export async function render(root) {
  const since = el('select', { id: 'rumours-since' }, ...WINDOWS.map(([v, label]) => el('option', { value: v }, label)));
  const sort = el('select', { id: 'rumours-sort' }, ...SORTS.map(([v, label]) => el('option', { value: v }, label)));
  const list = el('ul', { className: 'rumours' });
  const count = el('p', { className: 'muted', 'aria-live': 'polite' });
  const what = el('div', { className: 'advice' });
  const refresh = oneAtATime(async () => {
    const items = await everyRumour(`since=${since.value}&sort=${sort.value}`);
    const forwards = items.reduce((n, r) => n + r.forwards, 0);
    const warned = items.some(fromAuthorities)
      ? 'Senders were warned each is no genuine message from us, except those claiming the local authorities: citizens were told the embassy cannot confirm them and to check them on official channels.'
      : 'Senders were warned each is no genuine message from us.';
    count.textContent = items.length
      ? `${plural(items.length, 'rumour')}, sent ${plural(forwards, 'time')} in all. ${warned}`
      : 'No rumour sent in by citizens in this period.';
    list.replaceChildren(...items.map(rumourRow));
    what.replaceChildren(...advice(items));
  });
  // A list that cannot load says so: the officer picked "last 7 days" and the old list stayed, unexplained.
  since.addEventListener('change', guarded(refresh));
  sort.addEventListener('change', guarded(refresh));
  root.replaceChildren(
    el('h1', {}, 'Rumours'),
    el(
      'div',
      { className: 'row' },
      el('label', { htmlFor: 'rumours-since' }, 'Sent in the'),
      since,
      el('label', { htmlFor: 'rumours-sort' }, 'shown'),
      sort,
    ),
    el('section', { className: 'card' }, count, list, what),
  );
  const stop = liveRefresh((c) => c.type === 'rumour.updated', refresh, 250);
  await refresh();
  // How long ago each was last sent goes on counting between changes.
  const ages = setInterval(() => refreshAges(root), 30_000);
  return () => {
    clearInterval(ages);
    stop();
  };
}
