import { type Job, type Processor, Worker, type WorkerOptions } from 'bullmq';

/**
 * The slots one BullMQ Worker gets at most. A Worker fetches jobs one round trip after another, and
 * starts none of them while it fetches: whenever jobs arrive about as fast as Redis answers (a
 * thousand messages a second on a loaded machine), it keeps fetching until every slot is taken, so
 * the first job fetched waits about `concurrency` round trips before it starts. At 100 slots that
 * was 100–300 ms of a citizen's wait for their answer at 1,000 msg/s (README, Performance); at 20
 * a worker's chain of fetches is at most 20 round trips, and the other workers fetch alongside it.
 */
export const SLOTS_PER_WORKER = 20;

/**
 * Several BullMQ Workers of one queue in one process, sharing a processor and a command connection
 * (each has its own blocking connection, as every Worker does), with `concurrency` slots between
 * them. For queues whose jobs need no order among themselves: they start in the queue's order, but
 * a job fetched by one worker may start before one fetched a moment earlier by another.
 */
export class WorkerGroup<T> {
  readonly workers: Worker<T>[];

  constructor(name: string, processor: Processor<T>, opts: WorkerOptions & { concurrency: number }) {
    const count = Math.ceil(opts.concurrency / SLOTS_PER_WORKER);
    this.workers = Array.from(
      { length: count },
      (_, i) =>
        new Worker<T>(name, processor, {
          ...opts,
          // Slots shared out as evenly as possible: 100 → 5 × 20, 50 → 17 + 17 + 16.
          concurrency: Math.floor(opts.concurrency / count) + (i < opts.concurrency % count ? 1 : 0),
        }),
    );
  }

  /** Runs every worker that is not running yet. */
  run(): Promise<void> {
    return Promise.all(this.workers.filter((w) => !w.isRunning()).map((w) => w.run())).then(() => {});
  }

  isRunning(): boolean {
    return this.workers.some((w) => w.isRunning());
  }

  isPaused(): boolean {
    return this.workers.every((w) => w.isPaused());
  }

  async pause(doNotWaitActive?: boolean): Promise<void> {
    await Promise.all(this.workers.map((w) => w.pause(doNotWaitActive)));
  }

  resume(): void {
    for (const w of this.workers) w.resume();
  }

  async close(force?: boolean): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close(force)));
  }

  on(event: 'completed', listener: (job: Job<T>, result: unknown) => void): this;
  on(event: 'failed', listener: (job: Job<T> | undefined, err: Error) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'completed' | 'failed' | 'error', listener: (...args: never[]) => void): this {
    for (const w of this.workers) w.on(event, listener as never);
    return this;
  }
}
