import type { CoreDeps } from '../app/deps.ts';
import { durationMs } from '../domain/duration.ts';
import { RunDefinitionError, type RunRecord, type StepState } from './run-store.ts';
import type { PlaybookRunner } from './runner.ts';
import type { Playbook } from './schema.ts';
import { escalateIfOverdue, tasksOf } from './tasks.ts';

/** How often the worker role looks for stuck runs (a BullMQ job scheduler on the timers queue). */
export const STUCK_SWEEP_EVERY_MS = 60_000;
/** The timers job that runs the sweep, and its scheduler. */
export const STUCK_SWEEP_TIMER = 'playbook.stuckSweep';
export const STUCK_SWEEP_SCHEDULER = 'playbook-stuck-sweep';
/** How long past its due time a step may go without a live job before it counts as stuck. */
export const STUCK_MARGIN_MS = 2 * 60_000;
/** Re-queues of one step before it is given up as failed and its run flagged for attention. */
export const MAX_REQUEUES = 3;

/** Job states in which a step's job will still run the step. */
const LIVE = new Set(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);
const IN_HAND = new Set(['scheduled', 'running']);
const SETTLED = new Set(['done', 'skipped', 'failed', 'cancelled']);

/** What one sweep did, by `RUN-0001/step`. */
export interface SweepResult {
  requeued: string[];
  gaveUp: string[];
  resumed: string[];
  /** Checklist items (`RUN-0001/step/item`) whose overdue reminder was lost, sent by the sweep. */
  reminded: string[];
}

/**
 * Finds running runs whose next step never comes, because its job failed for good outside the
 * step (every attempt during a long Redis outage, a job stalled twice) or the job that settled the
 * last step died before scheduling the next, and puts them back on the queue. A step re-queued
 * MAX_REQUEUES times is given up: marked failed, the run flagged, the cell told once.
 */
export async function sweepStuckRuns(deps: CoreDeps, runner: PlaybookRunner): Promise<SweepResult> {
  const result: SweepResult = { requeued: [], gaveUp: [], resumed: [], reminded: [] };
  const active = await runner.store.activeIds();
  for (const id of active) {
    try {
      await sweepRun(deps, runner, id, result);
    } catch (err) {
      // One run's trouble (Redis blip) never holds up the others; the next sweep tries again.
      deps.log.warn({ runId: id, err: (err as Error).message }, 'stuck-run sweep could not check a run');
    }
  }
  // A completed run's checklist is still owed, so its reminders are looked after too.
  const owing = new Set([...active, ...(await deps.redis.smembers(deps.keys.runsWithOpenTasks))]);
  for (const id of owing) {
    try {
      await sweepTasks(deps, runner, id, result);
    } catch (err) {
      deps.log.warn({ runId: id, err: (err as Error).message }, 'stuck-run sweep could not check a run’s checklist');
    }
  }
  return result;
}

/**
 * Checklist items still open well past their due time whose reminder job is gone (failed for good
 * during a Redis outage, or lost): the duty officers get the overdue reminder now, once (the
 * message's key is the item's). A run with nothing left open, or stopped, leaves the list.
 */
async function sweepTasks(deps: CoreDeps, runner: PlaybookRunner, runId: string, result: SweepResult): Promise<void> {
  const run = await runner.store.get(runId);
  const open = run && run.status !== 'stopped' ? Object.entries(await tasksOf(deps, runId)).filter(([, t]) => t.status === 'open') : [];
  if (!run || open.length === 0) {
    await deps.redis.srem(deps.keys.runsWithOpenTasks, runId);
    return;
  }
  for (const [field, task] of open) {
    if (!(deps.now() > Date.parse(task.dueAt) + STUCK_MARGIN_MS)) continue;
    const [stepId, itemId] = field.split('/') as [string, string];
    const job = await runner.taskJobState(runId, stepId, itemId);
    if (LIVE.has(job)) continue;
    if (!(await escalateIfOverdue(deps, run, stepId, itemId))) continue;
    deps.log.warn({ runId, stepId, itemId, job }, 'checklist reminder job was lost; reminding the duty officers now');
    await deps.audit.append({
      type: 'playbook.task.reminder_recovered',
      actor: 'system',
      subject: runId,
      data: { step: stepId, item: itemId, job },
    });
    runner.publish(runId);
    result.reminded.push(`${runId}/${field}`);
  }
}

async function sweepRun(deps: CoreDeps, runner: PlaybookRunner, runId: string, result: SweepResult): Promise<void> {
  const run = await runner.store.get(runId);
  if (run?.status !== 'running') return;
  let pb: Playbook | undefined;
  try {
    // The run's own playbook, as it was when the run started.
    pb = await runner.playbookOf(run);
  } catch (err) {
    if (!(err instanceof RunDefinitionError)) throw err;
    // Nothing to re-queue or resume by: the run stays flagged until the duty officers stop it.
    if (run.attention !== err.message) deps.log.error({ runId: run.id, err: err.message }, 'playbook run definition unreadable');
    await runner.flagDefinitionUnreadable(run, err);
    return;
  }
  if (!pb) return;
  const states = await runner.store.steps(run.id);
  const stateOf = (i: number): StepState => states[pb.steps[i]?.id ?? ''] ?? { status: 'pending' };
  const current = pb.steps.findIndex((_, i) => IN_HAND.has(stateOf(i).status));
  if (current >= 0) return recoverStep(deps, runner, run, pb, current, stateOf(current), result);

  // No step in hand: the job that settled the last one died before scheduling the next.
  const next = pb.steps.findIndex((_, i) => stateOf(i).status === 'pending');
  const index = next < 0 ? pb.steps.length : next;
  if (!pb.steps.slice(0, index).every((_, i) => SETTLED.has(stateOf(i).status))) return;
  const prev = pb.steps[index - 1];
  const prevState = index > 0 ? stateOf(index - 1) : undefined;
  const sinceMs = Date.parse(prevState?.finishedAt ?? run.createdAt);
  if (!(deps.now() > sinceMs + STUCK_MARGIN_MS)) return;
  const holdMs = prev?.type === 'wait' && prevState?.status === 'done' ? durationMs(prev.duration) : 0;
  deps.log.warn({ runId: run.id, next: pb.steps[index]?.id ?? 'end' }, 'playbook run had no step scheduled; resuming it');
  if (index === 0) await runner.announceStart(run, pb);
  await runner.scheduleFrom(run, pb, index, holdMs, sinceMs);
  await deps.audit.append({
    type: 'playbook.run.resumed',
    actor: 'system',
    subject: run.id,
    data: { next: pb.steps[index]?.id ?? null },
  });
  result.resumed.push(`${run.id}/${pb.steps[index]?.id ?? 'end'}`);
}

/** A step in hand whose due time has long passed: re-queued if its job is gone, given up after MAX_REQUEUES. */
async function recoverStep(
  deps: CoreDeps,
  runner: PlaybookRunner,
  run: RunRecord,
  pb: Playbook,
  index: number,
  state: StepState,
  result: SweepResult,
): Promise<void> {
  const step = pb.steps[index];
  if (!step) return;
  const due = Date.parse(state.dueAt ?? state.startedAt ?? run.createdAt);
  if (!(deps.now() > due + STUCK_MARGIN_MS)) return;
  const job = await runner.stepJobState(run.id, step.id);
  if (LIVE.has(job)) return;
  const seen = state.requeues ?? 0;
  if (seen >= MAX_REQUEUES) {
    await giveUp(deps, runner, run, pb, index, seen, job);
    result.gaveUp.push(`${run.id}/${step.id}`);
    return;
  }
  const requeues = await runner.store.countRequeue(run.id, step.id, seen);
  if (!requeues) return; // settled, stopped or re-queued by another sweep meanwhile
  deps.log.warn({ runId: run.id, stepId: step.id, job, requeues }, 'playbook step job was lost; re-queuing the step');
  await runner.requeueStep(run.id, step.id);
  await deps.audit.append({
    type: 'playbook.step.requeued',
    actor: 'system',
    subject: run.id,
    data: { step: step.id, job, requeues },
  });
  result.requeued.push(`${run.id}/${step.id}`);
}

/** Marks the step failed, flags the run, tells the cell once, and lets the playbook go on. */
async function giveUp(
  deps: CoreDeps,
  runner: PlaybookRunner,
  run: RunRecord,
  pb: Playbook,
  index: number,
  requeues: number,
  job: string,
): Promise<void> {
  const step = pb.steps[index];
  if (!step) return;
  const reason = `${step.title}: its job was lost ${requeues + 1} times (last ${job}); check whether it happened and do it by hand`;
  if (!(await runner.store.finish(run.id, step.id, 'failed', { error: reason }))) return;
  await runner.store.flagAttention(run.id, reason);
  await deps.audit.append({
    type: 'playbook.step.failed',
    actor: 'system',
    subject: run.id,
    data: { step: step.id, type: step.type, reason: 'stuck', requeues },
  });
  deps.log.error({ runId: run.id, stepId: step.id, requeues, job }, 'playbook step given up after its job kept being lost');
  runner.publish(run.id);
  await runner.announce(
    run,
    `stuck:${step.id}`,
    `⚠️ ${run.id} · ${step.title} could not be run: its job was lost ${requeues + 1} times. ` +
      'Check whether it happened and do it by hand, and check the workers. The playbook goes on.',
  );
  await runner.scheduleFrom(run, pb, index + 1, 0);
}
