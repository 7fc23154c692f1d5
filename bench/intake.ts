import { fork } from 'node:child_process';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createApp } from '../src/app/create-app.ts';
import { createLogger } from '../src/observability/logger.ts';
import { INBOUND_CONCURRENCY } from '../src/queues/workers/inbound-worker.ts';
import { createRedis } from '../src/store/redis.ts';
import { type RecordedSend, RecordingTransport } from '../test/fakes/recording-transport.ts';
import { cleanPrefix, testConfig, uniquePrefix } from '../test/fakes/test-app.ts';

/** The raw baselines run at the pipeline's concurrency (both its workers). */
export const CONCURRENCY = INBOUND_CONCURRENCY;

/** CPU spent per item by this Node process (user + system) and by the Redis server (INFO cpu), in µs. */
export interface CpuPerItem {
  nodeUs: number;
  redisUs: number;
}

async function redisCpuSeconds(conn: Redis): Promise<number> {
  const info = await conn.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_sys') + field('used_cpu_user');
}

/** Starts measuring CPU; `stop(n)` gives the CPU per item over n items (the Redis figure includes other clients of that server). */
async function cpuMeter(conn: Redis): Promise<{ stop(n: number): Promise<CpuPerItem> }> {
  const node0 = process.cpuUsage();
  const redis0 = await redisCpuSeconds(conn);
  return {
    async stop(n: number) {
      const node = process.cpuUsage(node0);
      const redis = (await redisCpuSeconds(conn)) - redis0;
      return { nodeUs: (node.user + node.system) / n, redisUs: (redis * 1e6) / n };
    },
  };
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** How a baseline connects: BullMQ as shipped (a plain ioredis connection, as its docs show), or through the app's createRedis. */
export type Connect = () => Redis;
export const plainConnection: Connect = () => new Redis(REDIS_URL, { maxRetriesPerRequest: null });
export const appConnection: Connect = () => createRedis(REDIS_URL);

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Raw BullMQ: add N no-op jobs (from concurrent producers) and process them at the same concurrency.
 * `connect`: BullMQ as shipped by default; `appConnection` measures raw BullMQ on the app's own
 * connections (which coalesce each turn's commands into one socket write: src/store/redis.ts).
 */
export async function rawNoopJobsPerSec(n: number, connect: Connect = plainConnection): Promise<{ rate: number; cpu: CpuPerItem }> {
  const prefix = uniquePrefix('bench-raw');
  const connection = connect();
  const queue = new Queue('noop', { connection, prefix });
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const worker = new Worker(
    'noop',
    async () => {
      if (++done === n) finish();
    },
    { connection: connect(), prefix, concurrency: CONCURRENCY },
  );
  const meter = await cpuMeter(connection);
  const start = performance.now();
  await produce(n, (i) => queue.add('noop', { i }, { jobId: `j-${i}`, removeOnComplete: { age: 3600 } }));
  await finished;
  const rate = n / ((performance.now() - start) / 1000);
  const cpu = await meter.stop(n);
  await worker.close();
  await queue.close();
  await connection.quit();
  await cleanPrefix(prefix);
  return { rate, cpu };
}

/**
 * The floor of any design with DESIGN.md's two queues: raw BullMQ jobs that hop twice (an
 * inbound no-op job whose processor adds an outbound no-op job), added and processed at the
 * same concurrency as the raw no-op figure, with no application work at all.
 */
export async function rawTwoHopPerSec(n: number, connect: Connect = plainConnection): Promise<{ rate: number; cpu: CpuPerItem }> {
  const prefix = uniquePrefix('bench-raw2');
  const connection = connect();
  const first = new Queue('first', { connection, prefix });
  const second = new Queue('second', { connection, prefix });
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => {
    finish = r;
  });
  const opts = (i: number) => ({ jobId: `j-${i}`, removeOnComplete: { age: 3600 } });
  const w1 = new Worker('first', (job) => second.add('noop', job.data, opts(job.data.i)), {
    connection: connect(),
    prefix,
    concurrency: CONCURRENCY,
  });
  const w2 = new Worker(
    'second',
    async () => {
      if (++done === n) finish();
    },
    { connection: connect(), prefix, concurrency: CONCURRENCY },
  );
  const meter = await cpuMeter(connection);
  const start = performance.now();
  await produce(n, (i) => first.add('noop', { i }, opts(i)));
  await finished;
  const rate = n / ((performance.now() - start) / 1000);
  const cpu = await meter.stop(n);
  await Promise.all([w1.close(), w2.close()]);
  await Promise.all([first.close(), second.close()]);
  await connection.quit();
  await cleanPrefix(prefix);
  return { rate, cpu };
}

/** Runs `add(i)` for i < n from 50 concurrent producers. */
async function produce(n: number, add: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < n) await add(next++);
    }),
  );
}

/** The intake bench's configuration (`role` all, or one half of the production shape). */
export function benchConfig(prefix: string, role: 'all' | 'worker' | 'gateway' = 'all') {
  return testConfig(prefix, { digest: { maxCardsPerWindow: 5, window: '1m' } }, { LOG_LEVEL: 'error', ROLE: role });
}

/**
 * Starts a process of the production shape (bench/intake-gateway.ts): the gateway, or one more
 * inbound worker; resolves once it runs.
 */
async function startBenchProcess(prefix: string, onSent: (key: string, at: number) => void, role: 'gateway' | 'worker' = 'gateway') {
  const child = fork('bench/intake-gateway.ts', [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_PREFIX: prefix, BENCH_ROLE: role },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let cards = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code}`)));
    child.on('message', (m: 'ready' | { sent: [string, number][]; cards?: number }) => {
      if (m === 'ready') return resolve();
      for (const [key, at] of m.sent) onSent(key, at);
      if (m.cards !== undefined) cards = m.cards;
    });
  });
  await ready;
  return {
    async close(): Promise<number> {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('close');
      await exited;
      return cards;
    },
  };
}

/**
 * The intake part: citizens' messages in, acknowledgements out, through the real pipeline.
 * `split`: the production shape, ROLE=worker here and ROLE=gateway in a second process;
 * `workers`: that many more ROLE=worker processes (scaling out, README).
 */
export async function benchIntake(
  opts: {
    n?: number;
    fixedRate?: number;
    fixedSeconds?: number;
    bare?: boolean;
    latency?: boolean;
    split?: boolean;
    workers?: number;
  } = {},
) {
  const n = opts.n ?? 5000;
  const prefix = uniquePrefix('bench-intake');
  const inboundAt = new Map<string, number>();
  const latencies: number[] = [];
  let acks = 0;
  let onAck: () => void = () => {};
  const sent = (key: string, at: number) => {
    const m = /^reply:(.+):1$/.exec(key);
    const t0 = m ? inboundAt.get(m[1] as string) : undefined;
    if (t0 === undefined) return;
    latencies.push(at - t0);
    acks++;
    onAck();
  };
  const transport = new RecordingTransport((r: RecordedSend) => sent(r.msg.idempotencyKey, r.at));
  const gateway = opts.split || opts.workers ? await startBenchProcess(prefix, sent) : undefined;
  const workers = await Promise.all(Array.from({ length: opts.workers ?? 0 }, () => startBenchProcess(prefix, sent, 'worker')));
  const app = await createApp(benchConfig(prefix, gateway ? 'worker' : 'all'), createLogger('error'), {
    port: 0,
    outboundRate: Number.POSITIVE_INFINITY,
    ...(gateway ? {} : { transport: () => transport }),
    ...(opts.bare ? { features: [] } : {}),
    inboundConcurrency: CONCURRENCY,
  });
  const waitAcks = (target: number) =>
    new Promise<void>((resolve) => {
      onAck = () => acks >= target && resolve();
      onAck();
    });
  const send = async (i: number, tag: string) => {
    const id = `${tag}-${i}`;
    const at = Date.now();
    inboundAt.set(id, at);
    await app.queues.receive({
      id,
      chat: { kind: 'dm', phone: `+3370${String(i).padStart(7, '0')}` },
      from: { phone: `+3370${String(i).padStart(7, '0')}` },
      text: 'Our building collapsed in the north, my sister is injured',
      fromMe: false,
      at,
    });
  };

  // Sustained throughput: as fast as the pipeline takes them. (The CPU figure of the split shape
  // counts this process only: the gateway's process is not measured.)
  const meter = await cpuMeter(app.deps.redis);
  const start = performance.now();
  await produce(n, (i) => send(i, 'flood'));
  await waitAcks(n);
  const msgsPerSec = n / ((performance.now() - start) / 1000);
  const cpu = await meter.stop(n);

  // Latency at a fixed offered load.
  const rate = opts.fixedRate ?? 1000;
  const total = opts.latency === false ? 0 : rate * (opts.fixedSeconds ?? 5);
  latencies.length = 0;
  acks = 0;
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sends.push(send(n + i, 'steady'));
  }
  await Promise.all(sends);
  await waitAcks(total);
  const sorted = [...latencies].sort((a, b) => a - b);
  await app.close();
  await Promise.all(workers.map((w) => w.close()));
  const cards = gateway
    ? await gateway.close()
    : [...transport.sent.values()].filter((r) => r.msg.kind === 'card' || r.msg.kind === 'digest').length;
  await cleanPrefix(prefix);
  return {
    messages: n,
    msgsPerSec,
    cpu,
    fixedRate: rate,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cellGroupPosts: cards,
    queueHops: 2,
  };
}
