import * as crypto from 'node:crypto';
import { type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import type { DeliveryUpdate, InboundMessage, MembershipChange, TransportEvents } from '../transport/chat-transport.ts';
import type { InboundJob, OutboundJob } from './job-schemas.ts';

/** Names of the BullMQ queues; all live under the KEY_PREFIX. */
export const QUEUE = {
  inbound: 'inbound',
  outbound: 'outbound',
  timers: 'timers',
} as const;

/**
 * Gives a queue an error listener: its errors are its connection's outages, which
 * reportOutages (store/redis.ts) already logs once each; without one BullMQ prints every
 * failed reconnect to stderr.
 */
export function onQueueError<Q extends Queue>(queue: Q, log: Logger): Q {
  queue.on('error', (err) => log.debug({ queue: queue.name, err: err.message }, 'queue error'));
  return queue;
}

/** SHA-1 in hex: the one-shot `crypto.hash` (Node 20.12+) is several times cheaper than a Hash object. */
const sha1: (data: string) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha1', data) : (data) => crypto.createHash('sha1').update(data).digest('hex');

/**
 * A BullMQ job id derived from a stable key (job ids must not contain ':'). A hash, so the phone in
 * a key never shows in the logs and audit entries that name job ids.
 */
export function jobIdFor(kind: string, key: string): string {
  return `${kind}-${sha1(key).slice(0, 32)}`;
}

/**
 * Priorities of outbound messages: lower runs first. Replies to citizens carry none, which
 * BullMQ serves before any prioritised job (and on its cheapest path).
 */
export const PRIORITY = { reply: 0, staff: 1, alert: 5, bulk: 10 } as const;

/**
 * Completed jobs are kept a day: long enough to recognise a redelivered WhatsApp message by
 * its job id, short enough that the message text they carry does not outlive a citizen's
 * DELETE by more than a day (incident intake also remembers each message id for 7 days).
 * Failed jobs are kept two weeks for investigation.
 */
const KEEP = {
  removeOnComplete: { age: 24 * 3600, count: 200_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
} satisfies JobsOptions;

/** The application's queues and their producers. */
export class Queues {
  readonly inbound: Queue<InboundJob>;
  readonly outbound: Queue<OutboundJob>;
  readonly timers: Queue;

  constructor(connection: Redis, prefix: string) {
    const opts: QueueOptions = { connection, prefix };
    this.inbound = new Queue(QUEUE.inbound, {
      ...opts,
      defaultJobOptions: { ...KEEP, attempts: 5, backoff: { type: 'exponential', delay: 500 } },
    });
    this.outbound = new Queue(QUEUE.outbound, {
      ...opts,
      defaultJobOptions: { ...KEEP, attempts: 10, backoff: { type: 'exponential', delay: 1_000 } },
    });
    this.timers = new Queue(QUEUE.timers, {
      ...opts,
      defaultJobOptions: { ...KEEP, attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
    });
  }

  /** Queues an inbound message; a redelivered message id maps to the same job and is dropped. */
  async receive(message: InboundMessage): Promise<void> {
    metrics.inbound.inc({ kind: message.reaction ? 'reaction' : 'message' });
    await this.inbound.add('message', { type: 'message', message }, { jobId: jobIdFor('m', message.id) });
  }

  /** Queues an outbound message; the same idempotency key is the same job. */
  async send(msg: OutboundJob, priority: number = PRIORITY.reply, delay = 0): Promise<void> {
    await this.outbound.add(msg.kind, msg, {
      jobId: jobIdFor('o', msg.idempotencyKey),
      ...(priority > 0 ? { priority } : {}),
      ...(delay > 0 ? { delay } : {}),
    });
  }

  async sendMany(msgs: OutboundJob[], priority: number = PRIORITY.bulk): Promise<void> {
    await this.outbound.addBulk(
      msgs.map((data) => ({ name: data.kind, data, opts: { jobId: jobIdFor('o', data.idempotencyKey), priority } })),
    );
  }

  /** Schedules a named delayed job on the timers queue (see Timers in app/deps.ts). */
  async schedule(name: string, data: Record<string, unknown>, delayMs: number, jobId: string): Promise<void> {
    await this.timers.add(name, data, { delay: Math.max(0, delayMs), jobId });
  }

  /** The transport events sink every adapter reports to: everything becomes a job. */
  sink(onConnection?: TransportEvents['connection']): TransportEvents {
    return {
      message: (m: InboundMessage) => this.receive(m),
      membership: async (change: MembershipChange) => {
        await this.inbound.add('membership', { type: 'membership', change }, { jobId: jobIdFor('g', JSON.stringify(change)) });
      },
      delivery: async (update: DeliveryUpdate) => {
        await this.inbound.add('delivery', { type: 'delivery', update }, { jobId: jobIdFor('d', `${update.messageId}/${update.state}`) });
      },
      ...(onConnection ? { connection: onConnection } : {}),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.inbound.close(), this.outbound.close(), this.timers.close()]);
  }
}
