import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CoreDeps } from '../../app/deps.ts';
import { createChatContext } from '../../chat/chat-context.ts';
import { InOrder } from '../../domain/in-order.ts';
import type { DeliveryUpdate, MembershipChange } from '../../transport/chat-transport.ts';
import { type InboundJob, inboundJobSchema } from '../job-schemas.ts';
import { QUEUE } from '../queues.ts';
import { parseJob } from './parse-job.ts';

/** What the inbound worker hands each kind of job to. */
export interface InboundHandlers {
  message(ctx: ReturnType<typeof createChatContext>): Promise<void>;
  membership(change: MembershipChange): Promise<void>;
  delivery(update: DeliveryUpdate): Promise<void>;
}

/**
 * Inbound messages handled at once by one worker process. A message spends most of its time
 * waiting on Redis round trips, so at 20 the process sat idle a fifth of the time under a flood;
 * at 100 it takes about a third more messages a second with the same p99 at 1,000 msg/s, and
 * more than 100 gains nothing (README, Performance).
 */
export const INBOUND_CONCURRENCY = 100;

/**
 * Whose turn a message job waits for: the person who wrote it, in that chat. Read from the raw
 * payload before anything else runs, so jobs queue up in the order the worker took them.
 */
export function senderKey(data: unknown): string | undefined {
  const job = data as {
    type?: unknown;
    message?: { chat?: { kind?: unknown; phone?: unknown; id?: unknown }; from?: { phone?: unknown; lid?: unknown } };
  };
  if (job?.type !== 'message') return undefined;
  const chat = job.message?.chat;
  const from = job.message?.from;
  const who = typeof from?.phone === 'string' ? from.phone : typeof from?.lid === 'string' ? from.lid : undefined;
  if (chat?.kind === 'dm' && typeof chat.phone === 'string') return `dm:${chat.phone}`;
  if (chat?.kind === 'group' && typeof chat.id === 'string' && who) return `group:${chat.id}:${who}`;
  return undefined;
}

/**
 * Processes inbound jobs: validates the payload, then runs the pipeline for its kind.
 *
 * One person's messages are handled one at a time, in the order the worker took them (the order
 * they arrived): after an outage WhatsApp hands over everything a citizen wrote meanwhile at once,
 * and "REGISTER", "yes", "Marie Curie" read in parallel lose the conversation. Different people's
 * messages still run alongside each other. Order holds within one worker process; a job that
 * fails and is retried later goes behind what came after it.
 */
export function createInboundWorker(
  deps: CoreDeps,
  connection: Redis,
  handlers: InboundHandlers,
  concurrency = INBOUND_CONCURRENCY,
): Worker<InboundJob> {
  const inOrder = new InOrder();
  const worker = new Worker<InboundJob>(
    QUEUE.inbound,
    (job: Job<InboundJob>) =>
      inOrder.run(senderKey(job.data), async () => {
        const data = await parseJob(deps, inboundJobSchema, job, QUEUE.inbound);
        if (data.type === 'message') return handlers.message(createChatContext(deps, data.message));
        if (data.type === 'membership') return handlers.membership(data.change);
        return handlers.delivery(data.update);
      }),
    { connection, prefix: deps.keys.prefix, concurrency, autorun: false },
  );
  worker.on('failed', (job, err) =>
    deps.log.error({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'inbound job failed'),
  );
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'inbound worker error'));
  return worker;
}
