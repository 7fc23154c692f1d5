import { durationMs } from '../../domain/duration.ts';
import { metrics } from '../../observability/metrics.ts';
import type { CoreDeps } from '../deps.ts';
import { incidentCard } from './cards.ts';
import { incidentStore, messageStaff, postToCellGroups, publishIncident } from './shared.ts';

/** Cancels the pending escalations of an incident (it was acknowledged). */
export async function cancelEscalation(deps: CoreDeps, id: string): Promise<void> {
  await Promise.all([deps.timers.cancel(`esc-${id}-1`), deps.timers.cancel(`esc-${id}-2`)]);
}

/**
 * Timer: an incident is still unacknowledged at its deadline. Level 1 re-posts the card
 * and pages the duty officers 1:1; level 2 (after escalation.secondDeadline) pages the admins.
 */
export async function escalate(deps: CoreDeps, data: Record<string, unknown>): Promise<void> {
  const id = String(data.id);
  const level = Number(data.level);
  const store = incidentStore(deps);
  const incident = await store.get(id);
  if (incident?.status !== 'open' || incident.escalationLevel >= level) return;
  const at = new Date(deps.now()).toISOString();
  const minutes = Math.round((deps.now() - Date.parse(incident.createdAt)) / 60_000);
  const who = level === 1 ? 'duty officers' : 'admins';
  const updated = await store.update(incident, incident, { escalationLevel: level, updatedAt: at }, [
    {
      at,
      actor: 'system',
      channel: 'system',
      type: 'escalated',
      text: `not acknowledged after ${minutes} min: ${who} paged`,
      data: { level },
    },
  ]);
  if (!updated) return escalate(deps, data);
  metrics.escalations.inc({ severity: incident.severity, level: String(level) });
  await deps.audit.append({ type: 'incident.escalated', actor: 'system', subject: id, data: { level, minutes } });
  const headline = `⏰ UNACKNOWLEDGED ${minutes} min —`;
  const card = incidentCard(deps, { ...incident, escalationLevel: level }, headline);
  const recipients = deps.roster.withRole(level === 1 ? 'duty_officer' : 'admin').map((s) => s.phone);
  if (level === 1) await postToCellGroups(deps, card, `esc:${id}:${level}`, 'escalation', `incident:${id}`);
  await messageStaff(deps, recipients, card, `esc:${id}:${level}`, 'escalation', `incident:${id}`);
  if (level === 1)
    await deps.timers.schedule('incident.escalate', { id, level: 2 }, durationMs(deps.config.escalation.secondDeadline), `esc-${id}-2`);
  await publishIncident(deps, 'incident.updated', id);
}
