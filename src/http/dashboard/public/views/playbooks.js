// Playbooks: a start form built from each playbook's parameters, exercise switch; runs with steps; stop.
import { api, can, optional } from '../api.js';
import { onChange, toast } from '../app.js';
import { debounced, el, when } from '../dom.js';
import { knownIds, remember } from './recent.js';

function field(p) {
  const label = `${p.name}${p.required ? ' *' : ''}`;
  const input =
    p.type === 'boolean'
      ? el('input', { type: 'checkbox', name: p.name, checked: p.default === true })
      : Array.isArray(p.enum ?? p.options)
        ? el('select', { name: p.name }, ...(p.enum ?? p.options).map((v) => el('option', { value: v, selected: v === p.default }, v)))
        : el('input', {
            type: p.type === 'number' || p.type === 'integer' ? 'number' : 'text',
            name: p.name,
            required: p.required && p.default === undefined,
            value: p.default ?? '',
          });
  return el('label', {}, label, input, p.description ? el('small', { className: 'muted' }, p.description) : '');
}

function startForm(pb, started) {
  const form = el(
    'form',
    { className: 'playbook-form' },
    ...(pb.parameters ?? []).map(field),
    el(
      'label',
      { className: 'switch' },
      el('input', { type: 'checkbox', name: 'exercise', role: 'switch', checked: true }),
      ' Exercise (drill: staff only, marked EXERCISE)',
    ),
    el('button', { type: 'submit', className: 'primary act-start' }, 'Start'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const params = {};
    for (const p of pb.parameters ?? []) {
      const input = form.elements[p.name];
      if (p.type === 'boolean') params[p.name] = input.checked;
      else if (input.value !== '') params[p.name] = p.type === 'number' || p.type === 'integer' ? Number(input.value) : input.value;
    }
    try {
      const run = await api('POST', `/api/playbooks/${encodeURIComponent(pb.id)}/runs`, {
        params,
        exercise: form.elements.exercise.checked,
      });
      remember('runs', run.id);
      toast(`Run ${run.id} started`);
      await started();
    } catch (err) {
      toast(err.message, 'error');
    }
  });
  return form;
}

function runCard(run, refresh) {
  const stop = async () => {
    try {
      await api('POST', `/api/runs/${encodeURIComponent(run.id)}/stop`);
      toast(`Run ${run.id} stopped`);
      await refresh();
    } catch (err) {
      toast(err.message, 'error');
    }
  };
  const active = !['done', 'completed', 'stopped', 'failed', 'cancelled'].includes(run.status);
  return el(
    'section',
    { className: 'card run', dataset: { id: run.id } },
    el(
      'h3',
      {},
      `${run.playbook} · run ${run.id} `,
      el('span', { className: `badge status-${run.status}` }, run.status),
      run.exercise ? el('span', { className: 'badge exercise' }, 'exercise') : '',
    ),
    el(
      'table',
      {},
      el('tr', {}, ...['Step', 'Type', 'State', 'Due', 'Done'].map((h) => el('th', {}, h))),
      ...(run.steps ?? []).map((s) =>
        el(
          'tr',
          { className: `step-${s.status}` },
          el('td', {}, s.title ?? s.id),
          el('td', {}, s.type),
          el('td', {}, s.status),
          el('td', {}, when(s.dueAt ?? s.scheduledAt)),
          el('td', {}, when(s.finishedAt ?? s.doneAt ?? s.completedAt)),
        ),
      ),
    ),
    active && can('post', '/api/runs/:id/stop')
      ? el('button', { type: 'button', className: 'danger act-stop', onclick: stop }, 'Stop run')
      : '',
  );
}

export async function render(root) {
  const playbooks = (await optional('GET', '/api/playbooks'))?.items ?? [];
  const runs = el('div', { className: 'runs' });
  const refresh = async () => {
    const ids = await knownIds('runs', '/api/runs?limit=20');
    const found = (await Promise.all(ids.map((id) => optional('GET', `/api/runs/${encodeURIComponent(id)}`)))).filter(Boolean);
    runs.replaceChildren(...(found.length ? found.map((r) => runCard(r, refresh)) : [el('p', { className: 'muted' }, 'No run yet.')]));
  };
  const mayStart = (pb) => can('post', '/api/playbooks/:id/runs') && startForm(pb, refresh);
  root.replaceChildren(
    el('h1', {}, 'Playbooks'),
    el(
      'div',
      { className: 'grid two' },
      ...playbooks.map((pb) =>
        el(
          'details',
          { className: 'card playbook' },
          el('summary', {}, el('strong', {}, pb.title), ` (${pb.id})`),
          el('p', {}, pb.description ?? ''),
          mayStart(pb),
        ),
      ),
      playbooks.length ? '' : el('p', { className: 'muted' }, 'No playbook is loaded.'),
    ),
    el('h2', {}, 'Runs'),
    runs,
  );
  await refresh();
  const later = debounced(() => refresh().catch((err) => toast(err.message, 'error')), 400);
  onChange((c) => {
    if (c.type !== 'run.updated') return;
    remember('runs', c.id);
    later();
  });
  return later.cancel;
}
