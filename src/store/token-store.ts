import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Role } from '../domain/roster.ts';
import type { RedisKeys } from './keys.ts';

/** Who an API token speaks for. `name` is the acting person in the audit log. */
export interface Principal {
  name: string;
  role: Role;
  phone?: string;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** API tokens, stored only as SHA-256 hashes. */
export class TokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Mints a token; the clear value is returned once and never stored. */
  async create(principal: Principal): Promise<string> {
    const token = `cc_${randomBytes(24).toString('base64url')}`;
    await this.redis.hset(this.keys.tokens, hashOf(token), JSON.stringify(principal));
    return token;
  }

  /**
   * Makes the operator's ADMIN_TOKEN the bootstrap admin token. It takes the one
   * bootstrap slot: a previous ADMIN_TOKEN (or generated token) stops working.
   */
  async adopt(token: string, principal: Principal): Promise<void> {
    await this.takeBootstrapSlot(hashOf(token), principal);
  }

  /**
   * Replaces the generated bootstrap admin token (simulator mode without ADMIN_TOKEN):
   * the previous bootstrap token stops working.
   */
  async rotateBootstrap(): Promise<string> {
    const token = `cc_${randomBytes(24).toString('base64url')}`;
    await this.takeBootstrapSlot(hashOf(token), { name: 'bootstrap-admin', role: 'admin' });
    return token;
  }

  private async takeBootstrapSlot(hash: string, principal: Principal): Promise<void> {
    const slot = `${this.keys.tokens}:bootstrap`;
    const previous = await this.redis.get(slot);
    const multi = this.redis.multi();
    if (previous && previous !== hash) multi.hdel(this.keys.tokens, previous);
    await multi.hset(this.keys.tokens, hash, JSON.stringify(principal)).set(slot, hash).exec();
  }

  /** Who holds tokens (never the tokens themselves), with how many each. */
  async list(): Promise<(Principal & { tokens: number })[]> {
    const byName = new Map<string, Principal & { tokens: number }>();
    for (const raw of Object.values(await this.redis.hgetall(this.keys.tokens))) {
      const p = JSON.parse(raw) as Principal;
      const seen = byName.get(p.name);
      byName.set(p.name, seen ? { ...seen, tokens: seen.tokens + 1 } : { ...p, tokens: 1 });
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Revokes every token of a person (e.g. taken off the roster); returns how many. */
  async revoke(name: string): Promise<number> {
    const all = await this.redis.hgetall(this.keys.tokens);
    const hashes = Object.entries(all).flatMap(([hash, raw]) => ((JSON.parse(raw) as Principal).name === name ? [hash] : []));
    if (hashes.length) await this.redis.hdel(this.keys.tokens, ...hashes);
    return hashes.length;
  }

  async verify(token: string): Promise<Principal | undefined> {
    const raw = await this.redis.hget(this.keys.tokens, hashOf(token));
    return raw ? (JSON.parse(raw) as Principal) : undefined;
  }
}
