import type { CoreDeps } from '../app/deps.ts';
import type { RunRecord } from './run-store.ts';
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

/** A run with each step's state and times, and its task items. */
export async function runView(deps: CoreDeps, runner: PlaybookRunner, run: RunRecord) {
  const [states, tasks] = await Promise.all([runner.store.steps(run.id), tasksOf(deps, run.id)]);
  const pb = runner.library.get(run.playbook);
  const steps = (pb?.steps ?? []).map((s) => ({
    id: s.id,
    type: s.type,
    title: s.title,
    ...(s.after ? { after: s.after } : {}),
    ...(states[s.id] ?? { status: 'pending' }),
  }));
  return {
    ...run,
    steps,
    tasks: Object.entries(tasks).map(([key, t]) => {
      const [step, item] = key.split('/');
      return { step, item, ...t };
    }),
  };
}

/** One line per run for /runs and the situation report. */
export async function runLine(runner: PlaybookRunner, run: RunRecord): Promise<string> {
  const states = await runner.store.steps(run.id);
  const all = Object.values(states);
  const settled = all.filter((s) => ['done', 'skipped', 'failed', 'cancelled'].includes(s.status)).length;
  const pb = runner.library.get(run.playbook);
  const next = pb?.steps.find((s) => ['scheduled', 'running'].includes(states[s.id]?.status ?? ''));
  const nextText = next ? `; next: ${next.title}${states[next.id]?.dueAt ? ` at ${states[next.id]?.dueAt?.slice(11, 16)} UTC` : ''}` : '';
  const attention = run.attention ? ` ⚠️ needs attention: ${run.attention}` : '';
  return `${run.id} ${run.title}${run.exercise ? ' (exercise)' : ''} — ${run.status}, ${settled}/${all.length} steps${nextText}${attention}`;
}
