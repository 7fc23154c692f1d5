// Alerts: compose per language with the audience's recipient count; approval queue; delivery progress.
// API: GET /api/alerts → {items: [{id, status, code, exercise, audience, text, author, approvedBy?, createdAt, counts,
// fanOutStalledSince?}]};
// POST /api/alerts {audience, text, exercise?}; POST /api/alerts/:id/approve | cancel.
import { api, can, myself, optional, regionName } from '../api.js';
import { guarded, liveRefresh, toast } from '../app.js';
import { confirmable, el, keepFocus, oneAtATime, when } from '../dom.js';
import { audienceForm, progressBar, stalledWarning, summaryOf } from './audience.js';

const RUNNING = new Set(['pending_approval', 'sending']);
const same = (a, b) =>
  String(a ?? '')
    .trim()
    .toLowerCase() ===
  String(b ?? '')
    .trim()
    .toLowerCase();
/** The author cannot approve their own alert (the API refuses it too), so the page does not offer it. */
const authoredByMe = (a) => same(a.author, myself());

/** "everyone", "north, coast · fr", "+ cell groups". */
export function describeAudience(a = {}) {
  const parts = [];
  if (a.all) parts.push('everyone');
  if (a.regions?.length) parts.push(a.regions.map(regionName).join(', '));
  if (a.languages?.length) parts.push(`in ${a.languages.join(', ')}`);
  if (a.reporters) parts.push('+ who reported there');
  if (a.cellGroups) parts.push('+ crisis-cell groups');
  return parts.join(' · ') || 'nobody';
}

/** A button whose spoken name says which alert it acts on (a screen reader hears a list of them). */
function actionButton(label, className, run, id) {
  return el('button', { type: 'button', className, onclick: run, 'aria-label': `${label}: alert ${id}` }, label);
}

function alertActions(a, refresh) {
  const call = (verb, done) =>
    guarded(async () => {
      await api('POST', `/api/alerts/${encodeURIComponent(a.id)}/${verb}`);
      toast(`Alert ${a.id} ${done}`);
      await refresh();
    });
  const mayApprove = a.status === 'pending_approval' && can('post', '/api/alerts/:id/approve') && !authoredByMe(a);
  const mayCancel = RUNNING.has(a.status) && can('post', '/api/alerts/:id/cancel');
  if (!mayApprove && !mayCancel && a.status !== 'pending_approval') return '';
  return el(
    'div',
    { className: 'row' },
    mayApprove ? actionButton('Approve and send', 'primary act-approve', call('approve', 'approved'), a.id) : '',
    a.status === 'pending_approval' && authoredByMe(a)
      ? el('span', { className: 'muted' }, 'Waiting for a second officer to approve.')
      : '',
    mayCancel ? cancelButton(a, call('cancel', 'cancelled')) : '',
  );
}

/** "Reject" / "Stop sending", asked again in the page first: a mis-tap must not stop an alert to thousands. */
function cancelButton(a, run) {
  const people = `${Number(a.counts?.total ?? 0).toLocaleString()} ${a.counts?.total === 1 ? 'person' : 'people'}`;
  const rejecting = a.status === 'pending_approval';
  const label = rejecting ? 'Reject' : 'Stop sending';
  return confirmable({
    key: `alert:${a.id}:${label}`,
    label,
    ariaLabel: `${label}: alert ${a.id}`,
    className: 'danger act-cancel',
    question: rejecting
      ? `Reject alert ${a.id}? It will not go to ${people}. This cannot be undone.`
      : `Stop sending alert ${a.id} to ${people}? Those not sent to yet will not get it. This cannot be undone.`,
    keepLabel: rejecting ? 'Keep for approval' : 'Keep sending',
    confirmLabel: rejecting ? `Confirm: reject ${a.id}` : `Confirm: stop sending ${a.id}`,
    run,
  });
}

/** What citizens read, in each language given: the approving officer checks the words, not only the audience. */
function alertTexts(text = {}) {
  const entries = Object.entries(text);
  if (!entries.length) return '';
  return el('dl', { className: 'alert-text' }, ...entries.flatMap(([lang, t]) => [el('dt', {}, lang), el('dd', { dir: 'auto' }, t)]));
}

/** "1 reads ar and 1 reads fr: they get the en text", from POST /api/alerts' {untranslated, fallback}; '' when none. */
export function untranslatedLine(untranslated = {}, fallback = 'en') {
  const parts = Object.entries(untranslated)
    .filter(([, n]) => Number(n) > 0)
    .map(([lang, n]) => `${n} ${Number(n) === 1 ? 'reads' : 'read'} ${lang}`);
  if (!parts.length) return '';
  const who = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
  return `${who}: they get the ${fallback} text`;
}

/**
 * On an alert awaiting approval, the configured languages its audience reaches and it has no text in:
 * the approving officer learns that those readers get another language's text. The list does not
 * carry the counts the author was told (POST's `untranslated`), so the languages are named, not counted.
 */
function missingTextNote(a, summary) {
  if (a.status !== 'pending_approval' || a.exercise) return '';
  const text = a.text ?? {};
  const has = (l) => Boolean(String(text[l] ?? '').trim());
  const configured = Object.keys(summary?.byLanguage ?? {});
  const reached = a.audience?.languages?.length ? a.audience.languages : configured;
  const missing = reached.filter((l) => !has(l) && (summary?.byLanguage?.[l] ?? 0) > 0);
  const fallback = configured.find(has) ?? Object.keys(text).find(has);
  if (!missing.length || !fallback) return '';
  const list = (word) => (missing.length === 1 ? missing[0] : `${missing.slice(0, -1).join(', ')} ${word} ${missing.at(-1)}`);
  return el('p', { className: 'warn untranslated' }, `⚠️ No ${list('or')} text: its ${list('and')} readers get the ${fallback} text.`);
}

function alertCard(a, refresh, focus, summary) {
  const c = a.counts ?? {};
  return el(
    'li',
    { className: `alert-item status-${a.status}${a.id === focus ? ' focus' : ''}`, dataset: { id: a.id } },
    el(
      'div',
      { className: 'row' },
      el('strong', {}, `Alert ${a.id}`),
      el('span', { className: `badge status-${a.status}` }, String(a.status).replace(/_/g, ' ')),
      a.exercise ? el('span', { className: 'badge exercise' }, 'exercise') : '',
      a.code ? el('span', { className: 'muted' }, `code ${a.code}`) : '',
    ),
    stalledWarning(a),
    el(
      'p',
      { className: 'muted' },
      `To ${describeAudience(a.audience)} · by ${a.author}${a.approvedBy ? `, approved by ${a.approvedBy}` : ''} · ${when(a.createdAt)}`,
    ),
    alertTexts(a.text),
    missingTextNote(a, summary),
    progressBar(c),
    el(
      'p',
      { className: 'muted' },
      ['total', 'queued', 'sent', 'delivered', 'read', 'failed', 'cancelled'].map((k) => `${k} ${c[k] ?? 0}`).join(' · '),
    ),
    alertActions(a, refresh),
  );
}

/** The newest alerts, and the focused one even when it is older; waiting for approval first. */
async function loadAlerts(focus) {
  const items = (await api('GET', '/api/alerts?limit=50')).items ?? [];
  if (focus && !items.some((a) => a.id === focus)) {
    const one = await optional('GET', `/api/alerts/${encodeURIComponent(focus)}`).catch(() => undefined);
    if (one) items.push(one);
  }
  return [...items.filter((a) => a.status === 'pending_approval'), ...items.filter((a) => a.status !== 'pending_approval')];
}

function composeForm(summary, refresh) {
  if (!can('post', '/api/alerts')) return '';
  return audienceForm(summary, {
    title: 'Compose an alert',
    textRequired: true,
    reporters: true,
    submitLabel: 'Send alert',
    async submit(body, idempotencyKey) {
      const created = await api('POST', '/api/alerts', body, { idempotencyKey });
      // An audience of nobody is said as the API says it, and stays until dismissed: "sending to 0" reads like success.
      if (created.note) toast(`⚠️ ${created.note}`, 'error');
      else {
        const done =
          created.status === 'pending_approval'
            ? `Alert ${created.id} to ${created.total} waits for a second officer's approval`
            : `Alert ${created.id} is sending to ${created.total}`;
        // Readers of a language it has no text in get another language's: said, and kept until dismissed
        // (the officer may want to send a translation while there is time).
        const untranslated = untranslatedLine(created.untranslated, created.fallback);
        if (untranslated) toast(`${done}. ⚠️ ${untranslated}.`, 'warning');
        else toast(done);
      }
      await refresh();
    },
  });
}

export async function render(root, [focus]) {
  const summary = await summaryOf();
  const list = el('ul', { className: 'alerts' });
  const refresh = oneAtATime(async () => {
    const alerts = await loadAlerts(focus);
    const refocus = keepFocus(list);
    list.replaceChildren(...alerts.map((a) => alertCard(a, refresh, focus, summary)));
    if (!alerts.length) list.append(el('li', { className: 'muted' }, 'No alert yet.'));
    refocus();
  });
  root.replaceChildren(
    el('h1', {}, 'Alerts'),
    el('section', { className: 'card' }, el('h2', {}, 'Approval queue and progress'), list),
    composeForm(summary, refresh),
  );
  const stop = liveRefresh((c) => c.type === 'alert.updated', refresh, 400);
  await refresh();
  return stop;
}
