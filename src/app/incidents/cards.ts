import { durationMs } from '../../domain/duration.ts';
import { type Incident, SEVERITY_RANK, type Severity } from '../../domain/incident.ts';
import { LuaScript } from '../../store/lua-script.ts';
import type { CoreDeps } from '../deps.ts';
import {
  excerpt,
  graverWords,
  incidentLine,
  incidentStore,
  postToCellGroups,
  regionName,
  reporterLabel,
  SEVERITY_ICON,
  staffName,
} from './shared.ts';

/** The card staff see in the cell group for a new incident. */
export function incidentCard(deps: CoreDeps, i: Incident, headline = '🆕 New incident'): string {
  const where = i.location
    ? `\n📍 ${i.location.lat.toFixed(5)}, ${i.location.lng.toFixed(5)}${i.location.name ? ` (${i.location.name})` : ''}`
    : '';
  return [
    `${i.links.exercise === 'true' ? '🧪 EXERCISE — ' : ''}${headline} ${i.id}`,
    `${SEVERITY_ICON[i.severity]} ${i.severity.toUpperCase()} · ${i.category.replace('_', ' ')} · ${regionName(deps, i.region)}${i.links.regionFrom === 'registration' ? ' (where registered)' : ''}`,
    `“${excerpt(i.summary, 300)}”${where}`,
    ...(i.links.forwarded === 'rumour'
      ? ['↪️ Forwarded rumour: claims to be official but is no genuine alert; the reporter was warned not to act on it or share it.']
      : i.links.forwarded
        ? ['↪️ Forwarded by the reporter: someone else’s message.']
        : []),
    // Given to someone before anyone took it (an /assign): the page says whom to call first.
    ...(i.assignee && i.status === 'open' ? [`📌 Given to ${staffName(deps, i.assignee)}, who has not acknowledged it yet.`] : []),
    `Reporter: ${reporterLabel(deps, i.reporter, 'unknown')} · language ${i.language}${i.links.earlier ? ` · earlier report ${i.links.earlier}` : ''}${i.links.inReplyTo ? ` · replying to ${i.links.inReplyTo}` : ''}`,
    `Reply 👍 to this card or send /ack ${i.id} to take it.`,
  ].join('\n');
}

/** Cards (and escalation notices) a window may hold before critical incidents go to the digest too. */
export function criticalCap(deps: CoreDeps): number {
  return deps.config.digest.maxCriticalCardsPerWindow ?? deps.config.digest.maxCardsPerWindow * 4;
}

/**
 * The card window a new incident must find room in: past `digest.maxCardsPerWindow` cards
 * within the last `digest.window`, incidents wait for one digest at the end of the window.
 * A critical incident still gets its own card while the window holds fewer than
 * `maxCriticalCardsPerWindow`; past that (an earthquake: most reports are critical), it goes to
 * the digest too, where critical incidents are listed first.
 */
export function cardWindow(deps: CoreDeps, severity: Severity) {
  const window = durationMs(deps.config.digest.window);
  const now = deps.now();
  const bucket = Math.floor(now / window);
  const cards = {
    key: deps.keys.digestCards,
    pending: deps.keys.digestPending,
    marker: deps.keys.digestScheduled(bucket),
    now,
    window,
    max: severity === 'critical' ? criticalCap(deps) : deps.config.digest.maxCardsPerWindow,
    rank: SEVERITY_RANK[severity],
  };
  return { bucket, cards };
}

/**
 * A report still waiting for the digest whose severity changed (the reporter wrote "he is not
 * breathing", an officer raised it): listed, and counted, at its new rank. Nothing if it is not waiting.
 */
export async function rerankInDigest(deps: CoreDeps, incident: Pick<Incident, 'id' | 'seq' | 'severity'>): Promise<void> {
  await deps.redis.zadd(deps.keys.digestPending, 'XX', SEVERITY_RANK[incident.severity] * 1e12 + incident.seq, incident.id);
}

/**
 * Where a follow-up's incident stands in the card window: -1 it is not waiting for a digest (it had its
 * card, or its digest is being posted); 0 it waits; 1 it waited and now takes a card (the follow-up
 * raised it to critical and the window has room for critical cards). Decided once per follow-up: a
 * retried job gets the first answer (KEYS[3]), so it neither posts the card and then an update line,
 * nor loses a card whose post failed.
 * KEYS: cards, pending, this follow-up's decision. ARGV: id, now, window, max (0: never takes a card).
 */
const FOLLOW_UP_SLOT = new LuaScript(`
local decided = redis.call('GET', KEYS[3])
if decided then return tonumber(decided) end
local slot = 1
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  slot = -1
else
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
    slot = 0
  else
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
  end
end
redis.call('SET', KEYS[3], slot, 'EX', 3600)
return slot
`);

/**
 * A reporter's follow-up to an incident that may still be waiting for the digest: `waiting` (its words
 * stay on its timeline and the digest lists it: posted one by one, a flood of "hello??" drowned the group,
 * each about an incident the cell had not seen yet), `card` (raised to critical, it takes a card now if the
 * window has room for one, as a new critical report would), or `shown` (it had its card: say it).
 */
export async function followUpSlot(
  deps: CoreDeps,
  incident: Pick<Incident, 'id' | 'severity'>,
  /** The follow-up made it critical (one already critical, waiting for lack of room, gets no "raised" card). */
  raisedToCritical: boolean,
  /** The follow-up message (its decision is kept an hour, for a retried job). */
  source: string,
): Promise<'shown' | 'waiting' | 'card'> {
  const { cards } = cardWindow(deps, incident.severity);
  const max = raisedToCritical ? cards.max : 0;
  const slot = (await FOLLOW_UP_SLOT.run(
    deps.redis,
    [cards.key, cards.pending, deps.keys.followUpSlot(source)],
    [incident.id, cards.now, cards.window, max],
  )) as number;
  return slot === 1 ? 'card' : slot === 0 ? 'waiting' : 'shown';
}

/** Posts a new incident's card to the cell groups. */
export async function postCard(deps: CoreDeps, incident: Incident): Promise<void> {
  await postToCellGroups(deps, incidentCard(deps, incident), `card:${incident.id}`, 'card', `incident:${incident.id}`);
}

/** Schedules the digest of the window `bucket` at its end. */
export async function scheduleDigest(deps: CoreDeps, bucket: number): Promise<void> {
  const window = durationMs(deps.config.digest.window);
  await deps.timers.schedule('incident.digest', { bucket }, (bucket + 1) * window - deps.now(), `digest-${bucket}`);
}

/** A digest's line for an incident the reporter's later words made graver: those words, under its first ones. */
function then(i: Incident): string {
  const words = graverWords(i);
  return words ? `\n   🔺 then: “${excerpt(words, 80)}”` : '';
}

/** The ref of a post listing several incidents (a digest): a 👍 on it takes none of them. */
export const DIGEST_REF = 'digest';

/** Incidents a digest lists one by one; the rest are counted. */
const DIGEST_SHOWN = 40;

/**
 * Moves the waiting incidents into a digest's own set, unless an earlier attempt of that digest
 * already did: a retry posts what the first attempt took (under the same key, so once), and reports
 * that arrived since wait for the next digest instead of making this one a second, different post.
 * KEYS: posting set, pending set. ARGV: ttl seconds, shown. Returns {total, critical, first ids}.
 */
const TAKE_FOR_DIGEST = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('RENAME', KEYS[2], KEYS[1])
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCOUNT', KEYS[1], '-inf', '(1e12'), redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)}
`);

/**
 * Timer: posts one digest of the incidents that arrived too fast for cards. Only the listed
 * incidents are read: a flood of thousands is counted, not loaded (which stalled the process).
 * The waiting incidents move to the digest's own set, which is deleted only once the digest is
 * queued: an attempt that fails (Redis or the outbox down) is retried with every one of them.
 */
export async function postDigest(deps: CoreDeps, data: Record<string, unknown>): Promise<void> {
  const posting = deps.keys.digestPosting(Number(data.bucket));
  // Pending incidents are scored by severity, then arrival: critical ones (scores below 1e12) first.
  const [total, critical, ids] = (await TAKE_FOR_DIGEST.run(
    deps.redis,
    [posting, deps.keys.digestPending],
    [7 * 24 * 3600, DIGEST_SHOWN],
  )) as [number, number, string[]];
  if (total === 0) return;
  const shown = await incidentStore(deps).getMany(ids);
  const more = total - shown.length;
  const text = [
    `📋 Digest: ${total} new ${total === 1 ? 'incident' : 'incidents'} arrived faster than single cards (window ${deps.config.digest.window})${critical ? `, ${critical} of them CRITICAL (listed first)` : ''}.`,
    ...shown.map((i) => `${incidentLine(deps, i)}\n   “${excerpt(i.summary, 80)}”${then(i)}`),
    ...(more > 0 ? [`…and ${more} more: send /incidents`] : []),
    'Send /incident ID for details, /ack ID to take one.',
  ].join('\n');
  await postToCellGroups(deps, text, `digest:${String(data.bucket)}:${ids[0]}`, 'digest', DIGEST_REF);
  // A report that arrived as this digest was taken found its window's digest already scheduled:
  // it would wait for one nobody schedules. The next window's digest is scheduled for it.
  await deps.redis.del(posting);
  if (await deps.redis.exists(deps.keys.digestPending))
    await scheduleDigest(deps, Math.floor(deps.now() / durationMs(deps.config.digest.window)));
}
