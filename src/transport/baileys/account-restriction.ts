import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../store/keys.ts';

/** Why WhatsApp stopped the account from sending, and until when if it said. */
export interface Restriction {
  reason: 'error_463' | 'reachout_timelock' | 'message_capping';
  /** Epoch ms when WhatsApp said the restriction ends. */
  until?: number;
  since: number;
}

/** A restriction without an end date is held this long unless an admin lifts it earlier. */
const DEFAULT_HOLD_MS = 24 * 3600_000;

/**
 * The account's sending restriction, kept in Redis so that it survives a restart and an
 * admin in any process can lift it (DELETE /api/whatsapp/restriction). While it is set the
 * gateway sends nothing: retrying into a restriction is how a number gets banned.
 */
export class AccountRestriction {
  private current: Restriction | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** The restriction in force (as last read or set by this process). */
  get(): Restriction | undefined {
    if (this.current?.until && this.current.until <= Date.now()) this.current = undefined;
    return this.current;
  }

  /** Re-reads Redis (an admin may have lifted it, or it expired); returns the restriction in force. */
  async refresh(): Promise<Restriction | undefined> {
    const raw = await this.redis.get(this.keys.waRestricted);
    this.current = raw ? (JSON.parse(raw) as Restriction) : undefined;
    return this.get();
  }

  async set(reason: Restriction['reason'], until?: number): Promise<Restriction> {
    const r: Restriction = { reason, since: Date.now(), ...(until ? { until } : {}) };
    const ttl = Math.max(1_000, (until ?? Date.now() + DEFAULT_HOLD_MS) - Date.now());
    await this.redis.set(this.keys.waRestricted, JSON.stringify(r), 'PX', ttl);
    this.current = r;
    return r;
  }

  async lift(): Promise<void> {
    await this.redis.del(this.keys.waRestricted);
    this.current = undefined;
  }
}
