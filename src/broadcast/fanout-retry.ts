import type { Job } from 'bullmq';
import type { CoreDeps } from '../app/deps.ts';
import { postToCellGroups } from '../app/incidents/shared.ts';
import { durationMs } from '../domain/duration.ts';
import { jobIdFor } from '../queues/queues.ts';
import { type BroadcastJob, broadcastQueues } from './broadcast-queue.ts';
import { type BroadcastKind, type BroadcastRecord, broadcastKeys, loadRecord } from './broadcast-store.ts';
import { resumeBroadcast } from './resume.ts';

/**
 * A fan-out job retries 8 times over about 4 minutes (broadcast-queue.ts), then gives up: a long
 * Redis outage, or a Redis refusing writes (memory full), outlasts that. The broadcast then stays
 * `sending` with part of its audience never queued. A sweep on the timers queue (a BullMQ job
 * scheduler, so one worker runs each round and it survives restarts) takes such a fan-out up again
 * every `broadcast.fanOutRetryEvery`, from the position it saved; one outbound job id per recipient
 * means a recipient already queued is never queued (nor sent) twice.
 */
export const FAN_OUT_SWEEP = 'broadcast.fanOutSweep';
export const FAN_OUT_RETRY_DEFAULT = '2m';

export function fanOutRetryEveryMs(deps: CoreDeps): number {
  return durationMs(deps.config.broadcast.fanOutRetryEvery ?? FAN_OUT_RETRY_DEFAULT);
}

/** The newest alerts the sweep also looks at for one approved (or saved) but never started. */
const RECENT_ALERTS = 20;
/** How long an approved or saved alert may take to start before the sweep starts it. */
const START_GRACE_MS = 30_000;

/**
 * Alerts approved, or saved without needing approval, that never started: the process that was
 * starting one died in between (an API process of a split deployment, which no worker's start-up
 * resume covers while the workers keep running). Starting is idempotent, as at start-up.
 */
async function unstartedAlerts(deps: CoreDeps): Promise<BroadcastRecord[]> {
  const ids = await deps.redis.zrevrange(broadcastKeys(deps, 'alert').all, 0, RECENT_ALERTS - 1);
  const due = deps.now() - START_GRACE_MS;
  const out: BroadcastRecord[] = [];
  for (const id of ids) {
    const r = await loadRecord(deps, id);
    if ((r?.status === 'approved' && (r.approvedAt ?? r.createdAt) <= due) || (r?.status === 'draft' && r.createdAt <= due)) out.push(r);
  }
  return out;
}

/**
 * Takes up again the fan-outs that gave up, of the broadcasts still `sending`, and starts the
 * recent alerts approved (or saved) but never started. Only the active indexes and the newest
 * alerts are read (a few dozen records), never every record.
 */
export async function retryStalledFanOuts(deps: CoreDeps): Promise<string[]> {
  const retried: string[] = [];
  for (const r of await unstartedAlerts(deps)) {
    try {
      if (await resumeBroadcast(deps, r)) retried.push(r.id);
    } catch (err) {
      deps.log.warn({ id: r.id, err: (err as Error).message }, 'could not start an alert approved but never started');
    }
  }
  for (const kind of ['alert', 'welfare'] as BroadcastKind[]) {
    for (const id of await deps.redis.zrange(broadcastKeys(deps, kind).active, '0', '-1')) {
      try {
        const r = await loadRecord(deps, id);
        // Cancelled, complete, waiting for approval: not ours (an approval in flight starts its own).
        if (r?.status === 'sending' && !r.fannedOut && (await resumeBroadcast(deps, r))) retried.push(id);
      } catch (err) {
        // Another worker's sweep retried it a moment before, or Redis failed again: the next round will see.
        deps.log.warn({ id, err: (err as Error).message }, 'could not take up a stalled fan-out');
      }
    }
  }
  if (retried.length) {
    deps.log.warn({ broadcasts: retried }, 'took up again fan-outs that had given up');
    await deps.audit.append({ type: 'broadcast.fanout_retried', actor: 'system', data: { ids: retried } });
  }
  return retried;
}

/** A fan-out job that failed on its last try: not retried by BullMQ any more. */
export function gaveUp(job: Job<BroadcastJob>): boolean {
  return job.data?.type === 'fanout' && job.attemptsMade >= (job.opts.attempts ?? 1);
}

/** "2 minutes", "1 second": a duration as the cell reads it. */
function inWords(ms: number): string {
  for (const [unit, size] of [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
  ] as const)
    if (ms % size === 0) return `${ms / size} ${unit}${ms === size ? '' : 's'}`;
  const s = Math.ceil(ms / 1_000);
  return `${s} second${s === 1 ? '' : 's'}`;
}

function nameOf(r: BroadcastRecord): string {
  return `${r.kind === 'alert' ? 'Alert' : 'Welfare check'} ${r.id}${r.exercise ? ' (drill)' : ''}`;
}

/**
 * Called when a fan-out job gave up: logged always, and the cell told once per broadcast (the
 * `fanOutStalled` flag, cleared when the fan-out ends) that part of the audience is not queued yet.
 * Redis is likely failing at this moment, so every step here may fail: nothing is retried from
 * here (no loop on a failing Redis); the next round that gives up tries to tell again.
 */
export async function onFanOutGaveUp(deps: CoreDeps, job: Job<BroadcastJob>, error: string): Promise<void> {
  const { id } = job.data;
  const queued = job.data.type === 'fanout' ? (job.data.queued ?? 0) : 0;
  deps.log.error({ id, queued, err: error }, 'broadcast fan-out gave up after repeated errors; the sweep takes it up again');
  let claimed: string | undefined;
  try {
    const r = await loadRecord(deps, id);
    if (!r) return;
    const record = broadcastKeys(deps, r.kind).record(id);
    if ((await deps.redis.eval(CLAIM_STALLED, 1, record, String(deps.now()))) !== 1) return;
    claimed = record;
    const n = Math.min(queued, r.total);
    await postToCellGroups(
      deps,
      `⚠️ ${nameOf(r)} stopped queueing after repeated errors: ${n} of ${r.total} queued; it is tried again every ${inWords(fanOutRetryEveryMs(deps))}.`,
      `broadcast-stalled:${id}`,
      'broadcast-stalled',
    );
    await deps.audit.append({ type: `${r.kind}.fanout_stalled`, actor: 'system', subject: id, data: { queued: n, total: r.total, error } });
  } catch (err) {
    deps.log.error({ id, err: (err as Error).message }, 'could not tell the cell that a fan-out gave up');
    // Not told: the next round that gives up tries again (the post's key keeps it to one message).
    if (claimed) await deps.redis.hdel(claimed, 'fanOutStalled').catch(() => 0);
  }
}

/**
 * Marks a broadcast's fan-out as stalled, once, while it is still sending and not fanned out (a
 * fan-out that completed meanwhile is not announced as stopped). KEYS: record. ARGV: now.
 */
const CLAIM_STALLED = `
if redis.call('HGET', KEYS[1], 'status') ~= 'sending' or redis.call('HGET', KEYS[1], 'fannedOut') == '1' then return 0 end
return redis.call('HSETNX', KEYS[1], 'fanOutStalled', ARGV[1])`;

/**
 * What /sitrep adds to the line of a broadcast whose fan-out stalled (`since`, ms): since when, how
 * many of the `total` are queued as its fan-out job last saved it (left out when that job is gone),
 * and how often it is tried again. Read only for a stalled broadcast: one job read.
 */
export async function stalledNote(deps: CoreDeps, id: string, total: number, since: number): Promise<string> {
  const job = await broadcastQueues(deps)
    .broadcast.getJob(jobIdFor('fanout', id))
    .catch(() => undefined);
  const queued = job?.data?.type === 'fanout' ? ` (${Math.min(job.data.queued ?? 0, total)} of ${total} queued so far)` : '';
  const at = new Date(since).toISOString().slice(11, 16);
  return `⚠️ queueing stopped at ${at} UTC after repeated errors${queued}, tried again every ${inWords(fanOutRetryEveryMs(deps))}`;
}

/** The fan-out the cell was told had stopped is complete: every recipient is queued. */
export async function tellFanOutResumed(deps: CoreDeps, r: BroadcastRecord): Promise<void> {
  deps.log.info({ id: r.id }, 'a fan-out that had given up is complete');
  await postToCellGroups(
    deps,
    `✅ ${nameOf(r)} is queued to all ${r.total} recipient(s): queueing went on after the errors stopped.`,
    `broadcast-unstalled:${r.id}`,
    'broadcast-stalled',
  );
  await deps.audit.append({ type: `${r.kind}.fanout_resumed`, actor: 'system', subject: r.id, data: { total: r.total } });
}
