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
  // The seal a sitrep posted in the cell group: proves the trail was not rewritten since (README).
  const seal = el('input', {
    name: 'seal',
    className: 'mono',
    size: 18,
    maxLength: 16,
    placeholder: 'seal from a sitrep',
    'aria-label': 'Audit seal from a sitrep (optional)',
  });
  const verify = guarded(async () => {
    const s = seal.value.trim();
    // Every entry is hashed again: a trail of millions takes a while.
    const v = await api('GET', `/api/audit/verify${s ? `?seal=${encodeURIComponent(s)}` : ''}`, undefined, { timeoutMs: 300_000 });
    const sealed = v.seal?.found ? ` Seal ${s} found: the trail held ${v.seal.entries} entries then and was not rewritten since.` : '';
    // A seal no entry has: the chain itself held (the API checks the seal once every link did). Said
    // as "Chain broken at seal", a digit mistyped at 3 a.m. read as a trail tampered with.
    const unsealed = !v.ok && v.firstBroken?.id === 'seal';
    result.className = `verify-result ${v.ok ? 'ok' : unsealed ? 'warn' : 'error'}`;
    result.textContent = v.ok
      ? `Chain intact: ${v.entries} entries verified.${sealed}`
      : unsealed
        ? `Chain intact: ${v.entries} entries verified, but no entry has the seal ${s}. Check it against the sitrep, digit by digit: ` +
          'if it is the seal the sitrep posted, the trail was rewritten or cut since it was sealed.'
        : `Chain broken at ${v.firstBroken.id}: ${v.firstBroken.reason}`;
  });
  more.addEventListener('click', guarded(load));
  root.replaceChildren(
    el('h1', {}, 'Audit trail'),
    el(
      'div',
      { className: 'row' },
      seal,
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
