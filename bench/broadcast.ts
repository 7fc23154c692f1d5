/**
 * Broadcast benchmark: 100,000 registered citizens. Measures, against raw BullMQ addBulk in the
 * same run on the same Redis (in a child process, just before): the time to enqueue an alert's
 * fan-out, the observed send rate against the configured limit and the most sends in any sliding
 * second, the time to tally 100,000 welfare replies (checked exact), and the peak RSS of the
 * broadcast's process. Run alone with `npx tsx bench/broadcast.ts`; the last line is JSON.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Queue, type Worker } from 'bullmq';
import { parse } from 'yaml';
import { createAlert, createBroadcast } from '../src/broadcast/alerts.ts';
import { broadcastQueues, closeBroadcastQueues } from '../src/broadcast/broadcast-queue.ts';
import { broadcastKeys, loadRecord } from '../src/broadcast/broadcast-store.ts';
import { fanOut } from '../src/broadcast/fanout.ts';
import { onBroadcastSent, prepareBroadcastSend } from '../src/broadcast/tracking.ts';
import { countRecipientsByRegion, getWelfareCheck, recordWelfareAnswer } from '../src/broadcast/welfare.ts';
import { type Citizen, saveCitizens } from '../src/citizens/registry.ts';
import { configFileSchema, envSchema } from '../src/config/schema.ts';
import { Roster } from '../src/domain/roster.ts';
import type { HttpDeps } from '../src/http/http-deps.ts';
import { createLogger } from '../src/observability/logger.ts';
import { Queues } from '../src/queues/queues.ts';
import { createOutboundWorker } from '../src/queues/workers/outbound-worker.ts';
import { AuditLog } from '../src/store/audit-log.ts';
import { redisKeys } from '../src/store/keys.ts';
import { createRedis } from '../src/store/redis.ts';
import { TokenStore } from '../src/store/token-store.ts';
import type { ChatTransport } from '../src/transport/chat-transport.ts';

const CITIZENS = 100_000;
const CHUNK = 1_000;
/** Citizens registered per call while seeding. */
const SEED_BATCH = 250;
/** Chunks in flight, for the baseline as for the fan-out (src/broadcast/fanout.ts). */
const IN_FLIGHT = 4;
/** The configured send limit: high enough to measure, for SEND_SECONDS. */
const RATE = Number(process.env.BENCH_RATE ?? 1_000);
const SEND_SECONDS = Number(process.env.BENCH_SEND_SECONDS ?? 20);

function makeDeps(prefix: string): HttpDeps {
  const env = envSchema.parse({ KEY_PREFIX: prefix, REDIS_URL: process.env.REDIS_URL, LOG_LEVEL: 'silent' });
  const base = parse(readFileSync('config/example.yaml', 'utf8'));
  const file = configFileSchema.parse({ ...base, broadcast: { ...base.broadcast, ratePerSecond: 1000, approvalThreshold: CITIZENS * 2 } });
  const redis = createRedis(env.REDIS_URL);
  const keys = redisKeys(prefix);
  const queueConnection = createRedis(env.REDIS_URL);
  const queues = new Queues(queueConnection, prefix);
  const log = createLogger('silent');
  return {
    config: file,
    env,
    redis,
    queueConnection,
    keys,
    audit: new AuditLog(redis, keys),
    outbox: queues,
    roster: new Roster(file.staff),
    timers: queues,
    log,
    now: Date.now,
    tokens: new TokenStore(redis, keys),
    queues,
  };
}

/** Raw BullMQ: addBulk of no-op jobs in chunks of CHUNK, `inFlight` chunks at a time, on a throwaway queue. */
async function rawAddBulk(deps: HttpDeps, count: number, inFlight: number): Promise<number> {
  const connection = createRedis(deps.env.REDIS_URL);
  const q = new Queue('bench-raw', { connection, prefix: deps.keys.prefix });
  const chunk = (from: number) =>
    Array.from({ length: Math.min(CHUNK, count - from) }, (_, j) => ({ name: 'noop', data: { i: from + j } }));
  const t0 = performance.now();
  for (let i = 0; i < count; i += CHUNK * inFlight) {
    const round = [];
    for (let k = i; k < Math.min(count, i + CHUNK * inFlight); k += CHUNK) round.push(q.addBulk(chunk(k)));
    await Promise.all(round);
  }
  const seconds = (performance.now() - t0) / 1000;
  await q.obliterate({ force: true });
  await q.close();
  connection.disconnect();
  return count / seconds;
}

interface RawBaseline {
  jobsPerSec: number;
  sequentialJobsPerSec: number;
  peakRssMb: number;
}

/** The raw baseline, in this process: sequential chunks (which also warms up), then IN_FLIGHT chunks at a time. */
async function rawBaseline(prefix: string): Promise<RawBaseline> {
  const deps = makeDeps(prefix);
  const sequentialJobsPerSec = await rawAddBulk(deps, CITIZENS, 1);
  const jobsPerSec = await rawAddBulk(deps, CITIZENS, IN_FLIGHT);
  await deps.queues.close();
  await deps.redis.quit();
  await deps.queueConnection.quit();
  return { jobsPerSec, sequentialJobsPerSec, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) };
}

/**
 * The raw baseline in a child process, on the same Redis, just before the broadcast: raw addBulk
 * of 100,000 jobs alone takes a process to about 280 MB, and this process's peak RSS is to be
 * the broadcast's (its `baselinePeakRssMb` is reported beside it).
 */
function rawBaselineInChild(prefix: string): Promise<RawBaseline> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), '--raw-baseline', prefix],
      { encoding: 'utf8' },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as RawBaseline)),
    );
  });
}

/** Citizen number `i` of the bench population (regions and languages spread evenly). */
function citizen(i: number): Citizen {
  return {
    phone: `+1555${String(1_000_000 + i).padStart(7, '0')}`,
    name: `Citizen ${i}`,
    region: REGIONS[i % 3] as string,
    household: 1 + (i % 4),
    language: LANGUAGES[Math.floor(i / 3) % 3] as string,
    registeredAt: 1,
    updatedAt: 1,
    optedOut: false,
  };
}
const REGIONS = ['north', 'capital', 'coast'];
const LANGUAGES = ['en', 'fr', 'ar'];

/** A transport that only counts: the limiter, not the simulator, is measured. */
function countingTransport(sends: number[]): ChatTransport {
  let n = 0;
  return {
    name: 'simulator',
    start: async () => {},
    stop: async () => {},
    state: () => 'open',
    send: async () => {
      sends.push(performance.now());
      n += 1;
      return { messageId: `BENCH-${n}`, duplicate: false };
    },
  };
}

async function measureSendRate(deps: HttpDeps): Promise<{ observed: number; sent: number; maxInAnySecond: number }> {
  const sends: number[] = [];
  const connection = createRedis(deps.env.REDIS_URL);
  const worker: Worker = createOutboundWorker(
    deps,
    connection,
    countingTransport(sends),
    RATE,
    (job, id) => onBroadcastSent(deps, job, id),
    {
      beforeSend: (job) => prepareBroadcastSend(deps, job),
    },
  );
  const started = performance.now();
  void worker.run();
  await new Promise((r) => setTimeout(r, SEND_SECONDS * 1000));
  const ranMs = performance.now() - started;
  await worker.close(true);
  connection.disconnect();
  // Sends over the time the worker ran, and the most sends stamped within any sliding second (never above RATE).
  const observed = sends.length / (ranMs / 1000);
  let maxInAnySecond = 0;
  for (let i = 0, j = 0; i < sends.length; i++) {
    while ((sends[i] as number) - (sends[j] as number) >= 1000) j++;
    maxInAnySecond = Math.max(maxInAnySecond, i - j + 1);
  }
  return { observed, sent: sends.length, maxInAnySecond };
}

async function tallyWelfare(deps: HttpDeps): Promise<{ seconds: number; exact: boolean }> {
  const r = await createBroadcast(deps, 'welfare', { author: { name: 'bench' }, audience: { all: true }, text: {} });
  await deps.redis.hset(broadcastKeys(deps, 'welfare').record(r.id), 'status', 'open');
  await countRecipientsByRegion(deps, r.id);
  const expected = { safe: 0, help: 0, people: 0 };
  const t0 = performance.now();
  let next = 0;
  const workerLoop = async () => {
    for (let i = next++; i < CITIZENS; i = next++) {
      const c = citizen(i);
      const answer = i % 10 === 0 ? 'help' : 'safe';
      await recordWelfareAnswer(deps, { id: r.id, phone: c.phone, answer });
    }
  };
  await Promise.all(Array.from({ length: 200 }, workerLoop));
  const view = await getWelfareCheck(deps, r.id);
  const seconds = (performance.now() - t0) / 1000;
  for (let i = 0; i < CITIZENS; i++) {
    if (i % 10 === 0) expected.help += 1;
    else {
      expected.safe += 1;
      expected.people += citizen(i).household;
    }
  }
  const exact =
    view.counts.safe === expected.safe &&
    view.counts.help === expected.help &&
    view.counts.peopleSafe === expected.people &&
    view.counts.noAnswer === 0 &&
    Object.values(view.byRegion).reduce((a, b) => a + b.safe + b.help, 0) === CITIZENS;
  return { seconds, exact };
}

async function cleanPrefix(deps: HttpDeps): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await deps.redis.scan(cursor, 'MATCH', `${deps.keys.prefix}:*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length) await deps.redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function benchBroadcast(): Promise<Record<string, number>> {
  const prefix = `bench-broadcast-${randomBytes(4).toString('hex')}`;
  const baseline = await rawBaselineInChild(prefix);
  const deps = makeDeps(prefix);
  try {
    phase('start');
    const s0 = performance.now();
    // Setup, not measured against a target: small batches, so the seeding's garbage does not set the peak RSS.
    for (let i = 0; i < CITIZENS; i += SEED_BATCH)
      await saveCitizens(
        deps,
        Array.from({ length: SEED_BATCH }, (_, j) => citizen(i + j)),
      );
    const seedSeconds = (performance.now() - s0) / 1000;
    phase('seed');

    const t0 = performance.now();
    const alert = await createAlert(deps, {
      author: { name: 'bench' },
      audience: { all: true },
      text: { en: 'Bench alert: shelter in place.', fr: 'Alerte de test : restez à l’abri.' },
    });
    phase(`alert created in ${Math.round(performance.now() - t0)} ms`);
    await broadcastQueues(deps).broadcast.obliterate({ force: true });
    const enqueued = await fanOut(deps, alert.id);
    const fanOutSeconds = (performance.now() - t0) / 1000;
    const record = await loadRecord(deps, alert.id);
    if (enqueued !== CITIZENS || !record?.fannedOut) throw new Error(`fan-out enqueued ${enqueued} of ${CITIZENS}`);
    const fanOutJobsPerSec = CITIZENS / fanOutSeconds;
    phase('fanout');

    const send = await measureSendRate(deps);
    phase('send');
    await deps.queues.outbound.obliterate({ force: true });
    const tally = await tallyWelfare(deps);
    phase('tally');
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    return {
      citizens: CITIZENS,
      seedSeconds: round(seedSeconds),
      fanOutSeconds: round(fanOutSeconds),
      fanOutJobsPerSec: Math.round(fanOutJobsPerSec),
      baselineJobsPerSec: Math.round(baseline.jobsPerSec),
      baselineSequentialJobsPerSec: Math.round(baseline.sequentialJobsPerSec),
      ratio: round(fanOutJobsPerSec / baseline.jobsPerSec),
      configuredRatePerSec: RATE,
      observedSendRatePerSec: Math.round(send.observed),
      sendRateRatio: round(send.observed / RATE),
      sentInRun: send.sent,
      maxSendsInAnySecond: send.maxInAnySecond,
      tallySeconds: round(tally.seconds),
      tallyExact: tally.exact ? 1 : 0,
      peakRssMb: Math.round(peakRssMb),
      baselinePeakRssMb: baseline.peakRssMb,
    };
  } finally {
    await cleanPrefix(deps);
    await closeBroadcastQueues(deps);
    await deps.queues.close();
    await deps.redis.quit();
    await deps.queueConnection.quit();
  }
}

const phase = (name: string) =>
  process.env.BENCH_DEBUG &&
  process.stderr.write(
    `${name}: rss ${Math.round(process.memoryUsage().rss / 1e6)} MB heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB ext ${Math.round(process.memoryUsage().external / 1e6)} MB, peak rss ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`,
  );
const round = (n: number) => Math.round(n * 1000) / 1000;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv[2] === '--raw-baseline') {
  process.stdout.write(`${JSON.stringify(await rawBaseline(process.argv[3] as string))}\n`);
  process.exit(0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await benchBroadcast();
  process.stdout.write(`${JSON.stringify({ broadcast: result })}\n`);
  process.exit(0);
}
