import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import type { OutboundJob } from '../../src/queues/job-schemas.ts';
import type { TestApp } from './test-app.ts';

/**
 * Makes the fan-outs of the broadcasts started from now on give up, as a long Redis outage does:
 * Redis refuses the adds of the outbound jobs `refused` picks (as a Redis out of memory refuses
 * writes), and a fan-out job gives up after 2 tries 10 ms apart (8 over about 4 minutes in
 * production). Returns what ends it: the cause goes away, nothing restarts.
 */
export function stallFanOuts(app: TestApp, refused: (job: OutboundJob) => boolean): () => void {
  const { outbox } = app.deps;
  const { broadcast } = broadcastQueues(app.deps);
  const sendMany = outbox.sendMany.bind(outbox);
  const add = broadcast.add.bind(broadcast);
  outbox.sendMany = async (jobs: OutboundJob[], priority?: number) => {
    if (jobs.some(refused)) throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
    return sendMany(jobs, priority);
  };
  broadcast.add = ((name, data, opts) =>
    add(name, data, name === 'fanout' ? { ...opts, attempts: 2, backoff: { type: 'fixed', delay: 10 } } : opts)) as typeof broadcast.add;
  return () => {
    outbox.sendMany = sendMany;
    broadcast.add = add;
  };
}
