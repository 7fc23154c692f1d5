import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOVALS } from '../../src/app/membership-guard.ts';
import type { InboundJob, OutboundJob } from '../../src/queues/job-schemas.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('bad-jobs', { config: { cellGroups: [] } });
});
afterAll(async () => app.stop());

describe('a malformed job payload', () => {
  it('fails at once with a clear reason, is audited, stays for investigation, and the next messages still flow', async () => {
    const inbound = await app.queues.inbound.add('message', { type: 'message', message: { id: 'x' } } as unknown as InboundJob, {
      jobId: 'bad-in-1',
    });
    const outbound = await app.queues.outbound.add('reply', { to: { kind: 'fax', number: 1 }, kind: 'reply' } as unknown as OutboundJob, {
      jobId: 'bad-out-1',
    });
    for (const [queue, job] of [
      [app.queues.inbound, inbound],
      [app.queues.outbound, outbound],
    ] as const) {
      // The job is read once it is failed: read before, it could still show the attempt in flight.
      const failed = await waitFor(async () =>
        (await queue.getJobState(job.id as string)) === 'failed' ? await queue.getJob(job.id as string) : undefined,
      );
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toMatch(new RegExp(`^invalid ${queue.name} job: `));
    }
    const audit = await app.api<{ items: { type: string; subject?: string; data: { queue?: string } }[] }>('GET', '/api/audit?limit=1000');
    const rejected = audit.body.items.filter((e) => e.type === 'job.rejected');
    expect(rejected.map((e) => [e.subject, e.data.queue]).sort()).toEqual([
      ['bad-in-1', 'inbound'],
      ['bad-out-1', 'outbound'],
    ]);
    await app.say('+33688880000', 'Is the airport open?');
    await app.expectMessage('+33688880000', /Reference: INC-\d{4}/);
  });

  it('fails an inbound job with no data at all at once, audited, instead of retrying a crash', async () => {
    const job = await app.queues.inbound.add('message', null as unknown as InboundJob, { jobId: 'bad-in-null' });
    const failed = await waitFor(async () =>
      (await app.queues.inbound.getJobState(job.id as string)) === 'failed' ? await app.queues.inbound.getJob(job.id as string) : undefined,
    );
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^invalid inbound job: /);
  });

  it('refuses an outbound job with nothing to send instead of sending the citizen an empty message', async () => {
    const empty = await app.queues.outbound.add(
      'reply',
      { to: { kind: 'dm', phone: '+33688880001' }, idempotencyKey: 'qa-empty-1', kind: 'reply' },
      {
        jobId: 'bad-out-empty',
      },
    );
    const failed = await waitFor(async () =>
      (await app.queues.outbound.getJobState(empty.id as string)) === 'failed'
        ? await app.queues.outbound.getJob(empty.id as string)
        : undefined,
    );
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe(
      'invalid outbound job: nothing to send: no text, reaction, poll, forward, nor a broadcast ref and language to render',
    );
    expect(await app.outbox('+33688880001')).toEqual([]);
  });

  it('fails a malformed group-removal job at once with a clear reason, instead of retrying it with zod’s JSON as the reason', async () => {
    const removals = new Queue(REMOVALS, { connection: app.deps.queueConnection, prefix: app.prefix });
    try {
      const job = await removals.add('remove', { groupId: 5 }, { jobId: 'bad-removal-1', attempts: 5 });
      const failed = await waitFor(async () =>
        (await removals.getJobState(job.id as string)) === 'failed' ? await removals.getJob(job.id as string) : undefined,
      );
      expect(failed.attemptsMade).toBe(1);
      expect(failed.failedReason).toBe('invalid group-removals job: groupId: Invalid input: expected string, received number');
    } finally {
      await removals.close();
    }
  });
});
