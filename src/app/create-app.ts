import type { Server } from 'node:http';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRouter } from '../chat/router.ts';
import { compose, standardChain } from '../chat/middleware.ts';
import { CommandRegistry } from '../chat/command-registry.ts';
import { helpCommand } from '../chat/commands/help.ts';
import type { Config } from '../config/load-config.ts';
import { Roster } from '../domain/roster.ts';
import { createHttpApp } from '../http/app.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import type { Logger } from '../observability/logger.ts';
import { Queues } from '../queues/queues.ts';
import { createInboundWorker } from '../queues/workers/inbound-worker.ts';
import { createOutboundWorker } from '../queues/workers/outbound-worker.ts';
import { createTimersWorker } from '../queues/workers/timers-worker.ts';
import { AuditLog } from '../store/audit-log.ts';
import { redisKeys } from '../store/keys.ts';
import { createCommandRedis, createRedis } from '../store/redis.ts';
import { TokenStore } from '../store/token-store.ts';
import type { ChatTransport, ConnectionState } from '../transport/chat-transport.ts';
import { BaileysTransport } from '../transport/baileys/baileys-transport.ts';
import { SimulatorTransport } from '../transport/simulator/simulator-transport.ts';
import type { CoreDeps } from './deps.ts';
import type { Closeable, Feature } from './feature.ts';
import { features } from './features.ts';
import type { ChatContext } from '../chat/chat-context.ts';

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
  /** Override the clock (tests). */
  now?: () => number;
  inboundConcurrency?: number;
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
  const featureList = options.features ?? features;
  const role = env.ROLE;
  const plays = (r: 'gateway' | 'worker' | 'api') => role === 'all' || role === r;
  const redis = createCommandRedis(env.REDIS_URL);
  const bullConnection = createRedis(env.REDIS_URL);
  const keys = redisKeys(env.KEY_PREFIX);
  const queues = new Queues(bullConnection, keys.prefix);
  const deps: HttpDeps = {
    config: file,
    env,
    redis,
    keys,
    audit: new AuditLog(redis, keys),
    outbox: queues,
    timers: queues,
    roster: new Roster(file.staff),
    log,
    now: options.now ?? Date.now,
    tokens: new TokenStore(redis, keys),
    queues,
  };
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];
  const connect = () => {
    const c = createRedis(env.REDIS_URL);
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
  if (plays('worker')) {
    const registry = new CommandRegistry();
    registry.register(helpCommand(registry));
    for (const f of featureList) if (f.commands) registry.register(...f.commands(deps));
    const firstTaker = (pick: (f: Feature) => ((ctx: ChatContext) => Promise<boolean>) | undefined) => async (ctx: ChatContext) => {
      for (const f of featureList) {
        const handler = pick(f);
        if (handler && (await handler.call(f, ctx))) return true;
      }
      return false;
    };
    const citizen = firstTaker((f) => f.citizenMessage);
    const route = createRouter(registry, {
      citizen: async (ctx) => {
        if (await citizen(ctx)) return;
        if (ctx.sender.staff) {
          await ctx.reply(`Hello ${ctx.sender.staff.name}. Staff commands start with "/": send /help for the list.`);
        } else {
          await ctx.reply(`Thank you. The ${file.embassy.name} has received your message and a consular officer will answer.`);
        }
      },
      reaction: async (ctx) => void (await firstTaker((f) => f.reaction)(ctx)),
      groupMessage: async (ctx) => void (await firstTaker((f) => f.groupMessage)(ctx)),
    });
    const pipeline = compose(standardChain, route);
    const timerHandlers = Object.assign({}, ...featureList.map((f) => f.timers?.(deps) ?? {}));
    workers.push(createTimersWorker(deps, connect(), timerHandlers));
    workers.push(
      createInboundWorker(
        deps,
        connect(),
        {
          message: pipeline,
          membership: async (change) => {
            await deps.audit.append({
              type: 'group.membership',
              actor: 'system',
              subject: change.groupId,
              data: { action: change.action, count: change.participants.length },
            });
            for (const f of featureList) await f.membership?.(deps, change);
          },
          delivery: async (update) => {
            for (const f of featureList) await f.delivery?.(deps, update);
          },
        },
        options.inboundConcurrency,
      ),
    );
  }

  let outbound: Worker | undefined;
  if (plays('gateway') && transport) {
    const rate = options.outboundRate ?? env.OUTBOUND_RATE ?? file.broadcast.ratePerSecond;
    outbound = createOutboundWorker(
      deps,
      connect(),
      transport,
      rate,
      async (job, messageId) => {
        for (const f of featureList) await f.sent?.(deps, job, messageId);
      },
      {
        beforeSend: async (job) => {
          for (const f of featureList) if (f.beforeSend && !(await f.beforeSend(deps, job))) return false;
          return true;
        },
        failed: async (job, error) => {
          for (const f of featureList) await f.sendFailed?.(deps, job, error);
        },
      },
      options.outboundLock,
    );
    workers.push(outbound);
    const publish = (state: ConnectionState, detail?: Record<string, unknown>) => {
      void redis
        .set(keys.transportState, JSON.stringify({ name: transport?.name, state, at: new Date().toISOString(), ...detail }), 'EX', 60)
        .catch((err) => log.error({ err: err.message }, 'cannot publish transport state'));
      if (state === 'open') outbound?.resume();
      else if (outbound?.isRunning()) void outbound.pause(true);
    };
    await transport.start(queues.sink(publish));
    const heartbeat = setInterval(() => publish(transport?.state() ?? 'closed'), 20_000);
    heartbeat.unref();
    closeables.push({ close: async () => clearInterval(heartbeat) });
  }
  for (const w of workers) if (!w.isRunning()) void w.run();
  for (const f of featureList)
    if (f.start) closeables.push(...(await f.start({ deps, connect, plays, ...(transport ? { transport } : {}) })));

  let server: Server | undefined;
  let url: string | undefined;
  let adminToken: string | undefined;
  if (plays('api')) {
    if (env.ADMIN_TOKEN) {
      await deps.tokens.adopt(env.ADMIN_TOKEN, { name: 'admin', role: 'admin' });
      adminToken = env.ADMIN_TOKEN;
    } else if (env.TRANSPORT === 'simulator') {
      adminToken = await deps.tokens.rotateBootstrap();
    }
    const app = createHttpApp(
      deps,
      featureList.flatMap((f) => (f.apiRoutes ? [f.apiRoutes.bind(f)] : [])),
      featureList.flatMap((f) => (f.publicRoutes ? [f.publicRoutes.bind(f)] : [])),
    );
    const port = options.port ?? env.PORT;
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(port, env.HOST, () => resolve(s)).once('error', reject);
    });
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  }
  await deps.audit.append({ type: 'process.started', actor: 'system', data: { role, transport: env.TRANSPORT } });

  return {
    deps,
    queues,
    transport,
    url,
    adminToken,
    async close() {
      if (server) {
        const closing = new Promise<void>((r) => server?.close(() => r()));
        // Long-lived responses (the dashboard's event streams) would hold close() open for ever.
        setTimeout(() => server?.closeAllConnections(), 500).unref();
        await closing;
      }
      await Promise.all([...workers, ...closeables].map((w) => w.close()));
      await transport?.stop();
      await queues.close();
      await Promise.all([...workerConnections, redis, bullConnection].map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
