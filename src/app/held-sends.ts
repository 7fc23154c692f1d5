import { Job, type Queue, type Worker } from 'bullmq';
import type { OutboundJob } from '../queues/job-schemas.ts';
import { jobIdFor } from '../queues/queues.ts';
import type { ChatTransport, RefusedSend, SendRestriction } from '../transport/chat-transport.ts';
import type { CoreDeps } from './deps.ts';
import { postToCellGroups } from './incidents/shared.ts';

/** How many outbound messages a sending restriction holds back now. */
export async function heldCount(deps: CoreDeps): Promise<number> {
  return deps.redis.zcard(deps.keys.outboundHeld);
}

/** How many held jobs are promoted at once. */
const RELEASE_BATCH = 50;

/**
 * Sends held messages now, in their priority: each held job leaves the delayed set for the queue. A
 * job gone meanwhile (a cancelled broadcast's) is counted out (also from `to`'s set, when given).
 * Returns how many were released.
 */
async function release(deps: CoreDeps, queue: Queue<OutboundJob>, ids: string[], to?: string): Promise<number> {
  let released = 0;
  for (let i = 0; i < ids.length; i += RELEASE_BATCH) {
    const done = await Promise.all(
      ids.slice(i, i + RELEASE_BATCH).map(async (id) => {
        const job = await Job.fromId<OutboundJob>(queue, id);
        if (!job) {
          const out = deps.redis.multi().zrem(deps.keys.outboundHeld, id);
          if (to !== undefined) out.srem(deps.keys.outboundHeldTo(to), id);
          await out.exec();
          return false;
        }
        // A job no longer delayed is on its way already (queued, being sent, or sent and counted out).
        return job.promote().then(
          () => true,
          () => false,
        );
      }),
    );
    released += done.filter(Boolean).length;
  }
  return released;
}

/** Sends every held message now: the restriction lifted. */
export async function releaseHeld(deps: CoreDeps, queue: Queue<OutboundJob>): Promise<number> {
  return release(deps, queue, await deps.redis.zrange(deps.keys.outboundHeld, '0', '-1'));
}

/**
 * Someone messages are held for wrote to the number: under WhatsApp's rule their chat is no new chat
 * any more (their message gave the number their trusted-contact token), so what waits for them goes
 * now: the alert held for a citizen who then asks "what is happening?" reaches them with the answer,
 * not after the lift.
 */
export async function releaseHeldFor(deps: CoreDeps, queue: Queue<OutboundJob>, to: string): Promise<number> {
  return release(deps, queue, await deps.redis.smembers(deps.keys.outboundHeldTo(to)), to);
}

/** A time as staff read it in chat: `2026-11-27 14:00 UTC`. */
export const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function restrictedNotice(r: SendRestriction): string {
  return [
    `⚠️ WhatsApp stops the embassy number from starting new chats (${r.reason.replace(/_/g, ' ')}) until ${utc(r.until)} at the latest.`,
    'Still going out: replies to people who wrote to this number in the last weeks, and posts in the cell groups.',
    'Held, and sent once it lifts: messages to anyone else (alerts and welfare checks to citizens who never wrote, DMs to staff who never wrote to the number). A member of staff who sends any message to the embassy number usually gets new DMs again.',
    'How many are held: /sitrep, or the dashboard (WhatsApp).',
  ].join('\n');
}

const liftedNotice = (released: number) =>
  `✅ WhatsApp lets the embassy number start chats again: ${released === 1 ? 'the 1 held message is' : `the ${released} held messages are`} going out now.`;

/**
 * Gateway: follows the transport's sending restriction. When one starts, the cell groups are told
 * what still goes out and what waits (a group post: groups are no new chats); when it ends
 * (WhatsApp lifted it, an admin did, or its time ran out), the held messages are released and the
 * groups are told. Messages held by a gateway that stopped before the end are released at start.
 */
export class RestrictionWatch {
  private last: number | undefined;
  private started = false;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: CoreDeps,
    private readonly transport: ChatTransport,
    private readonly queue: Queue<OutboundJob>,
  ) {}

  /** Looks at the restriction now; changes are handled one at a time, in order. */
  check(): Promise<void> {
    this.running = this.running
      .then(() => this.step())
      .catch((err: Error) => this.deps.log.error({ err: err.message }, 'cannot follow the WhatsApp sending restriction'));
    return this.running;
  }

  private async step(): Promise<void> {
    const r = this.transport.sendRestriction?.();
    const previous = this.last;
    const first = !this.started;
    this.started = true;
    if (r?.since === previous && !first) return;
    this.last = r?.since;
    if (r) {
      if (r.since !== previous) await postToCellGroups(this.deps, restrictedNotice(r), `wa-restricted:${r.since}`, 'transport');
      return;
    }
    const released = await releaseHeld(this.deps, this.queue);
    // At start, messages an earlier gateway held are released (it stopped before the end): said once.
    const key =
      previous !== undefined ? `wa-restriction-lifted:${previous}` : released > 0 ? `wa-held-released:${this.deps.now()}` : undefined;
    if (key) await postToCellGroups(this.deps, liftedNotice(released), key, 'transport');
    if (released > 0) this.deps.log.info({ released }, 'messages held by the WhatsApp restriction released');
  }
}

/**
 * Gateway: a message WhatsApp took, then refused (463), goes back to the queue as the same job (same
 * data, priority and tracking); the restriction then holds it, and it is sent once after it lifts.
 * WhatsApp's answer can overtake the worker's bookkeeping: a job still running is queued again as
 * soon as it completes.
 */
export class Refusals {
  /** Jobs still running when WhatsApp refused their message → the refused message's id. */
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly deps: CoreDeps,
    private readonly queue: Queue<OutboundJob>,
    worker: Worker<OutboundJob>,
    /** Told of a refused message that cannot be sent again after all (it is then failed). */
    private readonly lost: (messageId: string) => Promise<void>,
    /** Told of a refused message about to be queued again (it did not reach its recipient). */
    private readonly requeued: (job: OutboundJob) => Promise<void> = async () => {},
  ) {
    worker.on('completed', (job) => {
      const messageId = job.id ? this.pending.get(job.id) : undefined;
      if (!job.id || messageId === undefined) return;
      this.pending.delete(job.id);
      void this.again(job)
        .then((ok) => (ok ? undefined : this.lost(messageId)))
        .catch((err: Error) => this.deps.log.error({ err: err.message }, 'cannot report a refused message failed'));
    });
  }

  /** True when the message will be sent again; false when its job is gone. */
  async requeue(r: RefusedSend): Promise<boolean> {
    const id = jobIdFor('o', r.idempotencyKey);
    const job = await Job.fromId<OutboundJob>(this.queue, id);
    if (!job) return false;
    this.pending.set(id, r.messageId);
    const state = await job.getState();
    if (state === 'active') return true;
    if (!this.pending.delete(id)) return true;
    if (state === 'completed' || state === 'failed') return this.again(job);
    // Already queued again (a second refusal of the same message): it goes once.
    return state === 'waiting' || state === 'delayed' || state === 'prioritized';
  }

  private async again(job: Job<OutboundJob>): Promise<boolean> {
    // Before the retry: once queued, the job may go out at once (the restriction lifted meanwhile),
    // and its send must not be undone. Its bookkeeping failing does not stop it going again.
    await this.requeued(job.data).catch((err: Error) =>
      this.deps.log.error({ jobId: job.id, err: err.message }, 'cannot record a refused message as queued again'),
    );
    try {
      await job.retry((await job.getState()) === 'failed' ? 'failed' : 'completed');
      this.deps.log.warn(
        { jobId: job.id, kind: job.data.kind },
        'WhatsApp refused a message (463): queued again, held until the restriction lifts',
      );
      return true;
    } catch (err) {
      this.deps.log.error({ jobId: job.id, err: (err as Error).message }, 'cannot queue a refused message again');
      return false;
    }
  }
}
