import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../../observability/logger.ts';

/** A live change, as published on the events channel by the use cases. */
export const liveChange = z.object({
  type: z.enum(['incident.created', 'incident.updated', 'alert.updated', 'welfare.updated', 'run.updated']),
  id: z.string().min(1).max(200),
});
export type LiveChange = z.infer<typeof liveChange>;

/** Options of the hub; tests shorten the heartbeat. */
export interface EventHubOptions {
  /** Milliseconds between SSE comment lines that keep proxies from closing idle streams. */
  heartbeatMs?: number;
}

/**
 * Fans the Redis events channel out to the browsers watching the dashboard over
 * Server-Sent Events: one Redis subscriber per process, however many browsers.
 */
export class EventHub {
  private readonly clients = new Set<Response>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly log: Logger,
    private readonly options: EventHubOptions = {},
  ) {}

  /** Subscribes to the channel and starts the heartbeat. */
  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.channel) this.publish(raw);
    });
    await this.subscriber.subscribe(this.channel);
    this.heartbeat = setInterval(() => this.write(': heartbeat\n\n'), this.options.heartbeatMs ?? 25_000);
    this.heartbeat.unref();
  }

  /** Number of browsers connected. */
  get size(): number {
    return this.clients.size;
  }

  /** Turns the response into an event stream and keeps it until the browser leaves. */
  attach(req: Request, res: Response): void {
    res.status(200).set({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.write('retry: 3000\n\n');
    res.write(`event: ready\ndata: ${JSON.stringify({ at: new Date().toISOString() })}\n\n`);
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
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

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (res.writableEnded) this.clients.delete(res);
      else res.write(chunk);
    }
  }

  /** Ends every stream (browsers reconnect to another process) and unsubscribes. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
    await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
  }
}
