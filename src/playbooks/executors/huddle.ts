import type { HuddleMember } from '../huddle.ts';
import { requestHuddle } from '../huddle.ts';
import type { Step } from '../schema.ts';
import { markIfExercise, type StepContext } from '../step-context.ts';
import { fill } from '../templates.ts';

/** `huddle`: creates a breakout WhatsApp group of the staff holding the named roles. */
export async function runHuddle(sc: StepContext, step: Extract<Step, { type: 'huddle' }>): Promise<string> {
  const { deps, run } = sc;
  const members: HuddleMember[] = [];
  for (const m of step.members) {
    for (const s of deps.roster.withRole(m.role))
      if (!members.some((x) => x.phone === s.phone)) members.push({ phone: s.phone, name: s.name, role: m.as });
  }
  // Whoever started the run, while they are still on the roster (a run outlives a roster change).
  if (run.startedByPhone && deps.roster.find(run.startedByPhone) && !members.some((m) => m.phone === run.startedByPhone)) {
    members.push({ phone: run.startedByPhone, name: run.startedBy, role: 'Started the playbook' });
  }
  const subject = `${run.exercise ? '[EXERCISE] ' : ''}${fill(step.name, sc.values)} ${run.id}`;
  const first = deps.config.cellGroups[0];
  const requestedFrom = first
    ? { kind: 'group' as const, id: first.id }
    : { kind: 'dm' as const, phone: members[0]?.phone ?? deps.config.embassy.number };
  await requestHuddle(deps, { key: sc.source, subject, members, intro: markIfExercise(run, sc.staffText(step.text)), requestedFrom });
  await sc.postToCell(
    `👥 ${run.id} · ${step.title}: breakout group "${subject}" with ${members.map((m) => `${m.name} (${m.role})`).join(', ')}.`,
    'huddle',
  );
  return `breakout group with ${members.length} member(s)`;
}
