import { DelayedError, type Job, UnrecoverableError, Worker } from 'bullmq';
import type { CoreDeps } from '../app/deps.ts';
import type { Closeable, Feature } from '../app/feature.ts';
import { refOfSentMessage } from '../app/sent-ref.ts';
import { alertRoutes } from '../http/routes/alerts.ts';
import { welfareCheckRoutes } from '../http/routes/welfare-checks.ts';
import { MAX_STALLS } from '../queues/queues.ts';
import { BROADCAST_QUEUE, type BroadcastJob, closeBroadcastQueues } from './broadcast-queue.ts';
import { broadcastKeys, deliveryCounts, fanOutStalledSince, loadRecord } from './broadcast-store.ts';
import { broadcastCommands } from './commands.ts';
import { fanOut, purgeQueued } from './fanout.ts';
import { FAN_OUT_SWEEP, fanOutRetryEveryMs, gaveUp, onFanOutGaveUp, retryStalledFanOuts, stalledNote } from './fanout-retry.ts';
import { resumeInterruptedBroadcasts } from './resume.ts';
import {
  onBroadcastFailed,
  onBroadcastRequeued,
  onBroadcastSent,
  onDeliveryReceipt,
  parseBroadcastRef,
  prepareBroadcastSend,
} from './tracking.ts';
import { getWelfareCheck, tallyLine } from './welfare.ts';
import { askForWelfareAnswer, isThumbsUp } from './welfare-answer.ts';
import { closeExpiredWelfareCheck, resumeWelfareCloses } from './welfare-close.ts';
import { postWelfareFollowUp, sendWelfareReminders } from './welfare-follow-up.ts';

/** Runs one job of the broadcast queue. */
async function processBroadcastJob(deps: CoreDeps, job: Job<BroadcastJob>, token?: string): Promise<unknown> {
  const data = job.data;
  if (!data || typeof data.id !== 'string') throw new UnrecoverableError('invalid broadcast job: no id');
  switch (data.type) {
    case 'fanout':
      return { enqueued: await fanOut(deps, data.id, job) };
    case 'purge':
      return { removed: await purgeQueued(deps, data.id) };
    case 'reminder': {
      const { reminded, nextAt } = await sendWelfareReminders(deps, data.id);
      if (nextAt === undefined) return { reminded };
      // Citizens still to remind: the same job waits for the next of them (one job per check, which
      // a close removes; it survives a restart in the delayed set).
      await job.moveToDelayed(Date.now() + Math.max(0, nextAt - deps.now()), token);
      throw new DelayedError();
    }
    case 'followup':
      return { listed: await postWelfareFollowUp(deps, data.id) };
    case 'close':
      return { closed: await closeExpiredWelfareCheck(deps, data.id) };
    default:
      throw new UnrecoverableError(`invalid broadcast job type: ${(data as { type?: string }).type}`);
  }
}

/** Lines for /sitrep: alerts in progress and the tallies of open welfare checks. */
async function sitrepLines(deps: CoreDeps): Promise<string[]> {
  const lines: string[] = [];
  for (const id of await deps.redis.zrevrange(broadcastKeys(deps, 'alert').active, 0, 9)) {
    const r = await loadRecord(deps, id);
    if (!r) continue;
    const c = await deliveryCounts(deps, r);
    const ex = r.exercise ? ' (exercise)' : '';
    const stalled = fanOutStalledSince(r);
    const note = stalled === undefined ? '' : `; ${await stalledNote(deps, id, r.total, stalled)}`;
    lines.push(
      `Alert ${id}${ex}: ${r.status.replace('_', ' ')}, ${c.sent}/${c.total} sent, ${c.delivered} delivered, ${c.failed} failed${note}`,
    );
  }
  for (const id of await deps.redis.zrevrange(broadcastKeys(deps, 'welfare').active, 0, 4)) {
    const w = await getWelfareCheck(deps, id).catch(() => undefined);
    if (!w) continue;
    // It stays open (and listed) until closed, though nobody can answer it: say so, and how to end it.
    const end = w.counts.total === 0 ? `; /close ${id} ends it` : '';
    const stalled = w.fanOutStalledSince ? `; ${await stalledNote(deps, id, w.delivery.total, Date.parse(w.fanOutStalledSince))}` : '';
    lines.push(`Welfare ${id}${w.exercise ? ' (exercise)' : ''}: ${tallyLine(w)}${end}${stalled}`);
  }
  return lines;
}

/** Consular alerts and welfare checks: fan-out, approval, delivery tracking, reminders. */
export const broadcastFeature: Feature = {
  name: 'broadcast',
  commands: () => broadcastCommands(),
  apiRoutes: (deps) => {
    const r = alertRoutes(deps);
    r.use(welfareCheckRoutes(deps));
    return r;
  },
  // A citizen's 👍 alone, or their 👍 on the question, while a welfare check waits for their answer:
  // asked to answer 1 or 2 (otherwise thanked by intake, and left uncounted without knowing it).
  citizenMessage: async (ctx) =>
    !ctx.sender.staff &&
    !ctx.msg.media &&
    !ctx.msg.edit &&
    !ctx.msg.forwarded &&
    !ctx.msg.location &&
    isThumbsUp(ctx.msg.text) &&
    askForWelfareAnswer(ctx),
  async reaction(ctx) {
    const { reaction } = ctx.msg;
    if (!reaction || ctx.sender.staff || ctx.msg.chat.kind === 'group' || !isThumbsUp(reaction.emoji)) return false;
    const ref = parseBroadcastRef(await refOfSentMessage(ctx.deps, reaction.messageId));
    return ref?.kind === 'welfare' && askForWelfareAnswer(ctx, ref.id);
  },
  beforeSend: (deps, job) => prepareBroadcastSend(deps, job),
  sent: (deps, job, messageId) => onBroadcastSent(deps, job, messageId),
  requeued: (deps, job) => onBroadcastRequeued(deps, job),
  sendFailed: (deps, job) => onBroadcastFailed(deps, job),
  delivery: (deps, update) => onDeliveryReceipt(deps, update),
  sitrep: (deps) => sitrepLines(deps),
  timers: (deps) => ({ [FAN_OUT_SWEEP]: async () => void (await retryStalledFanOuts(deps)) }),
  async start({ deps, connect, plays }) {
    const closeables: Closeable[] = [{ close: () => closeBroadcastQueues(deps) }];
    if (plays('worker')) {
      const worker = new Worker<BroadcastJob>(BROADCAST_QUEUE, (job, token) => processBroadcastJob(deps, job, token), {
        connection: connect(),
        prefix: deps.keys.prefix,
        concurrency: 4,
        maxStalledCount: MAX_STALLS,
      });
      worker.on('failed', (job, err) => {
        deps.log.error({ jobId: job?.id, type: job?.data?.type, err: err.message }, 'broadcast job failed');
        if (job && gaveUp(job)) void onFanOutGaveUp(deps, job, err.message);
      });
      worker.on('error', (err) => deps.log.error({ err: err.message }, 'broadcast worker error'));
      closeables.unshift(worker);
      // A crash between saving, approving and queueing a broadcast must not leave it silent.
      await resumeInterruptedBroadcasts(deps).catch((err) =>
        deps.log.error({ err: (err as Error).message }, 'could not check for interrupted broadcasts'),
      );
      // A fan-out that gave up (a long Redis outage) is taken up again while the app runs, not only at a restart.
      await deps.queues.timers.upsertJobScheduler(
        'broadcast-fanout-sweep',
        { every: fanOutRetryEveryMs(deps) },
        { name: FAN_OUT_SWEEP, data: {} },
      );
      // A close a crash interrupted is finished; every open welfare check has its automatic close.
      await resumeWelfareCloses(deps).catch((err) =>
        deps.log.error({ err: (err as Error).message }, 'could not check welfare checks to close'),
      );
    }
    return closeables;
  },
};
