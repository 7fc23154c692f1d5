import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CoreDeps } from '../../app/deps.ts';
import { InOrder, SenderShare } from '../../domain/in-order.ts';
import { metrics } from '../../observability/metrics.ts';
import { LuaScript } from '../../store/lua-script.ts';
import { addressKey, type ChatTransport, type SendHold, TransportError } from '../../transport/chat-transport.ts';
import { type OutboundJob, outboundJobSchema } from '../job-schemas.ts';
import { MAX_STALLS, QUEUE } from '../queues.ts';
import { intoNewGroup } from './huddle-group.ts';
import { INBOUND_CONCURRENCY, stampedSeq } from './inbound-worker.ts';
import { parseJob } from './parse-job.ts';
import { startPromptly } from './prompt-start.ts';
import { SendLimiter } from './send-limiter.ts';

/**
 * Outbound sends per second as a limit per window (fractional rates become longer windows). BullMQ
 * applies it per fixed window when jobs start, across processes; the gateway's SendLimiter applies
 * it per sliding window when messages are sent, so no second ever holds more than the rate.
 */
export function limiterFor(ratePerSecond: number): { max: number; duration: number } {
  return ratePerSecond >= 1 ? { max: Math.round(ratePerSecond), duration: 1000 } : { max: 1, duration: Math.round(1000 / ratePerSecond) };
}

/** The sliding-window limiter of the sends themselves; none for an unlimited rate. */
export function sendLimiterFor(ratePerSecond: number): SendLimiter | undefined {
  if (!Number.isFinite(ratePerSecond)) return undefined;
  const { max, duration } = limiterFor(ratePerSecond);
  return new SendLimiter(max, duration);
}

/**
 * Sends in flight: enough to reach the configured rate when each send takes tens of milliseconds,
 * and no more. An unlimited rate (the benchmark measuring the pipeline itself) runs at the inbound
 * worker's concurrency, so the acknowledgements keep up with the messages they answer.
 */
export function concurrencyFor(ratePerSecond: number): number {
  if (!Number.isFinite(ratePerSecond)) return INBOUND_CONCURRENCY;
  return Math.min(100, Math.max(10, Math.ceil(ratePerSecond / 20)));
}

/**
 * How one chat's messages share the outbound worker: at most `chatShareOf(concurrency)` of its slots
 * hold messages to one chat (sent one at a time, so the rest only wait); the next are parked and
 * taken back in order, that many per parking time (chatParkMs). A flood of posts to the cell group
 * never keeps a citizen's answer from a slot.
 */
export const CHAT_SHARE = { parkMs: 250, lostAfterMs: 60_000 };

/** Slots one chat's messages may hold: half the worker's, and at least two. */
export function chatShareOf(concurrency: number): number {
  return Math.max(2, Math.floor(concurrency / 2));
}

/**
 * How long a chat's parked messages wait before they look for room again: about the time its held
 * messages take to go out (`turnMs`, its recent sends' time), and at the sending rate at least four
 * times what the rate gives them. Each look takes a job from the queue, which BullMQ's rate limit
 * counts like a send: parked messages looking every quarter second at 5 sends/s took the whole limit
 * from everyone else's (alerts stopped while the cell group's flood drained). At most 10 s.
 */
export function chatParkMs(maxHeld: number, ratePerSecond: number, turnMs = 0): number {
  const byRate = Number.isFinite(ratePerSecond) ? (4 * maxHeld * 1000) / ratePerSecond : 0;
  return Math.round(Math.min(10_000, Math.max(CHAT_SHARE.parkMs, byRate, turnMs * maxHeld)));
}

/**
 * Holds a message back under a sending restriction (see ChatTransport.holdFor): the job waits in the
 * delayed set until the restriction's end at the latest, counted in `outboundHeld`, and the gateway
 * releases it as soon as the restriction lifts. It is the same job, so it is sent once, later.
 */
async function hold(deps: CoreDeps, job: Job<OutboundJob>, token: string | undefined, h: SendHold): Promise<never> {
  const now = deps.now();
  if (job.data.heldSince === undefined) {
    await job.updateData({ ...job.data, heldSince: now });
    deps.log.info({ jobId: job.id, kind: job.data.kind, reason: h.reason }, 'outbound message held until the sending restriction lifts');
  }
  await deps.redis
    .multi()
    .zadd(deps.keys.outboundHeld, 'NX', now, job.id as string)
    .sadd(deps.keys.outboundHeldTo(addressKey(job.data.to)), job.id as string)
    .exec();
  await job.moveToDelayed(Math.max(h.until, Date.now() + 1_000), token);
  throw new DelayedError();
}

/**
 * Connection drops a message outlives without using up a try: a flaky network may drop WhatsApp
 * mid-send every minute for a long while; a message that somehow "drops" it every time still ends.
 */
const MAX_DROPS = 200;

/**
 * The WhatsApp connection dropped before or while the message was sent: no fault of the message, so
 * it uses up none of its tries (ten drops in a row had failed it for good: the citizen never got their
 * answer). It waits a moment and is sent once the connection is back (the gateway does not take
 * messages while disconnected). Sending it again is safe: its WhatsApp id derives from its key.
 */
async function afterDrop(job: Job<OutboundJob>, token: string | undefined, err: TransportError): Promise<never> {
  const drops = (job.data.drops ?? 0) + 1;
  if (drops > MAX_DROPS) throw err;
  await job.updateData({ ...job.data, drops });
  await job.moveToDelayed(Date.now() + 1_000, token);
  throw new DelayedError();
}

/** A held message left the queue (sent, skipped or failed for good): it no longer counts as held. */
async function unhold(deps: CoreDeps, job: Job<OutboundJob>): Promise<void> {
  if (job.data.heldSince !== undefined)
    await deps.redis
      .multi()
      .zrem(deps.keys.outboundHeld, job.id as string)
      .srem(deps.keys.outboundHeldTo(addressKey(job.data.to)), job.id as string)
      .exec();
}

/**
 * The chat a job's message goes to, read from the raw payload (before it is validated, so that
 * jobs take their turns in the order the worker took them); none for a message to a group it
 * creates, which no other message can go to before it.
 */
export function chatOf(data: unknown): string | undefined {
  const job = data as { to?: { kind?: unknown; phone?: unknown; id?: unknown }; createGroup?: unknown } | null;
  if (job?.createGroup) return undefined;
  if (job?.to?.kind === 'dm' && typeof job.to.phone === 'string') return `dm:${job.to.phone}`;
  if (job?.to?.kind === 'group' && typeof job.to.id === 'string') return `group:${job.to.id}`;
  return undefined;
}

/** How long the record of what a sent message was about is kept (delivery receipts, replies, reactions). */
const SENT_REF_TTL_S = 90 * 24 * 3600;

/**
 * Sets a sent message's ref (ARGV[1], when not '') under KEYS[1] and adds its id (ARGV[2], when not '')
 * to the recipient's index KEYS[2], both kept ARGV[3] seconds. One script, not a MULTI of three
 * commands: 10–13% less Node CPU per citizen message in the intake bench (README, Performance).
 */
const RECORD_SENT = new LuaScript(`
if ARGV[1] ~= '' then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3]) end
if ARGV[2] ~= '' then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
return 1`);

/**
 * Records what a sent message was about (its ref), by its platform id, and, for a message to a
 * person, indexes its id under them. A broadcast's ref names its recipient ("alert:ALR-0002:+336…",
 * read back from a delivery receipt to count them delivered), and the gateway keeps copies of what it
 * sent them: their DELETE reaches both through the index, long after the job that sent it is gone.
 */
async function recordSent(deps: CoreDeps, msg: OutboundJob, messageId: string): Promise<void> {
  // Not the answer to a DELETE: it goes after the erasure, whose sweep finds it by its job; indexed,
  // it would name the citizen again until then.
  const dm = msg.to.kind === 'dm' && msg.kind !== 'delete' ? msg.to.phone : undefined;
  if (!msg.ref && !dm) return;
  const refKey = deps.keys.sentRef(messageId);
  await RECORD_SENT.run(deps.redis, [refKey, dm ? deps.keys.sentTo(dm) : refKey], [msg.ref ?? '', dm ? messageId : '', SENT_REF_TTL_S]);
}

/** Called after each successful send, e.g. to track an alert's delivery. */
export type SentHook = (job: OutboundJob, messageId: string) => Promise<void>;

/** Optional checks around a send: skip a message at send time, learn of a send that failed for good. */
export interface SendHooks {
  /** False skips the message (the job completes with `skipped: true`). */
  beforeSend?(job: OutboundJob): Promise<boolean>;
  failed?(job: OutboundJob, error: string): Promise<void>;
}

/**
 * Sends outbound jobs through the transport, rate-limited. The idempotency key travels
 * with the message, so the transport recognises a retry of a send that already went out.
 *
 * One chat's messages are sent one at a time, in queue order; different chats' alongside each
 * other. Order holds within the one gateway process that sends; a message held back (a sending
 * restriction, a dropped connection) or retried goes behind what came after it.
 */
export function createOutboundWorker(
  deps: CoreDeps,
  connection: Redis,
  transport: ChatTransport,
  ratePerSecond: number,
  onSent: SentHook = async () => {},
  hooks: SendHooks = {},
  /** Lock and stall-check timings (tests shorten them to recover a killed worker's jobs quickly). */
  lock: { lockDuration?: number; stalledInterval?: number } = {},
): Worker<OutboundJob> {
  const limiter = sendLimiterFor(ratePerSecond);
  const chatTurns = new InOrder();
  const concurrency = concurrencyFor(ratePerSecond);
  const maxHeld = chatShareOf(concurrency);
  const share = new SenderShare({ ...CHAT_SHARE, maxHeld });
  /** A chat's recent turn time (ms, moving average): how fast its messages go out. */
  const turnMs = new Map<string, number>();
  const timedTurn = async (key: string, job: Job<OutboundJob>, token: string | undefined) => {
    const start = Date.now();
    try {
      return await sendNow(job, token);
    } finally {
      if (turnMs.size > 10_000) turnMs.clear();
      const took = Date.now() - start;
      turnMs.set(key, 0.7 * (turnMs.get(key) ?? took) + 0.3 * took);
    }
  };
  /** Validates, holds back or sends a job's message: undefined when the last look skips it. */
  const sendNow = async (job: Job<OutboundJob>, token: string | undefined) => {
    const data = await parseJob(deps, outboundJobSchema, job, QUEUE.outbound);
    // A message WhatsApp would refuse now (a new chat under a restriction) waits, taking no send slot.
    const held = await transport.holdFor?.(data.to, { newGroup: !!data.createGroup });
    if (held) return hold(deps, job, token, held);
    // The last look (cancelled? STOP? DELETE?) is taken in the send's own turn at the limiter,
    // not before waiting there: a job may wait a second or two at a low rate.
    const check = async () => !hooks.beforeSend || (await hooks.beforeSend(data));
    const send = async () => {
      const msg = data.createGroup ? await intoNewGroup(deps, transport, data) : data;
      return { msg, result: await transport.send(msg) };
    };
    try {
      return await (limiter ? limiter.runChecked(check, send, job.opts.priority) : (await check()) ? send() : undefined);
    } catch (err) {
      if (err instanceof TransportError && err.code === 'held') {
        return hold(deps, job, token, { reason: err.message, until: err.holdUntil ?? Date.now() + 60_000 });
      }
      if (err instanceof TransportError && err.code === 'not_connected') return afterDrop(job, token, err);
      if (err instanceof TransportError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
  const worker = new Worker<OutboundJob>(
    QUEUE.outbound,
    async (job: Job<OutboundJob>, token?: string) => {
      // One chat's messages go out one at a time, in the order they were queued (a card before its
      // photo, "Reference: INC-0042" before "Added to your report"). The turn is taken before
      // anything awaits; InOrder sorts the jobs the worker got in one event-loop turn by `seq`.
      const key = chatOf(job.data);
      const seq = stampedSeq(job);
      // A chat's messages waiting for their turn hold slots another chat's could use: beyond its
      // share, they are parked a moment and taken back in order (see SenderShare).
      const parkUntil =
        key === undefined
          ? undefined
          : share.turn(
              { key, id: job.id ?? '', seq },
              { count: chatTurns.pending(key), lastWaiting: chatTurns.lastWaiting(key) },
              Date.now(),
              chatParkMs(maxHeld, ratePerSecond, turnMs.get(key)),
            );
      if (parkUntil !== undefined) {
        await job.moveToDelayed(parkUntil, token);
        throw new DelayedError();
      }
      const sent = await chatTurns.run(key, () => (key === undefined ? sendNow(job, token) : timedTurn(key, job, token)), seq);
      await unhold(deps, job);
      if (!sent) return { skipped: true };
      const { msg, result } = sent;
      // A retry that finds the message already sent may follow a crash before the audit
      // entry was written: record it again rather than lose it (at least once).
      if (!result.duplicate || job.attemptsMade > 0) {
        if (!result.duplicate) metrics.outbound.inc({ kind: msg.kind });
        const to = msg.to.kind === 'group' ? msg.to.id : await deps.audit.pseudonym(msg.to.phone);
        // A broadcast's ref names its recipient ("welfare:WFC-0001:+336..."): the trail keeps the pseudonym.
        const ref = msg.ref && msg.to.kind !== 'group' ? msg.ref.replaceAll(msg.to.phone, to) : msg.ref;
        await deps.audit.append({
          type: 'message.out',
          actor: 'system',
          subject: result.messageId,
          data: { kind: msg.kind, to, ...(ref ? { ref } : {}), ...(result.duplicate ? { retried: true } : {}) },
        });
      }
      await recordSent(deps, msg, result.messageId);
      await onSent(msg, result.messageId);
      return { messageId: result.messageId };
    },
    {
      connection,
      prefix: deps.keys.prefix,
      concurrency,
      // An unlimited rate (benchmarks measuring the pipeline itself) runs without a limiter.
      ...(Number.isFinite(ratePerSecond) ? { limiter: limiterFor(ratePerSecond) } : {}),
      autorun: false,
      maxStalledCount: MAX_STALLS,
      ...lock,
    },
  );
  startPromptly(worker);
  worker.on('failed', (job, err) => {
    const final = !job || err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    metrics.sendFailures.inc({ kind: job?.data.kind ?? 'unknown', final: String(final) });
    deps.log.error({ jobId: job?.id, kind: job?.data.kind, attempts: job?.attemptsMade, err: err.message }, 'outbound send failed');
    if (final && job) unhold(deps, job).catch((e) => deps.log.error({ err: e.message }, 'cannot count a held message out'));
    if (final && job && hooks.failed)
      hooks.failed(job.data, err.message).catch((e) => deps.log.error({ err: e.message }, 'failed-send hook error'));
  });
  worker.on('error', (err) => deps.log.error({ err: err.message }, 'outbound worker error'));
  return worker;
}
