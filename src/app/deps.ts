import type { Redis } from 'ioredis';
import type { ConfigFile, Env } from '../config/schema.ts';
import type { Roster } from '../domain/roster.ts';
import type { Logger } from '../observability/logger.ts';
import type { OutboundJob } from '../queues/job-schemas.ts';
import type { AuditLog } from '../store/audit-log.ts';
import type { RedisKeys } from '../store/keys.ts';

/** Sends messages through the rate-limited outbound queue. */
export interface Outbox {
  send(msg: OutboundJob, priority?: number, delay?: number): Promise<void>;
  sendMany(msgs: OutboundJob[], priority?: number): Promise<void>;
}

/** Delayed work: a named job run once after `delayMs` (escalations, digests, reminders). */
export interface Timers {
  /**
   * Schedules `name` with `data`; the same `jobId` is scheduled once. `forget`: the job is removed
   * once run (its data names someone who asked to be erased), not kept as a record.
   */
  schedule(name: string, data: Record<string, unknown>, delayMs: number, jobId: string, opts?: { forget?: boolean }): Promise<void>;
}

/** What every use case may depend on; built once in main.ts (or a test). */
export interface CoreDeps {
  config: ConfigFile;
  env: Env;
  /** The shared command connection (auto-pipelined): for the application's own commands. */
  redis: Redis;
  /**
   * The connection BullMQ queues (producers) share. Never give BullMQ `redis`: BullMQ loads its
   * scripts into the connection it gets, and every auto-pipelined batch would then copy them all.
   */
  queueConnection: Redis;
  keys: RedisKeys;
  audit: AuditLog;
  outbox: Outbox;
  timers: Timers;
  roster: Roster;
  log: Logger;
  now(): number;
}
