import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CoreDeps } from '../../app/deps.ts';
import { MAX_STALLS, QUEUE } from '../queues.ts';

export type TimerHandlers = Record<string, (data: Record<string, unknown>) => Promise<void>>;

/** Runs due timers (escalations, digests, ...) by job name. */
export function createTimersWorker(deps: CoreDeps, connection: Redis, handlers: TimerHandlers): Worker {
  const worker = new Worker(
    QUEUE.timers,
    async (job: Job) => {
      const handler = handlers[job.name];
      if (!handler) throw new UnrecoverableError(`no handler for timer "${job.name}"`);
      if (!job.data || typeof job.data !== 'object') throw new UnrecoverableError(`timer "${job.name}" has no data`);
      await handler(job.data as Record<string, unknown>);
    },
    { connection, prefix: deps.keys.prefix, concurrency: 10, autorun: false, maxStalledCount: MAX_STALLS },
  );
  worker.on('failed', (job, err) => deps.log.error({ jobId: job?.id, timer: job?.name, err: err.message }, 'timer failed'));
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'timers worker error'));
  return worker;
}
