import type { CoreDeps } from '../app/deps.ts';
import { postToCellGroups } from '../app/incidents/shared.ts';
import { formatDuration } from '../domain/duration.ts';
import { AppError, ConflictError, NotFoundError } from '../domain/errors.ts';
import { jobIdFor } from '../queues/queues.ts';
import type { Actor } from './audience.ts';
import { broadcastQueues } from './broadcast-queue.ts';
import { broadcastKeys, kindOfId, publishChange } from './broadcast-store.ts';
import {
  ASKED_NOBODY,
  type CloseReason,
  closureOf,
  getWelfareCheck,
  queueAutoClose,
  tallyLine,
  type WelfareView,
  welfareTimers,
} from './welfare.ts';

/**
 * Closes a welfare check that is sending or open (or, for reason `nobody_asked`, still a draft: a
 * check that has nobody to ask is closed before anything is sent), in one step with its final tally: status
 * `closed`, who and why, the tally hash as it is now (`finalTally`), off the open list and onto the
 * closed one (where a late answer finds it). An answer is recorded either before (in the final
 * tally) or after (late), never both. The request that closed it (`closeRequest`) is kept: the same
 * request retried finishes the close instead of being refused.
 * KEYS: record, open, closed, tally. ARGV: now, id, by, reason, request key ('' for none). Returns 1
 * when closed now, else the status that forbids it ('' when there is no such check).
 */
const CLOSE_SCRIPT = `
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return '' end
if s ~= 'sending' and s ~= 'open' and not (s == 'draft' and ARGV[4] == 'nobody_asked') then return s end
redis.call('HSET', KEYS[1], 'status', 'closed', 'closedAt', ARGV[1], 'closedBy', ARGV[3], 'closeReason', ARGV[4],
  'closeRequest', ARGV[5], 'finalTally', cjson.encode(redis.call('HGETALL', KEYS[4])))
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[1], ARGV[2])
return 1`;

/**
 * Why a check cannot be closed, in words an officer can act on; undefined when the same request
 * (`request`) closed it: a retried command or request, whose close is then finished.
 */
async function refusal(deps: CoreDeps, id: string, status: string, request?: string): Promise<AppError | undefined> {
  if (status === '') return new NotFoundError('welfare check', id);
  if (status === 'closed') {
    const [at, by, reason, done, closedBy] = await deps.redis.hmget(
      broadcastKeys(deps, 'welfare').record(id),
      'closedAt',
      'closedBy',
      'closeReason',
      'closeDone',
      'closeRequest',
    );
    // An officer retrying a close that failed half-way (its final tally not posted) finishes it;
    // every part of it is safe to repeat, so a close still running meanwhile shows nothing twice.
    if (done !== '1') await finishClose(deps, id);
    // Their own close, retried (a job that failed after closing it): it is done, not "already closed".
    if (request && closedBy === request) return undefined;
    const when = at ? `${new Date(Number(at)).toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'earlier';
    if (reason === 'nobody_asked')
      return new ConflictError(
        'already_closed',
        `${id} was closed as it started, on ${when}: nobody was asked (no registered citizen in its audience). Nothing changed.`,
      );
    const how = reason === 'expired' ? `automatically on ${when}` : `by ${by ?? 'someone'} on ${when}`;
    return new ConflictError('already_closed', `${id} was already closed ${how}; nothing changed. Late answers are still recorded.`);
  }
  if (status === 'cancelled') return new ConflictError('not_running', `${id} was cancelled: there is nothing to close.`);
  if (status === 'draft') return new ConflictError('not_running', `${id} was never sent: there is nothing to close.`);
  return new ConflictError('not_running', `${id} is ${status}: only a check that is sending or open can be closed.`);
}

/**
 * Closes a welfare check (an officer in chat or on the API, or by itself after
 * `broadcast.welfareCloseAfter`): no reminder, follow-up or question goes out any more, the final
 * tally is posted to the cell groups, and answers that still come in are recorded as late (see
 * recordWelfareAnswer). An unknown id is a NotFoundError; a check already closed, cancelled or
 * never sent is a ConflictError, and nothing changes, unless `request` (a chat message, an
 * Idempotency-Key) is the one that closed it: then its close is finished and the check returned.
 */
export async function closeWelfareCheck(
  deps: CoreDeps,
  input: { id: string; actor: Actor; reason: CloseReason; request?: string },
): Promise<WelfareView> {
  const { id } = input;
  if (kindOfId(id) !== 'welfare') throw new NotFoundError('welfare check', id);
  const keys = broadcastKeys(deps, 'welfare');
  const closed = await deps.redis.eval(
    CLOSE_SCRIPT,
    4,
    keys.record(id),
    keys.active,
    deps.keys.welfareClosed,
    deps.keys.welfareTally(id),
    String(deps.now()),
    id,
    input.actor.name,
    input.reason,
    input.request ?? '',
  );
  if (closed !== 1) {
    const refused = await refusal(deps, id, String(closed), input.request);
    if (refused) throw refused;
    return getWelfareCheck(deps, id);
  }
  const view = await getWelfareCheck(deps, id);
  await deps.audit.append({
    type: 'welfare.closed',
    actor: input.actor.name,
    subject: id,
    data: { reason: input.reason, ...(view.closed ?? view).counts },
  });
  deps.log.info({ id, reason: input.reason }, 'welfare check closed');
  await finishClose(deps, id);
  return view;
}

/** The automatic close, due `welfareCloseAfter` after the start; a check closed or cancelled before is left alone. */
export async function closeExpiredWelfareCheck(deps: CoreDeps, id: string): Promise<boolean> {
  try {
    await closeWelfareCheck(deps, { id, actor: { name: 'system' }, reason: 'expired' });
    return true;
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}

/**
 * What follows a close, each part safe to repeat: the delayed reminder, follow-up and close jobs
 * are removed (their processors also do nothing for a closed check, so one that fires anyway, say
 * after a restart, sends nothing), question and reminder messages still queued are purged (and
 * skipped at send time), and the final tally is posted to the cell groups.
 */
async function finishClose(deps: CoreDeps, id: string): Promise<void> {
  const { broadcast } = broadcastQueues(deps);
  // The close job itself may be the one running this: it cannot be removed, and completes.
  for (const kind of ['wrem', 'wfol', 'wcls']) await broadcast.remove(jobIdFor(kind, id)).catch(() => 0);
  // Nobody is reminded any more: the list of who still was goes.
  await deps.redis.del(deps.keys.welfareToRemind(id));
  await broadcast.add('purge', { type: 'purge', id }, { jobId: jobIdFor('wpurge', id) });
  await postFinalTally(deps, id);
  await deps.redis.hset(broadcastKeys(deps, 'welfare').record(id), 'closeDone', '1');
  await publishChange(deps, 'welfare', id);
}

/** Posts the tally the check closed with to the cell groups (once per check and group). */
async function postFinalTally(deps: CoreDeps, id: string): Promise<void> {
  const record = await deps.redis.hgetall(broadcastKeys(deps, 'welfare').record(id));
  const closure = closureOf(deps, record);
  if (!closure) return;
  const drill = record.exercise === '1' ? 'EXERCISE — ' : '';
  if (closure.reason === 'nobody_asked') {
    const text = `${drill}🔒 Welfare check ${id} (started by ${record.authorName ?? 'someone'}) was closed as it started: ${ASKED_NOBODY}. Nothing was sent and no answer is awaited.`;
    await postToCellGroups(deps, text, `welfare-closed:${id}`, 'welfare-closed');
    return;
  }
  const how =
    closure.reason === 'expired'
      ? `closed automatically, ${formatDuration(welfareTimers(deps).close)} after it started`
      : `closed by ${closure.by}`;
  const silent = closure.counts.noAnswer;
  const text = [
    `${drill}🔒 Welfare check ${id} ${how}.`,
    `Final tally: ${tallyLine(closure)}.`,
    'No reminder or follow-up will go out for it any more. An answer that still comes in is recorded as late; a HELP opens an incident as usual.',
    ...(silent ? [`The ${silent} who did not answer: GET /api/welfare-checks/${id}/follow-up`] : []),
  ].join('\n');
  await postToCellGroups(deps, text, `welfare-closed:${id}`, 'welfare-closed');
}

/** Closed checks looked at on start-up, newest first: a close a crash interrupted is recent. */
const LOOK_BACK = 200;

/**
 * At a worker's start: finishes the closes a crash interrupted (closed, but the final tally perhaps
 * never posted), and gives every open check its automatic close (one started before this version
 * had none; queueing is idempotent per check).
 */
export async function resumeWelfareCloses(deps: CoreDeps): Promise<void> {
  const keys = broadcastKeys(deps, 'welfare');
  for (const id of await deps.redis.zrevrange(deps.keys.welfareClosed, 0, LOOK_BACK - 1)) {
    const [done, by, reason] = await deps.redis.hmget(keys.record(id), 'closeDone', 'closedBy', 'closeReason');
    if (done === '1') continue;
    await finishClose(deps, id);
    await deps.audit.append({ type: 'welfare.close_resumed', actor: 'system', subject: id, data: { closedBy: by, reason } });
    deps.log.warn({ id }, 'finished the close of a welfare check a crash had interrupted');
  }
  // Scored by when each started.
  const open = await deps.redis.zrange(keys.active, '0', '-1', 'WITHSCORES');
  const { close } = welfareTimers(deps);
  for (let i = 0; i + 1 < open.length; i += 2) await queueAutoClose(deps, open[i] as string, Number(open[i + 1]) + close - deps.now());
}
