import { ACTIVE_STATUSES, SEVERITIES } from '../../domain/incident.ts';
import type { CoreDeps } from '../deps.ts';
import { ageText, incidentLine, incidentStore, regionName } from './shared.ts';

/** Extra sitrep sections from other features (alerts in progress, welfare tallies, runs). */
export type SitrepSection = (deps: CoreDeps) => Promise<string[]>;

/**
 * The situation report: incidents needing attention by severity, the oldest
 * unacknowledged, escalations, per-region load, and other features' sections.
 */
export async function buildSitrep(deps: CoreDeps, sections: SitrepSection[] = []): Promise<string> {
  const store = incidentStore(deps);
  const counts = await store.counts(['open', 'acknowledged', 'in_progress', 'resolved', 'closed'], SEVERITIES);
  const active = (s: string) => ACTIVE_STATUSES.reduce((n, st) => n + (counts[st]?.[s] ?? 0), 0);
  const total = SEVERITIES.reduce((n, s) => n + active(s), 0);
  const open = SEVERITIES.reduce((n, s) => n + (counts.open?.[s] ?? 0), 0);
  // Resolved, then closed after review, is still resolved: the figure does not fall as the night goes on.
  const resolved = SEVERITIES.reduce((n, s) => n + (counts.resolved?.[s] ?? 0) + (counts.closed?.[s] ?? 0), 0);
  // Every unacknowledged incident counts, however many (an earthquake brings thousands): the
  // newest page alone would hide the oldest critical report and undercount the regions.
  const unacked = await store.regionsOf('open');
  // Most severe first, then longest waiting: what the duty officer must take next.
  const { items: oldest } = await store.mostUrgent(['open'], SEVERITIES, 5);
  const escalated = unacked.filter((i) => i.escalationLevel > 0).length;
  // By the names staff know the regions by ("Capital District 229"), not the config's ids.
  const byRegion = new Map<string, number>();
  for (const i of unacked) byRegion.set(regionName(deps, i.region), (byRegion.get(regionName(deps, i.region)) ?? 0) + 1);
  const lines = [
    `📊 SITREP ${new Date(deps.now()).toISOString().slice(0, 16).replace('T', ' ')} UTC — ${deps.config.embassy.name}`,
    `Active incidents: ${total} (🔴 ${active('critical')} critical · 🟠 ${active('high')} high · 🟡 ${active('medium')} medium · 🟢 ${active('low')} low)`,
    `Unacknowledged: ${open}${escalated ? ` (${escalated} escalated)` : ''} · resolved so far: ${resolved}`,
  ];
  if (byRegion.size > 0) {
    const regions = [...byRegion].sort(([, a], [, b]) => b - a);
    lines.push(`Unacknowledged by region: ${regions.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  }
  if (oldest.length > 0) {
    lines.push('Waiting (most severe, then longest):');
    for (const i of oldest) lines.push(`  ${incidentLine(deps, i)}`);
    const [first] = await store.getManyWithoutTimeline(unacked.slice(0, 1).map((i) => i.id));
    if (first) lines.push(`Oldest waits ${ageText(deps, first.createdAt)}.`);
  }
  for (const section of sections) lines.push(...(await section(deps)));
  // Published in the cell groups, out of reach of anyone who can write to Redis: a trail rewritten
  // later no longer holds this entry (GET /api/audit/verify?seal=…).
  const { seal, entries } = await deps.audit.seal();
  lines.push(
    `🔏 Audit seal ${seal} (${entries} entries). Keep this message: /api/audit/verify?seal=${seal} proves the trail was not rewritten since.`,
  );
  return lines.join('\n');
}
