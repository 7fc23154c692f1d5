import type { CoreDeps } from '../app/deps.ts';
import { messageStaff } from '../app/incidents/shared.ts';
import { PRIORITY } from '../queues/queues.ts';
import type { PlaybookEffects } from './effects.ts';
import type { RunRecord, RunStore } from './run-store.ts';
import type { LocalisedText, Playbook, Step } from './schema.ts';
import { fillAll, pickLanguage } from './templates.ts';

/** The mark every message of an exercise run carries. */
export const EXERCISE_MARK = '🟠 EXERCISE — EXERCISE — EXERCISE';

/** What an executor gets to run one step of one run. */
export interface StepContext {
  deps: CoreDeps;
  store: RunStore;
  effects: PlaybookEffects;
  run: RunRecord;
  playbook: Playbook;
  step: Step;
  /** Placeholder values of this run. */
  values: Record<string, string>;
  /** A localised text with placeholders filled (and the exercise mark, in an exercise). */
  texts(text: LocalisedText): Record<string, string>;
  /** The staff-language version of a text, filled (posts and DMs add the exercise mark themselves). */
  staffText(text: LocalisedText): string;
  /** Posts to every cell group; `key` makes the post idempotent within this step. */
  postToCell(text: string, key: string, extra?: { ref?: string; mentions?: string[] }): Promise<void>;
  /** Sends a DM to a member of staff; idempotent per step, key and phone. */
  dmStaff(phone: string, text: string, key: string): Promise<void>;
  /** A stable key of this step for idempotency (`playbook:RUN-0001:step-id`). */
  source: string;
  /** Schedules the overdue check of a task item of this step. */
  scheduleTaskDue(itemId: string, delayMs: number): Promise<void>;
}

/** Prefixes the exercise mark when the run is an exercise. */
export function markIfExercise(run: Pick<RunRecord, 'exercise'>, text: string): string {
  return run.exercise ? `${EXERCISE_MARK}\n${text}` : text;
}

export function createStepContext(
  deps: CoreDeps,
  store: RunStore,
  effects: PlaybookEffects,
  run: RunRecord,
  playbook: Playbook,
  step: Step,
  values: Record<string, string>,
  scheduleTaskDue: (itemId: string, delayMs: number) => Promise<void>,
): StepContext {
  const source = `playbook:${run.id}:${step.id}`;
  const texts = (text: LocalisedText) => {
    const filled = fillAll(text, values);
    return Object.fromEntries(Object.entries(filled).map(([l, t]) => [l, markIfExercise(run, t)]));
  };
  return {
    deps,
    store,
    effects,
    run,
    playbook,
    step,
    values,
    source,
    scheduleTaskDue,
    texts,
    staffText: (text) => pickLanguage(fillAll(text, values), deps.config.languages),
    async postToCell(text, key, extra = {}) {
      const groups = deps.config.cellGroups;
      if (!groups.length) deps.log.warn({ runId: run.id, stepId: step.id }, 'no cell group configured; playbook post not sent');
      for (const g of groups) {
        await deps.outbox.send(
          {
            to: { kind: 'group', id: g.id },
            text: markIfExercise(run, text),
            kind: 'playbook',
            idempotencyKey: `${source}:${key}:${g.id}`,
            ...(extra.ref ? { ref: extra.ref } : {}),
            ...(extra.mentions?.length ? { mentions: extra.mentions } : {}),
          },
          PRIORITY.staff,
        );
      }
    },
    async dmStaff(phone, text, key) {
      await messageStaff(deps, [phone], markIfExercise(run, text), `${source}:${key}`, 'playbook');
    },
  };
}
