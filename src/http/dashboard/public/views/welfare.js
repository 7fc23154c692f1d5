// Welfare checks: start one, tallies per region, non-responders for phone follow-up, CSV export.
import { api, can, optional } from '../api.js';
import { onChange, toast } from '../app.js';
import { debounced, el } from '../dom.js';
import { audienceForm, summaryOf } from './audience.js';
import { knownIds, remember } from './recent.js';

const csvCell = (v) => {
  const s = String(v ?? '');
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : s;
};

/** The check as CSV: one line per region, then one per non-responder. */
export function toCsv(check, nonResponders) {
  const lines = [['section', 'region', 'safe', 'help', 'no answer', 'total', 'name', 'phone']];
  for (const [region, t] of Object.entries(check.byRegion ?? {}))
    lines.push(['tally', region, t.safe, t.help, t.noAnswer, t.total, '', '']);
  for (const p of nonResponders) lines.push(['no answer', p.region, '', '', '', '', p.name, p.phone]);
  return lines.map((l) => l.map(csvCell).join(',')).join('\r\n');
}

function download(name, text) {
  const a = el('a', { href: URL.createObjectURL(new Blob([text], { type: 'text/csv' })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

async function checkCard(id) {
  const check = await optional('GET', `/api/welfare-checks/${encodeURIComponent(id)}`);
  if (!check) return '';
  const people =
    (await optional('GET', `/api/welfare-checks/${encodeURIComponent(id)}/non-responders`).catch(() => undefined))?.items ?? [];
  const c = check.counts ?? {};
  const rows = Object.entries(check.byRegion ?? {}).map(([region, t]) =>
    el(
      'tr',
      {},
      el('td', {}, region),
      el('td', {}, t.safe ?? 0),
      el('td', { className: t.help ? 'warn' : '' }, t.help ?? 0),
      el('td', {}, t.noAnswer ?? 0),
    ),
  );
  return el(
    'section',
    { className: 'card welfare', dataset: { id } },
    el('h2', {}, `Welfare check ${id}`),
    el(
      'p',
      { className: 'tally' },
      el('strong', {}, `${c.safe ?? 0} safe`),
      ` · `,
      el('strong', { className: 'warn' }, `${c.help ?? 0} need help`),
      ` · ${c.noAnswer ?? 0} no answer · ${c.total ?? 0} asked`,
    ),
    el('table', {}, el('tr', {}, ...['Region', 'Safe', 'Need help', 'No answer'].map((h) => el('th', {}, h))), ...rows),
    el('h3', {}, `Non-responders to call (${people.length})`),
    people.length
      ? el(
          'ul',
          {},
          ...people.map((p) => el('li', {}, `${p.name ?? 'unnamed'} · ${p.region ?? ''} · `, el('a', { href: `tel:${p.phone}` }, p.phone))),
        )
      : el('p', { className: 'muted' }, 'None listed yet.'),
    el(
      'button',
      { type: 'button', className: 'act-csv', onclick: () => download(`welfare-${id}.csv`, toCsv(check, people)) },
      'Export CSV',
    ),
  );
}

export async function render(root, [focus]) {
  if (focus) remember('welfare', focus);
  const summary = await summaryOf();
  const list = el('div', { className: 'checks-list' });
  const refresh = async () => {
    const ids = await knownIds('welfare', '/api/welfare-checks?limit=20');
    const cards = (await Promise.all(ids.map(checkCard))).filter(Boolean);
    list.replaceChildren(...(cards.length ? cards : [el('p', { className: 'muted' }, 'No welfare check yet.')]));
  };
  const start = can('post', '/api/welfare-checks')
    ? audienceForm(summary, {
        title: 'Ask "are you safe?"',
        perLanguageText: false,
        submitLabel: 'Start welfare check',
        async submit(body) {
          const created = await api('POST', '/api/welfare-checks', body);
          remember('welfare', created.id);
          toast(`Welfare check ${created.id} started`);
          await refresh();
        },
      })
    : '';
  root.replaceChildren(el('h1', {}, 'Welfare checks'), start, list);
  await refresh();
  const later = debounced(() => refresh().catch((err) => toast(err.message, 'error')), 500);
  onChange((c) => {
    if (c.type !== 'welfare.updated') return;
    remember('welfare', c.id);
    later();
  });
  return later.cancel;
}
