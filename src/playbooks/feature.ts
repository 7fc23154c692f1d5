import { createHash } from 'node:crypto';
import { Worker } from 'bullmq';
import type { CoreDeps } from '../app/deps.ts';
import type { Closeable, Feature, FeatureContext } from '../app/feature.ts';
import { postToCellGroups } from '../app/incidents/shared.ts';
import { refOfSentMessage } from '../app/sent-ref.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import type { Command } from '../chat/command-registry.ts';
import { normaliseWords } from '../citizens/keywords.ts';
import { hasRole } from '../domain/roster.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import { playbookCommands } from './commands.ts';
import type { PlaybookEffects } from './effects.ts';
import { loadPlaybookLibrary, type PlaybookError } from './loader.ts';
import { checkLibraryAgainstConfig } from './params.ts';
import { playbookRoutes } from './routes.ts';
import { PLAYBOOK_QUEUE, type PlaybookJob, PlaybookRunner, publishRunChange } from './runner.ts';
import type { Playbook } from './schema.ts';
import { markIfExercise } from './step-context.ts';
import { STUCK_SWEEP_EVERY_MS, STUCK_SWEEP_SCHEDULER, STUCK_SWEEP_TIMER, sweepStuckRuns } from './stuck-sweep.ts';
import { acknowledgeTask, parseTaskRef } from './tasks.ts';
import { dueText, runLine } from './views.ts';

/** Options of the playbooks feature. */
export interface PlaybooksOptions {
  /** Directory of `*.yaml` playbooks; default the shipped `playbooks/`. */
  dir?: string;
  /** A library already loaded (tests); wins over `dir`. */
  library?: ReadonlyMap<string, Playbook>;
  /** Step worker tuning; tests shorten the lock so a killed worker's step is taken over quickly. */
  worker?: { concurrency?: number; lockDurationMs?: number; stalledIntervalMs?: number };
}

/** Emoji that acknowledge a task (skin tones and variation selectors ignored). */
const ACK_EMOJI = new Set(['✅', '👍', '✔', '☑', '👌']);
const bareEmoji = (e: string) => e.replace(/[\u{1F3FB}-\u{1F3FF}\uFE0F]/gu, '');

/** Words that say a task is done, at the start of a reply ("done, spoke to them", "c'est fait", "تم"). */
const DONE_WORDS = [
  ...['done', 'ok', 'okay', 'yes', 'completed', 'complete', 'finished', 'sorted', 'handled', 'confirmed'],
  ...['fait', 'c est fait', 'termine', 'fini', 'oui', 'confirme', 'regle'],
  ...['تم', 'خلص', 'خلصت', 'انتهى', 'نعم', 'تمام', 'اوكي'],
]
  .map(normaliseWords)
  .join('|');
const DONE = new RegExp(`^(?:${DONE_WORDS})(?![\\p{L}\\p{N}])`, 'u');
/** A whole done word or phrase, as normaliseWords writes it. */
const DONE_WHOLE = new RegExp(`^(?:${DONE_WORDS})$`, 'u');

/**
 * True when a reply to a task message says it is done: an acknowledging emoji first (or alone among
 * other emoji), or a done word first. "Not yet, can't reach them" ticked the task off and silenced its reminder.
 */
function saysDone(text = ''): boolean {
  const chars = [...text.trim()];
  if (ACK_EMOJI.has(bareEmoji(chars[0] ?? ''))) return true;
  const words = normaliseWords(text);
  return words === '' ? chars.some((c) => ACK_EMOJI.has(bareEmoji(c))) : DONE.test(words);
}

/**
 * What a reply that ticks a task off says beyond its done word or emoji: "done, all 12 staff safe" is
 * "all 12 staff safe" ('' for a bare "done" or ✅). Kept on the item: it was lost with the tick.
 */
export function wordsBeyondDone(text = ''): string {
  const t = text.trim();
  let rest = t;
  const chars = [...t];
  if (ACK_EMOJI.has(bareEmoji(chars[0] ?? ''))) {
    let i = 0;
    while (i < chars.length && (ACK_EMOJI.has(bareEmoji(chars[i] as string)) || bareEmoji(chars[i] as string) === '')) i++;
    rest = chars.slice(i).join('');
  } else {
    // The shortest start of the reply, up to the end of a word, that is a done word ("c'est fait").
    const ends = [...t.matchAll(/[\p{L}\p{N}\p{M}]+/gu)].map((m) => (m.index ?? 0) + m[0].length);
    const cut = ends.find((end) => DONE_WHOLE.test(normaliseWords(t.slice(0, end))));
    if (cut !== undefined) rest = t.slice(cut);
  }
  rest = rest.replace(/^[\s\p{P}]+/u, '').trim();
  return /[\p{L}\p{N}]/u.test(rest) ? rest : '';
}

/**
 * Disaster playbooks: /run, /runs, /stop, /huddle, the run API, and the step worker.
 * The library is loaded and validated when the app is composed (first use, at the latest in
 * start): an invalid playbook is left out, logged and told to the cell (reportRefused); the others run.
 */
export class PlaybooksFeature implements Feature {
  readonly name = 'playbooks';
  private loaded: ReadonlyMap<string, Playbook> | undefined;
  private readonly runners = new WeakMap<CoreDeps, PlaybookRunner>();
  private readonly workers = new WeakMap<CoreDeps, Worker<PlaybookJob>>();

  constructor(
    /** The effects, or a factory binding them to one app's deps. */
    private readonly effects: PlaybookEffects | ((deps: CoreDeps) => PlaybookEffects),
    private readonly options: PlaybooksOptions = {},
  ) {
    this.loaded = options.library;
  }

  /** Playbooks whose file is invalid, by id: left out of the library, named at start. */
  private refused: ReadonlyMap<string, PlaybookError> = new Map();

  /** The valid playbooks of the library (an invalid file is left out: see `refused`). */
  get library(): ReadonlyMap<string, Playbook> {
    if (!this.loaded) {
      const { library, refused } = loadPlaybookLibrary(this.options.dir);
      this.loaded = library;
      this.refused = refused;
    }
    return this.loaded;
  }

  /**
   * The runner of one app (a process may host several apps in tests). A playbook naming a region
   * this app's configuration does not have is left out of its library and refused like an invalid
   * file: the app starts, and the cell is told.
   */
  runner(deps: CoreDeps): PlaybookRunner {
    let r = this.runners.get(deps);
    if (!r) {
      const { warnings, refused: unfit } = checkLibraryAgainstConfig(this.library, deps.config);
      for (const warning of warnings) deps.log.warn(warning);
      const library = new Map([...this.library].filter(([id]) => !unfit.has(id)));
      const refused = new Map<string, Error>(this.refused);
      for (const [id, problem] of unfit) refused.set(id, new Error(problem));
      this.refusedIn.set(deps, refused);
      r = new PlaybookRunner(deps, library, typeof this.effects === 'function' ? this.effects(deps) : this.effects, refused);
      this.runners.set(deps, r);
    }
    return r;
  }

  /** What each app refused: the invalid files, and the playbooks its configuration cannot run. */
  private readonly refusedIn = new WeakMap<CoreDeps, ReadonlyMap<string, Error>>();

  /** The step worker started in this app, if it plays the worker role (tests kill it). */
  worker(deps: CoreDeps): Worker<PlaybookJob> | undefined {
    return this.workers.get(deps);
  }

  commands(deps: HttpDeps): Command[] {
    return playbookCommands(this.runner(deps));
  }

  apiRoutes(deps: HttpDeps) {
    return playbookRoutes(deps, this.runner(deps));
  }

  async groupMessage(ctx: ChatContext): Promise<boolean> {
    if (!ctx.msg.replyTo) return false;
    return this.acknowledge(ctx, ctx.msg.replyTo);
  }

  async reaction(ctx: ChatContext): Promise<boolean> {
    const r = ctx.msg.reaction;
    if (!r || !ACK_EMOJI.has(bareEmoji(r.emoji))) return false;
    return this.acknowledge(ctx, r.messageId);
  }

  /** A reply or reaction on a task message acknowledges the task. */
  private async acknowledge(ctx: ChatContext, messageId: string): Promise<boolean> {
    const ref = parseTaskRef(await refOfSentMessage(ctx.deps, messageId));
    if (!ref) return false;
    if (!ctx.sender.staff) {
      // Someone not on the roster (a guest in a breakout group): refused as a command would be.
      await ctx.deps.audit.append({
        type: 'command.refused',
        actor: ctx.sender.actor,
        subject: ref.runId,
        data: { reason: 'not_on_roster', via: ctx.msg.reaction ? '👍' : 'reply', step: ref.stepId, item: ref.itemId },
      });
      await ctx.reply('Sorry, only rostered embassy staff may tick off playbook tasks.', 'refusal');
      return true;
    }
    // A viewer only reads: their 👍 ("seen") must not tick off a task and silence its overdue reminder.
    if (!hasRole(ctx.sender.roles, 'officer')) {
      await ctx.deps.audit.append({
        type: 'command.refused',
        actor: ctx.sender.actor,
        subject: ref.runId,
        data: { reason: 'missing_role', via: ctx.msg.reaction ? '👍' : 'reply', step: ref.stepId, item: ref.itemId },
      });
      await ctx.reply(
        `Sorry ${ctx.sender.staff.name}, ticking off playbook tasks needs the officer role; you have ${ctx.sender.roles.join(', ')}. The task stays open.`,
        'refusal',
      );
      return true;
    }
    if (!ctx.msg.reaction && !saysDone(ctx.msg.text)) {
      await ctx.reply('Noted, but the task stays open: reply ✅ or "done" to its message once it is done.', 'refusal');
      return true;
    }
    const me = ctx.sender.staff.name;
    const note = ctx.msg.reaction ? '' : wordsBeyondDone(ctx.msg.text);
    const result = await acknowledgeTask(ctx.deps, ref, me, { ...(note ? { note } : {}), msgId: ctx.msg.id });
    if (!result) return false;
    // A retried job of a message already handled: its answer went out (or goes out with the same key).
    if (result.again) return true;
    // The words are on the item: the dashboard's checklist and GET /api/runs/:id show them.
    const kept = note ? `\nYour words are kept with it on ${ref.runId}'s checklist: “${note}”.` : '';
    if (note) publishRunChange(ctx.deps, ref.runId);
    // A drill's every message is marked, these too: the cell may have a real run of the same playbook going.
    const run = await this.runner(ctx.deps).store.get(ref.runId);
    const mark = (text: string) => markIfExercise({ exercise: run?.exercise === true }, text);
    if (!result.changed && result.task.status === 'cancelled') {
      await ctx.reply(
        mark(`${ref.runId} was stopped: "${result.task.title}" was called off with it. /runs lists the runs in progress.${kept}`),
      );
      return true;
    }
    if (!result.changed) {
      // Someone ticked it off first: the second person is told who and when (silence read as lost).
      const { ackedBy, ackedAt } = result.task;
      await ctx.deps.audit.append({
        type: 'playbook.task.already_acknowledged',
        actor: ctx.sender.actor,
        subject: ref.runId,
        data: { step: ref.stepId, item: ref.itemId, ackedBy: ackedBy ?? null, noted: Boolean(note) },
      });
      const who = ackedBy === me ? 'you' : (ackedBy ?? 'someone');
      const at = ackedAt ? ` at ${dueText(ackedAt, ctx.deps.now())}` : '';
      await ctx.reply(mark(`☑️ ${ref.runId}: "${result.task.title}" was already ticked off by ${who}${at}.${kept}`));
      return true;
    }
    await ctx.deps.audit.append({
      type: 'playbook.task.acknowledged',
      actor: ctx.sender.actor,
      subject: ref.runId,
      // Whether words came with it, not the words: the audit keeps no message text.
      data: { step: ref.stepId, item: ref.itemId, ...(note ? { noted: true } : {}) },
    });
    // The dashboard's playbooks page shows the checklist live, as it shows every other change of a run.
    publishRunChange(ctx.deps, ref.runId);
    await ctx.reply(
      mark(`✅ ${ref.runId}: "${result.task.title}" acknowledged by ${me}${result.task.late ? ' (after it escalated)' : ''}.${kept}`),
    );
    return true;
  }

  timers(deps: HttpDeps) {
    return {
      [STUCK_SWEEP_TIMER]: async () => {
        const { requeued, gaveUp, resumed, reminded } = await sweepStuckRuns(deps, this.runner(deps));
        if (requeued.length || gaveUp.length || resumed.length || reminded.length)
          deps.log.warn({ requeued, gaveUp, resumed, reminded }, 'stuck playbook runs recovered');
      },
    };
  }

  async sitrep(deps: HttpDeps): Promise<string[]> {
    const runner = this.runner(deps);
    const runs = (await Promise.all((await runner.store.activeIds()).map((id) => runner.store.get(id)))).filter((r) => r !== undefined);
    return Promise.all(runs.map((r) => runLine(runner, r, deps.now()).then((l) => `Playbook ${l}`)));
  }

  /**
   * An invalid playbook does not stop the bot: it is left out, logged as an error, and the cell is
   * told (by the worker, once a day while it stays invalid) which one and why, so that nobody learns
   * it from a refused /run in the middle of a crisis.
   */
  private async reportRefused(ctx: FeatureContext): Promise<void> {
    this.runner(ctx.deps);
    for (const [id, err] of this.refusedIn.get(ctx.deps) ?? this.refused) {
      ctx.deps.log.error({ playbook: id, problem: err.message }, 'invalid playbook left out: fix its file (npm run playbooks:check)');
      if (!ctx.plays('worker')) continue;
      const day = new Date(ctx.deps.now()).toISOString().slice(0, 10);
      await postToCellGroups(
        ctx.deps,
        `⚠️ Playbook ${id} could not be loaded and cannot be run: ${err.message}\nThe other playbooks run. Fix the file (npm run playbooks:check) and restart the bot.`,
        `playbook-invalid:${id}:${day}:${createHash('sha256').update(err.message).digest('hex').slice(0, 12)}`,
        'playbook',
      );
    }
  }

  async start(ctx: FeatureContext): Promise<Closeable[]> {
    const runner = this.runner(ctx.deps);
    const { library } = runner;
    const closeables: Closeable[] = [];
    if (ctx.plays('worker')) {
      const w = this.options.worker ?? {};
      const worker = new Worker<PlaybookJob>(PLAYBOOK_QUEUE, (job) => runner.process(job), {
        connection: ctx.connect(),
        prefix: ctx.deps.keys.prefix,
        concurrency: w.concurrency ?? 5,
        ...(w.lockDurationMs ? { lockDuration: w.lockDurationMs } : {}),
        ...(w.stalledIntervalMs ? { stalledInterval: w.stalledIntervalMs } : {}),
      });
      worker.on('failed', (job, err) => ctx.deps.log.error({ jobId: job?.id, err: err.message }, 'playbook job failed'));
      worker.on('error', (err) => ctx.deps.log.error({ err: err.message }, 'playbook worker error'));
      this.workers.set(ctx.deps, worker);
      closeables.push(worker);
      // A safety net under the step jobs: a run whose next step's job failed for good outside
      // the step (a long Redis outage, a job stalled twice) would otherwise stay running forever.
      await ctx.deps.queues.timers.upsertJobScheduler(
        STUCK_SWEEP_SCHEDULER,
        { every: STUCK_SWEEP_EVERY_MS },
        { name: STUCK_SWEEP_TIMER, data: {} },
      );
    }
    closeables.push(runner);
    ctx.deps.log.info({ playbooks: library.size }, 'playbooks loaded');
    await this.reportRefused(ctx);
    return closeables;
  }
}
