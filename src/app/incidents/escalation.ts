import { durationMs } from '../../domain/duration.ts';
import { metrics } from '../../observability/metrics.ts';
import { LuaScript } from '../../store/lua-script.ts';
import type { Incident, Severity } from '../../domain/incident.ts';
import type { CoreDeps } from '../deps.ts';
import { incidentCard } from './cards.ts';
import { incidentStore, messageStaff, postToCellGroups, publishIncident } from './shared.ts';

/** Deadlines are checked by one delayed job per second that has any, not one job per incident. */
const BUCKET_MS = 1_000;

/**
 * Records an escalation deadline; the first deadline of each second schedules the delayed
 * job that checks that second's deadlines.
 * KEYS: due zset, bucket marker. ARGV: member, dueAt, markerTtlMs, 'sooner' (only move a deadline earlier). Returns 1 when the job must be scheduled.
 */
const ADD_DEADLINE = new LuaScript(`
if ARGV[4] == 'sooner' then redis.call('ZADD', KEYS[1], 'LT', ARGV[2], ARGV[1])
else redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1]) end
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[3]) then return 1 end
return 0
`);

/** Where and when a deadline `delayMs` from now goes: the due set, its time, and its second's marker. */
export function deadlineFor(deps: CoreDeps, delayMs: number) {
  const at = deps.now() + delayMs;
  const bucket = Math.ceil(at / BUCKET_MS);
  return { key: deps.keys.escalationsDue, at, marker: deps.keys.escalationBucket(bucket), ttl: delayMs + 60_000, bucket };
}

/** The first escalation deadline of a new incident of this severity, for intake to record. */
export function firstDeadline(deps: CoreDeps, severity: Severity): ReturnType<typeof deadlineFor> | undefined {
  const deadline = deps.config.escalation.ackDeadline[severity];
  return deadline ? deadlineFor(deps, durationMs(deadline)) : undefined;
}

/** Schedules the delayed job that checks the deadlines of one second. */
export async function scheduleDeadlineCheck(deps: CoreDeps, bucket: number): Promise<void> {
  await deps.timers.schedule('incident.escalations', { bucket }, bucket * BUCKET_MS - deps.now(), `esc-${bucket}`);
}

/** Schedules escalation `level` of an incident `delayMs` from now. */
export async function scheduleEscalation(deps: CoreDeps, id: string, level: number, delayMs: number): Promise<void> {
  const d = deadlineFor(deps, delayMs);
  const first = await ADD_DEADLINE.run(deps.redis, [d.key, d.marker], [`${id}|${level}`, d.at, d.ttl]);
  if (first === 1) await scheduleDeadlineCheck(deps, d.bucket);
}

/**
 * An unacknowledged incident became more severe (a follow-up, a staff override): its first
 * escalation is brought forward to the new severity's deadline from now, never pushed back.
 */
export async function escalateSooner(deps: CoreDeps, incident: Incident, severity: Severity): Promise<void> {
  const deadline = deps.config.escalation.ackDeadline[severity];
  if (incident.status !== 'open' || incident.escalationLevel > 0 || !deadline) return;
  const d = deadlineFor(deps, durationMs(deadline));
  const first = await ADD_DEADLINE.run(deps.redis, [d.key, d.marker], [`${incident.id}|1`, d.at, d.ttl, 'sooner']);
  if (first === 1) await scheduleDeadlineCheck(deps, d.bucket);
}

/**
 * Moves an open, not yet escalated incident's first deadline to what its severity now allows,
 * counted from when it was reported (raised to critical: the duty officers are paged in minutes, not hours).
 */
export async function rescheduleFirstDeadline(deps: CoreDeps, incident: Pick<Incident, 'id' | 'severity' | 'createdAt'>): Promise<void> {
  const deadline = deps.config.escalation.ackDeadline[incident.severity];
  if (!deadline) {
    await deps.redis.zrem(deps.keys.escalationsDue, `${incident.id}|1`);
    return;
  }
  const dueAt = Date.parse(incident.createdAt) + durationMs(deadline);
  await scheduleEscalation(deps, incident.id, 1, Math.max(0, dueAt - deps.now()));
}

/** Cancels the pending escalations of an incident (it was acknowledged). */
export async function cancelEscalation(deps: CoreDeps, id: string): Promise<void> {
  await deps.redis.zrem(deps.keys.escalationsDue, `${id}|1`, `${id}|2`);
}

/** Timer: escalates every incident whose deadline has passed (each claimed once, by ZREM). */
export async function escalateDue(deps: CoreDeps): Promise<void> {
  const due = await deps.redis.zrangebyscore(deps.keys.escalationsDue, '-inf', String(deps.now()), 'LIMIT', 0, 500);
  for (const member of due) {
    if ((await deps.redis.zrem(deps.keys.escalationsDue, member)) !== 1) continue;
    const [id, level] = member.split('|');
    await escalate(deps, { id, level: Number(level) });
  }
  if (due.length === 500) await escalateDue(deps);
}

/**
 * Timer: an incident is still unacknowledged at its deadline. Level 1 re-posts the card
 * and pages the duty officers 1:1; level 2 (after escalation.secondDeadline) pages the admins.
 */
async function escalate(deps: CoreDeps, data: Record<string, unknown>): Promise<void> {
  const id = String(data.id);
  const level = Number(data.level);
  const store = incidentStore(deps);
  const incident = await store.get(id);
  if (incident?.status !== 'open' || incident.escalationLevel >= level) return;
  const at = new Date(deps.now()).toISOString();
  const minutes = Math.round((deps.now() - Date.parse(incident.createdAt)) / 60_000);
  const who = level === 1 ? 'duty officers' : 'admins';
  const updated = await store.update(incident, incident, { escalationLevel: level, updatedAt: at }, [
    {
      at,
      actor: 'system',
      channel: 'system',
      type: 'escalated',
      text: `not acknowledged after ${minutes} min: ${who} paged`,
      data: { level },
    },
  ]);
  if (!updated) return escalate(deps, data);
  metrics.escalations.inc({ severity: incident.severity, level: String(level) });
  await deps.audit.append({ type: 'incident.escalated', actor: 'system', subject: id, data: { level, minutes } });
  const headline = `⏰ UNACKNOWLEDGED ${minutes} min —`;
  const card = incidentCard(deps, { ...incident, escalationLevel: level }, headline);
  const recipients = deps.roster.withRole(level === 1 ? 'duty_officer' : 'admin').map((s) => s.phone);
  if (level === 1) await postToCellGroups(deps, card, `esc:${id}:${level}`, 'escalation', `incident:${id}`);
  await messageStaff(deps, recipients, card, `esc:${id}:${level}`, 'escalation', `incident:${id}`);
  if (level === 1) await scheduleEscalation(deps, id, 2, durationMs(deps.config.escalation.secondDeadline));
  await publishIncident(deps, 'incident.updated', id);
}
