import { durationMs } from '../../domain/duration.ts';
import { type Incident, SEVERITY_RANK, type Severity } from '../../domain/incident.ts';
import { metrics } from '../../observability/metrics.ts';
import { LuaScript } from '../../store/lua-script.ts';
import type { CoreDeps } from '../deps.ts';
import { criticalCap, DIGEST_REF, incidentCard } from './cards.ts';
import {
  excerpt,
  graverWords,
  incidentLine,
  incidentStore,
  messageStaff,
  postToCellGroups,
  publishIncident,
  secondCallToAdmins,
  staffName,
  waitText,
} from './shared.ts';

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
export async function scheduleEscalation(
  deps: CoreDeps,
  id: string,
  level: number,
  delayMs: number,
  mode: '' | 'sooner' = '',
): Promise<void> {
  const d = deadlineFor(deps, delayMs);
  const first = await ADD_DEADLINE.run(deps.redis, [d.key, d.marker], [`${id}|${level}`, d.at, d.ttl, mode]);
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

/**
 * Cancels the pending escalations of an incident (it was acknowledged), including a notice still
 * waiting for its escalation digest: the digest must not page anyone about an incident already taken.
 * Returns the levels whose notice was still waiting, so never went out: nobody was paged at those.
 */
export async function cancelEscalation(deps: CoreDeps, id: string): Promise<number[]> {
  const [, [, waited1], [, waited2]] = (await deps.redis
    .multi()
    .zrem(deps.keys.escalationsDue, `${id}|1`, `${id}|2`)
    .zrem(deps.keys.escalationPending(1), `${id}|1`)
    .zrem(deps.keys.escalationPending(2), `${id}|2`)
    .exec()) as [unknown, [null, number], [null, number]];
  return [...(waited1 ? [1] : []), ...(waited2 ? [2] : [])];
}

/** How long a claimed deadline is held by the worker escalating it before another may take it over. */
const CLAIM_MS = 30_000;

/**
 * Claims a due deadline: it stays in the due set, moved `CLAIM_MS` ahead, until its escalation
 * is done. A worker that crashes or fails midway leaves it to be taken up again by the sweep.
 * KEYS: due zset. ARGV: member, now, claimMs. Returns the claim's score, or false when not due (or taken).
 */
const CLAIM = new LuaScript(`
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) > tonumber(ARGV[2]) then return false end
local claim = tonumber(ARGV[2]) + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], claim, ARGV[1])
return tostring(claim)
`);

/** Removes a claimed deadline once its escalation is done, unless it was rescheduled meanwhile. KEYS: due zset. ARGV: member, claim. */
const RELEASE = new LuaScript(`
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
`);

/**
 * Timer: escalates every incident whose deadline has passed. Each deadline is claimed, then
 * removed only once its escalation is done; one that fails (a damaged incident, Redis or the
 * outbox briefly down) is logged and retried by the sweep, and never holds up the others.
 */
export async function escalateDue(deps: CoreDeps): Promise<void> {
  for (;;) {
    const now = deps.now();
    const due = await deps.redis.zrangebyscore(deps.keys.escalationsDue, '-inf', String(now), 'LIMIT', 0, 500);
    for (const member of await mostSevereFirst(deps, due)) {
      const claim = (await CLAIM.run(deps.redis, [deps.keys.escalationsDue], [member, now, CLAIM_MS])) as string | null;
      if (!claim) continue;
      const [id, level] = member.split('|');
      try {
        await escalate(deps, { id, level: Number(level) });
        await RELEASE.run(deps.redis, [deps.keys.escalationsDue], [member, claim]);
      } catch (err) {
        deps.log.error({ err: (err as Error).message, incident: id, level }, 'escalation failed: retried within a minute');
      }
    }
    if (due.length < 500) return;
  }
}

/**
 * Overdue deadlines, most severe incident first, then in the order they fell due: after an outage
 * (or in a flood) a low one that passed its deadline first must not take the window's last page
 * and send a critical one to wait for the digest. Reads only each incident's severity field.
 */
async function mostSevereFirst(deps: CoreDeps, due: string[]): Promise<string[]> {
  if (due.length < 2) return due;
  const multi = deps.redis.multi();
  for (const member of due) multi.hget(deps.keys.incident(member.split('|')[0] as string), 'severity');
  const severities = ((await multi.exec()) ?? []).map(([, v]) => v as string | null);
  const rank = (n: number) => SEVERITY_RANK[severities[n] as Severity] ?? SEVERITY_RANK.low;
  return due
    .map((member, n) => ({ member, n }))
    .sort((a, b) => rank(a.n) - rank(b.n) || a.n - b.n)
    .map((d) => d.member);
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
  // Erased by its reporter (DELETE): nobody to call, and the cell was told it is no longer escalated.
  if (incident?.status !== 'open' || incident.escalationLevel > level || !incident.reporter) return;
  const waited = deps.now() - Date.parse(incident.createdAt);
  const minutes = Math.round(waited / 60_000);
  const age = shortWait(waited);
  // Already at this level: an earlier attempt recorded the escalation and failed before its
  // notices were queued (its deadline is still claimed). The notices go out now, once each.
  if (incident.escalationLevel < level) {
    const at = new Date(deps.now()).toISOString();
    const who = calledAt(deps, level);
    const updated = await store.update(incident, incident, { escalationLevel: level, updatedAt: at }, [
      {
        at,
        actor: 'system',
        channel: 'system',
        type: 'escalated',
        // Escalated, not "paged": the page may wait for the escalation digest, and an /ack before it drops it.
        text: `not acknowledged after ${age}: ${who}`,
        data: { level },
      },
    ]);
    if (!updated) return escalate(deps, data);
    metrics.escalations.inc({ severity: incident.severity, level: String(level) });
    await deps.audit.append({ type: 'incident.escalated', actor: 'system', subject: id, data: { level, minutes } });
  }
  // Taken while the escalation was being recorded (an /ack sent as the deadline fired): whoever took
  // it has told the cell and those paged, and a page now would say it is still unacknowledged.
  const [now] = await store.getManyWithoutTimeline([id]);
  if (now?.status !== 'open') return;
  const slot = await escalationSlot(deps, incident, level);
  if (slot.post === 1) {
    const headline = `⏰ UNACKNOWLEDGED ${age} —`;
    const card =
      incidentCard(deps, { ...incident, escalationLevel: level }, headline) + raisedByLine(incident) + secondCall(deps, incident, level);
    if (level === 1) await postToCellGroups(deps, card, `esc:${id}:${level}`, 'escalation', `incident:${id}`);
    await messageStaff(deps, pagedAbout(deps, incident, level), card, `esc:${id}:${level}`, 'escalation', `incident:${id}`);
  } else if (slot.post === 2) {
    await deps.timers.schedule(
      'incident.escalationDigest',
      { level, bucket: slot.bucket },
      (slot.bucket + 1) * slot.window - deps.now(),
      `escdigest-${level}-${slot.bucket}`,
    );
  }
  // The second deadline counts from the first page: one waiting for the digest at the end of the
  // window goes out then, and the admins must never be called before the duty officers were.
  // 'sooner': a retried escalation keeps the second deadline its first attempt set.
  const pagedIn = slot.post === 1 ? 0 : Math.max(0, (slot.bucket + 1) * slot.window - deps.now());
  if (level === 1) await scheduleEscalation(deps, id, 2, pagedIn + durationMs(deps.config.escalation.secondDeadline), 'sooner');
  await publishIncident(deps, 'incident.updated', id);
}

/** A wait as said in a page: "0 min" would read as if nobody had waited, so under a minute is in seconds. */
function shortWait(ms: number): string {
  return ms < 60_000 ? `${Math.max(1, Math.round(ms / 1000))} s` : waitText(ms);
}

/**
 * The reporter's words that made the incident graver after its first words ("now he is not breathing"):
 * a page quoting only its summary ("stranded at the airport") read as harmless for a CRITICAL incident.
 */
function raisedByLine(incident: Incident): string {
  const words = graverWords(incident);
  return words ? `\n🔺 Made graver by what the reporter wrote next: “${excerpt(words, 200)}”` : '';
}

/**
 * What the second level's page adds: the admins (some of whom are duty officers too, and got the
 * first page) read that this is the second call, whom the first one paged and how long ago.
 */
function secondCall(deps: CoreDeps, incident: Incident, level: number): string {
  if (level !== 2) return '';
  const first = incident.timeline.find((e) => e.type === 'escalated' && e.data?.level === 1);
  const when = first ? ` ${shortWait(deps.now() - Date.parse(first.at))} ago` : '';
  return `\n🔁 Second call: ${pagedFirst(deps, incident.reporter)} were paged${when} and nobody has taken it.${noAdminLine(deps)}`;
}

/** Said in a second call that goes to the duty officers again, for want of an admin. */
function noAdminLine(deps: CoreDeps): string {
  return secondCallToAdmins(deps) ? '' : ' No admin is on the roster: the duty officers are paged again.';
}

/**
 * What the timeline says an escalation did, as it did it: the second call with no admin on the roster
 * goes to the duty officers again (config warning no_admin), and one with nobody to page says so.
 */
function calledAt(deps: CoreDeps, level: number): string {
  if (level === 1) return 'escalated to the duty officers';
  if (secondCallToAdmins(deps)) return 'escalated to the admins';
  return escalationRecipients(deps, 2).length
    ? 'second call: no admin on the roster, the duty officers paged again'
    : 'second call: nobody to page (no admin or duty officer on the roster)';
}

/** Whom the first level paged, as a second call names them: the duty officers, never the incident's reporter. */
function pagedFirst(deps: CoreDeps, reporter: string | null): string {
  const names = pagedAbout(deps, { assignee: null, reporter }, 1).map((phone) => staffName(deps, phone));
  if (names.length) return `the duty officers (${names.join(', ')})`;
  return escalationRecipients(deps, 1).length
    ? 'nobody (the only duty officer on the roster is its reporter)'
    : 'nobody (no duty officer on the roster)';
}

/**
 * Who is paged about one incident at an escalation level: the duty officers (then the admins), and
 * at the first level the officer it was given to before anyone took it, who was told to take it.
 * Never its reporter: a duty officer in danger who sent SOS is not paged to take their own report.
 */
export function pagedAbout(deps: CoreDeps, i: Pick<Incident, 'assignee' | 'reporter'>, level: number): string[] {
  const phones = escalationRecipients(deps, level);
  if (level === 1 && i.assignee && deps.roster.find(i.assignee) && !phones.includes(i.assignee)) phones.push(i.assignee);
  return phones.filter((phone) => phone !== i.reporter);
}

/**
 * Who is paged at an escalation level: duty officers, then admins; with no admin on the roster, the
 * second call pages the duty officers again rather than nobody (and says so).
 */
export function escalationRecipients(deps: CoreDeps, level: number): string[] {
  return deps.roster.withRole(level > 1 && secondCallToAdmins(deps) ? 'admin' : 'duty_officer').map((s) => s.phone);
}

/**
 * Claims room for one escalation notice in the digest window, as new incidents' cards do: past
 * the window's allowance the incident waits for one escalation digest at the end of the window.
 * KEYS: posts zset, pending zset, digest marker. ARGV: now, window, max, id, score.
 * Returns 1 (post it now), 2 (first to wait: schedule the digest) or 0 (waits, already scheduled).
 * A retried escalation finds its own entry: posted (1, its notices are queued again under the
 * same keys, so once) or waiting (2, the digest is scheduled again under the same job id).
 */
const ESCALATION_SLOT = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZSCORE', KEYS[1], ARGV[4]) then return 1 end
if redis.call('ZSCORE', KEYS[2], ARGV[4]) then
  redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2])
  return 2
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then return 2 end
return 0
`);

/** Pending escalations are scored by severity, then time: critical ones (below 1e13) first. */
const RANK_SCALE = 1e13;

/**
 * Escalation notices share the cell's reading capacity with cards: in an earthquake hundreds of
 * reports pass their deadline within seconds, and one re-post and one page each would drown the
 * group and the duty officers' phones. Past `digest.maxCardsPerWindow` notices in `digest.window`
 * (critical ones: past the critical allowance), they are gathered into one digest per level.
 */
async function escalationSlot(deps: CoreDeps, incident: Incident, level: number) {
  const window = durationMs(deps.config.digest.window);
  const now = deps.now();
  const bucket = Math.floor(now / window);
  const max = incident.severity === 'critical' ? criticalCap(deps) : deps.config.digest.maxCardsPerWindow;
  const post = (await ESCALATION_SLOT.run(
    deps.redis,
    [deps.keys.escalationPosts, deps.keys.escalationPending(level), deps.keys.escalationDigestScheduled(level, bucket)],
    [now, window, max, `${incident.id}|${level}`, SEVERITY_RANK[incident.severity] * RANK_SCALE + now],
  )) as 0 | 1 | 2;
  return { post, bucket, window };
}

/** Incidents an escalation digest lists one by one; the rest are counted. */
const ESCALATION_DIGEST_SHOWN = 40;

/**
 * Timer: one escalation digest for the incidents that passed their deadline too fast for single
 * notices: to the cell group (level 1) and 1:1 to the duty officers (level 1) or admins (level 2).
 * Incidents leave the waiting set only once the digest is queued, so a failed attempt loses none.
 */
export async function postEscalationDigest(deps: CoreDeps, data: Record<string, unknown>): Promise<void> {
  const level = Number(data.level);
  if (level !== 1 && level !== 2) return;
  const key = deps.keys.escalationPending(level);
  const [[, members], [, critical]] = (await deps.redis.multi().zrange(key, '0', '-1').zcount(key, '-inf', `(${RANK_SCALE}`).exec()) as [
    [null, string[]],
    [null, number],
  ];
  if (members.length === 0) return;
  const ids = members.slice(0, ESCALATION_DIGEST_SHOWN).map((m) => m.split('|')[0] as string);
  const listed = await incidentStore(deps).getMany(ids);
  // Taken (or erased) while it waited: acknowledging removes it from the waiting set, but one taken
  // as the digest is being read is left out here, not paged about as unacknowledged.
  const shown = listed.filter((i) => i.status === 'open');
  const gone = listed.length - shown.length;
  const takenCritical = listed.filter((i) => i.status !== 'open' && i.severity === 'critical').length;
  const total = members.length - gone;
  const criticalLeft = critical - takenCritical;
  if (total === 0) return nextEscalationDigest(deps, level, members);
  const more = total - shown.length;
  const who = level > 1 && secondCallToAdmins(deps) ? 'admins' : 'duty officers';
  const text = [
    `⏰ ${total} ${total === 1 ? 'incident reached its' : 'incidents reached their'} deadline unacknowledged${criticalLeft ? `, ${criticalLeft} of them CRITICAL (listed first)` : ''}: ${who} paged.`,
    ...shown.map((i) => `${incidentLine(deps, i)}\n   “${excerpt(i.summary, 80)}”`),
    ...(more > 0 ? [`…and ${more} more: send /incidents open`] : []),
    'Send /ack ID to take one.',
    ...(level === 2 ? [secondCallOfDigest(deps)] : []),
  ].join('\n');
  const digestKey = `escdigest:${level}:${String(data.bucket)}:${members[0]}`;
  if (level === 1) await postToCellGroups(deps, text, digestKey, 'escalation', DIGEST_REF);
  // As a single page does, the digest also goes to the officers the listed incidents were given to.
  const paged = [...new Set(shown.flatMap((i) => pagedAbout(deps, i, level)))];
  await messageStaff(deps, paged, text, digestKey, 'escalation', DIGEST_REF);
  if (level === 1 && more > 0) await pageAssigneesNotListed(deps, members.slice(ESCALATION_DIGEST_SHOWN), paged, digestKey);
  await nextEscalationDigest(deps, level, members);
}

/** What the admins' digest adds, as a single second page does: it is the second call. */
function secondCallOfDigest(deps: CoreDeps): string {
  return `🔁 Second call: ${pagedFirst(deps, null)} were paged about these and nobody has taken them.${noAdminLine(deps)}`;
}

/**
 * Officers given (with /assign) incidents a digest counts but does not list: each is paged about
 * theirs by id, as a single page would have told them; a digest's "…and 190 more" names none.
 */
async function pageAssigneesNotListed(deps: CoreDeps, members: string[], paged: string[], digestKey: string): Promise<void> {
  const incidents = await incidentStore(deps).getManyWithoutTimeline(members.map((m) => m.split('|')[0] as string));
  const theirs = new Map<string, string[]>();
  for (const { id, status, assignee, reporter } of incidents) {
    if (status !== 'open' || !assignee || assignee === reporter || paged.includes(assignee) || !deps.roster.find(assignee)) continue;
    theirs.set(assignee, [...(theirs.get(assignee) ?? []), id]);
  }
  for (const [phone, list] of theirs) {
    const text = `⏰ ${list.length === 1 ? 'An incident' : `${list.length} incidents`} given to you reached ${list.length === 1 ? 'its' : 'their'} deadline unacknowledged: ${list.join(', ')}. Send /incident ID for one, /ack ID to take it.`;
    await messageStaff(deps, [phone], text, `${digestKey}:assigned`, 'escalation', DIGEST_REF);
  }
}

/**
 * Removes the incidents a digest paged about from the waiting set. One that joined it while the digest
 * was being written (its escalation found this window's digest already scheduled) would wait for a
 * digest nobody schedules, its page never sent: the next window's digest is scheduled for it.
 */
async function nextEscalationDigest(deps: CoreDeps, level: number, paged: string[]): Promise<void> {
  const key = deps.keys.escalationPending(level);
  const [, [, left]] = (await deps.redis
    .multi()
    .zrem(key, ...paged)
    .zcard(key)
    .exec()) as [unknown, [null, number]];
  if (left === 0) return;
  const window = durationMs(deps.config.digest.window);
  const bucket = Math.floor(deps.now() / window);
  await deps.timers.schedule(
    'incident.escalationDigest',
    { level, bucket },
    (bucket + 1) * window - deps.now(),
    `escdigest-${level}-${bucket}`,
  );
}
