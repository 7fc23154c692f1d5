import { isActive } from '../../domain/incident.ts';
import type { CoreDeps } from '../deps.ts';
import { cancelEscalation } from './escalation.ts';
import { incidentStore, postToCellGroups, publishIncident } from './shared.ts';

/**
 * Erases a citizen's personal data from every incident they reported (phone, their
 * words, their location), keeping the anonymous incident record and staff actions; staff's
 * words lose their number and their `name`. `phone` may be a LID that hid `number`.
 * Returns the ids of the incidents scrubbed.
 */
export async function eraseCitizenIncidents(deps: CoreDeps, phone: string, name?: string, number = phone): Promise<string[]> {
  const store = incidentStore(deps);
  const ids = await store.idsOfReporter(phone);
  for (const id of ids) {
    // The staff's names stay where a part of theirs is a part of the citizen's ("taken on by Chloe Officer").
    await store.eraseReporter(
      id,
      phone,
      name,
      number,
      deps.config.staff.map((s) => s.name),
    );
    await publishIncident(deps, 'incident.updated', id);
    const i = await store.get(id);
    if (!i || !isActive(i.status)) continue;
    // Nobody to write to or call, no words, no pin: paging the duty officers about it helps no one,
    // and the cell must know why its report went blank.
    await cancelEscalation(deps, id);
    await postToCellGroups(
      deps,
      `🗑️ ${id} (${i.severity}, ${i.category.replace('_', ' ')}): the reporter sent DELETE. Their number, words and location are erased; nobody can be written to or called about it, and it is no longer escalated. Resolve or close it when the cell is done with it.`,
      `erased:${id}`,
      'update',
      `incident:${id}`,
    );
  }
  await deps.redis.del(deps.keys.incidentsOfReporter(phone), deps.keys.openIncidentOf(phone));
  await deps.audit.append({ type: 'incident.reporter_erased', actor: 'system', data: { incidents: ids.length } });
  return ids;
}
