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

  /** Stores a token chosen by the operator (the ADMIN_TOKEN bootstrap). */
  async adopt(token: string, principal: Principal): Promise<void> {
    await this.redis.hset(this.keys.tokens, hashOf(token), JSON.stringify(principal));
  }

  /**
   * Replaces the generated bootstrap admin token (simulator mode without ADMIN_TOKEN):
   * the previous generated one stops working.
   */
  async rotateBootstrap(): Promise<string> {
    const previous = await this.redis.get(`${this.keys.tokens}:bootstrap`);
    const token = await this.create({ name: 'bootstrap-admin', role: 'admin' });
    const multi = this.redis.multi().set(`${this.keys.tokens}:bootstrap`, hashOf(token));
    if (previous) multi.hdel(this.keys.tokens, previous);
    await multi.exec();
    return token;
  }

  async verify(token: string): Promise<Principal | undefined> {
    const raw = await this.redis.hget(this.keys.tokens, hashOf(token));
    return raw ? (JSON.parse(raw) as Principal) : undefined;
  }
}
