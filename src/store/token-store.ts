import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { hasRole, type Role, type Roster, type StaffMember, topRole } from '../domain/roster.ts';
import type { RedisKeys } from './keys.ts';

/** Who an API token speaks for. `name` is the acting person in the audit log. */
export interface Principal {
  name: string;
  role: Role;
  phone?: string;
  /** When the token stops working (ISO 8601); a token minted without `expiresIn` never expires. */
  expiresAt?: string;
}

/** A token taken away because its holder left the roster, or now holds a lower role there. */
export interface RosterRevocation {
  name: string;
  tokens: number;
  reason: 'off_roster' | 'role_lowered';
  /** The holder's highest role on the roster now (role_lowered). */
  role?: Role;
}

/** Who was on the roster when a process last started: what the next start compares against. */
interface RosterEntry {
  name: string;
  phone: string;
  role: Role;
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** How a holder's name is compared: "ana duty " and "Ana Duty" are the same person. */
export const holderKey = (name: string) => name.normalize('NFC').trim().toLocaleLowerCase('en');

/** Names held by the bootstrap admin token (ADMIN_TOKEN, or the generated one): never minted. */
const BOOTSTRAP_HOLDERS = ['admin', 'bootstrap-admin'];

/** True when `name` is the bootstrap admin token's holder, whatever its case or spacing. */
export const isBootstrapHolder = (name: string) => BOOTSTRAP_HOLDERS.includes(holderKey(name));

/**
 * The phone of the one person the roster lists under a token holder's name ("chloe officer" is Chloe
 * Officer's): a token minted by name alone is theirs (followRoster treats it so too). Undefined for the
 * bootstrap holder, a name nobody or several people on the roster have.
 */
export function rosterPhoneOf(roster: Pick<Roster, 'all'>, name: string): string | undefined {
  if (isBootstrapHolder(name)) return undefined;
  const key = holderKey(name);
  const same = roster.all().filter((s) => holderKey(s.name) === key);
  return same.length === 1 ? same[0]?.phone : undefined;
}

/** API tokens, stored only as SHA-256 hashes. */
export class TokenStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly now: () => number = Date.now,
  ) {}

  private expired(p: Principal): boolean {
    return p.expiresAt !== undefined && Date.parse(p.expiresAt) <= this.now();
  }

  /**
   * Mints a token; the clear value is returned once and never stored. A holder who
   * already has tokens keeps their name as first written ("ana duty" becomes "Ana Duty"),
   * so the audit log, approvals and idempotency keys see one person.
   */
  async mint(principal: Principal): Promise<{ token: string; principal: Principal }> {
    const token = `cc_${randomBytes(24).toString('base64url')}`;
    const key = holderKey(principal.name);
    const same = Object.values(await this.readTokens(this.redis)).find((p) => holderKey(p.name) === key);
    const stored = { ...principal, name: same?.name ?? principal.name.trim() };
    await this.redis.hset(this.keys.tokens, hashOf(token), JSON.stringify(stored));
    return { token, principal: stored };
  }

  /** Mints a token (see {@link mint}) and returns only its clear value. */
  async create(principal: Principal): Promise<string> {
    return (await this.mint(principal)).token;
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

  /**
   * Ends the bootstrap admin token of an earlier start (ADMIN_TOKEN since unset); true when there was one.
   * Minted tokens are untouched.
   */
  async dropBootstrap(): Promise<boolean> {
    const previous = await this.redis.get(this.bootstrapSlot);
    if (!previous) return false;
    await this.redis.multi().hdel(this.keys.tokens, previous).del(this.bootstrapSlot).exec();
    return true;
  }

  /** The hash of the bootstrap admin token (ADMIN_TOKEN, or the generated one): one slot. */
  private get bootstrapSlot(): string {
    return `${this.keys.tokens}:bootstrap`;
  }

  private async takeBootstrapSlot(hash: string, principal: Principal): Promise<void> {
    const slot = this.bootstrapSlot;
    const previous = await this.redis.get(slot);
    const multi = this.redis.multi();
    if (previous && previous !== hash) multi.hdel(this.keys.tokens, previous);
    await multi.hset(this.keys.tokens, hash, JSON.stringify(principal)).set(slot, hash).exec();
  }

  /**
   * Who holds tokens (never the tokens themselves), with how many each and the highest role among
   * them: a person holding a viewer and an admin token is listed as admin.
   */
  async list(): Promise<(Principal & { tokens: number })[]> {
    const byName = new Map<string, Principal & { tokens: number }>();
    for (const p of Object.values(await this.readTokens(this.redis))) {
      if (this.expired(p)) continue;
      const seen = byName.get(holderKey(p.name));
      byName.set(
        holderKey(p.name),
        seen
          ? {
              ...seen,
              role: topRole([seen.role, p.role]) ?? seen.role,
              ...(seen.phone || !p.phone ? {} : { phone: p.phone }),
              // The holder can act until their last token expires; a token without expiry keeps them for good.
              expiresAt: seen.expiresAt && p.expiresAt ? [seen.expiresAt, p.expiresAt].sort()[1] : undefined,
              tokens: seen.tokens + 1,
            }
          : { ...p, tokens: 1 },
      );
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Revokes every token of a person (e.g. taken off the roster), whatever the case or
   * spacing of `name`; returns how many. Atomic: on its own connection it watches the
   * tokens and retries if one was minted between reading and deleting, so a token
   * minted for the same person meanwhile is revoked too.
   */
  async revoke(name: string): Promise<number> {
    const key = holderKey(name);
    const conn = this.redis.duplicate({ enableAutoPipelining: false });
    try {
      for (;;) {
        await conn.watch(this.keys.tokens);
        const all = await this.readTokens(conn);
        const hashes = Object.entries(all).flatMap(([hash, p]) => (holderKey(p.name) === key ? [hash] : []));
        if (!hashes.length) {
          await conn.unwatch();
          return 0;
        }
        if (
          await conn
            .multi()
            .hdel(this.keys.tokens, ...hashes)
            .exec()
        )
          return hashes.length;
      }
    } finally {
      conn.disconnect();
    }
  }

  /** Every stored token: hash → principal. */
  protected async readTokens(redis: Redis): Promise<Record<string, Principal>> {
    const all = await redis.hgetall(this.keys.tokens);
    return Object.fromEntries(Object.entries(all).map(([hash, raw]) => [hash, JSON.parse(raw) as Principal]));
  }

  /** Who a token speaks for; undefined for a token that is unknown, revoked or expired. */
  async verify(token: string): Promise<Principal | undefined> {
    return (await this.check(token)).principal;
  }

  /**
   * Who a token speaks for, or, for a known token that expired, why it is refused in words for its
   * holder (one read either way).
   */
  async check(token: string): Promise<{ principal?: Principal; expired?: string }> {
    const raw = await this.redis.hget(this.keys.tokens, hashOf(token));
    const p = raw ? (JSON.parse(raw) as Principal) : undefined;
    if (!p) return {};
    if (!this.expired(p)) return { principal: p };
    return { expired: `this token expired at ${p.expiresAt?.slice(0, 16).replace('T', ' ')} UTC; ask an admin for a new one` };
  }

  /**
   * Takes their tokens away from staff the roster no longer lists, or lists with a lower role,
   * since a process last started with it (the roster lives in the config file: a change takes
   * effect at a restart). A token is theirs when it names their phone or, without a phone, their
   * name (unless someone else on the roster now has that name). A token above the role the roster now
   * gives is revoked, not lowered: its holder asks for a new one. Tokens of people who were never
   * on the roster, and the bootstrap admin token, are left alone.
   */
  async followRoster(staff: readonly StaffMember[]): Promise<RosterRevocation[]> {
    const key = `${this.keys.tokens}:roster`;
    const now: RosterEntry[] = staff.flatMap((s) => {
      const role = topRole(s.roles);
      return role ? [{ name: s.name, phone: s.phone, role }] : [];
    });
    const raw = await this.redis.get(key);
    const before = raw ? (JSON.parse(raw) as RosterEntry[]) : [];
    const byPhone = new Map(now.map((e) => [e.phone, e]));
    // A name-only token is the person's unless someone else on the roster (another phone) now has that name.
    const otherHas = (left: RosterEntry) => now.some((e) => e.phone !== left.phone && holderKey(e.name) === holderKey(left.name));
    const changes = before.flatMap((b): { left: RosterEntry; role: Role | undefined }[] => {
      const current = byPhone.get(b.phone);
      if (!current) return [{ left: b, role: undefined }];
      return hasRole([current.role], b.role) ? [] : [{ left: b, role: current.role }];
    });
    const out: RosterRevocation[] = [];
    if (changes.length) {
      const tokens = Object.entries(await this.readTokens(this.redis));
      for (const { left, role } of changes) {
        const theirs = tokens.filter(
          ([, p]) =>
            !isBootstrapHolder(p.name) &&
            (p.phone ? p.phone === left.phone : holderKey(p.name) === holderKey(left.name) && !otherHas(left)) &&
            (!role || !hasRole([role], p.role)),
        );
        if (!theirs.length) continue;
        await this.redis.hdel(this.keys.tokens, ...theirs.map(([hash]) => hash));
        const name = theirs[0]?.[1].name ?? left.name;
        out.push(
          role ? { name, tokens: theirs.length, reason: 'role_lowered', role } : { name, tokens: theirs.length, reason: 'off_roster' },
        );
      }
    }
    await this.redis.set(key, JSON.stringify(now));
    return out;
  }
}
