import type { Actor } from '../../domain/actor.ts';
import { citizenText } from '../../domain/citizen-messages.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../domain/errors.ts';
import {
  type Category,
  type Channel,
  canTransition,
  type Incident,
  type IncidentStatus,
  isActive,
  SEVERITY_RANK,
  type Severity,
  type TimelineEntry,
} from '../../domain/incident.ts';
import { hasRole } from '../../domain/roster.ts';
import { charCount, hasVisibleText } from '../../domain/text-normalise.ts';
import { metrics } from '../../observability/metrics.ts';
import { PRIORITY } from '../../queues/queues.ts';
import type { AuditInput } from '../../store/audit-log.ts';
import type { CoreDeps } from '../deps.ts';
import { rerankInDigest } from './cards.ts';
import { cancelEscalation, pagedAbout, rescheduleFirstDeadline } from './escalation.ts';
import {
  incidentStore,
  messageStaff,
  officerFirstName,
  postToCellGroups,
  publishIncident,
  regionName,
  reporterLabel,
  reporterTold,
  staffName,
} from './shared.ts';

/** What a change wants: the next status/severity, fields to set, timeline lines, audit entries. */
interface Change {
  status?: IncidentStatus;
  severity?: Severity;
  fields?: Record<string, unknown>;
  entries: TimelineEntry[];
  audit: { type: string; data?: Record<string, unknown> }[];
}

/** An incident change as made: the incident before and after it, and where its timeline entries end. */
interface Applied {
  before: Incident;
  after: Incident;
  /** The timeline's length right after this change's entries: numbers the messages it sends. */
  end: number;
  /** True when the same request had already made it (a retried job): nothing was written now. */
  again: boolean;
}

/**
 * A change that request `key` already made (its timeline entries carry `data.key`), read back from
 * the timeline: what the incident was before it, and where its entries end. A chat command retried
 * after its change was written (a job that failed on its next step, a worker killed, a command
 * Redis ran but whose answer a restart lost) finds it here and finishes what followed, instead of
 * being refused as "already acknowledged" or adding its note twice.
 */
function madeBy(i: Incident, key: string): Omit<Applied, 'again'> | undefined {
  let end = -1;
  const before: Incident = { ...i };
  const after: Incident = { ...i };
  i.timeline.forEach((e, n) => {
    if (e.data?.key !== key) return;
    end = n + 1;
    const { from, to } = e.data as { from?: unknown; to?: unknown };
    if (e.type === 'status' && typeof from === 'string' && typeof to === 'string') {
      before.status = from as IncidentStatus;
      after.status = to as IncidentStatus;
    }
    if (e.type === 'severity' && typeof from === 'string' && typeof to === 'string') {
      before.severity = from as Severity;
      after.severity = to as Severity;
    }
    // Who held it before is not kept: only that it changed (none, or someone else than now).
    if (e.type === 'assigned') before.assignee = i.assignee === null ? 'earlier assignee' : null;
  });
  // Its status and severity as the change left them: what came after (another officer's resolution) is not its doing.
  return end < 0 ? undefined : { before, after, end };
}

/** True when request `key` already changed this incident (see madeBy). */
export function changedBy(i: Incident, key: string | undefined): boolean {
  return key !== undefined && i.timeline.some((e) => e.data?.key === key);
}

/**
 * Reads, decides and writes an incident change with compare-and-set; retries on a race. With a
 * request `key`, the change is made once: its entries carry the key, and the same request again
 * returns the change it made (`again`), so that its caller finishes what follows (see madeBy).
 */
async function mutate(deps: CoreDeps, id: string, actor: Actor, decide: (i: Incident) => Change, key?: string): Promise<Applied> {
  const store = incidentStore(deps);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await store.get(id);
    if (!before) throw new NotFoundError('incident', id);
    const pending = key === undefined ? undefined : deps.keys.incidentAuditPending(id, key);
    const made = key === undefined ? undefined : madeBy(before, key);
    if (made) {
      // Made by an earlier run of this request that failed before its audit entries were in the trail.
      if (pending) await auditOnce(deps, pending);
      return { ...made, again: true };
    }
    const change = decide(before);
    const entries = key === undefined ? change.entries : change.entries.map((e) => ({ ...e, data: { ...e.data, key } }));
    const next = { status: change.status ?? before.status, severity: change.severity ?? before.severity };
    const at = new Date(deps.now()).toISOString();
    const audit: AuditInput[] = change.audit.map((a) => ({ type: a.type, actor: actor.name, subject: id, data: a.data ?? {} }));
    const written = await store.apply(
      before,
      next,
      { updatedAt: at, ...change.fields },
      entries,
      key,
      pending && audit.length ? { key: pending, entries: audit } : undefined,
    );
    // Not made: changed meanwhile (decided again on what it is now), or made by this request's other run (found above).
    if (!written.made) continue;
    if (pending && audit.length) await auditOnce(deps, pending);
    else await Promise.all(audit.map((a) => deps.audit.append(a)));
    await publishIncident(deps, 'incident.updated', id);
    // The incident as this change left it, not as read again after it: another officer's change made
    // meanwhile (a resolve beside this /ack) is theirs to tell of. Told from a read, the citizen heard
    // of that resolve twice and of this /ack never.
    const after = {
      ...before,
      ...change.fields,
      ...next,
      updatedAt: at,
      timeline: [...before.timeline, ...entries],
    } as Incident;
    return { before, after, end: written.end, again: false };
  }
  throw new ConflictError('busy', `${id} is being changed by someone else; try again`);
}

/**
 * Writes to the audit trail the entries a change left under `pending` (kept with the change, in the
 * same script), once: whoever takes them writes them, and gives them back if the trail refused them.
 * Written only after the change, they were lost when that write failed: the retry found the change
 * made and finished the rest, and the trail never said who acknowledged or resolved.
 */
async function auditOnce(deps: CoreDeps, pending: string): Promise<void> {
  const raw = await deps.redis.getdel(pending);
  if (!raw) return;
  try {
    await Promise.all((JSON.parse(raw) as AuditInput[]).map((a) => deps.audit.append(a)));
  } catch (err) {
    await deps.redis.set(pending, raw, 'EX', 7 * 24 * 3600).catch(() => {});
    throw err;
  }
}

/** Appends one timeline entry and its audit entry, as `request` (once per its key). */
function appendEntry(
  deps: CoreDeps,
  request: ChangeRequest,
  line: { type: TimelineEntry['type']; text: string; data?: Record<string, unknown> },
  audit: { type: string; data: Record<string, unknown> },
): Promise<Applied> {
  return mutate(
    deps,
    request.id,
    request.actor,
    () => ({ entries: [entry(deps, request.actor, request.channel, line.type, line.text, line.data)], audit: [audit] }),
    request.key,
  );
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

/** What an officer may change on an incident in one step (PATCH /api/incidents/:id). */
export interface IncidentChanges {
  status?: IncidentStatus;
  severity?: Severity;
  category?: Category;
  region?: string;
  /** A rostered phone, or null to unassign. */
  assignee?: string | null;
  /** Why: kept on the status line of the timeline, else on the first line the change writes. */
  text?: string;
}

/** Words given with a change (why it was resolved…), trimmed; none when they show nothing (a zero-width space alone). */
const visibleOrNothing = (text: string | undefined): string | undefined => {
  const t = text?.trim();
  return t && hasVisibleText(t) ? t : undefined;
};

type Who = { actor: Actor; channel: Channel };

/**
 * Who asks for a change to which incident. `key` names the request (`chat:` and the message id, or
 * an API Idempotency-Key): the same request changes the incident once, however often it is retried.
 */
export type ChangeRequest = { id: string; actor: Actor; channel: Channel; key?: string };

/** The status part of a change; a ConflictError (returned) when the incident already has it. */
function statusPart(deps: CoreDeps, i: Incident, to: IncidentStatus, who: Who, text?: string, assigning = false): Change | ConflictError {
  if (i.status === to) {
    // Two officers on the same card at once: the one too late learns who has it.
    const holder = i.assignee ? ` (with ${deps.roster.find(i.assignee)?.name ?? i.assignee})` : '';
    return new ConflictError('unchanged', `${i.id} is already ${i.status.replace('_', ' ')}${holder}`);
  }
  if (!canTransition(i.status, to)) {
    throw new ConflictError('illegal_transition', `${i.id} is ${i.status.replace('_', ' ')}; it cannot become ${to.replace('_', ' ')}`);
  }
  const at = new Date(deps.now()).toISOString();
  const fields: Record<string, unknown> = {};
  if (i.status === 'open') fields.acknowledgedAt = at;
  // Whoever takes it owns it, if they are rostered staff who may act on it (an API token's phone
  // need not be on the roster: then it stays unassigned rather than with a stranger's number).
  const taker = deps.roster.find(who.actor.phone);
  const takes = (to === 'acknowledged' || to === 'in_progress') && !i.assignee && !assigning && taker && hasRole(taker.roles, 'officer');
  if (takes) fields.assignee = taker.phone;
  if (to === 'resolved') fields.resolvedAt = at;
  // Reopened: it is not resolved any more (the timeline keeps when it was); closing keeps it.
  else if (to !== 'closed' && i.resolvedAt) fields.resolvedAt = null;
  return {
    status: to,
    fields,
    entries: [
      entry(deps, who.actor, who.channel, 'status', text, { from: i.status, to }),
      // Said in the timeline, as an /assign is: whoever reads it later sees who held it from when.
      ...(takes ? [entry(deps, who.actor, who.channel, 'assigned', `taken on by ${taker.name}`, { assignee: taker.name })] : []),
    ],
    audit: [{ type: `incident.${to}`, data: { from: i.status, channel: who.channel } }],
  };
}

function assignPart(deps: CoreDeps, i: Incident, assignee: string | null, who: Who): Change | ConflictError {
  const staff = assignee ? deps.roster.find(assignee) : undefined;
  if (i.assignee === assignee) {
    return new ConflictError('unchanged', assignee ? `${i.id} is already with ${staff?.name ?? assignee}` : `${i.id} has no assignee`);
  }
  return {
    fields: { assignee },
    entries: [entry(deps, who.actor, who.channel, 'assigned', undefined, { assignee: staff?.name ?? null })],
    // Whom it was taken from, by name (staff are named on the trail; a number no longer on the roster is not).
    audit: [
      {
        type: 'incident.assigned',
        data: { assignee: staff?.name ?? null, previous: i.assignee ? (deps.roster.find(i.assignee)?.name ?? 'someone') : null },
      },
    ],
  };
}

function triagePart(deps: CoreDeps, i: Incident, input: IncidentChanges, who: Who): Change | ConflictError {
  const entries: TimelineEntry[] = [];
  const fields: Record<string, unknown> = {};
  if (input.severity && input.severity !== i.severity)
    entries.push(entry(deps, who.actor, who.channel, 'severity', undefined, { from: i.severity, to: input.severity }));
  if (input.category && input.category !== i.category) {
    fields.category = input.category;
    entries.push(entry(deps, who.actor, who.channel, 'category', undefined, { from: i.category, to: input.category }));
  }
  if (input.region && input.region !== i.region) {
    fields.region = input.region;
    entries.push(entry(deps, who.actor, who.channel, 'region', undefined, { from: i.region, to: input.region }));
  } else if (input.region && i.links.regionFrom) {
    // Staff confirm the region guessed from the registration: it is now known, not a guess.
    entries.push(
      entry(deps, who.actor, who.channel, 'region', 'confirmed (it was where the citizen registered)', {
        from: i.region,
        to: input.region,
      }),
    );
  }
  // A region staff set is known, no longer the guess from where the citizen registered.
  if (input.region && i.links.regionFrom && entries.length > 0) fields.links = withoutRegionGuess(i.links);
  // A category staff set stays: a graver follow-up from the reporter no longer changes it.
  if (fields.category) fields.links = { ...((fields.links as Record<string, string> | undefined) ?? i.links), categoryFrom: 'staff' };
  if (entries.length === 0) return new ConflictError('unchanged', `${i.id} already has those values`);
  return {
    ...(input.severity ? { severity: input.severity } : {}),
    fields,
    entries,
    // What changed, and only that: a severity asked for that it already had is no change on the record.
    audit: [{ type: 'incident.retriaged', data: Object.fromEntries(entries.map((e) => [e.type, e.data?.to])) }],
  };
}

/**
 * Applies every change asked for in one compare-and-set: all of it or nothing (an illegal move
 * or an unknown assignee leaves the incident as it was). A field that already has the asked value
 * is no change; when nothing changes at all, the refusal says so.
 */
function decideAll(deps: CoreDeps, i: Incident, input: IncidentChanges, who: Who): Change {
  // Closed is final (only a note may still be added): it is off every list, and a change would
  // page or message someone about a case nobody is watching.
  if (i.status === 'closed' && (input.severity || input.category || input.region || input.assignee !== undefined)) {
    throw new ConflictError(
      'illegal_transition',
      `${i.id} is closed: its triage and assignee can no longer change (a note can still be added)`,
    );
  }
  ownReport(deps, i, input, who);
  const parts = [
    input.severity || input.category || input.region ? triagePart(deps, i, input, who) : undefined,
    input.assignee !== undefined ? assignPart(deps, i, input.assignee, who) : undefined,
    input.status ? statusPart(deps, i, input.status, who, input.text, input.assignee !== undefined) : undefined,
  ].filter((p) => p !== undefined);
  const changes = parts.filter((p): p is Change => !(p instanceof ConflictError));
  if (changes.length === 0) throw parts.find((p) => p instanceof ConflictError) ?? new ValidationError('nothing to change');
  const merged: Change = { fields: {}, entries: [], audit: [] };
  for (const c of changes) {
    if (c.status) merged.status = c.status;
    if (c.severity) merged.severity = c.severity;
    // An explicit assignee wins over the one a status change gives the acting officer.
    merged.fields = { ...c.fields, ...merged.fields };
    merged.entries.push(...c.entries);
    merged.audit.push(...c.audit);
  }
  const reason = visibleOrNothing(input.text);
  if (reason && !merged.status) merged.entries[0] = { ...(merged.entries[0] as TimelineEntry), text: reason };
  return merged;
}

/**
 * A member of staff in danger who sent SOS is its reporter, not its officer: they cannot take it,
 * resolve it, lower it, unassign it or be given it (someone holding them could make them say all is
 * well), so it stays with the cell, escalated until another officer takes it. They can still add
 * notes, raise it and correct its category or region.
 */
function ownReport(deps: CoreDeps, i: Incident, input: IncidentChanges, who: Who): void {
  if (!i.reporter) return;
  const own = who.actor.phone === i.reporter;
  const lowers = input.severity !== undefined && SEVERITY_RANK[input.severity] > SEVERITY_RANK[i.severity];
  if (own && (input.status || lowers || input.assignee === null)) {
    throw new ConflictError(
      'own_report',
      `${i.id} is your own report: another officer must take it, lower it or close it (until then it stays open to the cell and is escalated). You can still add a /note.`,
    );
  }
  if (input.assignee && deps.roster.find(input.assignee)?.phone === i.reporter) {
    const name = deps.roster.find(i.reporter)?.name ?? 'its reporter';
    throw new ConflictError('own_report', `${i.id} is ${name}’s own report: give it to another officer`);
  }
}

/**
 * Changes an incident's status, triage and assignee together, then does what each part implies:
 * the escalation stops once it is seen, the citizen is told, a new assignee is messaged.
 */
export async function updateIncident(deps: CoreDeps, input: IncidentChanges & ChangeRequest): Promise<Incident> {
  if (input.region && !deps.config.regions.some((r) => r.id === input.region)) {
    throw new ValidationError(`unknown region "${input.region}"; regions: ${deps.config.regions.map((r) => r.id).join(', ')}`);
  }
  const staff = input.assignee ? deps.roster.find(input.assignee) : undefined;
  if (input.assignee && !staff) throw new ValidationError(`${input.assignee} is not on the staff roster`);
  // Acknowledging, noting and resolving need the officer role: an incident given to a viewer sits with nobody.
  if (staff && !hasRole(staff.roles, 'officer')) {
    throw new ValidationError(`${staff.name} (${staff.phone}) is a viewer and cannot act on incidents; assign an officer`);
  }
  const who = { actor: input.actor, channel: input.channel };
  const text = visibleOrNothing(input.text);
  const { before, after, end, again } = await mutate(
    deps,
    input.id,
    input.actor,
    (i) => decideAll(deps, i, { ...input, ...(text ? { text } : {}) }, who),
    input.key,
  );
  // Not once its reporter erased their data: the cell was told it is no longer escalated.
  if (after.status === 'open' && after.severity !== before.severity && after.escalationLevel === 0 && after.reporter) {
    await rescheduleFirstDeadline(deps, after);
  }
  if (after.severity !== before.severity) await rerankInDigest(deps, after);
  if (after.status !== before.status) {
    let neverPaged: number[] = [];
    if (before.status === 'open') {
      neverPaged = await cancelEscalation(deps, after.id);
      if (!again) metrics.ackLatency.observe({ severity: after.severity }, Math.max(0, deps.now() - Date.parse(after.createdAt)) / 1000);
    }
    await tellReporter(deps, after, before.status, end, text);
    // The officer it is with, when someone else took it or reopened it: still theirs, and they must
    // know it is no longer waiting for them to take it, or that it is open again.
    const kept = after.assignee === before.assignee && after.assignee ? deps.roster.find(after.assignee) : undefined;
    const holder = kept && kept.phone !== input.actor.phone && isActive(after.status) ? kept : undefined;
    const holderText = !holder
      ? undefined
      : before.status === 'open'
        ? `👍 ${input.actor.name} acknowledged ${after.id}, which is with you: ${reporterTold(after)}. It is still yours.`
        : before.status === 'resolved'
          ? `🔄 ${input.actor.name} reopened ${after.id}, which is with you: it is in progress again; ${reporterTold(after)}. Send /incident ${after.id} for the timeline.`
          : undefined;
    if (before.status === 'open' && before.escalationLevel > 0) {
      // The holder paged with the duty officers reads one notice, the one that says it is still theirs.
      const told = holderText && holder ? [holder.phone] : [];
      await tellPaged(deps, before, after, input.actor, neverPaged, told);
    }
    if (holder && holderText) {
      // No incident ref: an "ok" in answer changes nothing.
      await messageStaff(
        deps,
        [holder.phone],
        holderText,
        `${before.status === 'open' ? 'acked-for' : 'reopened-for'}:${after.id}:${end}`,
        'notice',
      );
    }
  }
  // Raised by someone else while an officer holds it: they may not be reading the group.
  if (
    SEVERITY_RANK[after.severity] < SEVERITY_RANK[before.severity] &&
    isActive(after.status) &&
    after.assignee &&
    after.assignee === before.assignee &&
    after.assignee !== input.actor.phone &&
    deps.roster.find(after.assignee)
  ) {
    const text = `🔺 ${input.actor.name} raised ${after.id}, which is with you, to ${after.severity.toUpperCase()} (${after.category.replace('_', ' ')}, ${regionName(deps, after.region)}): “${after.summary}”\nSend /incident ${after.id} for the timeline.`;
    await messageStaff(deps, [after.assignee], text, `raised:${after.id}:${end}`, 'notice', `incident:${after.id}`);
  }
  // Done on the dashboard or the API: the cell groups, which watch every case in chat, see it too.
  if (input.channel === 'api') await mirrorToCell(deps, before, after, input.actor, end);
  if (staff && after.assignee !== before.assignee && after.assignee === staff.phone && staff.phone !== input.actor.phone) {
    // Given an incident nobody took yet, the assignee must know it is theirs to take: until then the
    // citizen hears nothing and the duty officers are paged at its deadline.
    // Given while resolved, it is still resolved: nobody is working on it until it is reopened.
    const take =
      after.status === 'open'
        ? `\nNobody has acknowledged it yet: 👍 this message or send /ack ${after.id} to take it (the reporter is told then).`
        : after.status === 'resolved'
          ? `\nIt is resolved: /reopen ${after.id} to work on it again.`
          : '';
    const text = `📌 ${input.actor.name} assigned you ${after.id} (${after.severity}, ${after.category.replace('_', ' ')}, ${regionName(deps, after.region)}): “${after.summary}”\nReporter: ${reporterLabel(deps, after.reporter, 'erased')}. Send /incident ${after.id} for the timeline.${take}`;
    await messageStaff(deps, [staff.phone], text, `assigned:${after.id}:${end}`, 'assignment', `incident:${after.id}`);
  }
  // Whoever held it is told it is no longer theirs (unless they gave it away themselves): two
  // officers calling the same family at 3 a.m., each thinking it is theirs, helps nobody.
  const previous = before.assignee && before.assignee !== after.assignee ? deps.roster.find(before.assignee) : undefined;
  if (previous && previous.phone !== input.actor.phone && isActive(after.status)) {
    const now = after.assignee ? staffName(deps, after.assignee) : undefined;
    // "/assign INC-0042 me": they took it, they did not give it to themselves.
    const how = !now ? 'unassigned it' : after.assignee === input.actor.phone ? 'took it' : `gave it to ${now}`;
    const text = now
      ? `📌 ${after.id} is no longer yours: ${input.actor.name} ${how}. Nothing more to do on it unless ${now} asks.`
      : `📌 ${after.id} is no longer yours: ${input.actor.name} ${how}. Nothing more to do on it.`;
    // No incident ref: an "ok" in answer must not take back the incident it says is no longer theirs.
    await messageStaff(deps, [previous.phone], text, `unassigned:${after.id}:${end}`, 'notice');
  }
  return after;
}

/** Moves an incident to `to` (acknowledge, start, resolve, close, reopen), telling the citizen when it matters. */
export function changeStatus(deps: CoreDeps, input: ChangeRequest & { to: IncidentStatus; text?: string }): Promise<Incident> {
  const { to, ...rest } = input;
  return updateIncident(deps, { ...rest, status: to });
}

/** Acknowledges an incident: the cell has seen it and someone owns it. */
export function acknowledge(deps: CoreDeps, input: ChangeRequest): Promise<Incident> {
  return changeStatus(deps, { ...input, to: 'acknowledged' });
}

/**
 * The staff an escalation paged learn it is taken: otherwise each still thinks it is theirs to chase.
 * A level whose notice was still waiting for its escalation digest (`neverPaged`) paged nobody; the
 * officer it is with is told apart (`toldOtherwise`).
 */
async function tellPaged(
  deps: CoreDeps,
  before: Incident,
  i: Incident,
  actor: Actor,
  neverPaged: number[],
  toldOtherwise: string[],
): Promise<void> {
  const paged = new Set<string>();
  for (let l = 1; l <= before.escalationLevel; l++) {
    if (neverPaged.includes(l)) continue;
    // Who held it when it was paged: an assignee given it in the same change was not.
    for (const phone of pagedAbout(deps, before, l)) paged.add(phone);
  }
  if (actor.phone) paged.delete(actor.phone);
  // "Nothing more to do on that page" beside "It is still yours" read as two answers that disagree.
  for (const phone of toldOtherwise) paged.delete(phone);
  if (paged.size === 0) return;
  const holder = i.assignee && i.assignee !== actor.phone ? ` It is with ${staffName(deps, i.assignee)}.` : '';
  const what =
    i.status === 'resolved' ? `was resolved by ${actor.name}.` : `was taken by ${actor.name} (${i.status.replace('_', ' ')}).${holder}`;
  const text = `✅ ${i.id}, which you were paged about, ${what} Nothing more to do on that page.`;
  // No incident ref: a 👍 or an "ok" in answer to "nothing more to do" must not try to take it or note "ok".
  await messageStaff(deps, [...paged], text, `escalation-taken:${i.id}`, 'notice');
}

/** A status change or an assignment made on the dashboard or the API, said in the cell groups. */
async function mirrorToCell(deps: CoreDeps, before: Incident, after: Incident, actor: Actor, end: number): Promise<void> {
  const via = `${actor.name}, via the dashboard/API`;
  const holder = after.assignee ? `; it is with ${staffName(deps, after.assignee)}` : '';
  let text: string | undefined;
  if (after.status !== before.status) {
    // Resolved straight from open is said as resolved, not as acknowledged: the group must not wait
    // for news of an incident that is over.
    if (after.status === 'resolved') text = `✔️ ${after.id} resolved (${via}); ${reporterTold(after)}.`;
    else if (before.status === 'resolved' && after.status !== 'closed') text = `🔄 ${after.id} reopened (${via})${holder}.`;
    else if (before.status === 'open' && after.status === 'acknowledged')
      text = `👍 ${after.id} acknowledged (${via})${holder}; ${reporterTold(after)}.`;
    else if (before.status === 'open' && after.status === 'in_progress')
      text = `👍 ${after.id} acknowledged and in progress (${via})${holder}; ${reporterTold(after)}.`;
    else text = `${after.id} is now ${after.status.replace('_', ' ')} (${via}).`;
  } else if (after.assignee !== before.assignee) {
    text = after.assignee
      ? `📌 ${after.id} is now with ${staffName(deps, after.assignee)} (${via}).`
      : `📌 ${after.id} is unassigned (${via}).`;
  }
  // A severity, category or region changed on the dashboard: the card the group has still shows the old one.
  const retriaged = [
    after.severity !== before.severity ? `severity is now ${after.severity}` : undefined,
    after.category !== before.category ? `category is now ${after.category.replace('_', ' ')}` : undefined,
    after.region !== before.region ? `region is now ${regionName(deps, after.region)}` : undefined,
  ].filter(Boolean);
  if (retriaged.length) {
    const line = `${after.id} ${retriaged.join(', ')} (${via}).`;
    text = text ? `${text}\n${line}` : line;
  }
  if (text) await postToCellGroups(deps, text, `api-change:${after.id}:${end}`, 'update', `incident:${after.id}`);
}

/** `end`: where the change's timeline entries end (the notice is once per change); `said`: the words given with it. */
async function tellReporter(deps: CoreDeps, i: Incident, from: IncidentStatus, end: number, said: string | undefined): Promise<void> {
  if (!i.reporter) return;
  let text: string | undefined;
  if (from === 'open' && (i.status === 'acknowledged' || i.status === 'in_progress')) {
    // No officer to name (an API token with no rostered phone): said in the citizen's language.
    const officer = officerFirstName(deps, i);
    text = officer
      ? citizenText('acknowledged', i.language, { id: i.id, officer })
      : citizenText('acknowledgedUnnamed', i.language, { id: i.id });
  } else if (i.status === 'resolved') {
    text = citizenText('resolved', i.language, { id: i.id, note: said ? `\n“${said}”` : '' });
  } else if (from === 'resolved' && i.status !== 'closed') {
    // They were told it was closed and that a new message opens a new report: say it is not.
    text = citizenText('reopened', i.language, { id: i.id });
  }
  if (!text) return;
  await deps.outbox.send(
    {
      to: { kind: 'dm', phone: i.reporter },
      text,
      kind: 'notice',
      idempotencyKey: `notice:${i.id}:${i.status}:${end}`,
      ref: `incident:${i.id}`,
    },
    PRIORITY.reply,
  );
}

/** Gives an incident to a rostered member of staff, who is told by DM. */
export function assign(deps: CoreDeps, input: ChangeRequest & { assignee: string | null }): Promise<Incident> {
  return updateIncident(deps, input);
}

/** Staff override of the triage: severity, category or region. */
export function retriage(
  deps: CoreDeps,
  input: ChangeRequest & { severity?: Severity; category?: Category; region?: string },
): Promise<Incident> {
  return updateIncident(deps, input);
}

/** Adds a staff note to the timeline (once per request `key`). */
export async function addNote(deps: CoreDeps, input: ChangeRequest & { text: string }): Promise<Incident> {
  const text = input.text.trim();
  if (!hasVisibleText(text)) throw new ValidationError('a note needs some text');
  if (charCount(text) > 4000) throw new ValidationError('a note is limited to 4000 characters');
  const { after } = await appendEntry(deps, input, { type: 'note', text }, { type: 'incident.note', data: { chars: text.length } });
  return after;
}

/**
 * An officer writes to the citizen who reported, from the embassy number: their words, framed in the
 * citizen's language ("about your report INC-0007 … — Ana"), recorded on the timeline (`message`)
 * and audited without the words. The citizen's answer joins the report like any message (or, once
 * it is closed, opens one that names it). `key` makes it once: a retried command or request
 * (the same chat message, the same Idempotency-Key) sends and records nothing more.
 */
export async function messageReporter(deps: CoreDeps, input: ChangeRequest & { text: string; key: string }): Promise<Incident> {
  const text = input.text.trim();
  if (!hasVisibleText(text)) throw new ValidationError('the message to the reporter is empty');
  if (charCount(text) > 2000) throw new ValidationError('a message to the reporter is limited to 2000 characters');
  const current = await incidentStore(deps).get(input.id);
  if (!current) throw new NotFoundError('incident', input.id);
  if (!current.reporter)
    throw new ConflictError('no_reporter', `${current.id} has no reporter to write to (they erased their data, or staff opened it)`);
  const officer = input.actor.name.split(' ')[0] ?? input.actor.name;
  const vars = { embassy: deps.config.embassy.name, id: current.id, text, officer };
  // Sent before it is recorded: a retry after a failed write sends nothing twice (the key) and records it then.
  await deps.outbox.send(
    {
      to: { kind: 'dm', phone: current.reporter },
      // A report already over: their answer opens a new report (that names this one), not "added to" it.
      text: citizenText(isActive(current.status) ? 'fromOfficer' : 'fromOfficerClosed', current.language, vars),
      kind: 'notice',
      idempotencyKey: `message:${current.id}:${input.key}`,
      ref: `incident:${current.id}`,
    },
    PRIORITY.reply,
  );
  // The key on its entry makes it once: the same request again finds it written (mutate).
  const { after } = await appendEntry(
    deps,
    input,
    // Who wrote: told when the answer to a report already over comes in as a new report.
    { type: 'message', text, ...(input.actor.phone ? { data: { by: input.actor.phone } } : {}) },
    { type: 'incident.reporter_messaged', data: { chars: text.length } },
  );
  return after;
}

/**
 * Records on the timeline that a message about the incident did not reach its recipient (`text` says
 * whom and why), audited with `data` (no words, no phone). Once per `key`: `again` when already recorded.
 */
export async function recordUndelivered(
  deps: CoreDeps,
  id: string,
  text: string,
  data: Record<string, string>,
  key: string,
): Promise<{ incident: Incident; again: boolean }> {
  const { after, again } = await appendEntry(
    deps,
    { id, actor: { name: 'system' }, channel: 'system', key },
    { type: 'undelivered', text, data },
    { type: 'incident.undelivered', data },
  );
  return { incident: after, again };
}

/** An incident's links without the mark that its region is only where the citizen registered. */
export function withoutRegionGuess(links: Record<string, string>): Record<string, string> {
  const { regionFrom: _, ...rest } = links;
  return rest;
}
