import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { LIVE_CHANGE_TYPES } from '../../domain/live-change.ts';
import type { Logger } from '../../observability/logger.ts';

/** A live change, as published on the events channel by the use cases (src/domain/live-change.ts). */
export const liveChange = z.object({
  type: z.enum(LIVE_CHANGE_TYPES),
  id: z.string().min(1).max(200),
});

/** Options of the hub; tests shorten the heartbeat. */
export interface EventHubOptions {
  /** Milliseconds between SSE comment lines that keep proxies from closing idle streams. */
  heartbeatMs?: number;
  /** Milliseconds the hub stays subscribed after the last browser left (a reload comes back at once). */
  lingerMs?: number;
}

/**
 * Fans the Redis events channel out to the browsers watching the dashboard over
 * Server-Sent Events: one Redis subscriber per process, however many browsers.
 *
 * The process subscribes only while a browser watches: in a flood every new incident is an
 * event, and a process nobody watches through would decode each one for nobody. A browser
 * gets its `ready` (on which it reloads what it shows) once the subscription is in place,
 * so no change falls between its reload and its first pushed change.
 */
export class EventHub {
  /** Each browser's stream, and how to check that its sign-in still holds. */
  private readonly clients = new Map<Response, () => Promise<boolean>>();
  private heartbeat: NodeJS.Timeout | undefined;
  /** Resolves once subscribed; undefined while not subscribed. */
  private subscribed: Promise<void> | undefined;
  private linger: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly log: Logger,
    private readonly options: EventHubOptions = {},
  ) {}

  /** Listens for the channel's messages and starts the heartbeat; subscribes when a browser comes. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.publish(raw);
    });
    // Changes published while the connection was down never arrive: once it is back (ioredis
    // subscribes again first; the PING's answer comes after that), every browser reloads.
    let lost = false;
    this.subscriber.on('close', () => {
      lost = true;
    });
    this.subscriber.on('ready', () => {
      if (!lost || this.closed) return;
      lost = false;
      this.subscriber.ping().then(
        () => this.write(`event: ready\ndata: ${JSON.stringify({ at: new Date().toISOString(), reconnected: true })}\n\n`),
        () => undefined,
      );
    });
    this.heartbeat = setInterval(() => {
      this.write(': heartbeat\n\n');
      void this.recheck();
    }, this.options.heartbeatMs ?? 25_000);
    this.heartbeat.unref();
  }

  /** Whether the hub is subscribed to the channel now. */
  get listening(): boolean {
    return this.subscribed !== undefined;
  }

  private subscribe(): Promise<void> {
    clearTimeout(this.linger);
    this.linger = undefined;
    this.subscribed ??= this.subscriber.subscribe(this.channel).then(
      () => undefined,
      (err: Error) => {
        this.subscribed = undefined;
        throw err;
      },
    );
    return this.subscribed;
  }

  /** Unsubscribes a while after the last browser left, unless another came meanwhile. */
  private leave(res: Response): void {
    this.clients.delete(res);
    if (this.clients.size > 0 || this.closed || this.linger) return;
    this.linger = setTimeout(() => {
      this.linger = undefined;
      if (this.clients.size > 0 || !this.subscribed) return;
      this.subscribed = undefined;
      this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    }, this.options.lingerMs ?? 30_000);
    this.linger.unref();
  }

  /** Number of browsers connected. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Turns the response into an event stream and keeps it until the browser leaves, or until
   * `allowed` (asked at each heartbeat) says its sign-in no longer holds (a revoked token).
   */
  attach(req: Request, res: Response, allowed: () => Promise<boolean> = async () => true): void {
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    this.clients.set(res, allowed);
    req.on('close', () => this.leave(res));
    this.subscribe().then(
      () => {
        if (!res.writableEnded) res.write(`event: ready\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
      },
      (err: Error) => {
        // The browser reconnects (retry: 3000) and tries again.
        this.log.warn({ err: err.message }, 'could not subscribe to live changes');
        this.clients.delete(res);
        res.end();
      },
    );
  }

  private publish(raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const change = liveChange.safeParse(parsed);
    if (!change.success) {
      this.log.warn({ channel: this.channel }, 'ignored a malformed live change');
      return;
    }
    this.write(`event: change\ndata: ${JSON.stringify(change.data)}\n\n`);
  }

  /** Ends the streams whose sign-in no longer holds: a revoked token stops seeing live changes. */
  private async recheck(): Promise<void> {
    for (const [res, allowed] of this.clients) {
      const ok = await allowed().catch(() => true);
      if (!ok) {
        this.leave(res);
        res.end();
      }
    }
  }

  private write(chunk: string): void {
    for (const res of this.clients.keys()) {
      if (res.writableEnded) this.clients.delete(res);
      else res.write(chunk);
    }
  }

  /** Ends every stream (browsers reconnect to another process) and unsubscribes. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.linger);
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    if (this.subscribed) await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    this.subscribed = undefined;
  }
}
