import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisKeys } from '../../store/keys.ts';

export type RestrictionReason = 'error_463' | 'reachout_timelock' | 'message_capping';

/** One thing WhatsApp said: since when, and until when if it said. */
export interface RestrictionSource {
  since: number;
  until?: number;
}

/**
 * Why WhatsApp stops the account from starting chats, since when, and until when if it said: the
 * source that ends last of those in force (`sources`: a time lock and the new-chat cap can overlap).
 */
export interface Restriction {
  reason: RestrictionReason;
  /** Epoch ms when WhatsApp said the restriction ends. */
  until?: number;
  since: number;
  sources?: Partial<Record<RestrictionReason, RestrictionSource>>;
}

/** A restriction without an end date is held this long unless WhatsApp or an admin lifts it earlier. */
export const DEFAULT_HOLD_MS = 24 * 3600_000;

/** When a restriction (or one of its sources) ends: WhatsApp's word, or DEFAULT_HOLD_MS after it started. */
export function endOf(r: RestrictionSource): number {
  return r.until ?? r.since + DEFAULT_HOLD_MS;
}

type Sources = Partial<Record<RestrictionReason, RestrictionSource>>;

/** The restriction the sources in force make, or undefined when none is left. */
function summary(sources: Sources, now: number): Restriction | undefined {
  const live = (Object.entries(sources) as [RestrictionReason, RestrictionSource][]).filter(([, src]) => endOf(src) > now);
  if (live.length === 0) return undefined;
  const [reason, last] = live.reduce((a, b) => (endOf(b[1]) > endOf(a[1]) ? b : a));
  const since = Math.min(...live.map(([, src]) => src.since));
  return { reason, since, ...(last.until ? { until: last.until } : {}), sources: Object.fromEntries(live) };
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
   * Records what WhatsApp said. A time lock or the new-chat cap explains an earlier 463 (which then
   * stops counting); a 463 while one of them is in force adds nothing. The restriction keeps its
   * start while any source is in force.
   */
  async set(reason: RestrictionReason, until?: number): Promise<Restriction> {
    const sources = this.sources();
    const explained = sources.reachout_timelock || sources.message_capping;
    if (reason === 'error_463' && explained) return this.get() as Restriction;
    if (reason !== 'error_463') delete sources.error_463;
    // One episode, one start: what is added while a restriction is in force started with it.
    sources[reason] = { since: sources[reason]?.since ?? this.get()?.since ?? Date.now(), ...(until ? { until } : {}) };
    return (await this.write(sources)) as Restriction;
  }

  /**
   * Lifts what WhatsApp says is over, or everything (an admin). The end of a time lock lifts a 463
   * too (WhatsApp's word on the lock is better than our inference from one refusal); the cap
   * falling below its limit does not (it says nothing of a lock). Returns what is still in force.
   */
  async lift(reason?: Exclude<RestrictionReason, 'error_463'>): Promise<Restriction | undefined> {
    if (!reason) return this.write({});
    const sources = this.sources();
    delete sources[reason];
    if (reason === 'reachout_timelock') delete sources.error_463;
    return this.write(sources);
  }

  private sources(): Sources {
    const r = this.get();
    if (!r) return {};
    return { ...(r.sources ?? { [r.reason]: { since: r.since, ...(r.until ? { until: r.until } : {}) } }) };
  }

  private async write(sources: Sources): Promise<Restriction | undefined> {
    const r = summary(sources, Date.now());
    if (!r) {
      await this.redis.del(this.keys.waRestricted, this.keys.waRefused);
    } else {
      const end = Math.max(Date.now() + 1_000, endOf(r));
      await this.redis.multi().set(this.keys.waRestricted, JSON.stringify(r), 'PXAT', end).pexpireat(this.keys.waRefused, end).exec();
    }
    this.current = r;
    return r;
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
