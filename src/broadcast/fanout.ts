import type { Job } from 'bullmq';
import type { CoreDeps } from '../app/deps.ts';
import type { OutboundJob } from '../queues/job-schemas.ts';
import { jobIdFor, PRIORITY } from '../queues/queues.ts';
import { parseAddress } from '../transport/chat-transport.ts';
import { type BroadcastJob, broadcastQueues } from './broadcast-queue.ts';
import { type BroadcastKind, type BroadcastRecord, broadcastKeys, loadRecord, publishChange } from './broadcast-store.ts';
import { tellFanOutResumed } from './fanout-retry.ts';
import { broadcastRef, checkCompletion } from './tracking.ts';

/** Recipients read and enqueued per step (one SSCAN, one addBulk). */
const CHUNK = 1_000;

/**
 * The outbound job of one recipient: the idempotency key and the ref are the same stable string.
 * It carries no text, only the recipient's language: the text is rendered at send time from the
 * broadcast record (prepareBroadcastSend), so 100,000 jobs do not hold 100,000 copies of it.
 */
export function recipientJob(r: BroadcastRecord, to: string, language: string, reminder = false): OutboundJob {
  const kind = reminder ? 'welfare-reminder' : r.kind;
  const key = broadcastRef(kind, r.id, to);
  return { to: parseAddress(to), kind, idempotencyKey: key, ref: key, language };
}

const PRIORITY_OF: Record<BroadcastKind, number> = { alert: PRIORITY.alert, welfare: PRIORITY.alert };

/** Queues the fan-out of a broadcast (idempotent: one fan-out job per broadcast). */
export async function queueFanOut(deps: CoreDeps, id: string): Promise<void> {
  await broadcastQueues(deps).broadcast.add('fanout', { type: 'fanout', id }, { jobId: jobIdFor('fanout', id) });
}

/** Chunks enqueued concurrently: Node builds the next chunk while Redis runs the adds of the others. */
const IN_FLIGHT = 4;

/**
 * Enqueues one outbound job per recipient, language by language, in chunks, keeping IN_FLIGHT
 * chunks in flight. The position is saved every IN_FLIGHT chunks (the cursor after the last chunk
 * whose jobs are all in), so a fan-out interrupted by a crash resumes where it stopped; job ids
 * derive from the idempotency keys, so a chunk enqueued twice is still one job per recipient.
 * Stops when the broadcast is cancelled.
 */
export async function fanOut(deps: CoreDeps, id: string, job?: Job<BroadcastJob>): Promise<number> {
  const r = await loadRecord(deps, id);
  if (r?.status !== 'sending') return 0;
  const keys = broadcastKeys(deps, r.kind);
  const start: { language?: number; cursor?: string; queued?: number } = job?.data.type === 'fanout' ? job.data : {};
  let enqueued = 0;
  let queued = start.queued ?? 0;
  for (let li = start.language ?? 0; li < deps.config.languages.length; li++) {
    const from = li === (start.language ?? 0) ? (start.cursor ?? '0') : '0';
    const step = await fanOutLanguage(deps, r, li, from, queued, job);
    enqueued += step.enqueued;
    queued = step.queued;
    if (step.stopped) return enqueued;
  }
  await deps.redis.hset(keys.record(id), 'fannedOut', '1');
  deps.log.info({ id, enqueued }, 'broadcast fanned out');
  // The cell was told this fan-out had stopped after repeated errors (fanout-retry.ts): tell it it went on.
  if (await deps.redis.hexists(keys.record(id), 'fanOutStalled')) {
    await tellFanOutResumed(deps, r);
    await deps.redis.hdel(keys.record(id), 'fanOutStalled');
  }
  await checkCompletion(deps, r.kind, id);
  await publishChange(deps, r.kind, id);
  return enqueued;
}

/** Enqueues the recipients of one language from `cursor` on; `stopped` when the broadcast no longer runs. */
async function fanOutLanguage(
  deps: CoreDeps,
  r: BroadcastRecord,
  li: number,
  from: string,
  queuedBefore: number,
  job?: Job<BroadcastJob>,
): Promise<{ enqueued: number; queued: number; stopped: boolean }> {
  const keys = broadcastKeys(deps, r.kind);
  const language = deps.config.languages[li] as string;
  const inFlight: { added: Promise<void>; cursor: string; n: number }[] = [];
  let cursor = from;
  let enqueued = 0;
  let queued = queuedBefore;
  let done = 0;
  do {
    const [next, members] = await deps.redis.sscan(keys.recipients(r.id, language), cursor, 'COUNT', CHUNK);
    cursor = next;
    const jobs = members.map((to) => recipientJob(r, to, language));
    const added = jobs.length ? deps.outbox.sendMany(jobs, PRIORITY_OF[r.kind]) : Promise.resolve();
    // Awaited in order below; a later chunk's failure must not go unhandled meanwhile.
    added.catch(() => {});
    inFlight.push({ added, cursor, n: members.length });
    enqueued += members.length;
    while (inFlight.length >= IN_FLIGHT || (cursor === '0' && inFlight.length)) {
      const oldest = inFlight.shift() as { added: Promise<void>; cursor: string; n: number };
      await oldest.added;
      queued += oldest.n;
      if (++done % IN_FLIGHT !== 0 && inFlight.length) continue;
      // The end of this language is the start of the next: a retry does not enqueue it again.
      const position = oldest.cursor === '0' ? { language: li + 1, cursor: '0' } : { language: li, cursor: oldest.cursor };
      if (job) await job.updateData({ type: 'fanout', id: r.id, ...position, queued });
      if ((await deps.redis.hget(keys.record(r.id), 'status')) !== 'sending') {
        await Promise.allSettled(inFlight.map((c) => c.added));
        return { enqueued, queued, stopped: true };
      }
    }
  } while (cursor !== '0');
  return { enqueued, queued, stopped: false };
}

/** After a cancel or a welfare check's close: removes the broadcast's outbound jobs (and reminders) not sent yet. */
export async function purgeQueued(deps: CoreDeps, id: string): Promise<number> {
  const r = await loadRecord(deps, id);
  if (!r) return 0;
  const { outbound } = broadcastQueues(deps);
  const keys = broadcastKeys(deps, r.kind);
  let removed = 0;
  for (const language of deps.config.languages) {
    let cursor = '0';
    do {
      const [next, members] = await deps.redis.sscan(keys.recipients(id, language), cursor, 'COUNT', CHUNK);
      const refs = members.flatMap((to) => [
        broadcastRef(r.kind, id, to),
        ...(r.kind === 'welfare' ? [broadcastRef('welfare-reminder', id, to)] : []),
      ]);
      const jobIds = refs.map((ref) => jobIdFor('o', ref));
      const results = await Promise.all(jobIds.map((jobId) => outbound.remove(jobId).catch(() => 0)));
      // A message a sending restriction held back is no longer waiting either.
      if (jobIds.length) await deps.redis.zrem(deps.keys.outboundHeld, ...jobIds);
      removed += results.filter((n) => n === 1).length;
      cursor = next;
    } while (cursor !== '0');
  }
  return removed;
}
