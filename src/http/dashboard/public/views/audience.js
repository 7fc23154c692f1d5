// Choosing who receives an alert or a welfare check, with the recipient count before sending.
import { keyFor, optional, regionName } from '../api.js';
import { whileBusy } from '../app.js';
import { el, when } from '../dom.js';

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + (Number(b) || 0), 0);

/**
 * Citizens alerts reach, from GET /api/citizens/summary ({total, reachable, optedOut, byRegion, byLanguage}:
 * byRegion and byLanguage count reachable citizens, keyed by every configured region and language).
 */
export async function summaryOf() {
  const s = (await optional('GET', '/api/citizens/summary').catch(() => undefined)) ?? {};
  const byRegion = s.byRegion ?? {};
  const byLanguage = s.byLanguage ?? {};
  return { total: s.reachable ?? sum(byRegion), registered: s.total ?? 0, optedOut: s.optedOut ?? 0, byRegion, byLanguage };
}

/** How many citizens an audience reaches (exact for all, one dimension; an upper bound for both). */
export function recipientCount(summary, audience) {
  if (audience.all) return { n: summary.total, exact: true };
  const r = audience.regions?.length ? audience.regions.reduce((a, id) => a + (summary.byRegion[id] ?? 0), 0) : undefined;
  const l = audience.languages?.length ? audience.languages.reduce((a, id) => a + (summary.byLanguage[id] ?? 0), 0) : undefined;
  if (r !== undefined && l !== undefined) return { n: Math.min(r, l), exact: false };
  return { n: r ?? l ?? 0, exact: true };
}

const checks = (name, values, label = (id) => id) =>
  el(
    'fieldset',
    { className: 'checks' },
    el('legend', {}, name),
    ...values.map(([id, n]) => el('label', {}, el('input', { type: 'checkbox', name, value: id }), ` ${label(id)} (${n})`)),
  );

const picked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

/** The audience the form describes: everyone, or regions and/or languages; plus the cell groups. */
function audienceOf(form) {
  const regions = picked(form, 'regions');
  const languages = picked(form, 'languages');
  const all = form.elements.all.checked && !regions.length && !languages.length;
  return {
    ...(all ? { all: true } : {}),
    ...(regions.length ? { regions } : {}),
    ...(languages.length ? { languages } : {}),
    ...(form.elements.cellGroups.checked ? { cellGroups: true } : {}),
    ...(form.elements.reporters?.checked ? { reporters: true } : {}),
  };
}

function countText(summary, form) {
  if (form.elements.exercise.checked) return { n: 0, text: 'Exercise: the rostered staff only' };
  const { n, exact } = recipientCount(summary, audienceOf(form));
  const groups = form.elements.cellGroups.checked ? ' and the crisis-cell groups' : '';
  const reporters = form.elements.reporters?.checked ? ', and who reported from there without registering' : '';
  return { n, text: `${exact ? '' : 'up to '}${n} citizen${n === 1 ? '' : 's'}${reporters}${groups}` };
}

/** One textarea per configured language; the alert needs at least one, the welfare check none. */
function textFields(languages, textRequired) {
  return languages.map((lang) =>
    el(
      'label',
      {},
      textRequired ? `Text (${lang})` : `Question (${lang}; optional: the standard "are you safe?" text otherwise)`,
      el('textarea', { name: `text-${lang}`, rows: textRequired ? 3 : 2, dir: lang === 'ar' ? 'rtl' : 'auto' }),
    ),
  );
}

function audienceFields(summary, reporters) {
  return [
    el('label', {}, el('input', { type: 'checkbox', name: 'all', checked: true, defaultChecked: true }), ' Everyone registered'),
    summary.optedOut
      ? el('p', { className: 'muted' }, `${summary.optedOut} of ${summary.registered} registered citizens opted out (STOP).`)
      : '',
    checks('regions', Object.entries(summary.byRegion), regionName),
    checks('languages', Object.entries(summary.byLanguage)),
    reporters
      ? el(
          'label',
          {},
          el('input', { type: 'checkbox', name: 'reporters', checked: true, defaultChecked: true }),
          ' Also who reported from there in the last 14 days without registering',
        )
      : '',
    el('label', {}, el('input', { type: 'checkbox', name: 'cellGroups' }), ' Also post in the crisis-cell groups'),
    el(
      'label',
      { className: 'switch' },
      el('input', { type: 'checkbox', name: 'exercise', role: 'switch' }),
      ' Exercise (drill: rostered staff only, marked EXERCISE)',
    ),
  ];
}

/** A form: audience, text per language, the live recipient count, submit ({audience, text?, exercise?}). */
export function audienceForm(summary, { title, textRequired, submitLabel, submit, reporters = false }) {
  const languages = Object.keys(summary.byLanguage).length ? Object.keys(summary.byLanguage) : ['en'];
  const count = el('p', { className: 'recipients', 'aria-live': 'polite' });
  const error = el('p', { className: 'error', role: 'alert' });
  const form = el(
    'form',
    { className: 'card audience' },
    el('h2', {}, title),
    ...audienceFields(summary, reporters),
    count,
    ...textFields(languages, textRequired),
    el('button', { type: 'submit', className: 'primary' }, submitLabel),
    error,
  );
  const update = () => {
    const { n, text } = countText(summary, form);
    count.textContent = text;
    count.dataset.count = String(n);
  };
  // "Everyone" and a choice of regions or languages exclude each other: left ticked beside "Coastal
  // Province", "Everyone registered" told the officer the alert went to all while it went to the coast.
  form.addEventListener('change', (e) => {
    const name = e.target?.name;
    if (name === 'all' && e.target.checked) {
      for (const box of form.querySelectorAll('input[name="regions"], input[name="languages"]')) box.checked = false;
    } else if ((name === 'regions' || name === 'languages') && e.target.checked) {
      form.elements.all.checked = false;
    }
    update();
  });
  // One request per intent: the button is disabled while it runs (a double click sent two alerts), and
  // the same request sent again after a lost answer carries the same Idempotency-Key.
  const sending = {};
  form.addEventListener('submit', (e) =>
    whileBusy([e], async () => {
      e.preventDefault();
      error.textContent = '';
      const text = Object.fromEntries(languages.map((l) => [l, form.elements[`text-${l}`].value.trim()]).filter(([, t]) => t));
      if (textRequired && !Object.keys(text).length) {
        error.textContent = 'Write the text in at least one language.';
        return;
      }
      const exercise = form.elements.exercise.checked;
      const body = { audience: audienceOf(form), ...(Object.keys(text).length ? { text } : {}), ...(exercise ? { exercise } : {}) };
      try {
        await submit(body, keyFor(sending, body));
        sending.sent = undefined;
        form.reset();
        update();
      } catch (err) {
        error.textContent = err.message;
      }
    }),
  );
  update();
  return form;
}

/**
 * A broadcast whose queueing gave up after repeated errors (`fanOutStalledSince`, only then in the API)
 * says so in words: its badge and bar alone read as one sending normally.
 */
export function stalledWarning(b) {
  if (!b.fanOutStalledSince) return '';
  return el(
    'p',
    { className: 'warn fanout-stalled' },
    `⚠️ Queueing stopped after repeated errors at ${when(b.fanOutStalledSince)}: part of the audience is not queued yet. ` +
      'It is tried again automatically; the crisis cell is told when it goes on.',
  );
}

/**
 * A bar with one segment per delivery state; 100% when every recipient was sent, failed or cancelled.
 * Counts are cumulative (sent includes delivered, delivered includes read), so each segment shows only
 * its own step. Not `total - queued`: an alert waiting for approval has nothing queued and nothing done.
 */
export function progressBar(c) {
  const total = c.total || 0;
  const done = total ? Math.min(total, (c.sent ?? 0) + (c.failed ?? 0) + (c.cancelled ?? 0)) : 0;
  const pct = total ? Math.round((done / total) * 100) : 0;
  const parts = {
    read: c.read ?? 0,
    delivered: Math.max(0, (c.delivered ?? 0) - (c.read ?? 0)),
    sent: Math.max(0, (c.sent ?? 0) - (c.delivered ?? 0)),
    failed: c.failed ?? 0,
    cancelled: c.cancelled ?? 0,
  };
  const seg = (k) =>
    total && parts[k]
      ? el('span', { className: `seg seg-${k}`, style: `width:${(parts[k] / total) * 100}%`, title: `${k}: ${parts[k]}` })
      : '';
  return el(
    'div',
    {
      className: 'progress',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuenow': pct,
      dataset: { percent: pct },
    },
    ...Object.keys(parts).map(seg),
    el('span', { className: 'pct' }, `${pct}%`),
  );
}
