import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../store/keys.ts';

/**
 * Baileys' own LID mapping, kept in the session's Signal key store (Baileys 7.0.0-rc14,
 * Signal/lid-mapping.js: storeLIDPNMappings): one hash `keys.waKeys('lid-mapping')` holding, per
 * pair, `pnUser` → "lidUser" and `${lidUser}_reverse` → "pnUser" (user parts, no device, values
 * JSON strings as redis-auth-state writes them). This file imports no Baileys: the erasure of a
 * citizen (a worker process) uses it.
 */
export const LID_MAPPING = 'lid-mapping';

const REVERSE = '_reverse';

/** The user part of an E.164 phone ("+33612345678" → "33612345678"), or undefined. */
const pnUserOf = (phone: string) => (/^\+\d{6,15}$/.test(phone) ? phone.slice(1) : undefined);
/** The user part of a LID ("123456789012345@lid", "123…:7@lid" → "123456789012345"), or undefined. */
const lidUserOf = (lid: string) => /^(\d+)(?::\d+)?@(?:hosted\.)?lid$/.exec(lid)?.[1];

const decode = (raw: string | null | undefined): string | undefined => {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as unknown;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Erases the pairs that tie `who` (a citizen's E.164 phone, or the LID that stands for them while
 * WhatsApp hides their number) and `lids` (the LIDs known to hide it) from Baileys' mapping in the
 * session: the phone's own entry, and every LID's entry that points at that phone (a scan: a DELETE
 * is rare). A pair of a `kept` phone (staff, the embassy number) is never touched. Then tells the
 * gateway, whatever process it runs in, to empty its in-memory copies (a message on a pub/sub
 * channel that names nobody). Returns how many entries went.
 */
export async function forgetSessionLids(
  redis: Redis,
  keys: RedisKeys,
  who: string,
  lids: string[],
  kept: ReadonlySet<string>,
): Promise<number> {
  const hash = keys.waKeys(LID_MAPPING);
  const keptUsers = new Set([...kept].flatMap((p) => pnUserOf(p) ?? []));
  const lidUsers = new Set([who, ...lids].flatMap((l) => lidUserOf(l) ?? []));
  const pnUsers = new Set<string>();
  const direct = pnUserOf(who);
  if (direct) pnUsers.add(direct);
  // A LID-only citizen: the session may know the phone behind it.
  const behind = await Promise.all([...lidUsers].map(async (l) => decode(await redis.hget(hash, `${l}${REVERSE}`))));
  for (const pn of behind) if (pn) pnUsers.add(pn);
  for (const pn of keptUsers) pnUsers.delete(pn);
  if (pnUsers.size === 0) {
    await redis.publish(keys.waLidsForgotten, '');
    return 0;
  }
  const doomed = new Set<string>();
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(hash, cursor, 'COUNT', 1000);
    for (let i = 0; i < flat.length; i += 2) {
      const field = flat[i] as string;
      const value = decode(flat[i + 1]);
      if (!value) continue;
      // pnUser → lidUser (the citizen's phone), `${lidUser}_reverse` → pnUser (a LID hiding it).
      if (field.endsWith(REVERSE) ? pnUsers.has(value) : pnUsers.has(field)) doomed.add(field);
    }
    cursor = next;
  } while (cursor !== '0');
  const removed = doomed.size > 0 ? await redis.hdel(hash, ...doomed) : 0;
  await redis.publish(keys.waLidsForgotten, '');
  return removed;
}
