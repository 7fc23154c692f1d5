import { durationMs } from '../../domain/duration.ts';
import { cutText } from '../../domain/text-normalise.ts';
import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';
import { createTask, taskRef } from '../tasks.ts';
import { fillAll, pickLanguage } from '../templates.ts';

/**
 * `tasks`: posts each checklist item to the cell groups, mentioning the staff who hold its
 * role; a reply or ✅/👍 on the message acknowledges it; an item still open at its due time
 * escalates to the duty officers.
 */
export async function runTasks(sc: StepContext, step: Extract<Step, { type: 'tasks' }>): Promise<string> {
  const { deps, run } = sc;
  const now = deps.now();
  for (const item of step.items) {
    const dueMs = durationMs(item.due);
    const dueAt = new Date(now + dueMs).toISOString();
    const title = pickLanguage(fillAll(item.text, sc.values), deps.config.languages).split('\n')[0] ?? item.id;
    await createTask(deps, run.id, step.id, item.id, { status: 'open', role: item.role, title: cutText(title, 200), dueAt });
    const holders = deps.roster.withRole(item.role);
    const names = holders.map((h) => h.name).join(', ') || `nobody holds ${item.role}`;
    const text = [
      `☐ ${run.id} · ${step.title}`,
      sc.staffText(item.text),
      `Role: ${item.role.replace('_', ' ')} (${names}) · due in ${item.due}, by ${dueAt.slice(11, 16)} UTC`,
      'Reply to this message or react ✅ when done.',
    ].join('\n');
    await sc.postToCell(text, `task:${item.id}`, { ref: taskRef(run.id, step.id, item.id), mentions: holders.map((h) => h.phone) });
    await sc.scheduleTaskDue(item.id, dueMs);
  }
  return `${step.items.length} task(s) posted`;
}
