import type { CoreDeps } from '../app/deps.ts';
import { PRIORITY } from '../queues/queues.ts';
import { type BroadcastRecord, broadcastKeys, loadRecord } from './broadcast-store.ts';
import { recipientJob } from './fanout.ts';
import { QUESTION_WENT_OUT } from './tracking.ts';
import { welfareTimers } from './welfare.ts';

/** A citizen who has not answered a welfare check: to be called by phone. */
export interface NonResponder {
  phone: string;
  name: string;
  region: string;
  household: number;
}

const CHUNK = 1_000;
/** Names listed in the cell-group message; the full list is on the API. */
const LISTED_IN_GROUP = 40;

/** Calls `each` with every chunk of recipients (citizens only) of a welfare check who have not answered. */
async function eachSilentChunk(
  deps: CoreDeps,
  r: BroadcastRecord,
  each: (phones: string[], language: string) => Promise<void>,
): Promise<void> {
  const keys = broadcastKeys(deps, 'welfare');
  for (const language of deps.config.languages) {
    let cursor = '0';
    do {
      const [next, members] = await deps.redis.sscan(keys.recipients(r.id, language), cursor, 'COUNT', CHUNK);
      cursor = next;
      const phones = members.filter((m) => !m.endsWith('@g.us'));
      if (!phones.length) continue;
      const answers = await deps.redis.hmget(deps.keys.welfareAnswers(r.id), ...phones);
      const silent = phones.filter((_, i) => answers[i] === null);
      if (silent.length) await each(silent, language);
    } while (cursor !== '0');
  }
}

function running(r: BroadcastRecord | undefined): r is BroadcastRecord {
  return r !== undefined && (r.status === 'sending' || r.status === 'open');
}

/**
 * Reminders due within this long of each other go out in one run: a citizen is reminded at most this
 * long after their own time, and a check sent slowly to 100,000 people takes a run a minute, not one
 * per citizen.
 */
export const REMINDER_BATCH_MS = 60_000;

/** What one run of a check's reminders did, and when the next is due (none: nobody is left to remind). */
export interface ReminderRun {
  reminded: number;
  /** When the next run is due, on the deps.now() clock. */
  nextAt?: number;
}

/**
 * Reminds the citizens of a welfare check whose question went out at least `welfareReminderAfter`
 * ago and who have not answered: each one once, timed from when THEIR question was sent (the
 * to-remind set the delivery tracking fills, see ADVANCE_SCRIPT), not from the check's start. Who
 * was not sent the question yet (still queued, held under a sending restriction) is not reminded
 * before it; who answered, or whose question failed, never is. A citizen is taken off the set once
 * their reminder is queued (queued again after a crash before that, it is the same job: one message).
 * A question WhatsApp refused (463) and queued again counts as not sent until it goes out again.
 * Returns how many were reminded and when the next run is due: the earliest of those still to remind,
 * or, while questions are still going out, `welfareReminderAfter` from now (a minute at the soonest).
 */
export async function sendWelfareReminders(deps: CoreDeps, id: string): Promise<ReminderRun> {
  const r = await loadRecord(deps, id);
  if (!running(r)) return { reminded: 0 };
  const toRemind = deps.keys.welfareToRemind(id);
  const after = welfareTimers(deps).reminder;
  await trackQuestionsSentBefore(deps, r);
  const due = deps.now() - after;
  let n = 0;
  for (;;) {
    const phones = await deps.redis.zrangebyscore(toRemind, '-inf', due, 'LIMIT', 0, CHUNK);
    if (!phones.length) break;
    const keys = broadcastKeys(deps, 'welfare');
    const tx = deps.redis.multi().hmget(deps.keys.welfareAnswers(id), ...phones);
    for (const language of deps.config.languages) tx.smismember(keys.recipients(id, language), ...phones);
    const [[, answers], ...listedIn] = (await tx.exec()) as [[unknown, (string | null)[]], ...[unknown, number[]][]];
    const jobs = phones.flatMap((phone, i) => {
      if (answers[i] !== null) return [];
      // Off every list (erased meanwhile): nobody to remind.
      const li = listedIn.findIndex(([, listed]) => listed[i] === 1);
      return li < 0 ? [] : [recipientJob(r, phone, deps.config.languages[li] as string, true)];
    });
    if (jobs.length) await deps.outbox.sendMany(jobs, PRIORITY.bulk);
    await deps.redis.zrem(toRemind, ...phones);
    n += jobs.length;
    if (phones.length < CHUNK) break;
  }
  // Read in one step: a check `open` has every question's send recorded in the set already, but for
  // a question WhatsApp refused (463) and that waits to go out again (counted as queued once more).
  const keys = broadcastKeys(deps, 'welfare');
  const [[, [status, total]], [, [sent, failed, cancelled]], [, first]] = (await deps.redis
    .multi()
    .hmget(keys.record(id), 'status', 'total')
    .hmget(keys.counts(id), 'sent', 'failed', 'cancelled')
    .zrange(toRemind, '0', '0', 'WITHSCORES')
    .exec()) as [[unknown, (string | null)[]], [unknown, (string | null)[]], [unknown, string[]]];
  const stillToAsk = Number(total ?? 0) > Number(sent ?? 0) + Number(failed ?? 0) + Number(cancelled ?? 0);
  const nextAt = first.length
    ? Math.max(Number(first[1]) + after, deps.now() + REMINDER_BATCH_MS)
    : status === 'sending' || stillToAsk
      ? deps.now() + Math.max(after, REMINDER_BATCH_MS)
      : undefined;
  // Audited per run that reminded someone, and for a check whose reminder found nobody left to remind.
  if (n > 0 || nextAt === undefined)
    await deps.audit.append({ type: 'welfare.reminded', actor: 'system', subject: id, data: { count: n } });
  deps.log.info({ id, count: n, nextAt }, 'welfare reminders queued');
  return { reminded: n, ...(nextAt !== undefined ? { nextAt } : {}) };
}

/**
 * A check started before reminders were timed per citizen has no to-remind set for the questions
 * sent then: they are added, as sent when the check started (when the reminder was timed from
 * before), once per check.
 */
async function trackQuestionsSentBefore(deps: CoreDeps, r: BroadcastRecord): Promise<void> {
  const keys = broadcastKeys(deps, 'welfare');
  if ((await deps.redis.hget(keys.record(r.id), 'remindPerRecipient')) === '1') return;
  let cursor = '0';
  do {
    const [next, flat] = await deps.redis.hscan(keys.state(r.id), cursor, 'COUNT', CHUNK);
    cursor = next;
    const sent = flat.filter((to, i) => i % 2 === 0 && !to.endsWith('@g.us') && QUESTION_WENT_OUT.has(flat[i + 1] as string));
    if (sent.length) await deps.redis.zadd(deps.keys.welfareToRemind(r.id), 'NX', ...sent.flatMap((to) => [String(r.createdAt), to]));
  } while (cursor !== '0');
  await deps.redis.hset(keys.record(r.id), 'remindPerRecipient', '1');
}

/** Everyone who has not answered, with what the cell needs to call them. */
export async function listNonResponders(deps: CoreDeps, id: string, limit = Number.POSITIVE_INFINITY): Promise<NonResponder[]> {
  const r = await loadRecord(deps, id);
  if (!r) return [];
  const out: NonResponder[] = [];
  await eachSilentChunk(deps, r, async (phones) => {
    if (out.length >= limit) return;
    const profiles = await Promise.all(phones.map((p) => deps.redis.hmget(deps.keys.citizen(p), 'name', 'region', 'household')));
    phones.forEach((phone, i) => {
      const [name, region, household] = profiles[i] ?? [];
      if (out.length < limit) out.push({ phone, name: name ?? '', region: region ?? 'unknown', household: Number(household ?? 1) });
    });
  });
  return out;
}

/** After the second deadline: lists non-responders for phone follow-up and posts them to the cell groups. */
export async function postWelfareFollowUp(deps: CoreDeps, id: string): Promise<number> {
  const r = await loadRecord(deps, id);
  if (!running(r)) return 0;
  const all = await listNonResponders(deps, id);
  await deps.redis.hset(broadcastKeys(deps, 'welfare').record(id), 'followUpAt', String(deps.now()), 'followUpCount', String(all.length));
  const regionName = (rid: string) => deps.config.regions.find((x) => x.id === rid)?.name ?? rid;
  const lines = all
    .slice(0, LISTED_IN_GROUP)
    .map((c) => `• ${c.name || '(no name)'} ${c.phone} — ${regionName(c.region)}, ${c.household} person(s)`);
  const more = all.length > LISTED_IN_GROUP ? [`… and ${all.length - LISTED_IN_GROUP} more: GET /api/welfare-checks/${id}/follow-up`] : [];
  // Closed (or cancelled) while the list was read: the final tally replaces it.
  if (!running(await loadRecord(deps, id))) return 0;
  const prefix = r.exercise ? 'EXERCISE — ' : '';
  const text = all.length
    ? [`${prefix}Welfare check ${id}: ${all.length} citizen(s) have not answered. Please call them:`, ...lines, ...more].join('\n')
    : `${prefix}Welfare check ${id}: every citizen asked has answered.`;
  for (const g of deps.config.cellGroups) {
    await deps.outbox.send(
      { to: { kind: 'group', id: g.id }, text, kind: 'welfare-follow-up', idempotencyKey: `welfare-follow-up:${id}:${g.id}` },
      PRIORITY.staff,
    );
  }
  await deps.audit.append({ type: 'welfare.follow_up', actor: 'system', subject: id, data: { count: all.length } });
  return all.length;
}
