import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../observability/logger.ts';
import { LuaScript } from '../../store/lua-script.ts';

/** Extends the lease only if this holder still owns it. KEYS: lease. ARGV: token, ttlMs. */
const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`);
/** Releases the lease only if this holder still owns it. KEYS: lease. ARGV: token. */
const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`);

/** Options of a gateway lease. */
export interface GatewayLeaseOptions {
  /** How long the lease lives without renewal; a dead holder is replaced after this. Default 30 s. */
  ttlMs?: number;
  /** How often the holder renews and a waiter retries. Default ttlMs / 3. */
  intervalMs?: number;
  /** Names the holder in the lease value and logs (host and pid by default). */
  holder?: string;
}

/**
 * One holder per WhatsApp number: a Redis key set with NX and a TTL, renewed by its
 * holder. Two processes writing one Signal session corrupt it ("Bad MAC"), so a second
 * gateway waits here and takes over when the first stops renewing (it died) or releases.
 */
export class GatewayLease {
  private readonly token: string;
  private readonly ttlMs: number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private held = false;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly log: Logger,
    options: GatewayLeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.intervalMs = options.intervalMs ?? Math.max(50, Math.floor(this.ttlMs / 3));
    this.token = `${options.holder ?? `${process.pid}`}/${randomUUID()}`;
  }

  /** True while this process holds the lease. */
  isHeld(): boolean {
    return this.held;
  }

  /** Tries once to take the lease. */
  async tryAcquire(): Promise<boolean> {
    const ok = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    this.held = ok === 'OK';
    return this.held;
  }

  /**
   * Waits until this process holds the lease, then keeps renewing it; `onLost` is called
   * if a renewal finds another holder (this process must stop using the session at once).
   * Resolves false if `release()` was called while waiting.
   */
  async acquire(onLost: () => void): Promise<boolean> {
    this.stopped = false;
    let logged = false;
    while (!this.stopped) {
      if (await this.tryAcquire().catch(() => false)) {
        this.log.info({ lease: this.key }, 'gateway lease acquired: this process holds the WhatsApp session');
        this.timer = setInterval(() => void this.renew(onLost), this.intervalMs);
        return true;
      }
      if (!logged) this.log.warn({ lease: this.key }, 'another gateway holds the WhatsApp session; waiting to take over');
      logged = true;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, this.intervalMs).unref();
      });
    }
    return false;
  }

  private async renew(onLost: () => void): Promise<void> {
    try {
      const ok = (await RENEW.run(this.redis, [this.key], [this.token, this.ttlMs])) as number;
      if (ok === 1 || !this.held) return;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot renew the gateway lease; will retry');
      return;
    }
    this.held = false;
    clearInterval(this.timer);
    this.log.error({ lease: this.key }, 'gateway lease lost to another process; stopping the WhatsApp session');
    onLost();
  }

  /** Stops renewing (or waiting) and gives the lease up so a waiting gateway takes over at once. */
  async release(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    clearInterval(this.timer);
    if (this.held) await RELEASE.run(this.redis, [this.key], [this.token]).catch(() => 0);
    this.held = false;
  }
}
