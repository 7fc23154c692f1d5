import type { Audience } from '../effects.ts';
import type { RunRecord } from '../run-store.ts';
import type { StepAudience } from '../schema.ts';

/**
 * Resolves a step's audience with the run's parameters (`$region` → the region id; `all` → everyone).
 * In an exercise the audience is the cell groups only: no citizen is ever messaged.
 */
export function resolveAudience(run: RunRecord, audience: StepAudience): Audience {
  if (run.exercise) return { cellGroups: true };
  const regions = (audience.regions ?? []).map((r) => (r.startsWith('$') ? String(run.params[r.slice(1)] ?? '') : r));
  const languages = audience.languages?.length ? { languages: audience.languages } : {};
  if (audience.all || regions.includes('all')) return { all: true, ...languages };
  return { regions: regions.filter(Boolean), ...languages };
}

/** How the cell group reads an audience: regions by the name staff know them by (Northern Province, not north). */
export function describeAudience(a: Audience, regionNames: readonly { id: string; name: string }[] = []): string {
  if (a.cellGroups && !a.all && !a.regions) return 'staff only (exercise)';
  const reporters = a.reporters ? ' and who reported there' : '';
  if (a.all) return `all registered citizens${reporters ? ' and who reported' : ''}`;
  const regions = a.regions?.map((id) => regionNames.find((r) => r.id === id)?.name ?? id);
  return `citizens in ${regions?.join(', ') || 'no region'}${reporters}`;
}
