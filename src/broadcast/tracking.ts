import type { CoreDeps } from '../app/deps.ts';
import { refOfSentMessage } from '../app/sent-ref.ts';
import type { OutboundJob } from '../queues/job-schemas.ts';
import type { DeliveryUpdate } from '../transport/chat-transport.ts';
import { type BroadcastKind, broadcastKeys, publishChange } from './broadcast-store.ts';
import { renderAtSend } from './render.ts';

/** The state of one recipient of a broadcast. */
export type RecipientState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'cancelled';

/**
 * Marks the broadcast done when no recipient is left queued. Expects `changed` and `reopened` (1 when
 * this step took an alert marked sent back to sending) to be set.
 * KEYS: state, counts, record, active. ARGV: recipient, newState, doneStatus, now. Returns {changed, done, reopened}.
 */
const COMPLETE_LUA = `
local status = redis.call('HGET', KEYS[3], 'status')
if status ~= 'sending' or redis.call('HGET', KEYS[3], 'fannedOut') ~= '1' then return {changed, 0, reopened} end
local c = redis.call('HMGET', KEYS[2], 'sent', 'failed', 'cancelled')
local finished = (tonumber(c[1]) or 0) + (tonumber(c[2]) or 0) + (tonumber(c[3]) or 0)
if finished < tonumber(redis.call('HGET', KEYS[3], 'total') or '0') then return {changed, 0, reopened} end
redis.call('HSET', KEYS[3], 'status', ARGV[3], 'completedAt', ARGV[4])
if ARGV[3] ~= 'open' then redis.call('ZREM', KEYS[4], redis.call('HGET', KEYS[3], 'id')) end
return {changed, 1, reopened}
`;

/**
 * Moves one recipient forward (never back: a late 'delivered' after 'read' changes nothing),
 * keeps the counters exact, then checks completion. A citizen asked by a welfare check (ARGV[5]
 * '1') is put in the to-remind set (KEYS[5]) when their question first goes out, scored by then,
 * while the check runs (its record, KEYS[3]), and taken off it when their question fails. The one
 * step back, to 'queued': a message WhatsApp took, then refused (463), queued again to go out after
 * the restriction (see onBroadcastRequeued); an alert already marked sent is sending again.
 * Returns {changed, done, reopened}.
 */
const ADVANCE_SCRIPT = `
local reopened = 0
local rank = {queued = 0, sent = 1, delivered = 2, read = 3}
local milestone = {'sent', 'delivered', 'read'}
local cur = redis.call('HGET', KEYS[1], ARGV[1]) or 'queued'
local new = ARGV[2]
if cur == 'failed' or cur == 'cancelled' then return {0, 0} end
if new == 'queued' then
  if cur == 'queued' then return {0, 0} end
  for r = 1, rank[cur] do redis.call('HINCRBY', KEYS[2], milestone[r], -1) end
  -- Not asked yet: reminded once the question goes out again, timed from then.
  if ARGV[5] == '1' then redis.call('ZREM', KEYS[5], ARGV[1]) end
  -- An alert marked sent has one message still to send: it is sending again, and listed as active.
  if ARGV[3] == 'sent' and redis.call('HGET', KEYS[3], 'status') == 'sent' then
    redis.call('HSET', KEYS[3], 'status', 'sending')
    redis.call('HDEL', KEYS[3], 'completedAt')
    reopened = 1
    redis.call('ZADD', KEYS[4], tonumber(redis.call('HGET', KEYS[3], 'createdAt')) or 0, redis.call('HGET', KEYS[3], 'id'))
  end
elseif new == 'failed' or new == 'cancelled' then
  if new == 'cancelled' and cur ~= 'queued' then return {0, 0} end
  for r = 1, rank[cur] do redis.call('HINCRBY', KEYS[2], milestone[r], -1) end
  redis.call('HINCRBY', KEYS[2], new, 1)
  if ARGV[5] == '1' then redis.call('ZREM', KEYS[5], ARGV[1]) end
else
  if rank[new] <= rank[cur] then return {0, 0} end
  for r = rank[cur] + 1, rank[new] do redis.call('HINCRBY', KEYS[2], milestone[r], 1) end
  if cur == 'queued' and ARGV[5] == '1' then
    -- A question in flight as its check closed leaves no list of phones behind the close.
    local status = redis.call('HGET', KEYS[3], 'status')
    if status == 'sending' or status == 'open' then redis.call('ZADD', KEYS[5], 'NX', ARGV[4], ARGV[1]) end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], new)
local changed = 1
${COMPLETE_LUA}`;

const CHECK_SCRIPT = `local changed, reopened = 0, 0\n${COMPLETE_LUA}`;

/** What a broadcast's outbound message refers to, from its `ref` (`alert:ALR-0007:+3361...`). */
export interface BroadcastRef {
  kind: BroadcastKind;
  /** True for a welfare reminder (not counted in delivery progress). */
  reminder: boolean;
  id: string;
  /** Phone or cell-group id. */
  to: string;
}

const REF = /^(alert|welfare|welfare-reminder):([A-Z]{3}-\d+):(.+)$/;

export function broadcastRef(kind: BroadcastKind | 'welfare-reminder', id: string, to: string): string {
  return `${kind}:${id}:${to}`;
}

export function parseBroadcastRef(ref: string | undefined): BroadcastRef | undefined {
  const m = ref ? REF.exec(ref) : null;
  if (!m) return undefined;
  const reminder = m[1] === 'welfare-reminder';
  return { kind: reminder ? 'welfare' : (m[1] as BroadcastKind), reminder, id: m[2] as string, to: m[3] as string };
}

/** Status a broadcast takes when every recipient was sent to (or failed). */
const DONE_STATUS: Record<BroadcastKind, string> = { alert: 'sent', welfare: 'open' };

/** Records a recipient's new state; returns true when it changed. */
export async function advanceRecipient(deps: CoreDeps, ref: BroadcastRef, state: RecipientState): Promise<boolean> {
  return ref.reminder ? false : runTracking(deps, ADVANCE_SCRIPT, ref, state);
}

async function runTracking(deps: CoreDeps, script: string, ref: BroadcastRef, state: RecipientState): Promise<boolean> {
  const keys = broadcastKeys(deps, ref.kind);
  // A cell group is sent the question but never answers: it is not reminded.
  const remind = ref.kind === 'welfare' && ref.to !== '' && !ref.to.endsWith('@g.us');
  const [changed, done, reopened] = (await deps.redis.eval(
    script,
    5,
    keys.state(ref.id),
    keys.counts(ref.id),
    keys.record(ref.id),
    keys.active,
    deps.keys.welfareToRemind(ref.id),
    ref.to,
    state,
    DONE_STATUS[ref.kind],
    String(deps.now()),
    remind ? '1' : '0',
  )) as [number, number, number];
  // The trail reads "completed", "sending again", "completed", not "completed" twice.
  if (reopened)
    await deps.audit.append({
      type: `${ref.kind}.sending_again`,
      actor: 'system',
      subject: ref.id,
      data: { reason: 'a message WhatsApp refused (463) is queued again' },
    });
  if (done) {
    deps.log.info({ id: ref.id }, `${ref.kind} fully sent`);
    await deps.audit.append({ type: `${ref.kind}.completed`, actor: 'system', subject: ref.id });
  }
  if (done || reopened) await publishChange(deps, ref.kind, ref.id);
  else if (changed) await publishThrottled(deps, ref.kind, ref.id);
  return changed === 1;
}

/** At most one `*.updated` per broadcast in this window, plus the trailing one that carries the last change. */
export const PUBLISH_WINDOW_MS = 1000;
/** Trailing publishes scheduled in this process, by window key. */
const trailing = new Map<string, NodeJS.Timeout>();

/**
 * Tells the dashboard a broadcast's counts changed, at most about once a second per broadcast
 * however many receipts come in (thousands a minute while an alert goes out): the first change of
 * a window publishes at once (whoever sets the window's key, across processes), a later one
 * schedules one trailing publish at the window's end, so the last change always gets out. Receipts
 * that came in after an alert was fully sent (the reads, mostly) were published 1 time in 100 at
 * random, and the open Alerts page and welfare delivery bar stood still.
 */
async function publishThrottled(deps: CoreDeps, kind: BroadcastKind, id: string): Promise<void> {
  const key = `${broadcastKeys(deps, kind).counts(id)}:published`;
  // A trailing publish already due here carries this change too: no round trip to Redis for it.
  if (trailing.has(key)) return;
  const first = await deps.redis.set(key, '1', 'PX', PUBLISH_WINDOW_MS, 'NX').catch(() => 'OK');
  if (first === 'OK') return publishChange(deps, kind, id);
  if (trailing.has(key)) return;
  const timer = setTimeout(() => {
    trailing.delete(key);
    // A new window starts with this publish: a change right after it waits for the next trailing one.
    void deps.redis
      .set(key, '1', 'PX', PUBLISH_WINDOW_MS)
      .catch(() => undefined)
      .then(() => publishChange(deps, kind, id));
  }, PUBLISH_WINDOW_MS);
  timer.unref();
  trailing.set(key, timer);
}

/**
 * Takes an erased citizen off a broadcast: off its recipient lists (KEYS[3..]) and its delivery
 * state. One that was listed and whose message was never queued (the alert still waited for its
 * approval, or the fan-out had not reached them), or was queued again after WhatsApp refused it (463)
 * and could not be taken off the queue (it was being sent), counts as cancelled, or the broadcast
 * would wait for them for ever. KEYS: state, counts, recipients per language. ARGV: phone.
 * Returns {listed 0|1, state removed 0|1, counted as cancelled 0|1}.
 */
const FORGET_SCRIPT = `
local listed = 0
for i = 3, #KEYS do listed = listed + redis.call('SREM', KEYS[i], ARGV[1]) end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then redis.call('HDEL', KEYS[1], ARGV[1]) end
if listed == 0 or (cur and cur ~= 'queued') then return {listed > 0 and 1 or 0, cur and 1 or 0, 0} end
redis.call('HINCRBY', KEYS[2], 'cancelled', 1)
return {1, cur and 1 or 0, 1}`;

/**
 * DELETE: forgets a citizen in one broadcast (see FORGET_SCRIPT), then checks whether the broadcast
 * is now complete. Returns whether they were listed and whether anything of theirs was removed.
 */
export async function forgetRecipient(
  deps: CoreDeps,
  kind: BroadcastKind,
  id: string,
  phone: string,
): Promise<{ listed: boolean; removed: boolean }> {
  const keys = broadcastKeys(deps, kind);
  const recipients = deps.config.languages.map((language) => keys.recipients(id, language));
  const [listed, hadState, counted] = (await deps.redis.eval(
    FORGET_SCRIPT,
    2 + recipients.length,
    keys.state(id),
    keys.counts(id),
    ...recipients,
    phone,
  )) as [number, number, number];
  if (counted) await checkCompletion(deps, kind, id);
  return { listed: listed === 1, removed: listed === 1 || hadState === 1 };
}

/** Checks whether a broadcast completed after its fan-out (e.g. when every recipient was already handled). */
export async function checkCompletion(deps: CoreDeps, kind: BroadcastKind, id: string): Promise<void> {
  await runTracking(deps, CHECK_SCRIPT, { kind, id, to: '', reminder: false }, 'queued');
}

/** States of a recipient whose welfare question went out. */
export const QUESTION_WENT_OUT = new Set<string>(['sent', 'delivered', 'read']);

/**
 * Outbound hook, just before a send: a broadcast message may go only if its broadcast still runs
 * and the citizen can be reached. A message queued without text (see recipientJob) gets its
 * broadcast's text now, in the job's language.
 */
export async function prepareBroadcastSend(deps: CoreDeps, job: OutboundJob): Promise<boolean> {
  const ref = parseBroadcastRef(job.ref);
  if (!ref) return true;
  const { keys } = deps;
  const kindKeys = broadcastKeys(deps, ref.kind);
  const tx = deps.redis
    .multi()
    .hmget(kindKeys.record(ref.id), 'status', 'exercise', 'code')
    .sismember(keys.citizensAll, ref.to)
    .sismember(keys.citizensOptedOut, ref.to)
    .hexists(keys.welfareAnswers(ref.id), ref.to)
    // Someone who reported without registering (Audience.reporters) is listed, until they DELETE.
    .sismember(kindKeys.recipients(ref.id, job.language ?? (deps.config.languages[0] as string)), ref.to);
  // A reminder reads how the question it follows went.
  if (ref.reminder) tx.hget(kindKeys.state(ref.id), ref.to);
  const [[, record], [, registered], [, optedOut], [, answered], [, listed], question] = (await tx.exec()) as [
    [unknown, (string | null)[]],
    [unknown, number],
    [unknown, number],
    [unknown, number],
    [unknown, number],
    [unknown, string | null]?,
  ];
  const [status, exercise, code] = record;
  // A closed welfare check asks nobody any more: neither its question nor its reminder goes out.
  if (!status || status === 'cancelled' || status === 'closed') return false;
  // Never a reminder to someone who answered, nor of a question they were never sent (still queued or held, failed).
  if (ref.reminder && (answered === 1 || !QUESTION_WENT_OUT.has(question?.[1] ?? 'queued'))) return false;
  const reachable = (registered === 1 || listed === 1) && optedOut === 0;
  if (exercise === '1' || ref.to.endsWith('@g.us') || reachable) return withText(deps, job, ref, code ?? '');
  // Erased (DELETE): off the list and counted as cancelled then (forgetRecipient); nothing of theirs is written back.
  if (listed === 0 && registered === 0) return false;
  await advanceRecipient(deps, ref, 'cancelled');
  deps.log.info({ id: ref.id }, 'broadcast message skipped: recipient opted out or erased');
  return false;
}

/** Gives a message queued without text its broadcast's text; false when the broadcast is gone. */
async function withText(deps: CoreDeps, job: OutboundJob, ref: BroadcastRef, code: string): Promise<boolean> {
  if (job.text !== undefined) return true;
  const text = await renderAtSend(deps, { ...ref, code }, job.language ?? (deps.config.languages[0] as string));
  if (text === undefined) return false;
  job.text = text;
  return true;
}

/** Outbound hook: the message went out; applies a delivery receipt that raced ahead of it. */
export async function onBroadcastSent(deps: CoreDeps, job: OutboundJob, messageId: string): Promise<void> {
  const ref = parseBroadcastRef(job.ref);
  if (!ref || ref.reminder) return;
  const [, early] = await Promise.all([advanceRecipient(deps, ref, 'sent'), deps.redis.getdel(deps.keys.earlyReceipt(messageId))]);
  if (early) await advanceRecipient(deps, ref, early as RecipientState);
}

/**
 * Outbound hook: WhatsApp refused a broadcast's message it had taken (463), and it was queued again,
 * to go out once the restriction lifts. It did not reach the citizen: they count as still to send to.
 * An alert already marked sent is sending again until that message goes out (the cell does not read
 * "sent to all" while a citizen has not got it). A welfare question's reminder is timed from when the
 * question goes out again (not from the refused send, or it would come with the question after the lift).
 */
export async function onBroadcastRequeued(deps: CoreDeps, job: OutboundJob): Promise<void> {
  const ref = parseBroadcastRef(job.ref);
  if (ref && !ref.reminder) await advanceRecipient(deps, ref, 'queued');
}

/** Outbound hook: the send failed for good (retries exhausted or refused by the platform). */
export async function onBroadcastFailed(deps: CoreDeps, job: OutboundJob): Promise<void> {
  const ref = parseBroadcastRef(job.ref);
  if (ref) await advanceRecipient(deps, ref, 'failed');
}

/** A delivery receipt (sent, delivered, read, failed) for a message the bot sent. */
export async function onDeliveryReceipt(deps: CoreDeps, update: DeliveryUpdate): Promise<void> {
  const ref = await refOfSentMessage(deps, update.messageId);
  if (!ref) {
    await deps.redis.set(deps.keys.earlyReceipt(update.messageId), update.state, 'EX', 120);
    return;
  }
  const parsed = parseBroadcastRef(ref);
  if (parsed) await advanceRecipient(deps, parsed, update.state);
}
