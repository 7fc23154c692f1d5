import { excerpt } from '../../app/incidents/shared.ts';
import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';
import { describeAudience, resolveAudience } from './audience.ts';

interface AlertResult {
  id: string;
  status: string;
  code: string;
  total?: number;
}

/** `alert`: drafts a consular alert through the broadcast feature (its approval rule applies). */
export async function runAlert(sc: StepContext, step: Extract<Step, { type: 'alert' }>): Promise<string> {
  const resolved = resolveAudience(sc.run, step.audience);
  // Who reported from the region without registering needs the alert as much (not in a drill).
  const audience = sc.run.exercise ? resolved : { ...resolved, reporters: step.audience.reporters ?? true };
  const text = sc.texts(step.text);
  let result = await sc.store.effectResult<AlertResult>(sc.run.id, step.id);
  if (!result) {
    const created = await sc.effects.alert({
      author: { name: sc.run.startedBy, ...(sc.run.startedByPhone ? { phone: sc.run.startedByPhone } : {}) },
      audience,
      text,
      exercise: sc.run.exercise,
      source: sc.source,
    });
    result = created;
    await sc.store.saveEffectResult(sc.run.id, step.id, result);
  }
  // An alert to a region where nobody is registered (nor reported from) warns nobody: the cell must know.
  const next =
    result.total === 0
      ? 'reaches nobody: no citizen there is registered or has written to us. Warn them another way (partners, wardens, media)'
      : result.status === 'pending_approval'
        ? // The approver reads what they approve (the broadcast's own draft notice is not posted for a run).
          `awaits approval by a second officer:\n“${excerpt(text[sc.deps.config.languages[0] as string] ?? Object.values(text)[0] ?? '', 300)}”\nApprove with /approve ${result.id}, or stop it with /cancel ${result.id}`
        : 'is being sent';
  // The alert's id is what /approve and /cancel take; the code is what citizens check it by.
  const to = describeAudience(audience, sc.deps.config.regions);
  await sc.postToCell(`📣 ${sc.run.id} · ${step.title}\nAlert ${result.id} (code ${result.code}) to ${to} ${next}.`, 'alert');
  return `alert ${result.id} ${result.status}`;
}
