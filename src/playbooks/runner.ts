import { createHash } from 'node:crypto';
import { type Job, Queue, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import type { CoreDeps } from '../app/deps.ts';
import { postToCellGroups } from '../app/incidents/shared.ts';
import { kindOfId } from '../broadcast/broadcast-store.ts';
import type { Actor } from '../domain/actor.ts';
import { durationMs } from '../domain/duration.ts';
import { AppError, ConflictError, NotFoundError } from '../domain/errors.ts';
import { jobIdFor, onQueueError } from '../queues/queues.ts';
import { LuaScript } from '../store/lua-script.ts';
import type { PlaybookEffects } from './effects.ts';
import { executeStep } from './executors/index.ts';
import { resolveParams, templateValues } from './params.ts';
import { RunDefinitionError, type RunRecord, RunStore } from './run-store.ts';
import type { Playbook, Step } from './schema.ts';
import { createStepContext, markIfExercise } from './step-context.ts';
import { cancelOpenTasks, escalateIfOverdue } from './tasks.ts';

/** The BullMQ queue of playbook steps (under KEY_PREFIX). */
export const PLAYBOOK_QUEUE = 'playbooks';
/** Attempts of a step before it is recorded as failed and the run moves on. */
export const STEP_ATTEMPTS = 5;

export const playbookJobSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('step'), runId: z.string().min(1), stepId: z.string().min(1) }),
  z.object({ type: z.literal('task-due'), runId: z.string().min(1), stepId: z.string().min(1), itemId: z.string().min(1) }),
]);
export type PlaybookJob = z.infer<typeof playbookJobSchema>;

/** Who starts a run, and from where (a chat message id makes a retried start the same run). */
export interface RunStarter extends Actor {
  origin?: string;
}

/** What a stopped run started that goes on: an alert awaiting approval or sending, a welfare check open. */
export interface LiveEffect {
  type: 'alert' | 'welfare_check';
  id: string;
  status: 'pending_approval' | 'sending' | 'open';
}

/** A live effect as the cell's stop notice says it, with the command that calls it off. */
function liveEffectText(e: LiveEffect): string {
  if (e.status === 'pending_approval') return `alert ${e.id} awaits approval (/cancel ${e.id} if it must not go out)`;
  if (e.type === 'alert') return `alert ${e.id} is sending (/cancel ${e.id} stops it)`;
  return `welfare check ${e.id} is open, its reminders still go out (/close ${e.id} ends it)`;
}

const stepJobId = (runId: string, stepId: string) => jobIdFor('pbs', `${runId}/${stepId}`);
const taskJobId = (runId: string, stepId: string, itemId: string) => jobIdFor('pbt', `${runId}/${stepId}/${itemId}`);

/**
 * Runs playbooks: a run is a chain of step jobs on the `playbooks` queue, each delayed by its
 * `after`. A step is claimed in Redis before it executes and settled after, so a worker killed
 * mid-run resumes where it stopped; everything a step sends carries an idempotency key.
 */
/** KEYS: the same-run claim. ARGV: the holder read, the new run id. Replaces the claim only if it still names that holder. */
const TAKE_OVER = new LuaScript(`local v = redis.call('GET', KEYS[1])
if (v or '') == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ${30 * 24 * 3600}) return 1 end
return 0`);

/**
 * KEYS: the same-run claim, the run sequence. ARGV: the holder read ('' for none), the claim's lifetime (s).
 * If the claim still names that holder, takes the next run number and claims it, in one step: a start
 * refused as a duplicate takes no number (RUN-0001 then refused twice made the next run RUN-0004, and
 * "/stop 2" found nothing). Returns {1, number} when claimed, else {0, the holder now}.
 */
const CLAIM_NEW = new LuaScript(`local v = redis.call('GET', KEYS[1]) or ''
if v ~= ARGV[1] then return {0, v} end
local n = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], 'RUN-' .. string.format('%04d', n), 'EX', tonumber(ARGV[2]))
return {1, n}`);

/** How long a claim made for a run not recorded yet holds: the run is recorded milliseconds after (then 30 days). */
const CLAIM_PENDING_S = 60;

export class PlaybookRunner {
  readonly store: RunStore;
  readonly queue: Queue<PlaybookJob>;

  constructor(
    private readonly deps: CoreDeps,
    readonly library: ReadonlyMap<string, Playbook>,
    private readonly effects: PlaybookEffects,
    /** Playbooks whose file is invalid (by id), with the problem: refused by name rather than "not found". */
    private readonly refused: ReadonlyMap<string, Error> = new Map(),
  ) {
    this.store = new RunStore(deps);
    this.queue = onQueueError(
      new Queue<PlaybookJob>(PLAYBOOK_QUEUE, {
        connection: deps.queueConnection,
        prefix: deps.keys.prefix,
        defaultJobOptions: {
          attempts: STEP_ATTEMPTS,
          backoff: { type: 'exponential', delay: 2_000 },
          removeOnComplete: { age: 14 * 24 * 3600 },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      }),
      deps.log,
    );
  }

  /** True when `id` names a playbook whose file is invalid (left out of the library). */
  isRefused(id: string): boolean {
    return this.refused.has(id.toLowerCase());
  }

  playbook(id: string): Playbook {
    const pb = this.library.get(id.toLowerCase());
    const invalid = this.refused.get(id.toLowerCase());
    if (!pb && invalid)
      throw new ConflictError(
        'playbook_invalid',
        `Playbook ${id} could not be loaded: ${invalid.message}. Fix its file (npm run playbooks:check) and restart; the other playbooks run.`,
      );
    if (!pb) throw new NotFoundError('playbook', id);
    return pb;
  }

  /**
   * The playbook a run follows: the definition it stored when it started, or, for a run started
   * before runs stored it, the library's. Throws RunDefinitionError when the stored one cannot be read.
   */
  async playbookOf(run: RunRecord): Promise<Playbook | undefined> {
    return (await this.store.definition(run)) ?? this.library.get(run.playbook);
  }

  /** Starts a run: validates the parameters, records the run with its playbook, schedules its first step. */
  async start(playbookId: string, rawParams: Record<string, unknown>, exercise: boolean, by: RunStarter): Promise<RunRecord> {
    const pb = this.playbook(playbookId);
    const params = resolveParams(pb, rawParams, this.deps.config);
    const existing = by.origin ? await this.store.runOfOrigin(by.origin) : undefined;
    const already = existing ? await this.store.get(existing) : undefined;
    if (already) {
      if (already.playbook === pb.id) await this.resumeStart(already);
      return already;
    }
    // The number is taken with the claim: a start refused as a duplicate takes none.
    const { id, claim } = await this.claimSameRun(pb, params, exercise);
    const run: RunRecord = {
      id,
      playbook: pb.id,
      version: pb.version,
      title: pb.title,
      status: 'running',
      params,
      exercise,
      startedBy: by.name,
      ...(by.phone ? { startedByPhone: by.phone } : {}),
      createdAt: new Date(this.deps.now()).toISOString(),
    };
    await this.store.create(run, pb, by.origin);
    // Recorded: the claim now holds as long as a run may (a start that died before this frees it within a minute).
    await TAKE_OVER.run(this.deps.redis, [claim], [id, id]);
    await this.deps.audit.append({
      type: 'playbook.run.started',
      actor: by.name,
      subject: run.id,
      data: { playbook: pb.id, version: pb.version, exercise, params: Object.keys(params) },
    });
    this.deps.log.info({ runId: run.id, playbook: pb.id, exercise }, 'playbook run started');
    await this.announceStart(run, pb);
    await this.scheduleFrom(run, pb, 0, 0);
    return run;
  }

  /**
   * One run of a playbook with the same parameters at a time (the drill apart from the real run):
   * two officers sending the same /run within a minute, each before seeing the other's, started two
   * real runs, and every citizen got each alert and welfare check twice. The second is refused,
   * naming the first. Claimed in Redis with the run's number (CLAIM_NEW), so two starts at the same
   * moment cannot both pass and a refused one takes no number; a claim whose run has ended since is
   * taken over. A claim naming a run not recorded yet is a start under way (it is recorded
   * milliseconds later): it is waited for, briefly, then refused as busy; one whose start died
   * expires within a minute. Returns the new run's id and its claim key.
   */
  private async claimSameRun(pb: Playbook, params: Record<string, unknown>, exercise: boolean): Promise<{ id: string; claim: string }> {
    const sorted = Object.fromEntries(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)));
    const hash = createHash('sha256')
      .update(JSON.stringify([pb.id, exercise, sorted]))
      .digest('hex')
      .slice(0, 24);
    const key = this.deps.keys.runSame(hash);
    let expected = '';
    for (let attempt = 0; attempt < 10; attempt++) {
      const [claimed, value] = (await CLAIM_NEW.run(
        this.deps.redis,
        [key, this.deps.keys.runSeq],
        [expected, String(CLAIM_PENDING_S)],
      )) as [number, string | number];
      if (claimed === 1) return { id: `RUN-${String(value).padStart(4, '0')}`, claim: key };
      const holder = String(value);
      const other = holder ? await this.store.get(holder) : undefined;
      if (other?.status === 'running') {
        const at = other.createdAt.slice(11, 16);
        throw new ConflictError(
          'run_active',
          `${other.id} (${other.title}${other.exercise ? ', exercise' : ''}) is already running with the same parameters, started by ${other.startedBy} at ${at} UTC: nothing started. See /runs; to start it again, /stop ${other.id} first.`,
        );
      }
      if (holder && !other && (await this.deps.redis.ttl(key)) > CLAIM_PENDING_S) {
        // A claim kept for a run that was never recorded (a start that died before claims were made this way): free.
        expected = holder;
        continue;
      }
      if (holder && !other) {
        // Being recorded by another start at this moment: its record is a few milliseconds away.
        await new Promise((r) => setTimeout(r, 50));
        expected = '';
        continue;
      }
      // Ended since (or gone): the claim is free, and taken only if it still names that run.
      expected = holder;
    }
    throw new ConflictError('busy', `${pb.id} is being started by someone else at this moment; look at /runs and try again`);
  }

  /**
   * A start retried (the same chat message or idempotency key) after the run was recorded but
   * before its first step was scheduled: announces it (idempotently) and schedules that step.
   */
  private async resumeStart(run: RunRecord): Promise<void> {
    if (run.status !== 'running') return;
    // The run's own playbook: the library may have changed since it was recorded.
    let pb: Playbook | undefined;
    try {
      pb = await this.playbookOf(run);
    } catch (err) {
      if (!(err instanceof RunDefinitionError)) throw err;
      this.deps.log.error({ runId: run.id, err: err.message }, 'playbook run definition unreadable');
      return this.flagDefinitionUnreadable(run, err);
    }
    if (!pb) return;
    const states = Object.values(await this.store.steps(run.id));
    if (!states.every((s) => s.status === 'pending' || s.status === 'skipped')) return;
    this.deps.log.warn({ runId: run.id }, 'playbook run was recorded but never scheduled; scheduling it now');
    await this.announceStart(run, pb);
    await this.scheduleFrom(run, pb, 0, 0);
  }

  /** Tells the cell groups a run started, with its steps (once per run: the post is idempotent). */
  async announceStart(run: RunRecord, pb: Playbook): Promise<void> {
    // What the cell will see happen: a wait's hold, and the steps this run's parameters skip.
    const summary = pb.steps
      .map((s, i) => {
        const timing = [...(s.after ? [`+${s.after}`] : []), ...(s.type === 'wait' ? [`holds ${s.duration}`] : [])];
        const param = s.when?.param ?? '';
        const skipped = conditionHolds(s, run) ? '' : ` — skipped (${param}=${run.params[param] ?? 'not given'})`;
        return `${i + 1}. ${s.title}${timing.length ? ` (${timing.join(', ')})` : ''}${skipped}`;
      })
      .join('\n');
    await this.announce(
      run,
      'started',
      `▶️ ${run.id}: ${pb.title} started by ${run.startedBy}${run.exercise ? ' (exercise)' : ''}.\n${summary}\nStop it with /stop ${run.id}`,
    );
  }

  /**
   * The duty officers dealt with what flagged a run (a step done by hand after it was given up):
   * the flag goes, audited with who and why it was there. A flag that is not there is said so.
   */
  async clearAttention(runId: string, by: string): Promise<string> {
    const run = await this.store.get(runId.toUpperCase());
    if (!run) throw new NotFoundError('run', runId);
    const reason = await this.store.clearAttention(run.id);
    if (reason === undefined) throw new ConflictError('no_attention', `${run.id} is not flagged for attention`);
    await this.deps.audit.append({ type: 'playbook.attention.cleared', actor: by, subject: run.id, data: { reason } });
    this.publish(run.id);
    return reason;
  }

  /** Stops a run: cancels its pending steps and their delayed jobs, and its open task reminders. Returns the steps cancelled. */
  async stop(runId: string, by: string): Promise<string[]> {
    return (await this.stopAndTell(runId, by)).cancelled;
  }

  /**
   * Stops a run (see stop), and says what the cell's stop notice says: the steps cancelled, those
   * under way that may still finish, and what the run started that goes on (LiveEffect).
   */
  async stopAndTell(runId: string, by: string): Promise<{ cancelled: string[]; underWay: string[]; live: LiveEffect[] }> {
    const run = await this.store.get(runId.toUpperCase());
    if (!run) throw new NotFoundError('run', runId);
    const cancelled = await this.store.stop(run.id, by);
    if (!cancelled) throw new ConflictError('run_not_running', `${run.id} is already ${run.status}`);
    for (const stepId of cancelled) await this.removeJob(stepJobId(run.id, stepId));
    // Called off with the run: the checklist no longer shows them as still to do, and their reminders go
    // (a reminder that fires meanwhile finds its item cancelled and sends nothing).
    for (const field of await cancelOpenTasks(this.deps, run.id)) {
      const [stepId, itemId] = field.split('/') as [string, string];
      await this.removeJob(taskJobId(run.id, stepId, itemId));
    }
    await this.deps.audit.append({ type: 'playbook.run.stopped', actor: by, subject: run.id, data: { cancelled: cancelled.length } });
    this.publish(run.id);
    // A step under way when the run stopped still finishes (its effect may already be out): the cell must not think it was called off.
    const states = await this.store.steps(run.id);
    const pb = await this.playbookOf(run).catch(() => undefined);
    const underWay = Object.entries(states)
      .filter(([, st]) => st.status === 'running')
      .map(([id]) => pb?.steps.find((s) => s.id === id)?.title ?? id);
    const underWayText = underWay.length ? `\nUnder way, it may still finish: ${underWay.join(', ')}.` : '';
    const live = await this.liveEffects(run.id);
    const liveText = live.length ? `\nStill live from it: ${live.map(liveEffectText).join('; ')}.` : '';
    await this.announce(
      run,
      'stopped',
      `⏹ ${run.id} (${run.title}) stopped by ${by}; ${cancelled.length} pending step(s) cancelled.${underWayText}${liveText}`,
    );
    return { cancelled, underWay, live };
  }

  /**
   * What the run started that still goes on, for the stop notice: an alert it drafted still waits for
   * /approve, one sending goes on sending, a welfare check open goes on reminding its citizens and
   * listing them for calls. Stopping the run calls none of them off (a check may be the right one):
   * the officer reads each with the command that does.
   */
  private async liveEffects(runId: string): Promise<LiveEffect[]> {
    const live: LiveEffect[] = [];
    for (const raw of Object.values(await this.deps.redis.hgetall(this.deps.keys.runEffects(runId)))) {
      const id = (JSON.parse(raw) as { id?: unknown }).id;
      const kind = typeof id === 'string' ? kindOfId(id) : undefined;
      if (typeof id !== 'string' || !kind) continue;
      const type = kind === 'alert' ? 'alert' : 'welfare_check';
      const status = await this.effects.statusOf(id).catch(() => undefined);
      if (type === 'alert' && status === 'pending_approval') live.push({ type, id, status });
      else if (type === 'alert' && (status === 'approved' || status === 'sending')) live.push({ type, id, status: 'sending' });
      else if (type === 'welfare_check' && (status === 'sending' || status === 'open')) live.push({ type, id, status: 'open' });
    }
    return live;
  }

  private async removeJob(jobId: string): Promise<void> {
    try {
      await (await this.queue.getJob(jobId))?.remove();
    } catch (err) {
      this.deps.log.warn(
        { jobId, err: (err as Error).message },
        'could not remove a playbook job (it is running); it will see the run stopped',
      );
    }
  }

  /** Processes one job of the playbooks queue. */
  async process(job: Job<PlaybookJob>): Promise<string> {
    const parsed = playbookJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid playbook job: ${parsed.error.issues[0]?.message}`);
    const data = parsed.data;
    const run = await this.store.get(data.runId);
    if (!run) throw new UnrecoverableError(`run ${data.runId} does not exist`);
    if (data.type === 'task-due') {
      // A completed run's checklist items are still owed; only a stopped run's are called off.
      if (run.status === 'stopped') return 'run stopped';
      if (!(await escalateIfOverdue(this.deps, run, data.stepId, data.itemId))) return 'acknowledged in time';
      // The item now shows overdue on the dashboard's checklist.
      this.publish(run.id);
      return 'escalated';
    }
    return this.runStep(job, run, data.stepId);
  }

  private async runStep(job: Job<PlaybookJob>, run: RunRecord, stepId: string): Promise<string> {
    let pb: Playbook | undefined;
    try {
      pb = await this.playbookOf(run);
    } catch (err) {
      if (!(err instanceof RunDefinitionError)) throw err;
      if (run.status !== 'running') {
        // Stopped or completed: nothing more to do by the definition.
        await this.store.finish(run.id, stepId, 'cancelled');
        return 'run not running';
      }
      await this.definitionUnreadable(run, stepId, err);
      throw new UnrecoverableError(err.message);
    }
    const index = pb?.steps.findIndex((s) => s.id === stepId) ?? -1;
    const step = pb?.steps[index];
    if (!pb || !step) throw new UnrecoverableError(`${run.id}: playbook ${run.playbook} has no step ${stepId} any more`);
    const claim = await this.store.claim(run.id, stepId);
    if (claim.startsWith('run:')) {
      await this.store.finish(run.id, stepId, 'cancelled');
      return 'run not running';
    }
    if (claim === 'claimed') {
      this.publish(run.id);
      const outcome = await this.execute(job, run, pb, step);
      if (outcome === 'retry') throw new Error(`${run.id}/${stepId} will retry`);
    }
    await this.scheduleFrom(run, pb, index + 1, step.type === 'wait' ? durationMs(step.duration) : 0);
    return claim === 'claimed' ? 'done' : `already ${claim}`;
  }

  /**
   * A run whose stored playbook cannot be read cannot go on (following today's library instead
   * would silently change it): the step fails with why, the run is flagged and the cell told once.
   */
  private async definitionUnreadable(run: RunRecord, stepId: string, err: RunDefinitionError): Promise<void> {
    this.deps.log.error({ runId: run.id, stepId, err: err.message }, 'playbook run definition unreadable');
    const reason = err.message.slice(0, 300);
    if (await this.store.finish(run.id, stepId, 'failed', { error: reason })) {
      await this.deps.audit.append({
        type: 'playbook.step.failed',
        actor: 'system',
        subject: run.id,
        data: { step: stepId, reason: 'definition_unreadable' },
      });
    }
    await this.flagDefinitionUnreadable(run, err);
  }

  /** Flags a run whose stored playbook cannot be read and tells the cell (once per run). */
  async flagDefinitionUnreadable(run: RunRecord, err: RunDefinitionError): Promise<void> {
    if (run.attention === err.message) return;
    await this.store.flagAttention(run.id, err.message);
    this.publish(run.id);
    if (run.status !== 'running') return;
    await this.announce(
      run,
      'definition-unreadable',
      `⚠️ ${run.id} (${run.title}) cannot go on: the playbook definition stored with it cannot be read. ` +
        `Do its remaining steps by hand, then /stop ${run.id}.`,
    );
  }

  /** Executes a claimed step and settles it; 'retry' leaves it running for the next attempt. */
  private async execute(job: Job<PlaybookJob>, run: RunRecord, pb: Playbook, step: Step): Promise<'settled' | 'retry'> {
    const values = templateValues(pb, run.params, this.deps.config, run.id);
    const sc = createStepContext(this.deps, this.store, this.effects, run, pb, step, values, (itemId, delay) =>
      this.addJob({ type: 'task-due', runId: run.id, stepId: step.id, itemId }, taskJobId(run.id, step.id, itemId), delay),
    );
    try {
      const note = await executeStep(sc, step);
      await this.store.finish(run.id, step.id, 'done', { note });
      await this.deps.audit.append({
        type: 'playbook.step.done',
        actor: 'system',
        subject: run.id,
        data: { step: step.id, type: step.type },
      });
      this.deps.log.info({ runId: run.id, stepId: step.id }, 'playbook step done');
    } catch (err) {
      const final = err instanceof AppError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      this.deps.log.error(
        { runId: run.id, stepId: step.id, attempt: job.attemptsMade + 1, err: (err as Error).message },
        'playbook step failed',
      );
      if (!final) return 'retry';
      const reason = (err as Error).message.slice(0, 300);
      await this.store.finish(run.id, step.id, 'failed', { error: reason });
      await this.deps.audit.append({
        type: 'playbook.step.failed',
        actor: 'system',
        subject: run.id,
        data: { step: step.id, type: step.type },
      });
      await sc.postToCell(`⚠️ ${run.id} · ${step.title} failed: ${reason}\nThe playbook goes on; do this step by hand.`, 'failed');
    }
    this.publish(run.id);
    return 'settled';
  }

  /**
   * Schedules the next step from `index` whose condition holds (skipping the others), or completes
   * the run; the step is due `holdMs` plus its `after` from `sinceMs` (default now), or at once if that has passed.
   */
  async scheduleFrom(run: RunRecord, pb: Playbook, index: number, holdMs: number, sinceMs = this.deps.now()): Promise<void> {
    if ((await this.store.get(run.id))?.status !== 'running') return;
    for (let i = index; i < pb.steps.length; i++) {
      const step = pb.steps[i] as Step;
      if (!conditionHolds(step, run)) {
        await this.store.finish(run.id, step.id, 'skipped', { note: `condition on ${step.when?.param} not met` });
        continue;
      }
      const now = this.deps.now();
      const delay = Math.max(0, sinceMs + holdMs + (step.after ? durationMs(step.after) : 0) - now);
      const dueAt = new Date(now + delay).toISOString();
      await this.store.transition(run.id, step.id, ['pending'], { status: 'scheduled', dueAt });
      await this.addJob({ type: 'step', runId: run.id, stepId: step.id }, stepJobId(run.id, step.id), delay);
      this.publish(run.id);
      return;
    }
    if (await this.store.complete(run.id)) {
      await this.deps.audit.append({ type: 'playbook.run.completed', actor: 'system', subject: run.id, data: { playbook: pb.id } });
      this.publish(run.id);
      await this.announce(run, 'completed', `✅ ${run.id} (${pb.title}) has run every step. Send /runs for the others in progress.`);
    }
  }

  /** Where the job of a step is in the queue (`waiting`, `delayed`, `active`, `failed`...), or `missing`. */
  /** The state of a checklist item's reminder job ('missing' when there is none). */
  async taskJobState(runId: string, stepId: string, itemId: string): Promise<string> {
    const job = await this.queue.getJob(taskJobId(runId, stepId, itemId));
    return job ? await job.getState() : 'missing';
  }

  async stepJobState(runId: string, stepId: string): Promise<string> {
    const job = await this.queue.getJob(stepJobId(runId, stepId));
    return job ? await job.getState() : 'missing';
  }

  /**
   * Queues a step again, to run now, in place of its job that was lost or failed for good. The step
   * stays idempotent: its claim refuses a settled step and its effects carry the step's keys.
   */
  async requeueStep(runId: string, stepId: string): Promise<void> {
    const jobId = stepJobId(runId, stepId);
    // A job id that still exists (failed, completed) would make the add a no-op.
    await (await this.queue.getJob(jobId))?.remove();
    await this.addJob({ type: 'step', runId, stepId }, jobId, 0);
  }

  private async addJob(data: PlaybookJob, jobId: string, delay: number): Promise<void> {
    await this.queue.add(data.type, data, { jobId, delay });
  }

  /** Posts to the cell groups about a run, once per run and `what`. */
  async announce(run: RunRecord, what: string, text: string): Promise<void> {
    await postToCellGroups(this.deps, markIfExercise(run, text), `playbook:${run.id}:${what}`, 'playbook');
  }

  /** Tells the dashboard the run changed. */
  publish(id: string): void {
    publishRunChange(this.deps, id);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** Tells the dashboard a run changed (a step, its status, a checklist item): it reloads the run. */
export function publishRunChange(deps: CoreDeps, id: string): void {
  void deps.redis.publish(deps.keys.events, JSON.stringify({ type: 'run.updated', id })).catch(() => {});
}

/** Whether a step's `when` condition holds for the run's parameters. */
export function conditionHolds(step: Step, run: RunRecord): boolean {
  const c = step.when;
  if (!c) return true;
  const v = run.params[c.param];
  if (c.equals !== undefined) return v === c.equals;
  if (c.notEquals !== undefined) return v !== c.notEquals;
  return c.in?.includes(v as never) ?? true;
}
