import type { CoreDeps } from '../deps.ts';
import { incidentStore, publishIncident } from './shared.ts';

/**
 * Erases a citizen's personal data from every incident they reported (phone, their
 * words, their location), keeping the anonymous incident record and staff actions.
 * Returns the ids of the incidents scrubbed.
 */
export async function eraseCitizenIncidents(deps: CoreDeps, phone: string): Promise<string[]> {
  const store = incidentStore(deps);
  const ids = await store.idsOfReporter(phone);
  for (const id of ids) {
    await store.eraseReporter(id, phone);
    await publishIncident(deps, 'incident.updated', id);
  }
  await deps.redis.del(deps.keys.incidentsOfReporter(phone), deps.keys.openIncidentOf(phone));
  await deps.audit.append({ type: 'incident.reporter_erased', actor: 'system', data: { incidents: ids.length } });
  return ids;
}
