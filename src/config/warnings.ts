import { SPOKEN_LANGUAGES } from '../domain/citizen-messages.ts';
import { durationMs } from '../domain/duration.ts';
import type { ConfigFile } from './schema.ts';

/** A configuration the bot runs with, but in which part of it reaches nobody. */
export interface ConfigWarning {
  code: 'no_cell_groups' | 'no_staff' | 'no_duty_officer' | 'no_admin' | 'deadline_within_digest' | 'unspoken_language';
  message: string;
}

/**
 * What a valid configuration leaves the crisis cell without. Both lists may be empty by design (a
 * demo, a first start before the groups exist, a worker-only test), so the process still starts;
 * but with no cell group every card, escalation and playbook post goes nowhere while citizens are
 * told an officer will contact them, and that must not pass unnoticed: logged at start, printed
 * under the start banner and listed by GET /readyz.
 */
export function configWarnings(file: ConfigFile): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  if (file.cellGroups.length === 0)
    warnings.push({
      code: 'no_cell_groups',
      message:
        'cellGroups is empty: incident cards, escalations and playbook posts reach no crisis-cell group, while citizens are told an officer will contact them. List the cell group(s) under cellGroups.',
    });
  if (file.staff.length === 0)
    warnings.push({
      code: 'no_staff',
      message:
        'staff is empty: nobody can acknowledge, resolve, /alert or /approve from WhatsApp, and nobody is paged when an incident waits. List the staff under staff.',
    });
  else if (!file.staff.some((s) => s.roles.includes('duty_officer')))
    warnings.push({
      code: 'no_duty_officer',
      message:
        'no member of staff has the duty_officer role: nobody is paged when an incident waits past its deadline (admins only at the second call). Give someone the duty_officer role.',
    });
  // The second call goes to the admins: with none, it can only page the duty officers again.
  if (file.staff.length > 0 && !file.staff.some((s) => s.roles.includes('admin')))
    warnings.push({
      code: 'no_admin',
      message:
        'no member of staff has the admin role: the second call about an incident nobody took pages the duty officers again, and nobody above them is woken. Give someone the admin role.',
    });
  // Under a flood a report waits up to one digest window before the cell first sees it: a deadline
  // shorter than the window pages the duty officers about an incident the group has not been shown.
  const window = durationMs(file.digest.window);
  const early = Object.entries(file.escalation.ackDeadline).filter(([, d]) => durationMs(d) < window);
  if (early.length)
    warnings.push({
      code: 'deadline_within_digest',
      message: `escalation.ackDeadline ${early.map(([s, d]) => `${s} (${d})`).join(', ')} is shorter than digest.window (${file.digest.window}): under a flood, a report waiting for the digest can be escalated before the cell group was shown it. Make the window shorter than every deadline.`,
    });
  const unspoken = file.languages.filter((l) => !SPOKEN_LANGUAGES.includes(l));
  if (unspoken.length)
    warnings.push({
      code: 'unspoken_language',
      message: `languages lists ${unspoken.join(', ')}, which the bot does not speak (it speaks ${SPOKEN_LANGUAGES.join(', ')}): citizens registered in ${unspoken.length === 1 ? 'it' : 'them'} get every answer, alert text left aside, in English, and their keywords (HELP, SAFE, STOP…) in ${unspoken.length === 1 ? 'that language' : 'those languages'} are not understood (taken as words of a report).`,
    });
  return warnings;
}
