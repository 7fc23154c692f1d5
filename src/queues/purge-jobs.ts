import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { SCRUB_LUA, scrubDigits } from '../store/incident-scripts.ts';
import { LuaScript } from '../store/lua-script.ts';

/**
 * One page of a finished-jobs set (completed or failed, scored by time), in score order from
 * ARGV[2] (inclusive): {id, score, 1 when the job's data holds one of ARGV[4..] else 0, its return value when 1, ...}.
 * KEYS: the set. ARGV: job key prefix ("<prefix>:<queue>:"), min score, page size, a phone's digits in
 * international and national form (scrubDigits; '' for none: its number is looked for however it was typed), needles...
 */
const PAGE = new LuaScript(`
-- The phone's digits as written by hand ("+33 6 12 34 56 78", "06 12 34 56 78"): ARGV[4], ARGV[5] ('' for none).
local full, national, name, gone = ARGV[4], ARGV[5], '', '\0'
${SCRUB_LUA}
-- A needle counts only as a whole number: "+3361236000" is not in "+33612360001", nor "123@lid" in "9123@lid".
local function mentions(data, needle)
  local from = 1
  while true do
    local i, j = string.find(data, needle, from, true)
    if not i then return false end
    if not string.find(string.sub(data, i - 1, i - 1), '%d') and not string.find(string.sub(data, j + 1, j + 1), '%d') then return true end
    from = i + 1
  end
end
local rows = redis.call('ZRANGE', KEYS[1], ARGV[2], '+inf', 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]), 'WITHSCORES')
local out = {}
for i = 1, #rows, 2 do
  local data = redis.call('HGET', ARGV[1] .. rows[i], 'data')
  local hit = 0
  if data then
    for n = 6, #ARGV do
      if mentions(data, ARGV[n]) then hit = 1 break end
    end
    if hit == 0 and full ~= '' and scrub(data) ~= data then hit = 1 end
  end
  out[#out + 1] = rows[i]
  out[#out + 1] = rows[i + 1]
  out[#out + 1] = hit
  out[#out + 1] = hit == 1 and (redis.call('HGET', ARGV[1] .. rows[i], 'returnvalue') or '') or ''
end
return out
`);

const PAGE_SIZE = 500;

/**
 * Removes the finished (completed and failed) jobs of `queue` whose payload mentions one of
 * `needles` (a citizen's phone, LIDs, incident ids) as a whole number, not inside a longer one:
 * a citizen's DELETE must not leave their words in jobs kept for a day (completed) or two weeks (failed). Waiting and active jobs are left alone. Pages through
 * each set by time, a page per round trip, so Redis is never held for long.
 * Returns how many jobs were removed.
 */
export async function purgeFinishedJobsMentioning(
  redis: Redis,
  queue: Queue,
  needles: string[],
  /** Collects the `messageId` each removed job returned (an outbound job: the message it sent). */
  sent?: string[],
  /** A phone (E.164) also looked for as people type it ("+33 6 12 34 56 78", "06 12 34 56 78"). */
  phone?: string,
): Promise<number> {
  const [full, national] = phone ? scrubDigits(phone) : ['', ''];
  const list = needles.filter((n) => n !== '');
  if (list.length === 0) return 0;
  let removed = 0;
  for (const set of ['completed', 'failed'] as const) {
    const key = queue.toKey(set);
    const jobPrefix = queue.toKey('');
    let min = '-inf';
    let seenAtMin = new Set<string>();
    for (;;) {
      const flat = (await PAGE.run(redis, [key], [jobPrefix, min, PAGE_SIZE + seenAtMin.size, full, national, ...list])) as (
        | string
        | number
      )[];
      const rows: { id: string; score: string; hit: boolean; returned: string }[] = [];
      for (let i = 0; i + 3 < flat.length; i += 4)
        rows.push({ id: String(flat[i]), score: String(flat[i + 1]), hit: Number(flat[i + 2]) === 1, returned: String(flat[i + 3]) });
      const fresh = rows.filter((r) => !(r.score === min && seenAtMin.has(r.id)));
      for (const r of fresh) {
        if (!r.hit || (await queue.remove(r.id).catch(() => 0)) !== 1) continue;
        removed++;
        const messageId = sentMessageId(r.returned);
        if (messageId) sent?.push(messageId);
      }
      if (fresh.length === 0 || rows.length < PAGE_SIZE + seenAtMin.size) break;
      const last = rows.at(-1)?.score as string;
      // The next page starts at the last score again (jobs finished in the same millisecond),
      // skipping the ids already read at that score.
      seenAtMin = new Set([...(last === min ? seenAtMin : []), ...rows.filter((r) => r.score === last).map((r) => r.id)]);
      min = last;
    }
  }
  return removed;
}

function sentMessageId(returned: string): string | undefined {
  try {
    const id = (JSON.parse(returned) as { messageId?: unknown } | null)?.messageId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
