// Choosing who receives an alert or a welfare check, with the recipient count before sending.
import { optional } from '../api.js';
import { el } from '../dom.js';

const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + (Number(b) || 0), 0);

/** Citizens by region and language, from GET /api/citizens/summary ({total?, byRegion, byLanguage}). */
export async function summaryOf() {
  const s = (await optional('GET', '/api/citizens/summary').catch(() => undefined)) ?? {};
  const byRegion = s.byRegion ?? s.regions ?? {};
  const byLanguage = s.byLanguage ?? s.languages ?? {};
  return { total: s.total ?? sum(byRegion), byRegion, byLanguage };
}

/** How many citizens an audience reaches (exact for all, one dimension; an upper bound for both). */
export function recipientCount(summary, audience) {
  if (audience.all) return { n: summary.total, exact: true };
  const r = audience.regions?.length ? audience.regions.reduce((a, id) => a + (summary.byRegion[id] ?? 0), 0) : undefined;
  const l = audience.languages?.length ? audience.languages.reduce((a, id) => a + (summary.byLanguage[id] ?? 0), 0) : undefined;
  if (r !== undefined && l !== undefined) return { n: Math.min(r, l), exact: false };
  return { n: r ?? l ?? 0, exact: true };
}

const checks = (name, values) =>
  el(
    'fieldset',
    { className: 'checks' },
    el('legend', {}, name),
    ...values.map(([id, n]) => el('label', {}, el('input', { type: 'checkbox', name, value: id }), ` ${id} (${n})`)),
  );

const picked = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);

/** A form: audience (everyone, or regions and/or languages), text, the live recipient count, submit. */
export function audienceForm(summary, { title, perLanguageText, submitLabel, submit }) {
  const languages = Object.keys(summary.byLanguage).length ? Object.keys(summary.byLanguage) : ['en'];
  const count = el('p', { className: 'recipients', 'aria-live': 'polite' });
  const error = el('p', { className: 'error', role: 'alert' });
  const texts = perLanguageText
    ? languages.map((lang) =>
        el('label', {}, `Text (${lang})`, el('textarea', { name: `text-${lang}`, rows: 3, dir: lang === 'ar' ? 'rtl' : 'auto' })),
      )
    : [el('label', {}, 'Question (optional; the standard "are you safe?" text otherwise)', el('textarea', { name: 'text', rows: 2 }))];
  const form = el(
    'form',
    { className: 'card audience' },
    el('h2', {}, title),
    el('label', {}, el('input', { type: 'checkbox', name: 'all', checked: true }), ' Everyone registered'),
    checks('regions', Object.entries(summary.byRegion)),
    checks('languages', Object.entries(summary.byLanguage)),
    count,
    ...texts,
    el('button', { type: 'submit', className: 'primary' }, submitLabel),
    error,
  );
  const audience = () => {
    const regions = picked(form, 'regions');
    const langs = picked(form, 'languages');
    const all = form.elements.all.checked && !regions.length && !langs.length;
    return { ...(all ? { all: true } : {}), ...(regions.length ? { regions } : {}), ...(langs.length ? { languages: langs } : {}) };
  };
  const update = () => {
    const { n, exact } = recipientCount(summary, audience());
    count.textContent = `${exact ? '' : 'up to '}${n} recipient${n === 1 ? '' : 's'}`;
    count.dataset.count = String(n);
  };
  form.addEventListener('change', update);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const text = perLanguageText
      ? Object.fromEntries(languages.map((l) => [l, form.elements[`text-${l}`].value.trim()]).filter(([, t]) => t))
      : form.elements.text.value.trim();
    try {
      await submit({ audience: audience(), ...(perLanguageText || text ? { text } : {}) });
      form.reset();
      update();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  update();
  return form;
}

/** A bar with one segment per delivery state; 100% when nothing is left queued. */
export function progressBar(c) {
  const total = c.total || 0;
  const done = total ? total - (c.queued ?? 0) : 0;
  const pct = total ? Math.round((done / total) * 100) : 0;
  const seg = (k) =>
    total && c[k] ? el('span', { className: `seg seg-${k}`, style: `width:${(c[k] / total) * 100}%`, title: `${k}: ${c[k]}` }) : '';
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
    seg('read'),
    seg('delivered'),
    seg('sent'),
    seg('failed'),
    el('span', { className: 'pct' }, `${pct}%`),
  );
}
