import type { CoreDeps } from '../app/deps.ts';
import { PRIORITY } from '../queues/queues.ts';
import { type BroadcastRecord, broadcastKeys, loadRecord } from './broadcast-store.ts';
import { recipientJob } from './fanout.ts';

/** A citizen who has not answered a welfare check: to be called by phone. */
export interface NonResponder {
  phone: string;
  name: string;
  region: string;
  household: number;
}

const CHUNK = 1_000;
/** Names listed in the cell-group message; the full list is on the API. */
const LISTED_IN_GROUP = 40;

/** Calls `each` with every chunk of recipients (citizens only) of a welfare check who have not answered. */
async function eachSilentChunk(
  deps: CoreDeps,
  r: BroadcastRecord,
  each: (phones: string[], language: string) => Promise<void>,
): Promise<void> {
  const keys = broadcastKeys(deps, 'welfare');
  for (const language of deps.config.languages) {
    let cursor = '0';
    do {
      const [next, members] = await deps.redis.sscan(keys.recipients(r.id, language), cursor, 'COUNT', CHUNK);
      cursor = next;
      const phones = members.filter((m) => !m.endsWith('@g.us'));
      if (!phones.length) continue;
      const answers = await deps.redis.hmget(deps.keys.welfareAnswers(r.id), ...phones);
      const silent = phones.filter((_, i) => answers[i] === null);
      if (silent.length) await each(silent, language);
    } while (cursor !== '0');
  }
}

function running(r: BroadcastRecord | undefined): r is BroadcastRecord {
  return r !== undefined && (r.status === 'sending' || r.status === 'open');
}

/** Reminds everyone who has not answered yet (once per check: the idempotency key is per recipient). */
export async function sendWelfareReminders(deps: CoreDeps, id: string): Promise<number> {
  const r = await loadRecord(deps, id);
  if (!running(r)) return 0;
  let n = 0;
  await eachSilentChunk(deps, r, async (phones, language) => {
    await deps.outbox.sendMany(
      phones.map((p) => recipientJob(r, p, language, true)),
      PRIORITY.bulk,
    );
    n += phones.length;
  });
  await deps.audit.append({ type: 'welfare.reminded', actor: 'system', subject: id, data: { count: n } });
  deps.log.info({ id, count: n }, 'welfare reminders queued');
  return n;
}

/** Everyone who has not answered, with what the cell needs to call them. */
export async function listNonResponders(deps: CoreDeps, id: string, limit = Number.POSITIVE_INFINITY): Promise<NonResponder[]> {
  const r = await loadRecord(deps, id);
  if (!r) return [];
  const out: NonResponder[] = [];
  await eachSilentChunk(deps, r, async (phones) => {
    if (out.length >= limit) return;
    const profiles = await Promise.all(phones.map((p) => deps.redis.hmget(deps.keys.citizen(p), 'name', 'region', 'household')));
    phones.forEach((phone, i) => {
      const [name, region, household] = profiles[i] ?? [];
      if (out.length < limit) out.push({ phone, name: name ?? '', region: region ?? 'unknown', household: Number(household ?? 1) });
    });
  });
  return out;
}

/** After the second deadline: lists non-responders for phone follow-up and posts them to the cell groups. */
export async function postWelfareFollowUp(deps: CoreDeps, id: string): Promise<number> {
  const r = await loadRecord(deps, id);
  if (!running(r)) return 0;
  const all = await listNonResponders(deps, id);
  await deps.redis.hset(broadcastKeys(deps, 'welfare').record(id), 'followUpAt', String(deps.now()), 'followUpCount', String(all.length));
  const regionName = (rid: string) => deps.config.regions.find((x) => x.id === rid)?.name ?? rid;
  const lines = all
    .slice(0, LISTED_IN_GROUP)
    .map((c) => `• ${c.name || '(no name)'} ${c.phone} — ${regionName(c.region)}, ${c.household} person(s)`);
  const more = all.length > LISTED_IN_GROUP ? [`… and ${all.length - LISTED_IN_GROUP} more: GET /api/welfare-checks/${id}/follow-up`] : [];
  // Closed (or cancelled) while the list was read: the final tally replaces it.
  if (!running(await loadRecord(deps, id))) return 0;
  const prefix = r.exercise ? 'EXERCISE — ' : '';
  const text = all.length
    ? [`${prefix}Welfare check ${id}: ${all.length} citizen(s) have not answered. Please call them:`, ...lines, ...more].join('\n')
    : `${prefix}Welfare check ${id}: every citizen asked has answered.`;
  for (const g of deps.config.cellGroups) {
    await deps.outbox.send(
      { to: { kind: 'group', id: g.id }, text, kind: 'welfare-follow-up', idempotencyKey: `welfare-follow-up:${id}:${g.id}` },
      PRIORITY.staff,
    );
  }
  await deps.audit.append({ type: 'welfare.follow_up', actor: 'system', subject: id, data: { count: all.length } });
  return all.length;
}
