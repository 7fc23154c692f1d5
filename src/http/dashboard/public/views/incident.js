// One incident: facts, timeline, location pin, and the actions a duty officer takes.
import { api } from '../api.js';
import { onChange, toast } from '../app.js';
import { el, when } from '../dom.js';
import { pinMap } from './map-common.js';
import { badge, canChange, SEVERITIES } from './incidents-common.js';

function timeline(items) {
  return el(
    'ol',
    { className: 'timeline' },
    ...items.map((t) =>
      el(
        'li',
        {},
        el('time', {}, when(t.at)),
        el('strong', {}, ` ${t.type.replace(/[._]/g, ' ')} `),
        el('span', { className: 'muted' }, `${t.actor} · ${t.channel}`),
        t.text ? el('p', {}, t.text) : '',
      ),
    ),
  );
}

function actions(i, act) {
  if (!canChange()) return '';
  const assignee = el('input', { name: 'assignee', placeholder: '+15550000001 or name', value: i.assignee ?? '' });
  const severity = el('select', { name: 'severity' }, ...SEVERITIES.map((s) => el('option', { value: s, selected: s === i.severity }, s)));
  const note = el('textarea', { name: 'note', rows: 2, placeholder: 'Add a note to the timeline' });
  const done = ['resolved', 'closed'].includes(i.status);
  return el(
    'section',
    { className: 'card actions' },
    el('h2', {}, 'Actions'),
    el(
      'div',
      { className: 'row' },
      i.status === 'open'
        ? el(
            'button',
            { type: 'button', className: 'primary act-ack', onclick: () => act({ status: 'acknowledged' }, 'acknowledged') },
            'Acknowledge',
          )
        : '',
      i.status === 'acknowledged'
        ? el('button', { type: 'button', onclick: () => act({ status: 'in_progress' }, 'marked in progress') }, 'In progress')
        : '',
      done
        ? ''
        : el('button', { type: 'button', className: 'act-resolve', onclick: () => act({ status: 'resolved' }, 'resolved') }, 'Resolve'),
    ),
    el(
      'div',
      { className: 'row' },
      assignee,
      el('button', { type: 'button', onclick: () => act({ assignee: assignee.value.trim() }, 'assigned') }, 'Assign'),
    ),
    el(
      'div',
      { className: 'row' },
      severity,
      el('button', { type: 'button', onclick: () => act({ severity: severity.value }, 'severity changed') }, 'Set severity'),
    ),
    el(
      'div',
      { className: 'row' },
      note,
      el('button', { type: 'button', onclick: () => act({ note: note.value.trim() }, 'note added') }, 'Add note'),
    ),
  );
}

export async function render(root, [id]) {
  const path = `/api/incidents/${encodeURIComponent(id)}`;
  const draw = async () => {
    const i = await api('GET', path);
    const act = async (change, done) => {
      try {
        if (change.note !== undefined) await api('POST', `${path}/notes`, { text: change.note });
        else await api('PATCH', path, change);
        toast(`${i.id} ${done}`);
        await draw();
      } catch (err) {
        toast(err.message, 'error');
      }
    };
    const where = i.location
      ? el('div', { className: 'mini-map', id: 'incident-map' })
      : el('p', { className: 'muted' }, 'No location pin.');
    root.replaceChildren(
      el('p', {}, el('a', { href: '#/board' }, '← Board')),
      el(
        'h1',
        {},
        `Incident ${i.id} `,
        badge('sev', i.severity),
        ' ',
        badge('status', i.status),
        i.escalated ? el('span', { className: 'badge escalated' }, 'escalated') : '',
      ),
      el('p', { className: 'lead' }, i.summary ?? ''),
      el(
        'dl',
        { className: 'facts' },
        ...[
          ['Category', i.category],
          ['Region', i.region],
          ['Reporter', i.reporter],
          ['Assignee', i.assignee || 'unassigned'],
          ['Reported', when(i.createdAt)],
          ['Acknowledge by', when(i.ackDeadline)],
        ]
          .filter(([, v]) => v)
          .flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
      ),
      actions(i, act),
      el(
        'section',
        { className: 'card' },
        el('h2', {}, 'Location'),
        where,
        i.location ? el('p', { className: 'muted' }, `${i.location.name ?? ''} ${i.location.lat}, ${i.location.lng}`) : '',
      ),
      el('section', { className: 'card' }, el('h2', {}, 'Timeline'), timeline(i.timeline ?? [])),
    );
    if (i.location) await pinMap(where, [{ ...i.location, label: i.id }], 13);
  };
  await draw();
  onChange((c) => {
    if (c.id === id && c.type.startsWith('incident.')) draw().catch((err) => toast(err.message, 'error'));
  });
}
