import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddBatcher } from '../../src/queues/queues.ts';
import { createRedis } from '../../src/store/redis.ts';
import { cleanPrefix, REDIS_URL, uniquePrefix } from '../fakes/test-app.ts';

const prefix = uniquePrefix('queue-batching');
let connection: Redis;
let queue: Queue<{ n: number }>;
beforeAll(() => {
  connection = createRedis(REDIS_URL);
  queue = new Queue('batched', { connection, prefix });
});
afterAll(async () => {
  await queue.close();
  await connection.quit();
  await cleanPrefix(prefix);
});

describe('adds coalesced into one addBulk', () => {
  it('stores every job of a turn once, with its own options, and the same job id twice is one job', async () => {
    const batcher = new AddBatcher(queue);
    await Promise.all([
      batcher.add('a', { n: 1 }, { jobId: 'one' }),
      batcher.add('b', { n: 2 }, { jobId: 'two', priority: 3 }),
      batcher.add('c', { n: 3 }, { jobId: 'three', delay: 60_000 }),
      batcher.add('a', { n: 1 }, { jobId: 'one' }),
    ]);
    const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
    expect(counts).toEqual({ wait: 1, prioritized: 1, delayed: 1 });
    expect((await queue.getJob('two'))?.opts.priority).toBe(3);
    expect((await queue.getJob('three'))?.data).toEqual({ n: 3 });
  });

  it('a job BullMQ refuses fails alone: the others of its batch are still stored', async () => {
    const batcher = new AddBatcher(queue);
    const results = await Promise.allSettled([
      batcher.add('ok', { n: 4 }, { jobId: 'four' }),
      // BullMQ refuses a priority above 2^21.
      batcher.add('bad', { n: 5 }, { jobId: 'five', priority: 10_000_000 }),
      batcher.add('ok', { n: 6 }, { jobId: 'six' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/[Pp]riority/);
    expect(await queue.getJob('four')).toBeDefined();
    expect(await queue.getJob('six')).toBeDefined();
    expect(await queue.getJob('five')).toBeUndefined();
  });
});
