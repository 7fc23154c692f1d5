import * as crypto from 'node:crypto';
import { type JobsOptions, Queue, type QueueOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { cutText } from '../domain/text-normalise.ts';
import type { Logger } from '../observability/logger.ts';
import { metrics } from '../observability/metrics.ts';
import type {
  ChatAddress,
  ChatSender,
  DeliveryUpdate,
  InboundMessage,
  MembershipChange,
  MissedCall,
  TransportEvents,
} from '../transport/chat-transport.ts';
import type { InboundSpool } from './inbound-spool.ts';
import { type InboundJob, MAX_TEXT, type OutboundJob } from './job-schemas.ts';

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

/** The Redis key of the inbound job of a platform message id. */
const inboundJobKey = (prefix: string, messageId: string) => `${prefix}:${QUEUE.inbound}:${jobIdFor('m', messageId)}`;

/**
 * True when the inbound queue has (or had, within its one-day retention) the job of a platform
 * message id: the message reached the pipeline, whichever way (live, or replayed from the spool).
 */
export async function inboundMessageQueued(redis: Redis, prefix: string, messageId: string): Promise<boolean> {
  return (await redis.exists(inboundJobKey(prefix, messageId))) === 1;
}

/** The message an inbound job holds (kept a day), read from its job; undefined when the job is gone or unreadable. */
async function queuedInboundMessage(
  redis: Redis,
  prefix: string,
  messageId: string,
): Promise<Partial<Pick<InboundMessage, 'from' | 'chat' | 'text'>> | undefined> {
  const data = await redis.hget(inboundJobKey(prefix, messageId), 'data');
  if (!data) return undefined;
  try {
    return (JSON.parse(data) as { message?: Partial<InboundMessage> }).message ?? {};
  } catch {
    return undefined;
  }
}

/**
 * Who sent the inbound message of a platform message id and in which chat; undefined when no job
 * has that id. The simulator's callers pick their own ids: one person's `m1` must not pass for
 * another's redelivered `m1`, which the queue would drop as already received.
 */
export async function inboundMessageOrigin(
  redis: Redis,
  prefix: string,
  messageId: string,
): Promise<{ from: ChatSender; chat: ChatAddress } | undefined> {
  const message = await queuedInboundMessage(redis, prefix, messageId);
  return message?.from && message.chat ? { from: message.from, chat: message.chat } : undefined;
}

/**
 * The text an inbound message had (its job is kept a day: longer than WhatsApp lets anyone edit a
 * message); undefined when the job is gone, '' when the message had no text.
 */
export async function inboundMessageText(redis: Redis, prefix: string, messageId: string): Promise<string | undefined> {
  const message = await queuedInboundMessage(redis, prefix, messageId);
  return message && String(message.text ?? '');
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

/**
 * How often a job that a dead worker left in flight is handed back to another worker before it is
 * failed. BullMQ's default, 1, failed every message in flight when workers were killed twice in a
 * row (a crash loop in a flood, a deploy followed by a crash): the report was stored, and the
 * citizen never got their answer. A job in flight through ten deaths in a row is failed (logged,
 * kept two weeks) rather than hold the worker in a crash loop for ever.
 */
export const MAX_STALLS = 10;

/** How long adding an inbound job may wait for Redis before the job goes to the local spool instead. */
const INBOUND_ADD_TIMEOUT_MS = 3_000;
/** How soon a spool that still holds jobs is tried again. */
const SPOOL_RETRY_MS = 2_000;

/** The gateway's local spool for inbound jobs Redis cannot take (see InboundSpool). */
export interface SpoolOptions {
  spool: InboundSpool;
  log: Logger;
}

/** The application's queues and their producers. */
export class Queues {
  readonly inbound: Queue<InboundJob>;
  readonly outbound: Queue<OutboundJob>;
  readonly timers: Queue;
  private replaying: Promise<void> | undefined;
  private replayAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private replayStarted = false;

  constructor(
    private readonly connection: Redis,
    prefix: string,
    private readonly spooling?: SpoolOptions,
  ) {
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
    // Every reconnect queues what an outage left in the spool.
    if (spooling) connection.on('ready', () => void this.replaySpool());
  }

  /**
   * Starts queuing the spool, now and after every reconnect. The gateway calls it once its
   * transport has started (it holds the lease), so a standby never rewrites the file.
   */
  startSpool(): void {
    this.replayStarted = true;
    void this.replaySpool();
  }

  /** Inbound jobs waiting in the local spool for Redis (0 without a spool). */
  get spooled(): number {
    return this.spooling?.spool.waiting ?? 0;
  }

  /**
   * Queues an inbound message; a redelivered message id maps to the same job and is dropped.
   * Stamped with the order it was received in (`seq`): one sender's messages are handled in it.
   */
  async receive(message: InboundMessage): Promise<void> {
    metrics.inbound.inc({ kind: message.reaction ? 'reaction' : 'message' });
    await this.addInbound({ type: 'message', message, seq: this.nextSeq() }, jobIdFor('m', message.id));
  }

  private lastSeq = 0;

  /** Rising with the clock (µs-scaled milliseconds), and strictly within one process (see stampedSeq). */
  private nextSeq(): number {
    this.lastSeq = Math.max(Date.now() * 1000, this.lastSeq + 1);
    return this.lastSeq;
  }

  /**
   * Adds an inbound job; with a spool, a job Redis cannot take now (down, or no answer in time) is
   * kept on local disk and queued, oldest first, once Redis answers. A job that did reach Redis
   * after all is the same job id when replayed, so it is still handled once.
   */
  private async addInbound(data: InboundJob, jobId: string): Promise<void> {
    const add = () => this.inbound.add(data.type, data, inboundOptions(data, jobId));
    if (!this.spooling) {
      await add();
      return;
    }
    const { spool, log } = this.spooling;
    let reason = `Redis connection ${this.connection.status}`;
    // Behind jobs already spooled, a new one waits its turn: the spool keeps arrival order.
    if (this.connection.status === 'ready' && spool.waiting === 0) {
      try {
        await withTimeout(add(), INBOUND_ADD_TIMEOUT_MS);
        return;
      } catch (err) {
        reason = (err as Error).message;
      }
    }
    const waiting = await spool.append({ jobId, data, spooledAt: Date.now() });
    log.warn(
      { jobId, type: data.type, waiting, reason, spool: spool.path },
      'Redis cannot take inbound jobs: kept in the local spool on disk; it is queued as soon as Redis answers',
    );
    if (this.connection.status === 'ready') void this.replaySpool();
    else this.retrySpoolLater();
  }

  /** Queues what the spool holds, oldest first; one replay at a time, retried while Redis does not answer. */
  replaySpool(): Promise<void> {
    if (!this.spooling || this.closed || !this.replayStarted) return Promise.resolve();
    if (this.replaying) {
      this.replayAgain = true;
      return this.replaying;
    }
    const { spool, log } = this.spooling;
    this.replaying = (async () => {
      do {
        this.replayAgain = false;
        if (spool.waiting === 0) return;
        if (this.connection.status !== 'ready') return this.retrySpoolLater();
        try {
          const done = await spool.replay((job) =>
            withTimeout(this.inbound.add(job.data.type, job.data, inboundOptions(job.data, job.jobId)), INBOUND_ADD_TIMEOUT_MS).then(
              () => {},
            ),
          );
          log.info({ ...done, spool: spool.path }, 'inbound spool replayed into the queue');
        } catch (err) {
          log.warn(
            { err: (err as Error).message, waiting: spool.waiting },
            'inbound spool replay paused: Redis does not take jobs yet; retrying',
          );
          return this.retrySpoolLater();
        }
      } while (this.replayAgain && !this.closed);
    })().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private retrySpoolLater(): void {
    if (this.retryTimer || this.closed || !this.replayStarted) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.replaySpool();
    }, SPOOL_RETRY_MS);
    this.retryTimer.unref();
  }

  /**
   * Queues an outbound message; the same idempotency key is the same job. Stamped with the order it
   * was queued in (`seq`): one chat's messages are sent in it.
   */
  async send(msg: OutboundJob, priority: number = PRIORITY.reply, delay = 0): Promise<void> {
    await this.outbound.add(
      msg.kind,
      { ...withinLimit(msg), seq: this.nextSeq() },
      {
        jobId: jobIdFor('o', msg.idempotencyKey),
        ...(priority > 0 ? { priority } : {}),
        ...(delay > 0 ? { delay } : {}),
      },
    );
  }

  /**
   * Queues a broadcast's messages, each to its own recipient. Not stamped (a fan-out of 100,000 would
   * carry the stamp for nothing): the worker orders them by the time they were queued, on the same
   * scale as the stamp.
   */
  async sendMany(msgs: OutboundJob[], priority: number = PRIORITY.bulk): Promise<void> {
    await this.outbound.addBulk(
      msgs.map((data) => ({ name: data.kind, data, opts: { jobId: jobIdFor('o', data.idempotencyKey), priority } })),
    );
  }

  /** Schedules a named delayed job on the timers queue (see Timers in app/deps.ts). */
  async schedule(
    name: string,
    data: Record<string, unknown>,
    delayMs: number,
    jobId: string,
    opts: { forget?: boolean } = {},
  ): Promise<void> {
    await this.timers.add(name, data, {
      delay: Math.max(0, delayMs),
      jobId,
      ...(opts.forget ? { removeOnComplete: true, removeOnFail: true } : {}),
    });
  }

  /** The transport events sink every adapter reports to: everything becomes a job. */
  sink(onConnection?: TransportEvents['connection']): TransportEvents {
    return {
      message: (m: InboundMessage) => this.receive(m),
      membership: (change: MembershipChange) => this.addInbound({ type: 'membership', change }, jobIdFor('g', JSON.stringify(change))),
      delivery: (update: DeliveryUpdate) =>
        this.addInbound({ type: 'delivery', update }, jobIdFor('d', `${update.messageId}/${update.state}`)),
      missedCall: (call: MissedCall) => this.addInbound({ type: 'call', call }, jobIdFor('c', call.id)),
      ...(onConnection ? { connection: onConnection } : {}),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await this.replaying;
    await Promise.all([this.inbound.close(), this.outbound.close(), this.timers.close()]);
  }
}

/**
 * Delivery receipts wait behind people: a citizen's message and a change of a cell group's members
 * are taken before any receipt. An alert to 100,000 citizens brings two or three receipts per message
 * back through the inbound queue; in arrival order, the "HELP" answered to it would wait behind them.
 * (BullMQ takes jobs without a priority first, then prioritised ones, oldest first within a priority.)
 */
const RECEIPT_PRIORITY = 10;

/** Said at the end of a text cut to what WhatsApp delivers. */
const CUT_NOTICE = '\n… (cut: too long for one WhatsApp message)';

/**
 * A message whose text is longer than WhatsApp delivers, cut to fit with a word that it was: queued as
 * it was, it failed for good (an invalid job) and the one who asked got no answer at all.
 */
function withinLimit(msg: OutboundJob): OutboundJob {
  if (!msg.text || msg.text.length <= MAX_TEXT) return msg;
  return { ...msg, text: cutText(msg.text, MAX_TEXT - CUT_NOTICE.length) + CUT_NOTICE };
}

function inboundOptions(data: InboundJob, jobId: string): { jobId: string; priority?: number } {
  return data.type === 'delivery' ? { jobId, priority: RECEIPT_PRIORITY } : { jobId };
}

/** Rejects when `promise` has not settled within `ms` (the promise itself goes on; its outcome is then ignored). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
