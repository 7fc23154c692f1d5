import type { CoreDeps } from '../app/deps.ts';
import { durationMs } from '../domain/duration.ts';
import { NotFoundError } from '../domain/errors.ts';
import { jobIdFor } from '../queues/queues.ts';
import { checkTextLanguages, createBroadcast, startSending } from './alerts.ts';
import type { Actor, Audience } from './audience.ts';
import { broadcastQueues } from './broadcast-queue.ts';
import { broadcastKeys, type DeliveryCounts, deliveryCounts, kindOfId, recordOf } from './broadcast-store.ts';
import { queueFanOut } from './fanout.ts';

/** Tallies of a welfare check, overall or for one region. */
export interface WelfareCounts {
  total: number;
  safe: number;
  help: number;
  noAnswer: number;
  /** People reported safe, counting households. */
  peopleSafe: number;
}

export interface WelfareView {
  id: string;
  status: string;
  exercise: boolean;
  createdAt: string;
  counts: WelfareCounts;
  byRegion: Record<string, WelfareCounts>;
  delivery: DeliveryCounts;
}

/**
 * Records (or changes) one citizen's answer and keeps the tallies exact, atomically: a changed
 * answer moves the citizen from one tally to the other.
 * KEYS: answers, tally. ARGV: phone, answer, people, region. Returns 0 unchanged, 1 new, 2 changed.
 */
const ANSWER_SCRIPT = `
local new = ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4]
local prev = redis.call('HGET', KEYS[1], ARGV[1])
if prev == new then return 0 end
if prev then
  local a, p, r = string.match(prev, '^(%a+)|(%d+)|(.*)$')
  redis.call('HINCRBY', KEYS[2], a, -1)
  redis.call('HINCRBY', KEYS[2], a .. ':' .. r, -1)
  if a == 'safe' then
    redis.call('HINCRBY', KEYS[2], 'people', -tonumber(p))
    redis.call('HINCRBY', KEYS[2], 'people:' .. r, -tonumber(p))
  end
end
redis.call('HSET', KEYS[1], ARGV[1], new)
redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
redis.call('HINCRBY', KEYS[2], ARGV[2] .. ':' .. ARGV[4], 1)
if ARGV[2] == 'safe' then
  redis.call('HINCRBY', KEYS[2], 'people', tonumber(ARGV[3]))
  redis.call('HINCRBY', KEYS[2], 'people:' .. ARGV[4], tonumber(ARGV[3]))
end
if prev then return 2 end
return 1
`;

/**
 * A welfare check ("are you safe?") to an audience; answers `1`/SAFE or `2`/HELP are tallied per
 * region. Non-responders get a reminder after `welfareReminderAfter` and are listed for phone
 * follow-up (and posted to the cell groups) after `welfareFollowUpAfter`.
 */
export async function startWelfareCheck(
  deps: CoreDeps,
  input: { author: Actor; audience: Audience; text?: Record<string, string>; exercise?: boolean; source?: string },
): Promise<{ id: string; total: number }> {
  checkTextLanguages(deps, input.text ?? {});
  const r = await createBroadcast(deps, 'welfare', { ...input, text: input.text ?? {} });
  if (r.repeated) {
    if (r.status === 'sending' && !r.fannedOut) await queueFanOut(deps, r.id);
    return { id: r.id, total: r.total };
  }
  await countRecipientsByRegion(deps, r.id);
  await deps.audit.append({
    type: 'welfare.started',
    actor: input.author.name,
    subject: r.id,
    data: { total: r.total, exercise: r.exercise },
  });
  // The reminder and follow-up are queued before sending starts: a check sending always has them.
  const { broadcast } = broadcastQueues(deps);
  const b = deps.config.broadcast;
  await broadcast.add(
    'reminder',
    { type: 'reminder', id: r.id },
    { jobId: jobIdFor('wrem', r.id), delay: durationMs(b.welfareReminderAfter ?? '2h') },
  );
  await broadcast.add(
    'followup',
    { type: 'followup', id: r.id },
    { jobId: jobIdFor('wfol', r.id), delay: durationMs(b.welfareFollowUpAfter ?? '6h') },
  );
  await startSending(deps, r);
  deps.log.info({ id: r.id, total: r.total }, 'welfare check started');
  return { id: r.id, total: r.total };
}

/**
 * Recipients per region, computed once in Redis (citizens registered there, any language), and the
 * people asked (`asked`): every recipient but the cell groups, which get the question but never answer.
 */
export async function countRecipientsByRegion(deps: CoreDeps, id: string): Promise<void> {
  const keys = broadcastKeys(deps, 'welfare');
  const groups = deps.config.cellGroups.map((g) => g.id);
  const defaultRecipients = keys.recipients(id, deps.config.languages[0] as string);
  const groupsAsked = groups.length ? (await deps.redis.smismember(defaultRecipients, ...groups)).filter((n) => n === 1).length : 0;
  const total = Number(await deps.redis.hget(keys.record(id), 'total'));
  const fields: Record<string, string> = { asked: String(Math.max(0, total - groupsAsked)) };
  for (const region of deps.config.regions) {
    let n = 0;
    for (const language of deps.config.languages)
      n += Number(await deps.redis.sintercard(2, keys.recipients(id, language), deps.keys.citizensByRegion(region.id)));
    fields[`total:${region.id}`] = String(n);
  }
  await deps.redis.hset(keys.record(id), fields);
}

/**
 * Records a citizen's answer to a welfare check; `people` defaults to their household size.
 * Returns the outcome, and the citizen's region and household as read for it.
 */
export async function recordWelfareAnswer(
  deps: CoreDeps,
  input: { id: string; phone: string; answer: 'safe' | 'help'; people?: number },
): Promise<{ outcome: 'new' | 'changed' | 'same'; region: string | null; household: string | null }> {
  const [region, household] = await deps.redis.hmget(deps.keys.citizen(input.phone), 'region', 'household');
  const people = input.answer === 'safe' ? (input.people ?? Number(household ?? 1)) : 0;
  const result = await deps.redis.eval(
    ANSWER_SCRIPT,
    2,
    deps.keys.welfareAnswers(input.id),
    deps.keys.welfareTally(input.id),
    input.phone,
    input.answer,
    String(Math.max(0, Math.min(people, 999))),
    region || 'unknown',
  );
  return { outcome: result === 1 ? 'new' : result === 2 ? 'changed' : 'same', region: region ?? null, household: household ?? null };
}

/** The open welfare check a citizen was asked in (newest first), if any. */
export async function openCheckFor(deps: CoreDeps, phone: string): Promise<string | undefined> {
  const keys = broadcastKeys(deps, 'welfare');
  const open = await deps.redis.zrevrange(keys.active, 0, 19);
  if (open.length === 0) return undefined;
  // One round trip for every open check and language (in a crisis most messages ask this).
  const multi = deps.redis.multi();
  for (const id of open) for (const language of deps.config.languages) multi.sismember(keys.recipients(id, language), phone);
  const found = ((await multi.exec()) ?? []).map(([, n]) => n === 1);
  const at = found.indexOf(true);
  return at < 0 ? undefined : open[Math.floor(at / deps.config.languages.length)];
}

function tallyOf(tally: Record<string, string>, total: number, suffix: string): WelfareCounts {
  const n = (f: string) => Math.max(0, Number(tally[f + suffix] ?? 0));
  const safe = n('safe');
  const help = n('help');
  return { total, safe, help, noAnswer: Math.max(0, total - safe - help), peopleSafe: n('people') };
}

export async function getWelfareCheck(deps: CoreDeps, id: string): Promise<WelfareView> {
  if (kindOfId(id) !== 'welfare') throw new NotFoundError('welfare check', id);
  const [record, tally] = await Promise.all([
    deps.redis.hgetall(broadcastKeys(deps, 'welfare').record(id)),
    deps.redis.hgetall(deps.keys.welfareTally(id)),
  ]);
  const r = recordOf('welfare', record);
  if (!r) throw new NotFoundError('welfare check', id);
  const byRegion: Record<string, WelfareCounts> = {};
  for (const region of deps.config.regions)
    byRegion[region.id] = tallyOf(tally, Number(record[`total:${region.id}`] ?? 0), `:${region.id}`);
  return {
    id: r.id,
    status: r.status,
    exercise: r.exercise,
    createdAt: new Date(r.createdAt).toISOString(),
    counts: tallyOf(tally, Number(record.asked ?? r.total), ''),
    byRegion,
    delivery: await deliveryCounts(deps, r),
  };
}
