import { AsyncFifoQueue, type Job, type Worker } from 'bullmq';

/**
 * The parts of BullMQ's Worker its main loop uses (private in its typings; BullMQ 6.7.0, which
 * package.json pins exactly: an upgrade needs this copy read against the new version's loop).
 */
interface LoopInternals {
  id: string;
  opts: { runRetryDelay?: number };
  closing: Promise<void> | undefined;
  paused: boolean;
  waiting: Promise<number> | null;
  _concurrency: number;
  mainLoopQueue: AsyncFifoQueue<Job | undefined> | null;
  mainLoop: () => Promise<void>;
  isRateLimited(): boolean;
  retryIfFailed<T>(fn: () => Promise<T>, opts: { delayInMs?: number; onlyEmitError?: boolean }): Promise<T>;
  _getNextJob(token: string, opts: { block: boolean }): Promise<Job | undefined>;
  processJob(job: Job, token: string, fetchNext: () => boolean): Promise<Job | undefined>;
  waitForRateLimit(): Promise<void>;
}

/**
 * BullMQ's Worker main loop, changed in two places: a job starts as soon as it is fetched, and the
 * loop never waits on one fetch while jobs fetched before it are ready to start.
 *
 * The stock loop fills its free slots first, one Redis round trip after another, and starts none
 * of the jobs it fetched until every slot is taken or the queue is empty: with 100 slots free and
 * a burst in the queue, the first job fetched waits for the 99 fetches after it (the benchmark saw
 * a citizen's answer wait up to 99 round trips before it was sent). Here each fetched job starts
 * before the next fetch, in the order fetched, as before, only sooner (and a job already fetched
 * starts before anything more is fetched). Fetches stay one at a time, as BullMQ wants them (no
 * burst of calls to Redis).
 *
 * As in BullMQ's loop, a job that finishes fetches the next in the same call: jobs then arrive on two
 * paths, and two fetched together can reach the loop in the opposite order to the queue's (fetching
 * only from the loop keeps the order but fetches one job per event-loop turn: the benchmark's
 * outbound queue fell behind at 1,000 msg/s). Work that needs an order keeps it itself (InOrder
 * sorts what starts in one event-loop turn). So the loop waits on whatever arrives first, never on
 * its own fetch alone: waiting for it, a loaded machine started a citizen's "answer 5" and left the
 * "answer 4" a finished job had fetched just before it until the round trip after, a turn too late
 * for InOrder, and the citizen got them the wrong way round.
 */
async function promptMainLoop(this: LoopInternals): Promise<void> {
  const fifo = new AsyncFifoQueue<Job | undefined>();
  this.mainLoopQueue = fifo;
  let tokenPostfix = 0;
  let fetching = false;
  while ((!this.closing && !this.paused) || fifo.numTotal() > 0) {
    // A job already fetched (or handed on by a finished one) starts before anything more is fetched.
    if (
      !this.closing &&
      !this.paused &&
      !this.waiting &&
      !fetching &&
      fifo.numQueued() === 0 &&
      fifo.numTotal() < this._concurrency &&
      !this.isRateLimited()
    ) {
      const token = `${this.id}:${tokenPostfix++}`;
      fetching = true;
      const fetched = this.retryIfFailed(() => this._getNextJob(token, { block: true }), {
        delayInMs: this.opts.runRetryDelay,
        onlyEmitError: true,
      }).finally(() => {
        fetching = false;
      });
      fifo.add(fetched);
    }
    // Whatever arrives first: this fetch, or a job a finished one fetched before it.
    let job: Job | undefined;
    do {
      job = (await fifo.fetch()) ?? undefined;
    } while (!job && fifo.numQueued() > 0);
    if (job) {
      const token = job.token as string;
      fifo.add(this.processJob(job, token, () => fifo.numTotal() <= this._concurrency));
    } else if (fifo.numQueued() === 0) {
      await this.waitForRateLimit();
    }
  }
  if (this.mainLoopQueue === fifo) this.mainLoopQueue = null;
}

const NEEDED = ['mainLoop', 'isRateLimited', 'retryIfFailed', '_getNextJob', 'processJob', 'waitForRateLimit'] as const;

/**
 * Makes `worker` start each job as soon as it is fetched (see promptMainLoop). Call before it
 * runs. A BullMQ whose Worker lacks the loop's parts keeps its own loop (slower to start a job,
 * never wrong); the worker tests notice.
 */
export function startPromptly<W extends Worker>(worker: W): W {
  const internals = worker as unknown as LoopInternals;
  // Its own `_concurrency` too: renamed, the loop would never fetch and would spin.
  if (NEEDED.every((name) => typeof internals[name] === 'function') && typeof internals._concurrency === 'number')
    internals.mainLoop = promptMainLoop;
  return worker;
}
