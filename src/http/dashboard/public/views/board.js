// Board: counts by severity and status, what needs someone now, newest first; live.
import { guarded, liveRefresh, toast } from '../app.js';
import { el, oneAtATime } from '../dom.js';
import { acknowledge, incidentCounts, incidentRow, isOverdue, listIncidents, SEVERITIES, STATUSES } from './incidents-common.js';

function counts(count, key, values) {
  const table = el('table', { className: 'counts' });
  const head = el('tr', {}, ...values.map((v) => el('th', {}, v.replace('_', ' '))));
  const row = el('tr', {}, ...values.map((v) => el('td', { className: `${key}-${v}`, dataset: { count: v } }, count(v))));
  table.append(head, row);
  return table;
}

function section(title, items, onAck, empty) {
  return el(
    'section',
    { className: 'card' },
    el('h2', {}, `${title} (${items.length})`),
    items.length
      ? el('ul', { className: 'incidents' }, ...items.map((i) => incidentRow(i, onAck)))
      : el('p', { className: 'muted' }, empty),
  );
}

export async function render(root) {
  let left = false;
  const draw = oneAtATime(async () => {
    // Every active incident however many newer ones came in after it; totals from the server's counts.
    const [active, byStatus] = await Promise.all([listIncidents(), incidentCounts()]);
    if (left) return;
    const total = (status) => Object.values(byStatus[status] ?? {}).reduce((a, n) => a + n, 0);
    const onAck = guarded(async (id) => {
      await acknowledge(id);
      toast(`${id} acknowledged`);
      await draw();
    });
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
      section(
        'Escalated: not acknowledged in time',
        active.filter((i) => isOverdue(i)),
        onAck,
        'Nothing is late.',
      ),
      section(
        'Unassigned',
        active.filter((i) => !i.assignee),
        onAck,
        'Every active incident has someone on it.',
      ),
      section('All active, newest first', active, onAck, 'No active incident.'),
    );
  });
  const stop = liveRefresh((c) => c.type.startsWith('incident.'), draw, 250);
  await draw();
  return () => {
    left = true;
    stop();
  };
}
