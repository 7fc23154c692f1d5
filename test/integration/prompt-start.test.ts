import { type Job, Queue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { startPromptly } from '../../src/queues/workers/prompt-start.ts';
import { createRedis } from '../../src/store/redis.ts';
import { cleanPrefix, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/**
 * A worker with free slots and a backlog starts each job as soon as it has it: BullMQ's own loop
 * fetched a job for every free slot, one round trip after another, before starting the first, so
 * the first citizen's answer waited for the 99 fetches behind it.
 */
const prefix = uniquePrefix('prompt-start');
const connection = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
afterAll(async () => {
  await connection.quit();
  await cleanPrefix(prefix);
});

async function backlogRun(name: string, prompt: boolean, jobs = 60, concurrency = 100) {
  const queue = new Queue(name, { connection, prefix });
  for (let i = 0; i < jobs; i++) await queue.add('job', { i }, { jobId: `${name}-${i}` });
  let fetched = 0;
  let running = 0;
  let mostRunning = 0;
  const fetchedWhenStarted: number[] = [];
  const started: number[] = [];
  const worker = new Worker(
    name,
    async (job: Job<{ i: number }>) => {
      fetchedWhenStarted.push(fetched);
      started.push(job.data.i);
      running++;
      mostRunning = Math.max(mostRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    },
    { connection: connection.duplicate(), prefix, concurrency, autorun: false },
  );
  worker.on('active', () => fetched++);
  if (prompt) startPromptly(worker);
  void worker.run();
  await waitFor(async () => started.length === jobs || undefined, 20_000, `${jobs} jobs started`);
  await waitFor(async () => (await queue.getJobCounts('completed')).completed === jobs || undefined, 20_000, 'every job completed');
  await worker.close();
  await queue.close();
  return { fetchedWhenStarted, started, mostRunning };
}

describe('a worker started promptly', () => {
  it('starts the first job of a backlog before fetching the rest', async () => {
    const { fetchedWhenStarted, started } = await backlogRun('prompt', true);
    expect(fetchedWhenStarted[0]).toBe(1);
    expect(started).toHaveLength(60);
  });

  it('BullMQ’s own loop, for comparison, fetches the whole backlog before starting the first job', async () => {
    const { fetchedWhenStarted } = await backlogRun('stock', false);
    expect(fetchedWhenStarted[0]).toBe(60);
  });

  it('never runs more jobs at once than its concurrency, and closes while waiting for jobs', async () => {
    const { mostRunning, started } = await backlogRun('narrow', true, 30, 4);
    expect(mostRunning).toBe(4);
    expect(started).toHaveLength(30);
  });

  it('starts a job a finished one handed on while its own fetch is still out, not a round trip later', async () => {
    // A finished job fetches the next (jobs 0 and 2 below) while the loop's own fetch (job 1) is out.
    // Waiting on that fetch alone, the loop had left job 2 unstarted until the round trip came back:
    // a loaded machine then started a citizen's next answer before the one job 2 was, out of order.
    const name = 'handed-on';
    const queue = new Queue(name, { connection, prefix });
    for (let i = 0; i < 4; i++) await queue.add('job', { i }, { jobId: `${name}-${i}` });
    const events: string[] = [];
    let job2Started: () => void = () => {};
    const job2 = new Promise<void>((resolve) => {
      job2Started = resolve;
    });
    const worker = new Worker(
      name,
      async (job: Job<{ i: number }>) => {
        events.push(`start ${job.data.i}`);
        if (job.data.i === 2) job2Started();
        await new Promise((r) => setTimeout(r, 10));
      },
      { connection: connection.duplicate(), prefix, concurrency: 4, autorun: false },
    );
    const internals = worker as unknown as { _getNextJob: (...args: unknown[]) => Promise<Job | undefined> };
    const getNextJob = internals._getNextJob.bind(worker);
    let calls = 0;
    internals._getNextJob = async (...args) => {
      const call = ++calls;
      const job = await getNextJob(...args);
      if (call === 2) {
        // The loop's second fetch (job 1) is slow to come back: until job 2 starts, or 5 s.
        await Promise.race([job2, new Promise((r) => setTimeout(r, 5_000))]);
        events.push(`fetched ${job?.data.i}`);
      }
      return job;
    };
    startPromptly(worker);
    void worker.run();
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === 4 || undefined, 20_000, 'every job completed');
    await worker.close();
    await queue.close();
    expect(events.slice(0, 3)).toEqual(['start 0', 'start 2', 'fetched 1']);
  });
});
