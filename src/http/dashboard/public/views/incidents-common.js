// Shared pieces of the incident views: badges, the list query, acknowledge.
import { api, can } from '../api.js';
import { ago, el } from '../dom.js';

export const SEVERITIES = ['critical', 'high', 'medium', 'low'];
export const STATUSES = ['open', 'acknowledged', 'in_progress', 'resolved', 'closed'];
export const ACTIVE = new Set(['open', 'acknowledged', 'in_progress']);

export const badge = (kind, value) => el('span', { className: `badge ${kind}-${value}` }, String(value).replace('_', ' '));

/** Fetches incidents, newest first (follows cursors up to `max`). */
export async function listIncidents(max = 500) {
  const items = [];
  let cursor = '';
  while (items.length < max) {
    const page = await api('GET', `/api/incidents?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return items.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
}

/** Overdue: not acknowledged past its deadline, or escalated. */
export const isOverdue = (i, now = Date.now()) =>
  i.escalated === true || (i.status === 'open' && i.ackDeadline && new Date(i.ackDeadline).getTime() < now);

export const canChange = () => can('patch', '/api/incidents/:id');

export async function acknowledge(id) {
  return api('PATCH', `/api/incidents/${encodeURIComponent(id)}`, { status: 'acknowledged' });
}

/** One incident as a row of the board. */
export function incidentRow(i, onAck) {
  const actions = [];
  if (canChange() && i.status === 'open') {
    actions.push(el('button', { type: 'button', className: 'primary act-ack', onclick: () => onAck(i.id) }, 'Acknowledge'));
  }
  return el(
    'li',
    { className: `incident sev-${i.severity}${isOverdue(i) ? ' overdue' : ''}`, dataset: { id: i.id } },
    el(
      'a',
      { href: `#/incident/${encodeURIComponent(i.id)}` },
      el('span', { className: 'ref' }, i.id),
      ' ',
      badge('sev', i.severity),
      ' ',
      badge('status', i.status),
      i.escalated ? el('span', { className: 'badge escalated' }, 'escalated') : '',
      el('span', { className: 'summary' }, i.summary || i.category),
      el(
        'span',
        { className: 'meta' },
        `${i.region || 'region unknown'} · ${i.assignee ? `assigned to ${i.assignee}` : 'unassigned'} · ${ago(i.createdAt)}`,
      ),
    ),
    ...actions,
  );
}
