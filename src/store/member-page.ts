import type { Redis } from 'ioredis';
import { LuaScript } from './lua-script.ts';

/**
 * One page of a newest-first sorted set, after the member `after` (the last one of the previous
 * page), read in one step: items added meanwhile (newer, at the top) shift nothing, and members of
 * equal score are neither skipped nor repeated.
 * KEYS: the set. ARGV: after ('' for the first page), count. Returns the members, or false when
 * `after` is not in the set.
 */
const PAGE_AFTER = new LuaScript(`
local start = 0
if ARGV[1] ~= '' then
  local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
  if not rank then return false end
  start = rank + 1
end
return redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[2]) - 1)
`);

/**
 * The next `limit` members of a newest-first sorted set after member `after`, and the cursor of
 * the page that follows (its last member; null at the end). Undefined when `after` is no member.
 */
export async function pageAfterMember(
  redis: Redis,
  key: string,
  limit: number,
  after?: string,
): Promise<{ ids: string[]; nextCursor: string | null } | undefined> {
  const rows = (await PAGE_AFTER.run(redis, [key], [after ?? '', limit + 1])) as string[] | null;
  if (!rows) return undefined;
  const ids = rows.slice(0, limit);
  return { ids, nextCursor: rows.length > limit ? (ids.at(-1) ?? null) : null };
}
