import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../store/keys.ts';

export type RestrictionReason = 'error_463' | 'reachout_timelock' | 'message_capping';

/** Why WhatsApp stopped the account from starting chats, and until when if it said. */
export interface Restriction {
  reason: RestrictionReason;
  /** Epoch ms when WhatsApp said the restriction ends. */
  until?: number;
  since: number;
}

/** A restriction without an end date is held this long unless WhatsApp or an admin lifts it earlier. */
export const DEFAULT_HOLD_MS = 24 * 3600_000;

/** When a restriction ends: WhatsApp's word, or DEFAULT_HOLD_MS after it started. */
export function endOf(r: Restriction): number {
  return r.until ?? r.since + DEFAULT_HOLD_MS;
}

/** A contact as the refused set keeps it: a hash prefix, so the set holds no phone numbers. */
const hashOf = (contact: string) => createHash('sha256').update(contact).digest('hex').slice(0, 24);

/**
 * The account's restriction on starting chats (WhatsApp's error 463, reach-out time lock, new-chat
 * cap), kept in Redis so that it survives a restart and an admin in any process can lift it
 * (DELETE /api/whatsapp/restriction). While it is set, the gateway sends nothing to a chat WhatsApp
 * would count as new (retrying into the restriction is how a number gets banned); groups and people
 * who wrote to the embassy recently still get their messages. Contacts WhatsApp refused all the
 * same are remembered until it lifts.
 */
export class AccountRestriction {
  private current: Restriction | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The restriction in force (as last read or set by this process). */
  get(): Restriction | undefined {
    if (this.current && endOf(this.current) <= Date.now()) this.current = undefined;
    return this.current;
  }

  /** Re-reads Redis (an admin may have lifted it, or it expired); returns the restriction in force. */
  async refresh(): Promise<Restriction | undefined> {
    const raw = await this.redis.get(this.keys.waRestricted);
    this.current = raw ? (JSON.parse(raw) as Restriction) : undefined;
    return this.get();
  }

  /**
   * Records a restriction. One already in force keeps its start (it is the same episode); the
   * reason given with an end date wins over one without (a 463 says less than the time lock it
   * comes from).
   */
  async set(reason: RestrictionReason, until?: number): Promise<Restriction> {
    const cur = this.get();
    const r: Restriction = cur
      ? {
          since: cur.since,
          reason: until || !cur.until ? reason : cur.reason,
          ...((until ?? cur.until) ? { until: until ?? cur.until } : {}),
        }
      : { reason, since: Date.now(), ...(until ? { until } : {}) };
    const end = Math.max(Date.now() + 1_000, endOf(r));
    await this.redis.multi().set(this.keys.waRestricted, JSON.stringify(r), 'PXAT', end).pexpireat(this.keys.waRefused, end).exec();
    this.current = r;
    return r;
  }

  async lift(): Promise<void> {
    await this.redis.del(this.keys.waRestricted, this.keys.waRefused);
    this.current = undefined;
  }

  /** Remembers contacts (phones or LIDs) WhatsApp refused under the restriction in force, until it lifts. */
  async refuse(contacts: string[]): Promise<void> {
    const r = this.get();
    if (!r || contacts.length === 0) return;
    await this.redis
      .multi()
      .sadd(this.keys.waRefused, ...contacts.map(hashOf))
      .pexpireat(this.keys.waRefused, Math.max(Date.now() + 1_000, endOf(r)))
      .exec();
  }

  /** Whether WhatsApp refused this contact under the restriction in force. */
  async wasRefused(contact: string): Promise<boolean> {
    return (await this.redis.sismember(this.keys.waRefused, hashOf(contact))) === 1;
  }
}
