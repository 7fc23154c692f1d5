// Board: counts by severity and status, rumours going round, what needs someone now, newest first; live.
import { guarded, liveRefresh, toast } from '../app.js';
import { el, keepFocus, oneAtATime } from '../dom.js';
import {
  acknowledge,
  filterHash,
  incidentCounts,
  incidentRow,
  isOverdue,
  listIncidents,
  refreshAges,
  SEVERITIES,
  STATUSES,
} from './incidents-common.js';
import { rumourPanel } from './rumours.js';

/** A count per value, each leading to the incidents it counts (views/incidents.js). */
function counts(count, key, values) {
  const table = el('table', { className: 'counts' });
  const head = el('tr', {}, ...values.map((v) => el('th', {}, v.replace('_', ' '))));
  const link = (v) =>
    el(
      'a',
      { href: filterHash({ [key]: v }), 'aria-label': `${count(v)} ${key === 'severity' ? `active ${v}` : v.replace('_', ' ')}` },
      count(v),
    );
  const row = el('tr', {}, ...values.map((v) => el('td', { className: `${key}-${v}`, dataset: { count: v } }, link(v))));
  table.append(head, row);
  return table;
}

/** Rows a section shows; in a flood the rest are counted, not drawn (thousands of rows froze the page). */
const SHOWN = 100;
const RANK = { critical: 0, high: 1, medium: 2, low: 3 };
/** Most urgent first: by severity, then the longest waiting. */
const byUrgency = (a, b) => (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9) || (a.seq ?? 0) - (b.seq ?? 0);

function section(title, items, onAck, empty, order) {
  const rows = order ? [...items].sort(order) : items;
  const more = rows.length - SHOWN;
  return el(
    'section',
    { className: 'card' },
    el('h2', {}, `${title} (${items.length})`),
    items.length
      ? el('ul', { className: 'incidents' }, ...rows.slice(0, SHOWN).map((i) => incidentRow(i, onAck)))
      : el('p', { className: 'muted' }, empty),
    more > 0
      ? el(
          'p',
          { className: 'muted more' },
          `…and ${more} more, not shown: `,
          el('a', { href: filterHash() }, 'filter them by status and severity'),
          '.',
        )
      : '',
  );
}

export async function render(root) {
  let left = false;
  let shown = 0;
  // Redrawn on its own live changes: the board's redraws place it, they do not reload it.
  const rumours = rumourPanel();
  const draw = oneAtATime(async () => {
    // Every active incident however many newer ones came in after it; totals from the server's counts.
    const [active, byStatus] = await Promise.all([listIncidents(), incidentCounts()]);
    if (left) return;
    shown = active.length;
    const total = (status) => Object.values(byStatus[status] ?? {}).reduce((a, n) => a + n, 0);
    const onAck = guarded(async (id) => {
      await acknowledge(id);
      toast(`${id} acknowledged`);
      await draw();
    });
    const refocus = keepFocus(root);
    root.replaceChildren(
      el('h1', {}, 'Board'),
      el(
        'div',
        { className: 'grid two' },
        el(
          'section',
          { className: 'card' },
          el('h2', {}, 'Active by severity'),
          counts((v) => active.filter((i) => i.severity === v).length, 'severity', SEVERITIES),
        ),
        el('section', { className: 'card' }, el('h2', {}, 'All by status'), counts(total, 'status', STATUSES)),
      ),
      rumours.node,
      section(
        'Escalated: not acknowledged in time',
        active.filter((i) => isOverdue(i)),
        onAck,
        'Nothing is late.',
        byUrgency,
      ),
      section(
        'Unassigned, most urgent first',
        active.filter((i) => !i.assignee),
        onAck,
        'Every active incident has someone on it.',
        byUrgency,
      ),
      section('All active, newest first', active, onAck, 'No active incident.'),
    );
    refocus();
  });
  // Thousands of active incidents (a flood) take a while to list and draw: refresh less often then.
  const stop = liveRefresh(
    (c) => c.type.startsWith('incident.'),
    draw,
    () => (shown > 1000 ? 2000 : 250),
  );
  await Promise.all([draw(), rumours.load]);
  // How long each incident has waited goes on counting between changes.
  const ages = setInterval(() => refreshAges(root), 30_000);
  return () => {
    left = true;
    clearInterval(ages);
    stop();
    rumours.stop();
  };
}
