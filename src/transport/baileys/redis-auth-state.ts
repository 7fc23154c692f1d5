import {
  type AuthenticationCreds,
  type AuthenticationState,
  BufferJSON,
  type CacheStore,
  initAuthCreds,
  makeCacheableSignalKeyStore,
  proto,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from '@whiskeysockets/baileys';
import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.ts';
import type { RedisKeys } from '../../store/keys.ts';

/** A WhatsApp session kept in Redis: what Baileys needs, plus saving and clearing. */
export interface RedisAuthState {
  state: AuthenticationState;
  /** Writes the creds (call on every `creds.update`). */
  saveCreds(): Promise<void>;
  /** Deletes the whole session (after a logout): the next socket asks for a new QR. */
  clear(): Promise<void>;
  /** Empties the in-memory cache of one key type (after a DELETE erased entries of it in Redis). */
  forgetCached(type: string): void;
}

/** How long a key read or written stays cached in memory: Baileys' own default (DEFAULT_CACHE_TTLS.SIGNAL_STORE). */
const KEY_CACHE_TTL_MS = 5 * 60_000;

/**
 * The in-memory cache over the session's key store, as Baileys' default one (5 minutes per entry,
 * values kept as they are), that can also be emptied of one key type: Baileys' own cannot be reached.
 */
export class SignalKeyCache implements CacheStore {
  private readonly entries = new Map<string, { value: unknown; until: number }>();
  private writes = 0;

  constructor(
    private readonly ttlMs = KEY_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > this.now()) return e.value as T;
    this.entries.delete(key);
    return undefined;
  }

  set<T>(key: string, value: T): void {
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    if (++this.writes % 1000 === 0) this.expire();
  }

  del(key: string): void {
    this.entries.delete(key);
  }

  flushAll(): void {
    this.entries.clear();
  }

  /** Forgets every cached key of one type (Baileys names them `${type}.${id}`). */
  forgetType(type: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${type}.`)) this.entries.delete(key);
  }

  private expire(): void {
    const now = this.now();
    for (const [key, e] of this.entries) if (e.until <= now) this.entries.delete(key);
  }
}

const encode = (value: unknown) => JSON.stringify(value, BufferJSON.replacer);
const decode = <T>(text: string): T => JSON.parse(text, BufferJSON.reviver) as T;

/** The raw Signal key store: one Redis hash per key type; only the changed ids are written, null deletes. */
export function redisSignalKeyStore(redis: Redis, keys: RedisKeys): SignalKeyStore {
  return {
    async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      if (ids.length === 0) return out;
      const rows = await redis.hmget(keys.waKeys(type), ...ids);
      ids.forEach((id, i) => {
        const raw = rows[i];
        if (!raw) return;
        let value = decode<SignalDataTypeMap[T]>(raw);
        if (type === 'app-state-sync-key') {
          value = proto.Message.AppStateSyncKeyData.fromObject(value as object) as unknown as SignalDataTypeMap[T];
        }
        out[id] = value;
      });
      return out;
    },
    async set(data: SignalDataSet) {
      const multi = redis.multi();
      let writes = 0;
      for (const [type, entries] of Object.entries(data)) {
        if (!entries) continue;
        const upserts: string[] = [];
        const deletes: string[] = [];
        for (const [id, value] of Object.entries(entries)) {
          if (value === null || value === undefined) deletes.push(id);
          else upserts.push(id, encode(value));
        }
        if (upserts.length) multi.hset(keys.waKeys(type), ...upserts).sadd(keys.waKeyTypes, type);
        if (deletes.length) multi.hdel(keys.waKeys(type), ...deletes);
        writes += upserts.length + deletes.length;
      }
      if (writes > 0) await multi.exec();
    },
    async clear() {
      await clearSession(redis, keys, false);
    },
  };
}

async function clearSession(redis: Redis, keys: RedisKeys, withCreds: boolean): Promise<void> {
  const types = await redis.smembers(keys.waKeyTypes);
  const doomed = [...types.map((t) => keys.waKeys(t)), keys.waKeyTypes, ...(withCreds ? [keys.waCreds] : [])];
  await redis.unlink(...doomed);
}

/**
 * Loads (or creates) the WhatsApp session from Redis. Creds and keys are stored with
 * Baileys' BufferJSON, so Buffers survive; the key store is wrapped in Baileys' cache (over a
 * SignalKeyCache).
 */
export async function useRedisAuthState(redis: Redis, keys: RedisKeys, log?: Logger): Promise<RedisAuthState> {
  const raw = await redis.get(keys.waCreds);
  const creds: AuthenticationCreds = raw ? decode<AuthenticationCreds>(raw) : initAuthCreds();
  const store = redisSignalKeyStore(redis, keys);
  const cache = new SignalKeyCache();
  return {
    state: { creds, keys: makeCacheableSignalKeyStore(store, log as never, cache) },
    async saveCreds() {
      await redis.set(keys.waCreds, encode(creds));
    },
    async clear() {
      await clearSession(redis, keys, true);
    },
    forgetCached(type) {
      cache.forgetType(type);
    },
  };
}
