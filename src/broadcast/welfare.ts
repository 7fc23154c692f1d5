import type { CoreDeps } from '../app/deps.ts';
import { postToCellGroups } from '../app/incidents/shared.ts';
import { WELFARE_DEFAULTS } from '../config/schema.ts';
import { durationMs } from '../domain/duration.ts';
import { NotFoundError } from '../domain/errors.ts';
import { jobIdFor } from '../queues/queues.ts';
import { checkTextLanguages, createBroadcast, stalledSince, startSending } from './alerts.ts';
import type { Actor, Audience } from './audience.ts';
import { broadcastQueues } from './broadcast-queue.ts';
import { broadcastKeys, type DeliveryCounts, deliveryCounts, kindOfId, recordOf } from './broadcast-store.ts';
import { queueFanOut } from './fanout.ts';
import { closeWelfareCheck } from './welfare-close.ts';

/** Tallies of a welfare check, overall or for one region. */
export interface WelfareCounts {
  total: number;
  safe: number;
  help: number;
  noAnswer: number;
  /** People reported safe, counting households. */
  peopleSafe: number;
}

/** Why a welfare check closed (see WelfareClosure). */
export type CloseReason = 'officer' | 'expired' | 'nobody_asked';

/** How and when a welfare check closed, with its tallies at that moment (the final tally posted to the cell). */
export interface WelfareClosure {
  at: string;
  by: string;
  /**
   * `officer`: closed in chat or on the API; `expired`: closed by itself after `broadcast.welfareCloseAfter`;
   * `nobody_asked`: closed as it started, no registered citizen being in its audience.
   */
  reason: CloseReason;
  counts: WelfareCounts;
  byRegion: Record<string, WelfareCounts>;
}

export interface WelfareView {
  id: string;
  status: string;
  exercise: boolean;
  createdAt: string;
  /** Tallies now, late answers included. */
  counts: WelfareCounts;
  byRegion: Record<string, WelfareCounts>;
  /** Answers (counted in `counts`) that came after the check closed. */
  late: { safe: number; help: number };
  closed?: WelfareClosure;
  delivery: DeliveryCounts;
  /** Only while part of the audience is not asked yet, the fan-out having given up after repeated errors: since when. */
  fanOutStalledSince?: string;
}

/**
 * Records (or changes) one citizen's answer and keeps the tallies exact, atomically: a changed
 * answer moves the citizen from one tally to the other. An answer taken after the check closed is
 * marked late (`|late`, and the `late:safe`/`late:help` counts); the same answer again changes nothing.
 * The answer counts in the region the citizen was asked in (KEYS[4..], the sets welfareAskedIn, in
 * the order of ARGV[5..]), where the check counted them as asked, even if they have moved since;
 * else (a check started before those sets were kept) in their region now, ARGV[4].
 * KEYS: answers, tally, record, asked-in set per region. ARGV: phone, answer, people, region, region ids.
 * Returns {0 unchanged, 1 new, 2 changed; 1 when late}.
 */
const ANSWER_SCRIPT = `
local late = redis.call('HGET', KEYS[3], 'status') == 'closed'
local region = ARGV[4]
for i = 4, #KEYS do
  if redis.call('SISMEMBER', KEYS[i], ARGV[1]) == 1 then region = ARGV[i + 1] break end
end
local new = ARGV[2] .. '|' .. ARGV[3] .. '|' .. region
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev == new or prev == new .. '|late' then return {0, late and 1 or 0} end
if prev then
  local a, p, r, mark = string.match(prev, '^(%a+)|(%d+)|([^|]*)(.*)$')
  redis.call('HINCRBY', KEYS[2], a, -1)
  redis.call('HINCRBY', KEYS[2], a .. ':' .. r, -1)
  if mark == '|late' then redis.call('HINCRBY', KEYS[2], 'late:' .. a, -1) end
  if a == 'safe' then
    redis.call('HINCRBY', KEYS[2], 'people', -tonumber(p))
    redis.call('HINCRBY', KEYS[2], 'people:' .. r, -tonumber(p))
  end
end
if late then
  redis.call('HSET', KEYS[1], ARGV[1], new .. '|late')
  redis.call('HINCRBY', KEYS[2], 'late:' .. ARGV[2], 1)
else
  redis.call('HSET', KEYS[1], ARGV[1], new)
end
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[2], ARGV[2] .. ':' .. region, 1)
if ARGV[2] == 'safe' then
  redis.call('HINCRBY', KEYS[2], 'people', tonumber(ARGV[3]))
  redis.call('HINCRBY', KEYS[2], 'people:' .. region, tonumber(ARGV[3]))
end
return {prev and 2 or 1, late and 1 or 0}
`;

/**
 * When a welfare check's reminder, follow-up and automatic close are due, in ms: the reminder after
 * each citizen's own question went out (its first run comes that long after the start), the others after the start.
 */
export function welfareTimers(deps: CoreDeps): { reminder: number; followUp: number; close: number } {
  const b = deps.config.broadcast;
  const followUp = durationMs(b.welfareFollowUpAfter ?? WELFARE_DEFAULTS.followUpAfter);
  return {
    reminder: durationMs(b.welfareReminderAfter ?? WELFARE_DEFAULTS.reminderAfter),
    followUp,
    // Unset, it stays after the follow-up however late that is: the cell gets its call list first.
    close: b.welfareCloseAfter
      ? durationMs(b.welfareCloseAfter)
      : Math.max(durationMs(WELFARE_DEFAULTS.closeAfter), followUp + durationMs('1d')),
  };
}

/** Queues a welfare check's automatic close, due in `delay` ms (idempotent per check: a second one is ignored). */
export async function queueAutoClose(deps: CoreDeps, id: string, delay: number): Promise<void> {
  await broadcastQueues(deps).broadcast.add('close', { type: 'close', id }, { jobId: jobIdFor('wcls', id), delay: Math.max(0, delay) });
}

/** What starting a welfare check answers: its id, how many it was sent to, and its status (`closed` when it asked nobody). */
export interface StartedWelfareCheck {
  id: string;
  total: number;
  status: string;
}

/**
 * A welfare check ("are you safe?") to an audience; answers `1`/SAFE or `2`/HELP are tallied per
 * region. Non-responders get a reminder `welfareReminderAfter` after their own question went out
 * (see sendWelfareReminders) and are listed for phone
 * follow-up (and posted to the cell groups) after `welfareFollowUpAfter`; the check closes by
 * itself after `welfareCloseAfter` (see closeWelfareCheck). A check whose audience holds nobody
 * (no registered citizen matches it) is closed as it starts (reason `nobody_asked`), by the same
 * close as any other: audited, posted to the cell, with no reminder, follow-up or close left queued.
 */
export async function startWelfareCheck(
  deps: CoreDeps,
  input: {
    author: Actor;
    audience: Audience;
    text?: Record<string, string>;
    exercise?: boolean;
    source?: string;
    /** Started with /welfare in a cell group, whose answer there says so: the cell is not told again. */
    toldInCell?: boolean;
  },
): Promise<StartedWelfareCheck> {
  checkTextLanguages(deps, input.text ?? {});
  const r = await createBroadcast(deps, 'welfare', { ...input, text: input.text ?? {} });
  if (r.repeated) {
    if (r.status === 'sending' && !r.fannedOut) await queueFanOut(deps, r.id);
    return { id: r.id, total: r.total, status: r.status };
  }
  await countRecipientsByRegion(deps, r.id);
  await deps.audit.append({
    type: 'welfare.started',
    actor: input.author.name,
    subject: r.id,
    data: { total: r.total, exercise: r.exercise },
  });
  // Nobody to ask: kept open, it would be listed as running for days (until its automatic close)
  // though no answer can come. It is closed now, from its draft: nothing is queued or sent for it.
  if (r.total === 0) {
    const closed = await closeWelfareCheck(deps, { id: r.id, actor: { name: 'system' }, reason: 'nobody_asked' });
    deps.log.info({ id: r.id }, 'welfare check asked nobody: closed as it started');
    return { id: r.id, total: 0, status: closed.status };
  }
  // Its citizens are reminded each from when their own question went out (sendWelfareReminders).
  await deps.redis.hset(broadcastKeys(deps, 'welfare').record(r.id), 'remindPerRecipient', '1');
  // The reminder, follow-up and close are queued before sending starts: a check sending always has them.
  const { broadcast } = broadcastQueues(deps);
  const due = welfareTimers(deps);
  await broadcast.add('reminder', { type: 'reminder', id: r.id }, { jobId: jobIdFor('wrem', r.id), delay: due.reminder });
  await broadcast.add('followup', { type: 'followup', id: r.id }, { jobId: jobIdFor('wfol', r.id), delay: due.followUp });
  await queueAutoClose(deps, r.id, due.close);
  await startSending(deps, r);
  // Started from a DM, the dashboard, the API or a playbook: the cell learns it from the bot, not from
  // a citizen's "1" in answer to a question it did not know was asked.
  if (!input.toldInCell) {
    await postToCellGroups(
      deps,
      `📋 Welfare check ${r.id}${r.exercise ? ' (exercise)' : ''} started by ${input.author.name}: ${r.total} recipient(s) asked whether they are safe. Tallies: /sitrep; /close ${r.id} to close it.`,
      `welfare-started:${r.id}`,
      'welfare-started',
    );
  }
  deps.log.info({ id: r.id, total: r.total }, 'welfare check started');
  return { id: r.id, total: r.total, status: r.status };
}

/**
 * Recipients per region, computed once in Redis (citizens registered there, any language), kept as
 * one set per region (welfareAskedIn: an answer counts there even if the citizen moves meanwhile),
 * and the people asked (`asked`): every recipient but the cell groups, which get the question but never answer.
 */
export async function countRecipientsByRegion(deps: CoreDeps, id: string): Promise<void> {
  const keys = broadcastKeys(deps, 'welfare');
  const groups = deps.config.cellGroups.map((g) => g.id);
  const defaultRecipients = keys.recipients(id, deps.config.languages[0] as string);
  const groupsAsked = groups.length ? (await deps.redis.smismember(defaultRecipients, ...groups)).filter((n) => n === 1).length : 0;
  const total = Number(await deps.redis.hget(keys.record(id), 'total'));
  const fields: Record<string, string> = { asked: String(Math.max(0, total - groupsAsked)) };
  // In one transaction: the union of every language's recipients is never left behind (it names them).
  const everyone = deps.keys.audienceTmp(id, 'asked');
  const tx = deps.redis.multi().sunionstore(everyone, ...deps.config.languages.map((language) => keys.recipients(id, language)));
  for (const region of deps.config.regions)
    tx.sinterstore(deps.keys.welfareAskedIn(id, region.id), everyone, deps.keys.citizensByRegion(region.id));
  const counts = ((await tx.del(everyone).exec()) ?? []).slice(1, 1 + deps.config.regions.length);
  deps.config.regions.forEach((region, i) => {
    fields[`total:${region.id}`] = String(Number(counts[i]?.[1] ?? 0));
  });
  await deps.redis.hset(keys.record(id), fields);
}

/** The asked-in sets of a check, one per configured region, and those regions' ids in the same order. */
export function askedInKeys(deps: CoreDeps, id: string): { keys: string[]; regions: string[] } {
  const regions = deps.config.regions.map((r) => r.id);
  return { keys: regions.map((region) => deps.keys.welfareAskedIn(id, region)), regions };
}

/**
 * Records a citizen's answer to a welfare check; `people` defaults to their household size.
 * `phone` is who the check asked (a LID, for a citizen asked while WhatsApp hid their number);
 * `registeredAs` where their registration is now, if elsewhere (that number, since shown).
 * Returns the outcome, whether it came after the check closed, and the citizen's region and
 * household as read for it.
 */
export async function recordWelfareAnswer(
  deps: CoreDeps,
  input: { id: string; phone: string; registeredAs?: string; answer: 'safe' | 'help'; people?: number },
): Promise<{ outcome: 'new' | 'changed' | 'same'; late: boolean; region: string | null; household: string | null }> {
  const [region, household] = await deps.redis.hmget(deps.keys.citizen(input.registeredAs ?? input.phone), 'region', 'household');
  const people = input.answer === 'safe' ? (input.people ?? Number(household ?? 1)) : 0;
  const askedIn = askedInKeys(deps, input.id);
  const [result, late] = (await deps.redis.eval(
    ANSWER_SCRIPT,
    3 + askedIn.keys.length,
    deps.keys.welfareAnswers(input.id),
    deps.keys.welfareTally(input.id),
    broadcastKeys(deps, 'welfare').record(input.id),
    ...askedIn.keys,
    input.phone,
    input.answer,
    String(Math.max(0, Math.min(people, 999))),
    region || 'unknown',
    ...askedIn.regions,
  )) as [number, number];
  return {
    outcome: result === 1 ? 'new' : result === 2 ? 'changed' : 'same',
    late: late === 1,
    region: region ?? null,
    household: household ?? null,
  };
}

/** The open welfare check a citizen was asked in (newest first), if any. */
export async function openCheckFor(deps: CoreDeps, phone: string): Promise<string | undefined> {
  return firstAsked(deps, await deps.redis.zrevrange(broadcastKeys(deps, 'welfare').active, 0, 19), phone);
}

/**
 * The open welfare checks among the 20 newest (or `only`, while it is open) that asked `phone` and
 * that it has not answered, newest first.
 */
export async function openChecksUnanswered(deps: CoreDeps, phone: string, only?: string): Promise<string[]> {
  const active = broadcastKeys(deps, 'welfare').active;
  const open = only ? ((await deps.redis.zscore(active, only)) === null ? [] : [only]) : await deps.redis.zrevrange(active, 0, 19);
  const asked = await askedAmong(deps, open, phone);
  const answered = await Promise.all(asked.map((id) => deps.redis.hexists(deps.keys.welfareAnswers(id), phone)));
  return asked.filter((_, i) => answered[i] === 0);
}

/**
 * How long after its close a welfare check still takes the answer of a citizen it asked and who has
 * not answered it, alongside the checks open: "are you safe?" has one answer now, and a check closed
 * moments ago must not keep them as "no answer", on the list for the cell to call, when they answer
 * just after. A day: beyond, today's answer says little of the question that check asked.
 */
export const LATE_ANSWER_WINDOW_MS = 24 * 3600 * 1000;

/**
 * The welfare checks a citizen's SAFE or HELP answers, among the 20 open and the 20 closed last:
 * - every open check that asked them (a citizen asked by two checks at once answers both; one they
 *   answered already takes the new answer too, which may change it);
 * - every check that asked them, closed less than LATE_ANSWER_WINDOW_MS ago, that they have not
 *   answered (the answer is late there);
 * - with no check open that asked them, also the one closed last among those that asked them, however
 *   long ago and answered or not (late: never lost).
 * Open checks come first, then closed ones, the latest first; a real check before a drill (the reply
 * and a HELP's incident name the first). Empty when they were asked in none.
 */
export async function checksAnsweredBy(deps: CoreDeps, phone: string): Promise<string[]> {
  const keys = broadcastKeys(deps, 'welfare');
  // Plain reads, not a transaction: they ride the connection's pipeline with other messages' commands.
  const [open, closedAt] = await Promise.all([
    deps.redis.zrevrange(keys.active, 0, 19),
    deps.redis.zrevrange(deps.keys.welfareClosed, 0, 19, 'WITHSCORES'),
  ]);
  const closed = closedAt.filter((_, i) => i % 2 === 0);
  const asked = await askedAmong(deps, [...open, ...closed], phone);
  const openAsked = asked.filter((id) => open.includes(id));
  const closedAsked = asked.filter((id) => !open.includes(id));
  const since = deps.now() - LATE_ANSWER_WINDOW_MS;
  const recent = closedAsked.filter((id) => Number(closedAt[closedAt.indexOf(id) + 1]) >= since);
  const answered = await Promise.all(recent.map((id) => deps.redis.hexists(deps.keys.welfareAnswers(id), phone)));
  const late = recent.filter((_, i) => answered[i] === 0);
  const last = openAsked.length === 0 ? closedAsked.slice(0, 1) : [];
  const ids = [...openAsked, ...new Set([...last, ...late])];
  if (ids.length < 2) return ids;
  // A real check comes before a drill: its HELP must open a real incident, not an EXERCISE one.
  const drill = await Promise.all(ids.map((id) => deps.redis.hget(keys.record(id), 'exercise')));
  return [...ids.filter((_, i) => drill[i] !== '1'), ...ids.filter((_, i) => drill[i] === '1')];
}

/**
 * The most recent withdrawn (cancelled) welfare check among the last 20 started that asked `phone`:
 * read only for an answer no open or closed check takes. A withdrawn check counts no answer, but a
 * citizen who answers 2 to it still says they need help.
 */
export async function withdrawnCheckAsked(deps: CoreDeps, phone: string): Promise<string | undefined> {
  const keys = broadcastKeys(deps, 'welfare');
  const recent = await deps.redis.zrevrange(keys.all, 0, 19);
  const records = await Promise.all(recent.map((id) => deps.redis.hmget(keys.record(id), 'status', 'exercise')));
  // A withdrawn drill asked staff only: their "2" to it opens no real report.
  const withdrawn = recent.filter((_, i) => records[i]?.[0] === 'cancelled' && records[i]?.[1] !== '1');
  return firstAsked(deps, withdrawn, phone);
}

/** The first of `ids` whose recipients include `phone`. */
async function firstAsked(deps: CoreDeps, ids: string[], phone: string): Promise<string | undefined> {
  return (await askedAmong(deps, ids, phone))[0];
}

/** Those of `ids` whose recipients include `phone`, in order, in one round trip for every check and language. */
async function askedAmong(deps: CoreDeps, ids: string[], phone: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const keys = broadcastKeys(deps, 'welfare');
  const found = (
    await Promise.all(
      ids.flatMap((id) => deps.config.languages.map((language) => deps.redis.sismember(keys.recipients(id, language), phone))),
    )
  ).map((n) => n === 1);
  const n = deps.config.languages.length;
  return ids.filter((_, i) => found.slice(i * n, (i + 1) * n).includes(true));
}

function tallyOf(tally: Record<string, string>, total: number, suffix: string): WelfareCounts {
  const n = (f: string) => Math.max(0, Number(tally[f + suffix] ?? 0));
  const safe = n('safe');
  const help = n('help');
  return { total, safe, help, noAnswer: Math.max(0, total - safe - help), peopleSafe: n('people') };
}

/** The overall and per-region tallies a tally hash holds, against the record's numbers of people asked. */
function talliesOf(
  deps: CoreDeps,
  record: Record<string, string>,
  tally: Record<string, string>,
): { counts: WelfareCounts; byRegion: Record<string, WelfareCounts> } {
  const byRegion: Record<string, WelfareCounts> = {};
  for (const region of deps.config.regions)
    byRegion[region.id] = tallyOf(tally, Number(record[`total:${region.id}`] ?? 0), `:${region.id}`);
  return { counts: tallyOf(tally, Number(record.asked ?? record.total ?? 0), ''), byRegion };
}

/** The tally hash saved at the close (`finalTally`: Redis's HGETALL as JSON, a flat list of fields and values). */
function finalTallyOf(record: Record<string, string>): Record<string, string> {
  const flat: unknown = JSON.parse(record.finalTally ?? '[]');
  if (!Array.isArray(flat)) return {};
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

/** How a closed check closed and its tallies then, from its record; undefined while it is not closed. */
export function closureOf(deps: CoreDeps, record: Record<string, string>): WelfareClosure | undefined {
  if (record.status !== 'closed' || !record.closedAt) return undefined;
  return {
    at: new Date(Number(record.closedAt)).toISOString(),
    by: record.closedBy ?? 'unknown',
    reason: record.closeReason === 'expired' || record.closeReason === 'nobody_asked' ? record.closeReason : 'officer',
    ...talliesOf(deps, record, finalTallyOf(record)),
  };
}

/** What a check that asked nobody (no registered citizen in its audience) shows instead of "0 … of 0". */
export const ASKED_NOBODY = 'nobody was asked (no registered citizen in its audience)';

/**
 * One line of tallies, as /sitrep and the final tally show them: overall, then safe/help/silent by
 * region asked; for a check that asked nobody, that (as the dashboard shows "0 asked"), not "0 … of 0".
 */
export function tallyLine(w: { counts: WelfareCounts; byRegion: Record<string, WelfareCounts> }): string {
  const c = w.counts;
  if (c.total === 0 && c.safe + c.help === 0) return ASKED_NOBODY;
  const regions = Object.entries(w.byRegion)
    .filter(([, r]) => r.total > 0)
    .map(([region, r]) => `${region} ${r.safe}/${r.help}/${r.noAnswer}`)
    .join(', ');
  return `${c.safe} safe (${c.peopleSafe} ${c.peopleSafe === 1 ? 'person' : 'people'}), ${c.help} need help, ${c.noAnswer} no answer of ${c.total}${regions ? ` — safe/help/silent: ${regions}` : ''}`;
}

export async function getWelfareCheck(deps: CoreDeps, id: string): Promise<WelfareView> {
  if (kindOfId(id) !== 'welfare') throw new NotFoundError('welfare check', id);
  const [record, tally] = await Promise.all([
    deps.redis.hgetall(broadcastKeys(deps, 'welfare').record(id)),
    deps.redis.hgetall(deps.keys.welfareTally(id)),
  ]);
  const r = recordOf('welfare', record);
  if (!r) throw new NotFoundError('welfare check', id);
  const closed = closureOf(deps, record);
  const late = (a: string) => Math.max(0, Number(tally[`late:${a}`] ?? 0));
  return {
    id: r.id,
    status: r.status,
    exercise: r.exercise,
    createdAt: new Date(r.createdAt).toISOString(),
    ...talliesOf(deps, record, tally),
    late: { safe: late('safe'), help: late('help') },
    ...(closed ? { closed } : {}),
    delivery: await deliveryCounts(deps, r),
    ...stalledSince(r),
  };
}
