import type { CoreDeps } from '../app/deps.ts';
import { RunDefinitionError, type RunRecord, type StepState } from './run-store.ts';
import type { PlaybookRunner } from './runner.ts';
import type { Playbook } from './schema.ts';
import { tasksOf } from './tasks.ts';

/** A playbook as the API lists it. */
export function playbookSummary(pb: Playbook) {
  return {
    id: pb.id,
    title: pb.title,
    version: pb.version,
    description: pb.description,
    parameters: Object.entries(pb.parameters).map(([name, spec]) => ({ name, ...spec })),
    steps: pb.steps.map((s) => ({
      id: s.id,
      type: s.type,
      title: s.title,
      ...(s.after ? { after: s.after } : {}),
      ...(s.when ? { when: s.when } : {}),
    })),
  };
}

/** When a step came up (pending steps, never scheduled, last). */
const stepTime = (s: StepState) => s.startedAt ?? s.dueAt ?? s.finishedAt ?? '~';

/** The playbook a run follows, or why it cannot be read (a view still shows the run). */
async function playbookOrProblem(runner: PlaybookRunner, run: RunRecord): Promise<{ pb?: Playbook; problem?: string }> {
  try {
    const pb = await runner.playbookOf(run);
    return pb ? { pb } : {};
  } catch (err) {
    if (err instanceof RunDefinitionError) return { problem: err.message };
    throw err;
  }
}

/** A run with each step's state and times (of the playbook as the run started it), and its task items. */
export async function runView(deps: CoreDeps, runner: PlaybookRunner, run: RunRecord) {
  const [states, tasks, { pb, problem }] = await Promise.all([
    runner.store.steps(run.id),
    tasksOf(deps, run.id),
    playbookOrProblem(runner, run),
  ]);
  const steps = pb
    ? pb.steps.map((s) => ({
        id: s.id,
        type: s.type,
        title: s.title,
        ...(s.after ? { after: s.after } : {}),
        ...(states[s.id] ?? { status: 'pending' }),
      }))
    : // Without a readable definition, the steps as the run recorded them (type and title unknown), in the order they came.
      Object.entries(states)
        .sort(([, a], [, b]) => (stepTime(a) < stepTime(b) ? -1 : stepTime(a) > stepTime(b) ? 1 : 0))
        .map(([id, st]) => ({ id, type: 'unknown', title: id, ...st }));
  return {
    ...run,
    ...(problem ? { definitionError: problem } : {}),
    steps,
    tasks: Object.entries(tasks).map(([key, t]) => {
      const [step, item] = key.split('/');
      return { step, item, ...t };
    }),
  };
}

/**
 * When a step is due, as the cell reads it: the time alone today (UTC), with the day when it is
 * another day ("Tue 3 Dec 09:00 UTC"): a welfare check six days away must not read as this morning.
 */
export function dueText(dueAt: string, nowMs: number): string {
  const time = `${dueAt.slice(11, 16)} UTC`;
  if (dueAt.slice(0, 10) === new Date(nowMs).toISOString().slice(0, 10)) return time;
  const day = new Date(dueAt).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
  return `${day.replace(',', '')} ${time}`;
}

/** One line per run for /runs and the situation report. */
export async function runLine(runner: PlaybookRunner, run: RunRecord, nowMs = Date.now()): Promise<string> {
  const states = await runner.store.steps(run.id);
  const all = Object.values(states);
  const settled = all.filter((s) => ['done', 'skipped', 'failed', 'cancelled'].includes(s.status)).length;
  const { pb, problem } = await playbookOrProblem(runner, run);
  const next = pb?.steps.find((s) => ['scheduled', 'running'].includes(states[s.id]?.status ?? ''));
  const dueAt = next ? states[next.id]?.dueAt : undefined;
  const nextText = next ? `; next: ${next.title}${dueAt ? ` at ${dueText(dueAt, nowMs)}` : ''}` : '';
  const why = run.attention ?? problem;
  const attention = why ? ` ⚠️ needs attention: ${why}` : '';
  return `${run.id} ${run.title}${run.exercise ? ' (exercise)' : ''} — ${run.status}, ${settled}/${all.length} steps${nextText}${attention}`;
}
