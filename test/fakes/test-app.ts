import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { type AppOptions, createApp, type RunningApp } from '../../src/app/create-app.ts';
import type { CoreDeps, Outbox } from '../../src/app/deps.ts';
import type { Config } from '../../src/config/load-config.ts';
import { type ConfigFile, configFileSchema, envSchema } from '../../src/config/schema.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Staff of config/example.yaml, by role, for readable tests. */
export const STAFF = {
  duty: '+15550000001',
  admin: '+15550000002',
  officer: '+15550000003',
  viewer: '+15550000004',
} as const;
export const CELL_GROUP = '120363000000000001@g.us';

/** A unique key prefix per test file or test: tests never see each other's keys. */
/** The app's deps with an outbox that is down (Redis or the queue unreachable for a moment), and their clock, or `now`. */
export function outboxDown(deps: CoreDeps, now = deps.now): CoreDeps {
  const down = async () => {
    throw new Error('outbox down');
  };
  const outbox: Outbox = { send: down, sendMany: down };
  return { ...deps, outbox, now };
}

export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under a prefix. */
export async function cleanPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.unlink(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

/** Builds a test Config from config/example.yaml with overrides. */
export function testConfig(prefix: string, overrides: Partial<ConfigFile> = {}, env: Record<string, string> = {}): Config {
  const base = parse(readFileSync('config/example.yaml', 'utf8'));
  return {
    env: envSchema.parse({
      REDIS_URL,
      KEY_PREFIX: prefix,
      ADMIN_TOKEN,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...env,
    }),
    file: configFileSchema.parse({ ...base, ...overrides }),
    configPath: 'config/example.yaml',
  };
}

export interface TestApp extends RunningApp {
  url: string;
  prefix: string;
  /** Calls the API over HTTP with the admin token (or another). */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>;
  /** A simulated person sends a message; resolves with the message id. */
  say(from: string, text: string, extra?: Record<string, unknown>): Promise<string>;
  /** What the bot sent to a phone or group, oldest first. */
  outbox(to?: string): Promise<SimOutboxItem[]>;
  /** Waits until the bot sent `to` a message matching `match`, and returns it. */
  expectMessage(to: string, match: RegExp | ((m: SimOutboxItem) => boolean), timeoutMs?: number): Promise<SimOutboxItem>;
  stop(): Promise<void>;
}

/** Starts the whole app in-process (simulator transport, real Redis, real HTTP). */
export async function startTestApp(
  name: string,
  opts: { config?: Partial<ConfigFile>; env?: Record<string, string>; options?: AppOptions; prefix?: string } = {},
): Promise<TestApp> {
  const prefix = opts.prefix ?? uniquePrefix(name);
  const config = testConfig(prefix, opts.config, opts.env);
  const app = await createApp(config, createLogger(config.env.LOG_LEVEL), { port: 0, outboundRate: 1000, ...opts.options }).catch(
    async (err) => {
      await cleanPrefix(prefix);
      throw err;
    },
  );
  const url = app.url as string;
  const api: TestApp['api'] = async (method, path, body, token = ADMIN_TOKEN) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed as never };
  };
  const outbox = async (to?: string) => {
    const q = to ? `?to=${encodeURIComponent(to)}` : '';
    const res = await api<{ items: SimOutboxItem[] }>('GET', `/sim/messages${q}`);
    return res.body.items;
  };
  return {
    ...app,
    url,
    prefix,
    api,
    async say(from, text, extra = {}) {
      const res = await api<{ id: string }>('POST', '/sim/messages', { from, text, ...extra });
      if (res.status !== 202) throw new Error(`sim message refused: ${JSON.stringify(res.body)}`);
      return res.body.id;
    },
    outbox,
    async expectMessage(to, match, timeoutMs = 10_000) {
      const test = typeof match === 'function' ? match : (m: SimOutboxItem) => match.test(m.text);
      return waitFor(async () => (await outbox(to)).find(test), timeoutMs, `a message to ${to} matching ${match}`);
    },
    async stop() {
      await app.close();
      await cleanPrefix(prefix);
    },
  };
}

/**
 * The whole audit trail read page by page through the API, and what GET /api/audit/verify says of
 * its chain.
 */
export async function auditTrail(app: TestApp): Promise<{ verify: { ok: boolean; entries: number }; entries: unknown[] }> {
  const verify = (await app.api<{ ok: boolean; entries: number }>('GET', '/api/audit/verify')).body;
  const entries: unknown[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await app.api<{ items: unknown[]; nextCursor: string | null }>(
      'GET',
      `/api/audit?limit=1000${after ? `&after=${after}` : ''}`,
    );
    entries.push(...page.body.items);
    if (!page.body.nextCursor) return { verify, entries };
    after = page.body.nextCursor;
  }
}

/** Every incident, through the API's pages (newest first). */
export async function listAllIncidents(app: TestApp): Promise<Incident[]> {
  const out: Incident[] = [];
  let cursor: string | undefined;
  do {
    const page = await app.api<{ items: Incident[]; nextCursor: string | null }>(
      'GET',
      `/api/incidents?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
    );
    out.push(...page.body.items);
    cursor = page.body.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Polls `probe` until it returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * What the bot sent `to` after the first `before` messages, once something came and the queues are
 * idle, one message per line: an answer may come in two messages in either order (a report opened
 * mid-registration gets its reference and the notice that the registration is paused).
 */
export async function answersAfter(app: TestApp, to: string, before: number): Promise<string> {
  await waitFor(async () => (await app.outbox(to)).length > before, 10_000, `a message to ${to}`);
  await settle(app);
  return (await app.outbox(to))
    .slice(before)
    .map((m) => m.text)
    .join('\n');
}

/** Waits until the app's queues have nothing waiting, delayed-due or active. */
export async function settle(app: RunningApp, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    async () => {
      const [a, b] = await Promise.all([
        app.queues.inbound.getJobCounts('waiting', 'active', 'prioritized'),
        app.queues.outbound.getJobCounts('waiting', 'active', 'prioritized'),
      ]);
      return Object.values(a).every((n) => n === 0) && Object.values(b).every((n) => n === 0);
    },
    timeoutMs,
    'queues to drain',
  );
}
