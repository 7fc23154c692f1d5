import type { CoreDeps } from '../app/deps.ts';
import { broadcastQueues } from '../broadcast/broadcast-queue.ts';
import { type BroadcastKind, broadcastKeys } from '../broadcast/broadcast-store.ts';
import { broadcastRef } from '../broadcast/tracking.ts';
import { jobIdFor } from '../queues/queues.ts';
import { eraseFromRegistry } from './registry.ts';

/** How far back broadcasts may still hold a citizen's phone (failed jobs are kept 14 days). */
const LOOKBACK_MS = 15 * 24 * 3600 * 1000;

/** What an erasure removed, for the audit entry (counts only). */
export interface ErasureReport {
  registered: boolean;
  broadcasts: number;
  jobsRemoved: number;
}

/**
 * DELETE: erases a citizen's personal data everywhere the broadcast side keeps it: registry,
 * indexes, open conversation, recipient lists, per-recipient delivery state, welfare answers and
 * queued (or finished) outbound jobs. Tallies stay, as anonymous counts.
 */
export async function eraseCitizen(deps: CoreDeps, phone: string): Promise<ErasureReport> {
  const registered = await eraseFromRegistry(deps, phone);
  const since = deps.now() - LOOKBACK_MS;
  const { outbound } = broadcastQueues(deps);
  let broadcasts = 0;
  let jobsRemoved = 0;
  for (const kind of ['alert', 'welfare'] as BroadcastKind[]) {
    const keys = broadcastKeys(deps, kind);
    const ids = await deps.redis.zrangebyscore(keys.all, since, '+inf');
    for (const id of ids) {
      const tx = deps.redis.multi().hdel(keys.state(id), phone);
      for (const language of deps.config.languages) tx.srem(keys.recipients(id, language), phone);
      if (kind === 'welfare') tx.hdel(deps.keys.welfareAnswers(id), phone);
      const results = (await tx.exec()) ?? [];
      if (results.some(([, n]) => n === 1)) broadcasts++;
      const refs = [broadcastRef(kind, id, phone), ...(kind === 'welfare' ? [broadcastRef('welfare-reminder', id, phone)] : [])];
      for (const ref of refs) jobsRemoved += await outbound.remove(jobIdFor('o', ref)).catch(() => 0);
    }
  }
  return { registered, broadcasts, jobsRemoved };
}
