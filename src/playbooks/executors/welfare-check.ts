import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';
import { describeAudience, resolveAudience } from './audience.ts';

/** `welfare_check`: asks the audience "are you safe?" through the broadcast feature. */
export async function runWelfareCheck(sc: StepContext, step: Extract<Step, { type: 'welfare_check' }>): Promise<string> {
  const audience = resolveAudience(sc.run, step.audience);
  let result = await sc.store.effectResult<{ id: string; total?: number }>(sc.run.id, step.id);
  if (!result) {
    result = await sc.effects.welfareCheck({
      author: { name: sc.run.startedBy, ...(sc.run.startedByPhone ? { phone: sc.run.startedByPhone } : {}) },
      audience,
      ...(step.text ? { text: sc.texts(step.text) } : sc.run.exercise ? { text: sc.texts({ en: 'Are you safe?' }) } : {}),
      exercise: sc.run.exercise,
      source: sc.source,
    });
    await sc.store.saveEffectResult(sc.run.id, step.id, result);
  }
  const to = describeAudience(audience, sc.deps.config.regions);
  // Nobody registered there: the check asks no one, and the cell must account for them another way.
  const what =
    result.total === 0
      ? `Welfare check ${result.id} for ${to} asks nobody: no citizen there is registered. Account for them another way (partners, wardens, hospitals).`
      : `Welfare check ${result.id} started for ${to}.`;
  await sc.postToCell(`🩺 ${sc.run.id} · ${step.title}\n${what}`, 'welfare');
  return `welfare check ${result.id}`;
}
