import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';

/** `sitrep`: posts the current situation report to the cell groups. */
export async function runSitrep(sc: StepContext, step: Extract<Step, { type: 'sitrep' }>): Promise<string> {
  const report = await sc.effects.sitrep();
  const intro = step.text ? `${sc.staffText(step.text)}\n` : '';
  await sc.postToCell(`🧭 ${sc.run.id} · ${step.title}\n${intro}${report}`, 'sitrep');
  return 'situation report posted';
}
