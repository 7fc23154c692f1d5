import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load-config.ts';
import { configWarnings } from '../config/warnings.ts';
import { Roster } from '../domain/roster.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import type { Logger } from '../observability/logger.ts';
import { InboundSpool } from '../queues/inbound-spool.ts';
import { onQueueError, Queues } from '../queues/queues.ts';
import type { InboundWorkerOptions } from '../queues/workers/inbound-worker.ts';
import { AuditLog } from '../store/audit-log.ts';
import { redisKeys } from '../store/keys.ts';
import { createRedis, reportOutages } from '../store/redis.ts';
import { TokenStore } from '../store/token-store.ts';
import { BaileysTransport } from '../transport/baileys/baileys-transport.ts';
import type { ChatTransport } from '../transport/chat-transport.ts';
import { SimulatorTransport } from '../transport/simulator/simulator-transport.ts';
import { startApiRole } from './api-role.ts';
import type { CoreDeps } from './deps.ts';
import type { Closeable, Feature } from './feature.ts';
import { features } from './features.ts';
import { startGatewayRole } from './gateway-role.ts';
import { startWorkerRole } from './worker-role.ts';

/** Options a test or the composition root may set. */
export interface AppOptions {
  /** Listen on this port (0 = any free port); default from the environment. */
  port?: number;
  /** Outbound sends per second; default OUTBOUND_RATE or broadcast.ratePerSecond. */
  outboundRate?: number;
  /** Use this transport instead of the configured one (tests). */
  transport?: (deps: CoreDeps, queues: Queues) => ChatTransport;
  /** Outbound worker lock timings (tests: recover a killed worker's jobs in seconds). */
  outboundLock?: { lockDuration?: number; stalledInterval?: number };
  /** Inbound worker lock timings (tests: recover a killed worker's messages in seconds). */
  inboundLock?: InboundWorkerOptions['lock'];
  /** Override the clock (tests). */
  now?: () => number;
  inboundConcurrency?: number;
  /** How many slots one sender's messages may hold, and how fast parked ones come back (tests). */
  senderShare?: InboundWorkerOptions['senderShare'];
  /** The features to run; default: all of them (features.ts). */
  features?: Feature[];
}

/** A running crisis-cell process. */
export interface RunningApp {
  deps: HttpDeps;
  queues: Queues;
  transport?: ChatTransport;
  url?: string;
  /** The admin token printed at start (generated in simulator mode when ADMIN_TOKEN is unset). */
  adminToken?: string;
  close(): Promise<void>;
}

/** Wires config → adapters → use cases → entry points, for the roles the process plays. */
export async function createApp(config: Config, log: Logger, options: AppOptions = {}): Promise<RunningApp> {
  const { env, file } = config;
  // A configuration that starts but leaves the cell unreachable (no cell group, no staff) is said loudly.
  for (const w of configWarnings(file)) log.warn({ warning: w.code }, `configuration: ${w.message}`);
  const featureList = options.features ?? features;
  const role = env.ROLE;
  const plays = (r: 'gateway' | 'worker' | 'api') => role === 'all' || role === r;
  // The app's own commands and BullMQ's each have a connection. Neither is auto-pipelined: every
  // connection already sends what one turn of the event loop issues in one write (store/redis.ts),
  // and ioredis's auto-pipelining on top of that only added its batches' cost (alternated intake
  // bench runs: 8-30% more messages/s without it).
  const redis = reportOutages(createRedis(env.REDIS_URL), log, 'commands');
  const bullConnection = reportOutages(createRedis(env.REDIS_URL), log, 'queues');
  const keys = redisKeys(env.KEY_PREFIX);
  // The gateway (one per number, by its lease) keeps what Redis cannot take on local disk until it answers.
  const spoolPath = env.INBOUND_SPOOL ?? join(env.DATA_DIR, `inbound-spool-${env.KEY_PREFIX}.jsonl`);
  const spooling = plays('gateway') ? { spool: new InboundSpool(spoolPath, log), log } : undefined;
  const queues = new Queues(bullConnection, keys.prefix, spooling);
  for (const q of [queues.inbound, queues.outbound, queues.timers]) onQueueError(q, log);
  const deps: HttpDeps = {
    config: file,
    env,
    redis,
    queueConnection: bullConnection,
    keys,
    audit: new AuditLog(redis, keys),
    outbox: queues,
    timers: queues,
    roster: new Roster(file.staff),
    log,
    now: options.now ?? Date.now,
    tokens: new TokenStore(redis, keys, options.now ?? Date.now),
    queues,
  };
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];
  const connect = () => {
    const c = reportOutages(createRedis(env.REDIS_URL), log, 'worker');
    workerConnections.push(c);
    return c;
  };

  let transport: ChatTransport | undefined;
  if (options.transport) transport = options.transport(deps, queues);
  else if (env.TRANSPORT === 'simulator') transport = new SimulatorTransport(redis, keys, queues.sink());
  else if (plays('gateway')) {
    // Holds the gateway lease itself: start() waits for it, so a second gateway takes over when the first dies.
    transport = new BaileysTransport({
      redis,
      keys,
      log,
      audit: deps.audit,
      ...(env.PAIRING_NUMBER ? { pairingNumber: env.PAIRING_NUMBER } : {}),
    });
  }
  if (transport instanceof SimulatorTransport) deps.simulator = transport;

  const closeables: Closeable[] = [];
  let server: Server | undefined;
  const close = async () => {
    if (server) {
      const closing = new Promise<void>((r) => server?.close(() => r()));
      // Long-lived responses (the dashboard's event streams) would hold close() open for ever.
      setTimeout(() => server?.closeAllConnections(), 500).unref();
      await closing;
    }
    await Promise.all([...workers, ...closeables].map((w) => w.close()));
    await transport?.stop();
    await queues.close();
    // QUIT waits for a Redis that is down (it sits in the offline queue): a connection that is not
    // ready is dropped instead, so a SIGTERM during an outage still ends the process.
    await Promise.all(
      [...workerConnections, redis, bullConnection].map((c) =>
        c.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c.disconnect(),
      ),
    );
  };

  try {
    if (plays('worker'))
      workers.push(
        ...startWorkerRole(deps, featureList, connect, {
          ...(options.inboundConcurrency ? { concurrency: options.inboundConcurrency } : {}),
          ...(options.senderShare ? { senderShare: options.senderShare } : {}),
          ...(options.inboundLock ? { lock: options.inboundLock } : {}),
        }),
      );
    if (plays('gateway') && transport) {
      const rate = options.outboundRate ?? env.OUTBOUND_RATE ?? file.broadcast.ratePerSecond;
      const gateway = await startGatewayRole(deps, featureList, transport, queues, connect, {
        rate,
        ...(options.outboundLock ? { lock: options.outboundLock } : {}),
      });
      workers.push(gateway.worker);
      closeables.push(...gateway.closeables);
    }
    for (const w of workers) if (!w.isRunning()) void w.run();
    for (const f of featureList)
      if (f.start) closeables.push(...(await f.start({ deps, connect, plays, ...(transport ? { transport } : {}) })));
    const api = plays('api') ? await startApiRole(deps, featureList, options.port ?? env.PORT) : undefined;
    server = api?.server;
    await deps.audit.append({ type: 'process.started', actor: 'system', data: { role, transport: env.TRANSPORT } });
    return { deps, queues, transport, url: api?.url, adminToken: api?.adminToken, close };
  } catch (err) {
    // Whatever started is stopped again: a failed start leaves no worker or connection behind.
    await close().catch(() => {});
    throw err;
  }
}
