import { durationMs } from '../../domain/duration.ts';
import { LuaScript } from '../../store/lua-script.ts';
import type { Incident } from '../../domain/incident.ts';
import type { CoreDeps } from '../deps.ts';
import { excerpt, incidentLine, incidentStore, postToCellGroups, regionName, SEVERITY_ICON } from './shared.ts';

/** The card staff see in the cell group for a new incident. */
export function incidentCard(deps: CoreDeps, i: Incident, headline = '🆕 New incident'): string {
  const where = i.location
    ? `\n📍 ${i.location.lat.toFixed(5)}, ${i.location.lng.toFixed(5)}${i.location.name ? ` (${i.location.name})` : ''}`
    : '';
  return [
    `${headline} ${i.id}`,
    `${SEVERITY_ICON[i.severity]} ${i.severity.toUpperCase()} · ${i.category.replace('_', ' ')} · ${regionName(deps, i.region)}`,
    `“${excerpt(i.summary, 300)}”${where}`,
    `Reporter: ${i.reporter ?? 'unknown'} · language ${i.language}`,
    `Reply 👍 to this card or send /ack ${i.id} to take it.`,
  ].join('\n');
}

/**
 * Takes a card slot in the sliding window if one is free; otherwise queues the incident
 * for the digest. KEYS: cards zset, pending zset, digest-scheduled marker.
 * ARGV: now, windowMs, max, incidentId, seq. Returns 1 (card), 2 (digest: schedule it) or 0 (digest already scheduled).
 */
const CARD_SLOT = new LuaScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
  if redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then return 2 end
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * Posts a new incident's card to the cell groups, unless cards come faster than staff
 * can read: past `digest.maxCardsPerWindow` cards within the last `digest.window`,
 * non-critical incidents wait for one digest at the end of the window. Critical incidents always get a card.
 */
export async function announceIncident(deps: CoreDeps, incident: Incident): Promise<void> {
  const windowMs = durationMs(deps.config.digest.window);
  const now = deps.now();
  if (incident.severity !== 'critical') {
    const bucket = Math.floor(now / windowMs);
    const slot = await CARD_SLOT.run(
      deps.redis,
      [deps.keys.digestCards, deps.keys.digestPending, deps.keys.digestScheduled(bucket)],
      [String(now), String(windowMs), String(deps.config.digest.maxCardsPerWindow), incident.id, String(incident.seq)],
    );
    if (slot === 2) await deps.timers.schedule('incident.digest', { bucket }, (bucket + 1) * windowMs - now, `digest-${bucket}`);
    if (slot !== 1) return;
  }
  await postToCellGroups(deps, incidentCard(deps, incident), `card:${incident.id}`, 'card', `incident:${incident.id}`);
}

/** Timer: posts one digest of the incidents that arrived too fast for cards. */
export async function postDigest(deps: CoreDeps, data: Record<string, unknown>): Promise<void> {
  const [[, ids]] = (await deps.redis.multi().zrange(deps.keys.digestPending, '0', '-1').del(deps.keys.digestPending).exec()) as [
    [null, string[]],
  ];
  if (ids.length === 0) return;
  const incidents = await incidentStore(deps).getMany(ids);
  const shown = incidents.slice(0, 40);
  const more = incidents.length - shown.length;
  const text = [
    `📋 Digest: ${incidents.length} new incidents arrived faster than single cards (window ${deps.config.digest.window}).`,
    ...shown.map((i) => `${incidentLine(deps, i)}\n   “${excerpt(i.summary, 80)}”`),
    ...(more > 0 ? [`…and ${more} more: send /incidents`] : []),
    'Send /incident ID for details, /ack ID to take one.',
  ].join('\n');
  await postToCellGroups(deps, text, `digest:${String(data.bucket)}:${ids[0]}`, 'digest');
}
