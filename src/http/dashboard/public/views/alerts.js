// Alerts: compose per language with the audience's recipient count; approval queue; delivery progress.
import { api, can, myself, optional } from '../api.js';
import { onChange, toast } from '../app.js';
import { debounced, el } from '../dom.js';
import { audienceForm, progressBar, summaryOf } from './audience.js';
import { knownIds, recall, remember } from './recent.js';

/** The author cannot approve their own alert (the API refuses it too), so the page does not offer it. */
const authoredByMe = (a) => (a.author ?? a.createdBy) === myself() || recall(`alerts-by-${myself()}`).includes(a.id);

function alertCard(a, refresh) {
  const approve = async () => {
    try {
      await api('POST', `/api/alerts/${encodeURIComponent(a.id)}/approve`);
      toast(`Alert ${a.id} approved`);
      await refresh();
    } catch (err) {
      toast(err.message, 'error');
    }
  };
  const c = a.counts ?? {};
  return el(
    'li',
    { className: `alert-item status-${a.status}`, dataset: { id: a.id } },
    el(
      'div',
      { className: 'row' },
      el('strong', {}, `Alert ${a.id}`),
      el('span', { className: `badge status-${a.status}` }, String(a.status).replace(/_/g, ' ')),
      a.code ? el('span', { className: 'muted' }, `code ${a.code}`) : '',
    ),
    a.author ? el('p', { className: 'muted' }, `by ${a.author}`) : '',
    progressBar(c),
    el('p', { className: 'muted' }, ['total', 'queued', 'sent', 'delivered', 'read', 'failed'].map((k) => `${k} ${c[k] ?? 0}`).join(' · ')),
    a.status === 'pending_approval' && can('post', '/api/alerts/:id/approve') && !authoredByMe(a)
      ? el('button', { type: 'button', className: 'primary act-approve', onclick: approve }, 'Approve and send')
      : '',
  );
}

export async function render(root, [focus]) {
  if (focus) remember('alerts', focus);
  const summary = await summaryOf();
  const list = el('ul', { className: 'alerts' });
  const refresh = async () => {
    const ids = await knownIds('alerts', '/api/alerts?limit=50');
    const alerts = (await Promise.all(ids.map((id) => optional('GET', `/api/alerts/${encodeURIComponent(id)}`)))).filter(Boolean);
    const pending = alerts.filter((a) => a.status === 'pending_approval');
    list.replaceChildren(...[...pending, ...alerts.filter((a) => a.status !== 'pending_approval')].map((a) => alertCard(a, refresh)));
    if (!alerts.length) list.append(el('li', { className: 'muted' }, 'No alert yet.'));
  };
  const compose = can('post', '/api/alerts')
    ? audienceForm(summary, {
        title: 'Compose an alert',
        perLanguageText: true,
        submitLabel: 'Send alert',
        async submit(body) {
          const created = await api('POST', '/api/alerts', body);
          remember('alerts', created.id);
          remember(`alerts-by-${myself()}`, created.id);
          toast(
            created.status === 'pending_approval'
              ? `Alert ${created.id} waits for a second officer's approval`
              : `Alert ${created.id} is sending`,
          );
          await refresh();
        },
      })
    : '';
  root.replaceChildren(
    el('h1', {}, 'Alerts'),
    compose,
    el('section', { className: 'card' }, el('h2', {}, 'Approval queue and progress'), list),
  );
  await refresh();
  const later = debounced(() => refresh().catch((err) => toast(err.message, 'error')), 400);
  onChange((c) => {
    if (c.type !== 'alert.updated') return;
    remember('alerts', c.id);
    later();
  });
  return later.cancel;
}
