import type { Actor } from '../../domain/actor.ts';
import { citizenText } from '../../domain/citizen-messages.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import {
  type Category,
  type Channel,
  canTransition,
  type Incident,
  type IncidentStatus,
  SEVERITY_RANK,
  type Severity,
  type TimelineEntry,
} from '../../domain/incident.ts';
import { metrics } from '../../observability/metrics.ts';
import { PRIORITY } from '../../queues/queues.ts';
import type { CoreDeps } from '../deps.ts';
import { cancelEscalation, escalateSooner } from './escalation.ts';
import { incidentStore, messageStaff, publishIncident, regionName } from './shared.ts';

/** What a change wants: the next status/severity, fields to set, timeline lines, an audit type. */
interface Change {
  status?: IncidentStatus;
  severity?: Severity;
  fields?: Record<string, unknown>;
  entries: TimelineEntry[];
  audit: { type: string; data?: Record<string, unknown> };
}

/** Reads, decides and writes an incident change with compare-and-set; retries on a race. */
async function mutate(
  deps: CoreDeps,
  id: string,
  actor: Actor,
  decide: (i: Incident) => Change,
): Promise<{ before: Incident; after: Incident }> {
  const store = incidentStore(deps);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await store.get(id);
    if (!before) throw new NotFoundError('incident', id);
    const change = decide(before);
    const next = { status: change.status ?? before.status, severity: change.severity ?? before.severity };
    const at = new Date(deps.now()).toISOString();
    if (await store.update(before, next, { updatedAt: at, ...change.fields }, change.entries)) {
      await deps.audit.append({ type: change.audit.type, actor: actor.name, subject: id, data: change.audit.data ?? {} });
      await publishIncident(deps, 'incident.updated', id);
      const after = (await store.get(id)) as Incident;
      return { before, after };
    }
  }
  throw new ConflictError('busy', `${id} is being changed by someone else; try again`);
}

const entry = (
  deps: CoreDeps,
  actor: Actor,
  channel: Channel,
  type: TimelineEntry['type'],
  text?: string,
  data?: Record<string, unknown>,
): TimelineEntry => ({
  at: new Date(deps.now()).toISOString(),
  actor: actor.name,
  channel,
  type,
  ...(text ? { text } : {}),
  ...(data ? { data } : {}),
});

/** Moves an incident to `to` (acknowledge, start, resolve, close, reopen), telling the citizen when it matters. */
export async function changeStatus(
  deps: CoreDeps,
  input: { id: string; to: IncidentStatus; actor: Actor; channel: Channel; text?: string },
): Promise<Incident> {
  const { after, before } = await mutate(deps, input.id, input.actor, (i) => {
    if (i.status === input.to) throw new ConflictError('unchanged', `${i.id} is already ${i.status.replace('_', ' ')}`);
    if (!canTransition(i.status, input.to)) {
      throw new ConflictError(
        'illegal_transition',
        `${i.id} is ${i.status.replace('_', ' ')}; it cannot become ${input.to.replace('_', ' ')}`,
      );
    }
    const at = new Date(deps.now()).toISOString();
    const fields: Record<string, unknown> = {};
    if (i.status === 'open') fields.acknowledgedAt = at;
    if ((input.to === 'acknowledged' || input.to === 'in_progress') && !i.assignee && input.actor.phone)
      fields.assignee = input.actor.phone;
    if (input.to === 'resolved') fields.resolvedAt = at;
    return {
      status: input.to,
      fields,
      entries: [entry(deps, input.actor, input.channel, 'status', input.text, { from: i.status, to: input.to })],
      audit: { type: `incident.${input.to}`, data: { from: i.status, channel: input.channel } },
    };
  });
  if (before.status === 'open') {
    await cancelEscalation(deps, after.id);
    metrics.ackLatency.observe({ severity: after.severity }, Math.max(0, deps.now() - Date.parse(after.createdAt)) / 1000);
  }
  await tellReporter(deps, after, before.status);
  return after;
}

/** Acknowledges an incident: the cell has seen it and someone owns it. */
export function acknowledge(deps: CoreDeps, input: { id: string; actor: Actor; channel: Channel }): Promise<Incident> {
  return changeStatus(deps, { ...input, to: 'acknowledged' });
}

async function tellReporter(deps: CoreDeps, i: Incident, from: IncidentStatus): Promise<void> {
  if (!i.reporter) return;
  const n = i.timeline.length;
  let text: string | undefined;
  if (from === 'open' && (i.status === 'acknowledged' || i.status === 'in_progress')) {
    const officer = i.assignee ? (deps.roster.find(i.assignee)?.name.split(' ')[0] ?? 'on duty') : 'on duty';
    text = citizenText('acknowledged', i.language, { id: i.id, officer });
  } else if (i.status === 'resolved') {
    const last = i.timeline.at(-1);
    text = citizenText('resolved', i.language, { id: i.id, note: last?.text ? `\n“${last.text}”` : '' });
  }
  if (!text) return;
  await deps.outbox.send(
    {
      to: { kind: 'dm', phone: i.reporter },
      text,
      kind: 'notice',
      idempotencyKey: `notice:${i.id}:${i.status}:${n}`,
      ref: `incident:${i.id}`,
    },
    PRIORITY.reply,
  );
}

/** Gives an incident to a rostered member of staff, who is told by DM. */
export async function assign(
  deps: CoreDeps,
  input: { id: string; assignee: string | null; actor: Actor; channel: Channel },
): Promise<Incident> {
  const staff = input.assignee ? deps.roster.find(input.assignee) : undefined;
  if (input.assignee && !staff) throw new ValidationError(`${input.assignee} is not on the staff roster`);
  const { after } = await mutate(deps, input.id, input.actor, (i) => ({
    fields: { assignee: input.assignee },
    entries: [entry(deps, input.actor, input.channel, 'assigned', undefined, { assignee: staff?.name ?? null })],
    audit: { type: 'incident.assigned', data: { assignee: staff?.name ?? null, previous: i.assignee ? 'someone' : null } },
  }));
  if (staff && staff.phone !== input.actor.phone) {
    const text = `📌 ${input.actor.name} assigned you ${after.id} (${after.severity}, ${after.category.replace('_', ' ')}, ${regionName(deps, after.region)}): “${after.summary}”\nReporter: ${after.reporter ?? 'erased'}. Send /incident ${after.id} for the timeline.`;
    await messageStaff(deps, [staff.phone], text, `assigned:${after.id}:${after.timeline.length}`, 'assignment', `incident:${after.id}`);
  }
  return after;
}

/** Staff override of the triage: severity, category or region. */
export async function retriage(
  deps: CoreDeps,
  input: { id: string; severity?: Severity; category?: Category; region?: string; actor: Actor; channel: Channel },
): Promise<Incident> {
  if (input.region && !deps.config.regions.some((r) => r.id === input.region)) {
    throw new ValidationError(`unknown region "${input.region}"; regions: ${deps.config.regions.map((r) => r.id).join(', ')}`);
  }
  const { before, after } = await mutate(deps, input.id, input.actor, (i) => {
    const entries: TimelineEntry[] = [];
    const fields: Record<string, unknown> = {};
    if (input.severity && input.severity !== i.severity)
      entries.push(entry(deps, input.actor, input.channel, 'severity', undefined, { from: i.severity, to: input.severity }));
    if (input.category && input.category !== i.category) {
      fields.category = input.category;
      entries.push(entry(deps, input.actor, input.channel, 'category', undefined, { from: i.category, to: input.category }));
    }
    if (input.region && input.region !== i.region) {
      fields.region = input.region;
      entries.push(entry(deps, input.actor, input.channel, 'region', undefined, { from: i.region, to: input.region }));
    }
    if (entries.length === 0) throw new ConflictError('unchanged', `${i.id} already has those values`);
    return {
      ...(input.severity ? { severity: input.severity } : {}),
      fields,
      entries,
      audit: { type: 'incident.retriaged', data: { severity: input.severity, category: input.category, region: input.region } },
    };
  });
  if (SEVERITY_RANK[after.severity] < SEVERITY_RANK[before.severity]) await escalateSooner(deps, after, after.severity);
  return after;
}

/** Adds a staff note to the timeline. */
export async function addNote(deps: CoreDeps, input: { id: string; text: string; actor: Actor; channel: Channel }): Promise<Incident> {
  const text = input.text.trim();
  if (!text) throw new ValidationError('a note needs some text');
  if (text.length > 4000) throw new ValidationError('a note is limited to 4000 characters');
  const { after } = await mutate(deps, input.id, input.actor, () => ({
    entries: [entry(deps, input.actor, input.channel, 'note', text)],
    audit: { type: 'incident.note', data: { chars: text.length } },
  }));
  return after;
}
