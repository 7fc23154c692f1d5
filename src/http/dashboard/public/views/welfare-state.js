// Where a welfare check stands, and the two ways to end it, which must never be mistaken for each other:
// - Close (the normal end: README "Closing a welfare check"): no reminder or follow-up list any more, the
//   final tally posted to the cell; answers that still come are kept, counted as late.
// - Withdraw (cancel), offered only while the question is still going out: for a check sent by mistake.
//   A withdrawn check counts no answer any more, so once everyone was asked only Close is offered.
// API: GET /api/welfare-checks(/:id) → {status, counts, late: {safe, help}, closed?: {at, by, reason, counts},
// delivery}; POST /api/welfare-checks/:id/close (409 already_closed when it was); POST .../cancel.
import { api, can } from '../api.js';
import { guarded, toast } from '../app.js';
import { confirmable, el, when } from '../dom.js';

const RUNNING = new Set(['sending', 'open']);

export const plural = (n, one, many) => `${Number(n).toLocaleString()} ${n === 1 ? one : many}`;

/** "3 safe (7 people) · 1 need help · 2 no answer · 6 asked", the need-help count leading to the incidents it opened. */
export function tallyParts(check, c, link = true) {
  const help = el('strong', { className: 'warn' }, `${c.help} need help`);
  return [
    el('strong', {}, `${c.safe} safe (${plural(c.peopleSafe, 'person', 'people')})`),
    ' · ',
    link
      ? el(
          'a',
          {
            className: 'need-help',
            href: `#/incidents/welfare/${encodeURIComponent(check.id)}`,
            title: 'The incidents these answers opened',
          },
          help,
        )
      : help,
    ` · ${c.noAnswer} no answer · ${c.total} asked`,
  ];
}

const sameCounts = (a, b) => ['total', 'safe', 'help', 'noAnswer', 'peopleSafe'].every((k) => a?.[k] === b?.[k]);

/**
 * The tallies: for a closed check, the final tally as posted to the cell, the answers that came after
 * the close, and the tallies now when they differ; for a withdrawn one, what withdrawing meant.
 */
export function tallies(check) {
  const c = check.counts;
  const closed = check.closed;
  if (check.status === 'cancelled') {
    return [
      el('p', { className: 'tally' }, ...tallyParts(check, c)),
      el('p', { className: 'muted withdrawn' }, 'Withdrawn (cancelled): answers that came after are not counted in it.'),
    ];
  }
  if (check.status !== 'closed' || !closed) return [el('p', { className: 'tally' }, ...tallyParts(check, c))];
  if (closed.reason === 'nobody_asked')
    return [
      el(
        'p',
        { className: 'closed-by' },
        `Closed as it started, at ${when(closed.at)}: nobody was asked (no registered citizen in its audience).`,
      ),
    ];
  const how = closed.reason === 'expired' ? `Closed automatically at ${when(closed.at)}` : `Closed by ${closed.by} at ${when(closed.at)}`;
  const late = check.late ?? { safe: 0, help: 0 };
  const changed = late.safe + late.help > 0 || !sameCounts(c, closed.counts);
  return [
    el('p', { className: 'closed-by' }, `${how}: no reminder or follow-up goes out any more.`),
    el(
      'p',
      { className: changed ? 'final-tally' : 'final-tally tally' },
      'Final tally, posted to the cell: ',
      ...tallyParts(check, closed.counts, !changed),
    ),
    el(
      'p',
      { className: late.help ? 'late warn' : late.safe ? 'late' : 'late muted' },
      late.safe + late.help
        ? `Late answers, after the close: ${late.safe} safe · ${late.help} need help.`
        : 'No answer came after the close.',
    ),
    changed ? el('p', { className: 'tally' }, 'Now, late answers included: ', ...tallyParts(check, c)) : '',
  ];
}

/** Close: the normal end of a check, asked first (it cannot be undone and the tally goes to the cell). */
function closeButton(check, refresh) {
  if (!RUNNING.has(check.status) || !can('post', '/api/welfare-checks/:id/close')) return '';
  const id = check.id;
  const close = guarded(async () => {
    try {
      await api('POST', `/api/welfare-checks/${encodeURIComponent(id)}/close`);
      toast(`Welfare check ${id} closed: its final tally was posted to the cell`);
    } catch (err) {
      // Closed meanwhile (another officer, the automatic close, a retry after a lost answer): nothing changed.
      if (err.code !== 'already_closed') throw err;
      toast(err.message);
    }
    await refresh();
  });
  const c = check.counts;
  const queued = check.delivery?.queued ?? 0;
  return confirmable({
    key: `welfare:${id}:close`,
    label: 'Close this check',
    ariaLabel: `Close welfare check ${id}`,
    className: 'primary act-close',
    question:
      `Close welfare check ${id}? No reminder or follow-up list will go out any more` +
      `${check.status === 'sending' && queued ? `, and ${queued === 1 ? 'the question not yet sent is' : `the ${queued.toLocaleString()} questions not yet sent are`} dropped` : ''}. ` +
      `The final tally (${c.safe} safe, ${c.help} need help, ${c.noAnswer} no answer of ${c.total}) is posted to the cell. ` +
      'Answers that still come in are kept and counted as late; a HELP still opens an incident.',
    keepLabel: 'Keep it open',
    confirmLabel: `Confirm: close ${id}`,
    run: close,
  });
}

/** Withdraw: only while the question is still going out, for a check sent by mistake. */
function withdrawButton(check, refresh) {
  if (check.status !== 'sending' || !can('post', '/api/welfare-checks/:id/cancel')) return '';
  const id = check.id;
  const withdraw = guarded(async () => {
    await api('POST', `/api/welfare-checks/${encodeURIComponent(id)}/cancel`);
    toast(`Welfare check ${id} withdrawn: nothing more goes out, and no answer counts in it`);
    await refresh();
  });
  const d = check.delivery ?? {};
  const asked = Math.max(0, (d.total ?? 0) - (d.queued ?? 0));
  return confirmable({
    key: `welfare:${id}:withdraw`,
    label: 'Sent by mistake? Withdraw',
    ariaLabel: `Withdraw welfare check ${id}`,
    className: 'danger act-cancel',
    question:
      `Withdraw welfare check ${id}? The question stops going out (${asked} of ${plural(d.total ?? 0, 'person', 'people')} asked so far), ` +
      'and the answers of those already asked are no longer counted in it: no tally, reminder or follow-up list. ' +
      'To end a check and keep its answers, close it instead. This cannot be undone.',
    keepLabel: 'Keep sending',
    confirmLabel: `Confirm: withdraw ${id}`,
    run: withdraw,
  });
}

/** The actions that end a running check, for duty officers: Close, and Withdraw while it is still going out. */
export function endActions(check, refresh) {
  const buttons = [closeButton(check, refresh), withdrawButton(check, refresh)].filter(Boolean);
  return buttons.length ? el('div', { className: 'row end-actions' }, ...buttons) : '';
}
