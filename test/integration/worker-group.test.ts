import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerGroup } from '../../src/queues/workers/worker-group.ts';
import { createRedis } from '../../src/store/redis.ts';
import { cleanPrefix, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The outbound queue's workers: its slots shared out among several BullMQ Workers, on real Redis. */
describe('WorkerGroup', () => {
  const prefix = uniquePrefix('worker-group');
  const connection = createRedis(REDIS_URL);
  let queue: Queue;
  const groups: WorkerGroup<{ i: number }>[] = [];
  const group = (name: string, concurrency: number, processor: (data: { i: number }) => Promise<unknown>) => {
    const g = new WorkerGroup<{ i: number }>(name, (job) => processor(job.data), { connection, prefix, concurrency, autorun: false });
    groups.push(g);
    return g;
  };

  beforeAll(() => {
    queue = new Queue('jobs', { connection, prefix });
  });
  afterAll(async () => {
    await Promise.all(groups.map((g) => g.close(true)));
    await queue.close();
    await cleanPrefix(prefix);
    await connection.quit();
  });

  it('shares the slots out in workers of at most 20, as evenly as it can', () => {
    const sizes = (n: number) => group('sizes', n, async () => {}).workers.map((w) => w.concurrency);
    expect(sizes(100)).toEqual([20, 20, 20, 20, 20]);
    expect(sizes(50)).toEqual([17, 17, 16]);
    expect(sizes(10)).toEqual([10]);
  });

  it('runs every job once, never more at once than its slots, and tells of each completion', async () => {
    const started: number[] = [];
    let running = 0;
    let most = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const g = group('jobs', 30, async ({ i }) => {
      started.push(i);
      most = Math.max(most, ++running);
      await gate;
      running--;
    });
    const completed: number[] = [];
    g.on('completed', (job) => completed.push(job.data.i));
    await queue.addBulk(Array.from({ length: 60 }, (_, i) => ({ name: 'job', data: { i } })));
    void g.run();
    expect(g.isRunning()).toBe(true);
    await waitFor(async () => started.length === 30, 10_000, '30 jobs running');
    // Every slot is taken: the other 30 jobs stay in the queue until one frees.
    expect(await queue.getWaitingCount()).toBe(30);
    release();
    await waitFor(async () => completed.length === 60, 10_000, 'all 60 jobs completed');
    expect(most).toBe(30);
    expect([...started].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect([...completed].sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('paused, none of its workers takes a job; resumed, they do', async () => {
    const pausedQueue = new Queue('paused', { connection, prefix });
    const done: number[] = [];
    const g = new WorkerGroup<{ i: number }>('paused', async (job) => void done.push(job.data.i), {
      connection,
      prefix,
      concurrency: 40,
      autorun: false,
    });
    groups.push(g);
    void g.run();
    await pausedQueue.add('job', { i: 0 });
    await waitFor(async () => done.length === 1, 10_000, 'the first job');
    await g.pause(true);
    expect(g.isPaused()).toBe(true);
    await pausedQueue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'job', data: { i: i + 1 } })));
    // Jobs that arrive now are not taken, but for one per worker that a fetch already under way may
    // still take (BullMQ's pause): they are still waiting once a fresh worker (a sentinel on another
    // queue, started after the pause) has had time to take one of its own.
    const sentinelQueue = new Queue('sentinel', { connection, prefix });
    const sentinel = new WorkerGroup<{ i: number }>('sentinel', async () => {}, { connection, prefix, concurrency: 1 });
    groups.push(sentinel);
    const sentinelDone = new Promise((r) => sentinel.on('completed', r));
    await sentinelQueue.add('job', { i: 0 });
    await sentinelDone;
    expect(g.workers.length).toBe(2);
    expect(await pausedQueue.getWaitingCount()).toBeGreaterThanOrEqual(10 - g.workers.length);
    expect(done.length).toBeLessThanOrEqual(1 + g.workers.length);
    g.resume();
    await waitFor(async () => done.length === 11, 10_000, 'the jobs queued while paused');
    await sentinelQueue.close();
    await pausedQueue.close();
  });
});
