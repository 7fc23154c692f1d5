import type { Step } from '../schema.ts';
import type { StepContext } from '../step-context.ts';

/** `escalate`: DMs every member of staff holding the role (admins when nobody does), and tells the cell. */
export async function runEscalate(sc: StepContext, step: Extract<Step, { type: 'escalate' }>): Promise<string> {
  const { roster } = sc.deps;
  const holders = roster.withRole(step.role);
  const people = holders.length ? holders : roster.withRole('admin');
  const text = `🚨 ${sc.run.id} · ${sc.playbook.title} · ${step.title}\n${sc.staffText(step.text)}`;
  for (const p of people) await sc.dmStaff(p.phone, text, 'escalate');
  await sc.postToCell(
    `🚨 ${sc.run.id} · ${step.title}: escalated to ${people.map((p) => p.name).join(', ') || 'nobody (no one holds the role)'}.`,
    'escalate',
  );
  return `escalated to ${people.length} person(s)`;
}
