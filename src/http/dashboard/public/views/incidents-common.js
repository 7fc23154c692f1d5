// Shared pieces of the incident views: badges, the list query, acknowledge.
import { api, can, choices, regionName, staffName } from '../api.js';
import { ago, el } from '../dom.js';

// The domain's lists (src/domain/incident.ts), read from the API document: views load after sign-in has read it.
export const SEVERITIES = choices('patch', '/api/incidents/:id', 'severity');
export const STATUSES = choices('patch', '/api/incidents/:id', 'status');
export const CATEGORIES = choices('patch', '/api/incidents/:id', 'category');
export const ACTIVE = new Set(['open', 'acknowledged', 'in_progress']);

/** The hash of the incidents view with a filter (views/incidents.js): where the board's counts link to. */
export function filterHash({ status = 'active', severity = '' } = {}) {
  const q = new URLSearchParams();
  if (status !== 'active') q.set('status', status);
  if (severity) q.set('severity', severity);
  return `#/incidents/${q}`;
}

export const badge = (kind, value) => el('span', { className: `badge ${kind}-${value}` }, String(value).replace('_', ' '));

/**
 * Fetches every incident in `statuses` (by default the active ones, however old), newest first: one
 * list the API merges by creation order, so one that changes status while the pages are read is
 * listed once, in the state the page that had it read.
 */
export async function listIncidents(statuses = [...ACTIVE]) {
  return everyPage(`status=${statuses.map(encodeURIComponent).join(',')}`);
}

/** Every incident a list filter (`status=open`, `welfareCheck=WFC-0003`) gives, page after page, without timelines. */
export async function everyPage(filter) {
  const items = [];
  let cursor = '';
  for (;;) {
    // Without timelines: in a flood the board lists thousands of incidents at every refresh.
    const page = await api(
      'GET',
      `/api/incidents?${filter}&limit=200&timeline=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    if (!page.nextCursor) return items;
    cursor = page.nextCursor;
  }
}

/** How many incidents there are by status and severity: {open: {critical: 2, ...}, ...}. */
export async function incidentCounts() {
  return (await api('GET', '/api/incidents/counts')).byStatus;
}

/**
 * Overdue: nobody acknowledged it within its severity's deadline (escalation.ackDeadline), so the
 * server paged the duty officers (escalationLevel 1) and then the admins (2), and it is still
 * waiting. Once taken it is no longer overdue (its badge still says it was escalated).
 */
export const isOverdue = (i) => i.status === 'open' && Number(i.escalationLevel ?? 0) > 0;

/** "escalated" or "escalated to admins", or '' when it was not. */
export function escalationBadge(i) {
  const level = Number(i.escalationLevel ?? 0);
  if (!level) return '';
  return el('span', { className: 'badge escalated' }, level > 1 ? 'escalated to admins' : 'escalated');
}

export const canChange = () => can('patch', '/api/incidents/:id');

export async function acknowledge(id) {
  return api('PATCH', `/api/incidents/${encodeURIComponent(id)}`, { status: 'acknowledged' });
}

/**
 * Brings every "5 min ago" under `root` up to date. The board redraws on changes only: in a quiet
 * hour an incident waiting for 40 minutes still read "2 min ago" without this.
 */
export function refreshAges(root) {
  for (const t of root.querySelectorAll('time.ago')) t.textContent = ago(t.dateTime);
}

/** One incident as a row of the board. */
export function incidentRow(i, onAck) {
  const actions = [];
  if (canChange() && i.status === 'open') {
    actions.push(
      el(
        'button',
        { type: 'button', className: 'primary act-ack', 'aria-label': `Acknowledge ${i.id}`, onclick: (e) => onAck(i.id, e) },
        'Acknowledge',
      ),
    );
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
      escalationBadge(i),
      el('span', { className: 'summary', dir: 'auto' }, i.summary || i.category),
      el(
        'span',
        { className: 'meta' },
        `${i.region ? regionName(i.region) : 'region unknown'} · ${i.assignee ? `assigned to ${staffName(i.assignee)}` : 'unassigned'} · `,
        el('time', { className: 'ago', dateTime: i.createdAt }, ago(i.createdAt)),
      ),
    ),
    ...actions,
  );
}
