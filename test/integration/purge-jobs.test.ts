import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeFinishedJobsMentioning } from '../../src/queues/purge-jobs.ts';
import { createRedis } from '../../src/store/redis.ts';
import { cleanPrefix, REDIS_URL, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/** A citizen's DELETE reaches the finished jobs of a busy day: more than a page, many finished in the same millisecond. */
describe('purging the finished jobs that name a citizen', () => {
  const prefix = uniquePrefix('purge-jobs');
  const redis = createRedis(REDIS_URL);
  const queue = new Queue('inbound', { connection: createRedis(REDIS_URL), prefix });
  const N = 1_300;
  const phone = (i: number) => (i % 100 === 7 ? '+33699990007' : `+3369999${String(i).padStart(4, '0')}`);

  beforeAll(async () => {
    await queue.addBulk(
      Array.from({ length: N }, (_, i) => ({
        name: 'message',
        data: { text: `message ${i}`, from: { phone: phone(i) } },
        opts: { jobId: `j-${i}`, removeOnComplete: false, removeOnFail: false },
      })),
    );
    const worker = new Worker(
      'inbound',
      async (job) => {
        if (job.data.text === 'message 207') throw new Error('failed for good');
      },
      { connection: createRedis(REDIS_URL), prefix, concurrency: 50 },
    );
    await waitFor(async () => {
      const c = await queue.getJobCounts('completed', 'failed');
      return (c.completed ?? 0) + (c.failed ?? 0) === N;
    }, 20_000);
    await worker.close();
  });
  afterAll(async () => {
    await queue.close();
    await redis.quit();
    await cleanPrefix(prefix);
  });

  it('removes every completed or failed job that mentions the phone, and no other', async () => {
    expect(await purgeFinishedJobsMentioning(redis, queue, ['+33699990007'])).toBe(13);
    const left = await queue.getJobs(['completed', 'failed'], 0, -1);
    expect(left).toHaveLength(N - 13);
    expect(left.filter((j) => j.data.from.phone === '+33699990007')).toEqual([]);
    expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
    expect(await purgeFinishedJobsMentioning(redis, queue, ['+33699990007'])).toBe(0);
  });
});
