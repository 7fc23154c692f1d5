import type { CoreDeps } from '../app/deps.ts';
import { jobIdFor } from '../queues/queues.ts';
import { putUpForApproval, sendUnapproved, startSending } from './alerts.ts';
import { broadcastQueues } from './broadcast-queue.ts';
import { type BroadcastKind, type BroadcastRecord, broadcastKeys, loadRecord } from './broadcast-store.ts';
import { queueFanOut } from './fanout.ts';

/** An alert above the approval threshold is never sent without a second officer (drills go to staff only). */
function needsApproval(deps: CoreDeps, r: BroadcastRecord): boolean {
  return r.kind === 'alert' && !r.exercise && r.total > deps.config.broadcast.approvalThreshold;
}

/** Broadcasts looked at on start-up, newest first: an interrupted one is recent. */
const LOOK_BACK = 200;

/**
 * Resumes broadcasts a crash left half-started, at a worker's start: an alert saved (`draft`: it
 * is sent, or put up for approval when it needs one) or approved but never started, and an alert
 * or welfare check sending whose fan-out job was never queued or gave up (while the app runs, the
 * sweep of fanout-retry.ts takes up the latter too). Starting and queueing are idempotent (one
 * fan-out job id per broadcast, one outbound job per recipient), so a broadcast another process is
 * starting right now is not sent twice.
 */
export async function resumeInterruptedBroadcasts(deps: CoreDeps): Promise<string[]> {
  const resumed: string[] = [];
  for (const kind of ['alert', 'welfare'] as BroadcastKind[]) {
    const ids = await deps.redis.zrevrange(broadcastKeys(deps, kind).all, 0, LOOK_BACK - 1);
    for (const id of ids) {
      const r = await loadRecord(deps, id);
      if (r && (await resumeBroadcast(deps, r))) resumed.push(id);
    }
  }
  if (resumed.length) {
    deps.log.warn({ broadcasts: resumed }, 'resumed broadcasts a crash had left half-started');
    await deps.audit.append({ type: 'broadcast.resumed', actor: 'system', data: { ids: resumed } });
  }
  return resumed;
}

/** Takes one half-started broadcast on from where a crash left it; false when it needed nothing. */
export async function resumeBroadcast(deps: CoreDeps, r: BroadcastRecord): Promise<boolean> {
  if (r.status === 'draft' && needsApproval(deps, r)) {
    // Saved, then the process died before asking for approval: ask for it now, never send. Asked as
    // the first request would have: the cell told that it waits for a second officer, and audited.
    return putUpForApproval(deps, r);
  }
  // A welfare check saved but never started may lack its per-region counts: left to the officer.
  if (r.status === 'draft' && r.kind === 'welfare') return false;
  if (r.status === 'draft') {
    // Sent as the first request would have: audited, and the cell told it went out.
    await sendUnapproved(deps, r);
    return true;
  }
  if (r.status === 'approved') {
    await startSending(deps, r);
    return true;
  }
  if (r.status !== 'sending' || r.fannedOut) return false;
  const job = await broadcastQueues(deps).broadcast.getJob(jobIdFor('fanout', r.id));
  if (!job) await queueFanOut(deps, r.id);
  // A full round of tries again (it resumes from the position it saved): without the reset, one
  // error more would fail it for good at once.
  else if (await job.isFailed()) await job.retry('failed', { resetAttemptsMade: true });
  else return false;
  return true;
}
