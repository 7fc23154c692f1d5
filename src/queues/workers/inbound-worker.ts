import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CoreDeps } from '../../app/deps.ts';
import { createChatContext } from '../../chat/chat-context.ts';
import { InOrder, SenderShare } from '../../domain/in-order.ts';
import type { DeliveryUpdate, MembershipChange, MissedCall } from '../../transport/chat-transport.ts';
import { type InboundJob, inboundJobSchema } from '../job-schemas.ts';
import { MAX_STALLS, QUEUE } from '../queues.ts';
import { parseJob } from './parse-job.ts';
import { startPromptly } from './prompt-start.ts';

/** What the inbound worker hands each kind of job to. */
export interface InboundHandlers {
  message(ctx: ReturnType<typeof createChatContext>): Promise<void>;
  membership(change: MembershipChange): Promise<void>;
  delivery(update: DeliveryUpdate): Promise<void>;
  /** A call to the embassy number nobody answered. */
  call?(call: MissedCall): Promise<void>;
  /** A message whose handling failed on every try (not one refused as invalid): someone must still see it. */
  gaveUp?(ctx: ReturnType<typeof createChatContext>, error: string): Promise<void>;
}

/**
 * Inbound messages handled at once by one worker process. A message spends most of its time
 * waiting on Redis round trips, so at 20 the process sat idle a fifth of the time under a flood;
 * at 100 it takes about a third more messages a second with the same p99 at 1,000 msg/s, and
 * more than 100 gains nothing (README, Performance).
 */
export const INBOUND_CONCURRENCY = 100;

/**
 * The slots of the inbound worker one sender's messages may hold at once; the rest are parked and
 * taken back, in order, this many every half second: one account flooding the number cannot
 * hold back every other citizen's HELP.
 */
export const SENDER_SHARE = { maxHeld: 10, parkMs: 500, lostAfterMs: 60_000 };

export interface InboundWorkerOptions {
  concurrency?: number;
  senderShare?: Partial<typeof SENDER_SHARE>;
  /** Lock and stall-check timings (tests shorten them to recover a killed worker's messages quickly). */
  lock?: { lockDuration?: number; stalledInterval?: number };
}

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
 * The order stamped on a job when it was queued (`seq`: Queues.receive, the order the gateway received
 * a message in; Queues.send, the order a message to send was queued in); a job queued without one
 * counts by the time it was queued, on the same scale.
 */
export function stampedSeq(job: Job): number {
  const seq = (job.data as { seq?: unknown } | null)?.seq;
  return typeof seq === 'number' && Number.isFinite(seq) ? seq : job.timestamp * 1000;
}

/**
 * Processes inbound jobs: validates the payload, then runs the pipeline for its kind.
 *
 * One person's messages are handled one at a time, in the order the gateway received them:
 * after an outage WhatsApp hands over everything a citizen wrote meanwhile at once, and
 * "REGISTER", "yes", "Marie Curie" read in parallel lose the conversation. Different people's
 * messages still run alongside each other. One person holds at most SENDER_SHARE.maxHeld of the
 * worker's slots; their later messages are parked as delayed jobs and taken back in order.
 * Order holds within one worker process; a job that fails and is retried later goes behind what
 * came after it.
 */
export function createInboundWorker(
  deps: CoreDeps,
  connection: Redis,
  handlers: InboundHandlers,
  opts: InboundWorkerOptions = {},
): Worker<InboundJob> {
  const inOrder = new InOrder();
  const share = new SenderShare({ ...SENDER_SHARE, ...opts.senderShare });
  let parkedSenders = 0;
  const worker = new Worker<InboundJob>(
    QUEUE.inbound,
    async (job: Job<InboundJob>, token?: string) => {
      const key = senderKey(job.data);
      const seq = stampedSeq(job);
      // Decided before anything awaits: InOrder and the share see the jobs as the worker took them.
      const parkUntil =
        key === undefined
          ? undefined
          : share.turn({ key, id: job.id ?? '', seq }, { count: inOrder.pending(key), lastWaiting: inOrder.lastWaiting(key) }, Date.now());
      if (parkUntil !== undefined) {
        if (share.parkedSenders > parkedSenders)
          deps.log.warn(
            { parkedSenders: share.parkedSenders },
            'a sender’s messages come faster than they are handled: the later ones wait their turn',
          );
        parkedSenders = share.parkedSenders;
        await job.moveToDelayed(parkUntil, token);
        throw new DelayedError();
      }
      return inOrder.run(
        key,
        async () => {
          const data = await parseJob(deps, inboundJobSchema, job, QUEUE.inbound);
          if (data.type === 'message') {
            const again = (job.attemptsStarted ?? 0) > 1 || job.attemptsMade > 0;
            return handlers.message(createChatContext(deps, data.message, { seq, again }));
          }
          if (data.type === 'membership') return handlers.membership(data.change);
          if (data.type === 'call') return handlers.call?.(data.call);
          return handlers.delivery(data.update);
        },
        seq,
      );
    },
    {
      connection,
      prefix: deps.keys.prefix,
      concurrency: opts.concurrency ?? INBOUND_CONCURRENCY,
      autorun: false,
      maxStalledCount: MAX_STALLS,
      ...opts.lock,
    },
  );
  startPromptly(worker);
  worker.on('failed', (job, err) => {
    deps.log.error({ jobId: job?.id, attempts: job?.attemptsMade, err: err.message }, 'inbound job failed');
    const final = job && (err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1));
    const parsed = final && handlers.gaveUp ? inboundJobSchema.safeParse(job.data) : undefined;
    if (parsed?.success && parsed.data.type === 'message')
      handlers
        .gaveUp?.(createChatContext(deps, parsed.data.message), err.message)
        .catch((e: Error) => deps.log.error({ jobId: job?.id, err: e.message }, 'cannot hand an unhandled message over to staff'));
  });
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'inbound worker error'));
  return worker;
}
