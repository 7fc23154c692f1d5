// Welfare checks: start one, tallies per region, non-responders for phone follow-up, CSV export; close
// or withdraw one (welfare-state.js).
// API: GET /api/welfare-checks → {items: [{id, status, exercise, createdAt, counts, byRegion, late, closed?, delivery,
// fanOutStalledSince?}]}
// (counts and each region: {total, safe, help, noAnswer, peopleSafe}); GET /api/welfare-checks/:id/follow-up
// → {items: [{phone, name, region, household}]} (officer); POST /api/welfare-checks {audience, text?, exercise?}.
import { api, can, optional, regionName } from '../api.js';
import { guarded, liveRefresh, toast } from '../app.js';
import { el, keepFocus, oneAtATime, when } from '../dom.js';
import { audienceForm, progressBar, stalledWarning, summaryOf } from './audience.js';
import { endActions, plural, tallies } from './welfare-state.js';

/**
 * A CSV cell, by the rules of the server's exports (src/http/csv.ts): text that a spreadsheet would run
 * as a formula gets a leading ', and so does a phone (+963…), which Excel would otherwise read as a
 * number, losing its + and showing 9.63912E+11.
 */
const csvCell = (v) => {
  const raw = String(v ?? '');
  const s = typeof v === 'string' ? raw.replace(/^([=+\-@\t\r])/, "'$1") : raw;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The check as CSV: one line per region, then one per non-responder (formula-looking cells are defused). */
export function toCsv(check, nonResponders) {
  const lines = [['section', 'region', 'safe', 'people safe', 'help', 'no answer', 'total', 'name', 'phone', 'household']];
  for (const [region, t] of Object.entries(check.byRegion ?? {}))
    lines.push(['tally', region, t.safe, t.peopleSafe, t.help, t.noAnswer, t.total, '', '', '']);
  for (const p of nonResponders) lines.push(['no answer', p.region, '', '', '', '', '', p.name, p.phone, p.household]);
  return lines.map((l) => l.map(csvCell).join(',')).join('\r\n');
}

/** Saves `text` as a UTF-8 CSV file; its byte-order mark makes Excel read it as UTF-8 (Arabic names, accents). */
function download(name, text) {
  const a = el('a', { href: URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

/** The tallies by region; on a phone each region stacks into a card of label/value lines (dashboard.css). */
function regionTable(check) {
  const cell = (label, content, className = '') => el('td', { className, dataset: { label } }, content);
  const rows = Object.entries(check.byRegion ?? {})
    .filter(([, t]) => t.total > 0)
    .map(([region, t]) =>
      el(
        'tr',
        {},
        cell('Region', regionName(region), 'region'),
        cell('Safe', `${t.safe} (${plural(t.peopleSafe, 'person', 'people')})`),
        cell('Need help', t.help, t.help ? 'warn' : ''),
        cell('No answer', t.noAnswer),
        cell('Asked', t.total),
      ),
    );
  const head = el('tr', { className: 'head' }, ...['Region', 'Safe', 'Need help', 'No answer', 'Asked'].map((h) => el('th', {}, h)));
  if (!rows.length) return el('p', { className: 'muted' }, 'Nobody asked by region.');
  const table = el('table', { className: 'tallies stackable' }, head, ...rows);
  // A closed check's final tally is the line above; the regions show it as it is now.
  return check.status === 'closed' ? [el('p', { className: 'muted' }, 'By region, late answers included:'), table] : table;
}

/**
 * Who has not answered, listed on request only (each listing of phone numbers is audited), for officers
 * and up; viewers see the counts. `lists` keeps the lists shown, so live refreshes do not fetch them again.
 */
function followUp(check, lists, refresh) {
  if (!can('get', '/api/welfare-checks/:id/follow-up')) return [];
  const load = guarded(async () => {
    const page = await api('GET', `/api/welfare-checks/${encodeURIComponent(check.id)}/follow-up`);
    lists.set(check.id, { people: page.items ?? [], at: new Date().toISOString() });
    await refresh();
  });
  const listed = lists.get(check.id);
  const people = listed?.people;
  const button = el(
    'button',
    { type: 'button', className: 'act-follow-up', onclick: load },
    people ? 'Reload the list' : 'List who has not answered',
  );
  if (!people) return [button];
  // The list is not fetched again by itself (each listing is audited), but the tallies are live: once
  // someone answered since, the officer is told to reload before calling people who are already safe.
  listed.noAnswer ??= check.counts.noAnswer;
  const answeredSince = listed.noAnswer - check.counts.noAnswer;
  return [
    el('h3', {}, `Not answered: call them (${people.length})`),
    el(
      'p',
      { className: answeredSince ? 'stale warn' : 'muted' },
      answeredSince > 0
        ? `Listed at ${when(listed.at)}; ${answeredSince} answered since: reload the list before calling.`
        : answeredSince < 0
          ? `Listed at ${when(listed.at)}; the tallies changed since: reload the list before calling.`
          : `Listed at ${when(listed.at)}.`,
    ),
    people.length
      ? el(
          'ul',
          { className: 'non-responders' },
          ...people.map((p) =>
            el(
              'li',
              {},
              // A name in Arabic keeps its own direction without scrambling the line around it.
              el('bdi', {}, p.name || 'unnamed'),
              ` · ${regionName(p.region)} · household ${p.household} · `,
              el('a', { href: `tel:${p.phone}` }, p.phone),
            ),
          ),
        )
      : el('p', { className: 'muted' }, 'Everyone answered.'),
    el(
      'div',
      { className: 'row' },
      button,
      el(
        'button',
        { type: 'button', className: 'act-csv', onclick: () => download(`welfare-${check.id}.csv`, toCsv(check, people)) },
        'Export CSV',
      ),
    ),
  ];
}

function checkCard(check, lists, refresh, focus) {
  return el(
    'section',
    { className: `card welfare${check.id === focus ? ' focus' : ''}`, dataset: { id: check.id } },
    el(
      'h2',
      {},
      `Welfare check ${check.id} `,
      // A cancelled check is "withdrawn" here, the word of its button: never to be confused with closed.
      el('span', { className: `badge status-${check.status}` }, check.status === 'cancelled' ? 'withdrawn' : check.status),
      check.exercise ? el('span', { className: 'badge exercise' }, 'exercise') : '',
    ),
    stalledWarning(check),
    el('p', { className: 'muted' }, `Started ${when(check.createdAt)}`),
    ...tallies(check),
    progressBar(check.delivery ?? {}),
    regionTable(check),
    ...followUp(check, lists, refresh),
    endActions(check, refresh),
  );
}

/** The newest checks, and the focused one even when it is older. */
async function loadChecks(focus) {
  const items = (await api('GET', '/api/welfare-checks?limit=20')).items ?? [];
  if (focus && !items.some((w) => w.id === focus)) {
    const one = await optional('GET', `/api/welfare-checks/${encodeURIComponent(focus)}`).catch(() => undefined);
    if (one) items.unshift(one);
  }
  return items;
}

export async function render(root, [focus]) {
  const summary = await summaryOf();
  const list = el('div', { className: 'checks-list' });
  const lists = new Map();
  const refresh = oneAtATime(async () => {
    const checks = await loadChecks(focus);
    const cards = checks.map((w) => checkCard(w, lists, refresh, focus));
    const refocus = keepFocus(list);
    list.replaceChildren(...(cards.length ? cards : [el('p', { className: 'muted' }, 'No welfare check yet.')]));
    refocus();
  });
  const start = can('post', '/api/welfare-checks')
    ? audienceForm(summary, {
        title: 'Ask "are you safe?"',
        textRequired: false,
        submitLabel: 'Start welfare check',
        async submit(body, idempotencyKey) {
          const created = await api('POST', '/api/welfare-checks', body, { idempotencyKey });
          toast(`Welfare check ${created.id} started: ${created.total} asked`);
          await refresh();
        },
      })
    : '';
  root.replaceChildren(el('h1', {}, 'Welfare checks'), list, start);
  const stop = liveRefresh((c) => c.type === 'welfare.updated', refresh, 500);
  await refresh();
  // Opened from an incident's "Welfare check WFC-0003": that check, even when others are newer.
  list.querySelector('.welfare.focus')?.scrollIntoView({ block: 'start' });
  return stop;
}
