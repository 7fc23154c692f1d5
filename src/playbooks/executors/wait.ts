import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';

/** `wait`: holds the next step for `duration` (the runner delays it); optionally says why. */
export async function runWait(sc: StepContext, step: Extract<Step, { type: 'wait' }>): Promise<string> {
  if (step.text) await sc.postToCell(`⏸ ${sc.run.id} · ${step.title} (${step.duration})\n${sc.staffText(step.text)}`, 'wait');
  return `next step in ${step.duration}`;
}
