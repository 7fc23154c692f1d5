import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';

/** `notify`: posts the text to the crisis-cell groups. */
export async function runNotify(sc: StepContext, step: Extract<Step, { type: 'notify' }>): Promise<string> {
  await sc.postToCell(`📋 ${sc.run.id} · ${step.title}\n${sc.staffText(step.text)}`, 'notify');
  return `posted to ${sc.deps.config.cellGroups.length} cell group(s)`;
}
