// Audit: browse the hash-chained trail, newest first (each page goes further back), and verify the chain.
import { api } from '../api.js';
import { guarded } from '../app.js';
import { el, stamp } from '../dom.js';

const PAGE = 50;

export async function render(root) {
  const rows = el('tbody');
  const result = el('p', { className: 'verify-result', 'aria-live': 'polite' });
  const more = el('button', { type: 'button' }, 'Load older entries');
  let cursor;
  const load = async () => {
    const page = await api('GET', `/api/audit?order=newest&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const e of page.items) {
      rows.append(
        el(
          'tr',
          {},
          // The date and the second: the trail is read days later, and its entries come seconds apart.
          el('td', { className: 'when' }, el('time', { dateTime: e.at }, stamp(e.at))),
          el('td', {}, e.type),
          el('td', {}, e.actor),
          el('td', {}, e.subject ?? ''),
          el('td', { className: 'mono' }, JSON.stringify(e.data ?? {})),
        ),
      );
    }
    cursor = page.nextCursor ?? cursor;
    more.hidden = !page.nextCursor;
  };
  const verify = guarded(async () => {
    const v = await api('GET', '/api/audit/verify');
    result.className = `verify-result ${v.ok ? 'ok' : 'error'}`;
    result.textContent = v.ok
      ? `Chain intact: ${v.entries} entries verified.`
      : `Chain broken at ${v.firstBroken.id}: ${v.firstBroken.reason}`;
  });
  more.addEventListener('click', guarded(load));
  root.replaceChildren(
    el('h1', {}, 'Audit trail'),
    el(
      'div',
      { className: 'row' },
      el('button', { type: 'button', className: 'primary verify', onclick: verify }, 'Verify the chain'),
      result,
    ),
    el(
      'div',
      { className: 'scroll' },
      el(
        'table',
        { className: 'audit' },
        el('thead', {}, el('tr', {}, ...['When', 'What', 'Who', 'Subject', 'Details'].map((h) => el('th', {}, h)))),
        rows,
      ),
    ),
    more,
  );
  await load();
}
