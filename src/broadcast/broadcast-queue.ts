import { Queue } from 'bullmq';
import type { CoreDeps } from '../app/deps.ts';
import { onQueueError, QUEUE } from '../queues/queues.ts';

/** Name of the queue of broadcast work: fan-outs, purges, welfare reminders, follow-ups and automatic closes. */
export const BROADCAST_QUEUE = 'broadcast';

/** Work on the broadcast queue. */
export type BroadcastJob =
  /** `language`, `cursor`: the saved position; `queued`: how many recipients have their job up to it. */
  | { type: 'fanout'; id: string; language?: number; cursor?: string; queued?: number }
  | { type: 'purge'; id: string }
  | { type: 'reminder'; id: string }
  | { type: 'followup'; id: string }
  | { type: 'close'; id: string };

interface Handles {
  broadcast: Queue<BroadcastJob>;
  /** The outbound queue, to remove jobs of a cancelled broadcast or an erased citizen. */
  outbound: Queue;
  /** The inbound queue, to remove an erased citizen's finished message jobs (their words). */
  inbound: Queue;
}

const handles = new WeakMap<object, Handles>();

/** The queues broadcasts use, created once per process (per Redis connection). */
export function broadcastQueues(deps: CoreDeps): Handles {
  let h = handles.get(deps.redis);
  if (!h) {
    const opts = { connection: deps.queueConnection, prefix: deps.keys.prefix };
    h = {
      broadcast: onQueueError(
        new Queue<BroadcastJob>(BROADCAST_QUEUE, {
          ...opts,
          defaultJobOptions: {
            attempts: 8,
            backoff: { type: 'exponential', delay: 1_000 },
            removeOnComplete: { age: 7 * 24 * 3600 },
            removeOnFail: { age: 14 * 24 * 3600 },
          },
        }),
        deps.log,
      ),
      outbound: onQueueError(new Queue(QUEUE.outbound, opts), deps.log),
      inbound: onQueueError(new Queue(QUEUE.inbound, opts), deps.log),
    };
    handles.set(deps.redis, h);
  }
  return h;
}

export async function closeBroadcastQueues(deps: CoreDeps): Promise<void> {
  const h = handles.get(deps.redis);
  handles.delete(deps.redis);
  if (h) await Promise.all([h.broadcast.close(), h.outbound.close(), h.inbound.close()]);
}
