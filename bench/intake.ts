import { Queue, Worker } from 'bullmq';
import { createApp } from '../src/app/create-app.ts';
import { createLogger } from '../src/observability/logger.ts';
import { createRedis } from '../src/store/redis.ts';
import { type RecordedSend, RecordingTransport } from '../test/fakes/recording-transport.ts';
import { cleanPrefix, testConfig, uniquePrefix } from '../test/fakes/test-app.ts';

const CONCURRENCY = 20;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** Raw BullMQ: add N no-op jobs (from concurrent producers) and process them at the same concurrency. */
export async function rawNoopJobsPerSec(n: number): Promise<number> {
  const prefix = uniquePrefix('bench-raw');
  const connection = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
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
    { connection: createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'), prefix, concurrency: CONCURRENCY },
  );
  const start = performance.now();
  await produce(n, (i) => queue.add('noop', { i }, { jobId: `j-${i}`, removeOnComplete: { age: 3600 } }));
  await finished;
  const rate = n / ((performance.now() - start) / 1000);
  await worker.close();
  await queue.close();
  await connection.quit();
  await cleanPrefix(prefix);
  return rate;
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

/** The intake part: citizens' messages in, acknowledgements out, through the real pipeline. */
export async function benchIntake(opts: { n?: number; fixedRate?: number; fixedSeconds?: number; bare?: boolean; latency?: boolean } = {}) {
  const n = opts.n ?? 5000;
  const prefix = uniquePrefix('bench-intake');
  const config = testConfig(prefix, { digest: { maxCardsPerWindow: 5, window: '1m' } }, { LOG_LEVEL: 'error' });
  const inboundAt = new Map<string, number>();
  const latencies: number[] = [];
  let acks = 0;
  let onAck: () => void = () => {};
  const transport = new RecordingTransport((r: RecordedSend) => {
    const m = /^reply:(.+):1$/.exec(r.msg.idempotencyKey);
    const t0 = m ? inboundAt.get(m[1] as string) : undefined;
    if (t0 === undefined) return;
    latencies.push(r.at - t0);
    acks++;
    onAck();
  });
  const app = await createApp(config, createLogger('error'), {
    port: 0,
    outboundRate: Number.POSITIVE_INFINITY,
    transport: () => transport,
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

  // Sustained throughput: as fast as the pipeline takes them.
  const start = performance.now();
  await produce(n, (i) => send(i, 'flood'));
  await waitAcks(n);
  const msgsPerSec = n / ((performance.now() - start) / 1000);

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
  const cards = [...transport.sent.values()].filter((r) => r.msg.kind === 'card' || r.msg.kind === 'digest').length;
  await app.close();
  await cleanPrefix(prefix);
  return {
    messages: n,
    msgsPerSec,
    fixedRate: rate,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cellGroupPosts: cards,
    queueHops: 2,
  };
}
