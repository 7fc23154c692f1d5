// Incidents opened by one welfare check's HELP answers (#/incidents/welfare/WFC-0003): where the welfare
// card's "N need help" leads. API: GET /api/incidents?welfareCheck=WFC-0003&timeline=false (every page).
import { api } from '../api.js';
import { guarded, liveRefresh, toast } from '../app.js';
import { el, oneAtATime } from '../dom.js';
import { ACTIVE, acknowledge, incidentRow, refreshAges } from './incidents-common.js';

async function ofWelfareCheck(check) {
  const items = [];
  let cursor = '';
  for (;;) {
    const page = await api(
      'GET',
      `/api/incidents?welfareCheck=${encodeURIComponent(check)}&limit=200&timeline=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
}

export async function render(root, [by, check]) {
  if (by !== 'welfare' || !/^WFC-\d{4,}$/.test(check ?? '')) {
    root.replaceChildren(el('h1', {}, 'Incidents'), el('p', { className: 'error' }, 'This list needs a welfare check.'));
    return undefined;
  }
  let left = false;
  const draw = oneAtATime(async () => {
    const items = await ofWelfareCheck(check);
    if (left) return;
    const onAck = guarded(async (id) => {
      await acknowledge(id);
      toast(`${id} acknowledged`);
      await draw();
    });
    const active = items.filter((i) => ACTIVE.has(i.status)).length;
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
  });
  const stop = liveRefresh((c) => c.type.startsWith('incident.'), draw, 300);
  await draw();
  const ages = setInterval(() => refreshAges(root), 30_000);
  return () => {
    left = true;
    clearInterval(ages);
    stop();
  };
}
