// Playbooks: a start form built from each playbook's parameters, exercise switch; runs with steps; stop.
// API: GET /api/playbooks → {items: [{id, title, description, parameters: [{name, type, description, required,
// default?, values?, allowAll}], steps}]}; POST /api/playbooks/:id/runs {params, exercise}; GET /api/runs →
// {items: [run]}; GET /api/runs/:id → {...run, steps: [{id, type, title, status, dueAt?, startedAt?, finishedAt?,
// note?, error?}], tasks: [{step, item, status, role, title, dueAt, ackedBy?, ackedAt?, notes?: [{by, at, text}]}]};
// POST /api/runs/:id/stop.
import { api, can, keyFor, optional, regionName } from '../api.js';
import { guarded, liveRefresh, toast } from '../app.js';
import { confirmable, el, keepFocus, oneAtATime, when } from '../dom.js';

const choice = (name, values, current, blank, label = (v) => v) =>
  el(
    'select',
    { name },
    ...(blank ? [el('option', { value: '' }, blank)] : []),
    ...values.map((v) => el('option', { value: v, selected: v === current }, label(v))),
  );

/** A region as staff know it ("Coastal Province", not "coast"); the API still takes and gives the id. */
const regionLabel = (id) => (id === 'all' ? 'all regions' : regionName(id));

/** The input for one parameter: a switch, a list of regions or values, a number, or text. */
function input(p, regions) {
  const blank = p.required ? 'choose…' : p.default === undefined ? '(none)' : undefined;
  switch (p.type) {
    case 'boolean':
      return el('input', { type: 'checkbox', name: p.name, role: 'switch', checked: p.default === true });
    case 'region':
      return choice(p.name, [...regions, ...(p.allowAll ? ['all'] : [])], p.default, blank, regionLabel);
    case 'enum':
      return choice(p.name, p.values ?? [], p.default, blank);
    default:
      return el('input', {
        type: p.type === 'number' ? 'number' : 'text',
        name: p.name,
        required: p.required,
        value: p.default ?? '',
        // A text parameter goes into what citizens and staff read, perhaps in Arabic.
        dir: p.type === 'number' ? undefined : 'auto',
        maxLength: 500,
        step: 'any',
      });
  }
}

function field(p, regions) {
  return el(
    'label',
    {},
    `${p.name}${p.required ? ' *' : ''}`,
    input(p, regions),
    p.description ? el('small', { className: 'muted' }, p.description) : '',
  );
}

/** The parameters as the API takes them; missing required ones are named. */
function paramsOf(pb, form) {
  const params = {};
  const missing = [];
  for (const p of pb.parameters ?? []) {
    const control = form.elements[p.name];
    if (p.type === 'boolean') params[p.name] = control.checked;
    else if (control.value !== '') params[p.name] = p.type === 'number' ? Number(control.value) : control.value;
    else if (p.required) missing.push(p.name);
  }
  return { params, missing };
}

function startForm(pb, regions, started) {
  const form = el(
    'form',
    { className: 'playbook-form' },
    ...(pb.parameters ?? []).map((p) => field(p, regions)),
    el(
      'label',
      { className: 'switch' },
      el('input', { type: 'checkbox', name: 'exercise', role: 'switch', checked: true, defaultChecked: true }),
      ' Exercise (drill: staff only, marked EXERCISE)',
    ),
    el('button', { type: 'submit', className: 'primary act-start' }, 'Start'),
  );
  // The button is disabled while the run starts (a double click started two), and the same request
  // sent again after a lost answer carries the same Idempotency-Key.
  const sending = {};
  form.addEventListener(
    'submit',
    guarded(async (e) => {
      e.preventDefault();
      const { params, missing } = paramsOf(pb, form);
      if (missing.length) return toast(`Give ${missing.join(', ')}`, 'error');
      const body = { params, exercise: form.elements.exercise.checked };
      const run = await api('POST', `/api/playbooks/${encodeURIComponent(pb.id)}/runs`, body, {
        idempotencyKey: keyFor(sending, body),
      });
      sending.sent = undefined;
      toast(`Run ${run.id} started${run.exercise ? ' (exercise)' : ''}`);
      await started();
    }),
  );
  return form;
}

/**
 * The run's steps. Each cell carries its column's name (data-label): on a phone the rows stack into
 * cards of "Due  09:53 GMT+1" lines (dashboard.css), instead of a table running off the screen.
 */
function stepsTable(run) {
  const cell = (label, ...content) => el('td', { dataset: { label } }, ...content);
  return el(
    'table',
    { className: 'steps stackable' },
    el('tr', { className: 'head' }, ...['Step', 'Type', 'State', 'Due', 'Started', 'Finished'].map((h) => el('th', {}, h))),
    ...(run.steps ?? []).map((s) =>
      el(
        'tr',
        { className: `step-${s.status}` },
        cell('Step', s.title ?? s.id, s.note ? el('small', { className: 'muted' }, ` — ${s.note}`) : ''),
        cell('Type', s.type),
        cell('State', s.status, s.error ? el('small', { className: 'error' }, ` ${s.error}`) : ''),
        cell('Due', when(s.dueAt)),
        cell('Started', when(s.startedAt)),
        cell('Finished', when(s.finishedAt)),
      ),
    ),
  );
}

const TASK_STATE = { open: 'to do', overdue: 'overdue', acked: 'done', cancelled: 'cancelled' };

/**
 * The run's checklist items (a `tasks` step posts them to the cell group; staff tick them off there
 * with a reply or ✅): who must do what by when, and which are overdue. Without it the page said only
 * "3 task(s) posted".
 */
/** Still to do first, the soonest due first; the done (and called off) after them, also by due time. */
const FINISHED = new Set(['acked', 'cancelled']);
const byDue = (a, b) =>
  Number(FINISHED.has(a.status)) - Number(FINISHED.has(b.status)) || String(a.dueAt ?? '').localeCompare(String(b.dueAt ?? ''));

function checklist(run) {
  const tasks = [...(run.tasks ?? [])].sort(byDue);
  if (!tasks.length) return '';
  const open = tasks.filter((t) => t.status === 'open' || t.status === 'overdue').length;
  return el(
    'div',
    { className: 'checklist' },
    el('h4', {}, `Checklist: ${open} of ${tasks.length} still to do`),
    el(
      'ul',
      { className: 'tasks' },
      ...tasks.map((t) =>
        el(
          'li',
          { className: `task task-${t.status}`, dataset: { item: `${t.step}/${t.item}` } },
          el('span', { className: `badge status-${t.status}` }, TASK_STATE[t.status] ?? t.status),
          ' ',
          el('span', { dir: 'auto' }, t.title),
          el(
            'small',
            { className: t.status === 'overdue' ? 'warn' : 'muted' },
            ` · ${String(t.role ?? '').replace(/_/g, ' ')} · due ${when(t.dueAt)}`,
            t.ackedBy ? ` · done by ${t.ackedBy} ${when(t.ackedAt)}${t.late ? ' (after it escalated)' : ''}` : '',
          ),
          // What staff wrote with their "done" in the group ("done, all 12 staff safe"): the news is in the words.
          ...(t.notes ?? []).map((n) =>
            el(
              'p',
              { className: 'task-note' },
              el('q', { dir: 'auto' }, n.text),
              el('small', { className: 'muted' }, ` — ${n.by} ${when(n.at)}`),
            ),
          ),
        ),
      ),
    ),
    open ? el('p', { className: 'muted' }, 'Tick an item off in the cell group: reply to its message or react ✅.') : '',
  );
}

/** Why the run needs someone: a step given up after its job was lost, or a definition that cannot be read. */
function attention(run) {
  const why = [...new Set([run.attention, run.definitionError].filter(Boolean))];
  if (!why.length) return '';
  return el('p', { className: 'attention warn', role: 'alert' }, `⚠ Needs attention: ${why.join('; ')}. Do the step by hand.`);
}

/** `run`'s parameters as the card says them: a region parameter (by the playbook's library entry) by its name. */
function paramsText(run, library) {
  const specs = library.find((pb) => pb.id === run.playbook)?.parameters ?? [];
  return Object.entries(run.params ?? {}).map(([k, v]) => {
    const region = specs.find((p) => p.name === k)?.type === 'region';
    return `${k}: ${region ? regionLabel(String(v)) : v}`;
  });
}

const LIVE_WORDS = {
  pending_approval: (e) => `alert ${e.id} awaits approval`,
  sending: (e) => `alert ${e.id} is sending`,
  open: (e) => `welfare check ${e.id} is open, its reminders still go out`,
};

/**
 * What stopping a run did, from POST /api/runs/:id/stop ({cancelled: step ids, underWay: step titles,
 * live: [{type, id, status}]}), as the cell's stop notice says it; with what goes on, it stays until
 * dismissed (stopping the run calls none of it off). Returns toast()'s arguments.
 */
function stoppedToast(id, res) {
  const cancelled = Array.isArray(res.cancelled) ? res.cancelled.length : Number(res.cancelled ?? 0);
  const parts = [`Run ${id} stopped; ${cancelled} pending step(s) cancelled.`];
  if (res.underWay?.length) parts.push(`Under way, it may still finish: ${res.underWay.join(', ')}.`);
  const live = (res.live ?? []).map((e) => (LIVE_WORDS[e.status] ?? ((x) => `${x.id} goes on`))(e));
  if (live.length) parts.push(`⚠️ Still live from it: ${live.join('; ')}. Stop or close them on their pages if they must not go on.`);
  return [parts.join(' '), live.length ? 'warning' : 'info'];
}

function runCard(run, refresh, library) {
  const stop = guarded(async () => {
    const res = await api('POST', `/api/runs/${encodeURIComponent(run.id)}/stop`);
    toast(...stoppedToast(run.id, res));
    await refresh();
  });
  const params = paramsText(run, library);
  return el(
    'section',
    { className: 'card run', dataset: { id: run.id } },
    el(
      'h3',
      {},
      `${run.title ?? run.playbook} · ${run.id} `,
      el('span', { className: `badge status-${run.status}` }, run.status),
      run.exercise ? el('span', { className: 'badge exercise' }, 'exercise') : '',
    ),
    el(
      'p',
      { className: 'muted' },
      `Started by ${run.startedBy} ${when(run.createdAt)}${run.finishedAt ? ` · ended ${when(run.finishedAt)}` : ''}${run.stoppedBy ? ` by ${run.stoppedBy}` : ''}${params.length ? ` · ${params.join(', ')}` : ''}`,
    ),
    attention(run),
    stepsTable(run),
    checklist(run),
    run.status === 'running' && can('post', '/api/runs/:id/stop')
      ? confirmable({
          key: `run:${run.id}:stop`,
          label: 'Stop run',
          ariaLabel: `Stop run ${run.id}`,
          className: 'danger act-stop',
          question: `Stop run ${run.id} (${run.title ?? run.playbook})? Its pending steps will be cancelled. This cannot be undone.`,
          keepLabel: 'Keep running',
          confirmLabel: `Confirm: stop ${run.id}`,
          run: stop,
        })
      : '',
  );
}

export async function render(root) {
  // The configured regions, in the config's order (their names from the same list, in regionName).
  const [library, configured] = await Promise.all([optional('GET', '/api/playbooks'), optional('GET', '/api/regions')]);
  const playbooks = library?.items ?? [];
  const regions = (configured?.items ?? []).map((r) => r.id);
  const runs = el('div', { className: 'runs' });
  const refresh = oneAtATime(async () => {
    // Every run still going, however many newer ones there are (its card holds Stop run), then the
    // latest ten.
    const [active, latest] = await Promise.all([optional('GET', '/api/runs?active=true'), optional('GET', '/api/runs?limit=10')]);
    const ids = [...new Set([...(active?.items ?? []), ...(latest?.items ?? [])].map((r) => r.id))];
    const found = (await Promise.all(ids.map((id) => optional('GET', `/api/runs/${encodeURIComponent(id)}`)))).filter(Boolean);
    const refocus = keepFocus(runs);
    runs.replaceChildren(
      ...(found.length ? found.map((r) => runCard(r, refresh, playbooks)) : [el('p', { className: 'muted' }, 'No run yet.')]),
    );
    refocus();
  });
  const mayStart = (pb) => can('post', '/api/playbooks/:id/runs') && startForm(pb, regions, refresh);
  root.replaceChildren(
    el('h1', {}, 'Playbooks'),
    el('h2', {}, 'Runs'),
    runs,
    el('h2', {}, 'Library'),
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
  );
  const stop = liveRefresh((c) => c.type === 'run.updated', refresh, 400);
  await refresh();
  // A checklist item ticked off in chat, or one falling overdue, publishes run.updated like any change.
  return stop;
}
