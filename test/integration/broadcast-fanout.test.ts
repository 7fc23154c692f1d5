import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BroadcastJob, broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import { fanOut } from '../../src/broadcast/fanout.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { OutboundJob } from '../../src/queues/job-schemas.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** A fan-out job that records the positions the fan-out saves, starting from `from`. */
function fanOutJob(id: string, saved: BroadcastJob[], from: Partial<BroadcastJob> = {}): Job<BroadcastJob> {
  return {
    data: { type: 'fanout', id, ...from },
    updateData: async (data: BroadcastJob) => {
      saved.push(data);
    },
  } as unknown as Job<BroadcastJob>;
}

describe('alert fan-out', () => {
  let app: TestApp;
  const queued = async () => Object.values(await app.queues.outbound.getJobCounts('waiting', 'prioritized')).reduce((a, b) => a + b, 0);

  beforeAll(async () => {
    app = await startTestApp('broadcast-fanout', {
      config: { cellGroups: [], broadcast: { ratePerSecond: 1000, approvalThreshold: 100_000 } },
    });
  });
  afterAll(async () => app.stop());

  it('queues each recipient without the text and renders it at send time, in their language', async () => {
    const [en, fr, ar, legacy] = [
      aCitizen({ region: 'coast' }),
      aCitizen({ region: 'coast', language: 'fr' }),
      aCitizen({ region: 'coast', language: 'ar' }),
      aCitizen({ region: 'coast', language: 'fr' }),
    ];
    await saveCitizens(app.deps, [en, fr, ar, legacy]);
    await app.queues.outbound.pause();
    const created = await app.api<{ id: string; code: string }>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { en: 'Roads to the port are closed.', fr: 'Les routes du port sont fermées.' },
    });
    const { id, code } = created.body;
    await waitFor(async () => (await app.deps.redis.hget(app.deps.keys.alert(id), 'fannedOut')) === '1');
    const job = await app.queues.outbound.getJob(jobIdFor('o', `alert:${id}:${fr.phone}`));
    expect(job?.data.text).toBeUndefined();
    expect(job?.data.language).toBe('fr');
    // A job queued before texts were rendered at send time carries its own text: it is sent as is.
    const ref = `alert:${id}:${legacy.phone}`;
    await app.queues.outbound.remove(jobIdFor('o', ref));
    const old: OutboundJob = {
      to: { kind: 'dm', phone: legacy.phone },
      text: 'Queued before the upgrade.',
      kind: 'alert',
      idempotencyKey: ref,
      ref,
    };
    await app.queues.outbound.add('alert', old, { jobId: jobIdFor('o', ref), priority: 5 });
    await app.queues.outbound.resume();
    const toFr = await app.expectMessage(fr.phone, /Les routes du port sont fermées/);
    expect(toFr.text).toContain(`Code de vérification : ${code}`);
    expect(toFr.text).toContain(id);
    expect((await app.expectMessage(en.phone, /Roads to the port are closed/)).text).toContain(code);
    // No Arabic text was given: the default language's text, under the Arabic header and footer.
    const toAr = await app.expectMessage(ar.phone, /Roads to the port are closed/);
    expect(toAr.text).not.toBe((await app.expectMessage(en.phone, /Roads/)).text);
    await app.expectMessage(legacy.phone, /^Queued before the upgrade\.$/);
    await settle(app);
    const a = await app.api<{ status: string; counts: { sent: number } }>('GET', `/api/alerts/${id}`);
    expect(a.body.counts.sent).toBe(4);
  });

  it('resumed from any saved position, or run twice, queues exactly one job per recipient', async () => {
    const citizens = Array.from({ length: 4_500 }, () => aCitizen({ region: 'capital' }));
    await saveCitizens(app.deps, citizens);
    await app.queues.outbound.pause();
    await broadcastQueues(app.deps).broadcast.pause();
    const created = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['capital'] },
      text: { en: 'Shelter in place.' },
    });
    const { id } = created.body;
    const saved: BroadcastJob[] = [];
    expect(await fanOut(app.deps, id, fanOutJob(id, saved))).toBe(4_500);
    expect(await queued()).toBe(4_500);
    // Positions saved mid-way (after whole rounds of chunks) and at the end of the language.
    const midway = saved.filter((s) => s.type === 'fanout' && s.cursor !== '0');
    expect(midway.length).toBeGreaterThan(0);
    for (const position of saved) {
      await app.deps.redis.hset(app.deps.keys.alert(id), 'fannedOut', '0');
      const again = await fanOut(app.deps, id, fanOutJob(id, [], position));
      expect(again).toBeLessThanOrEqual(4_500);
      expect(await queued()).toBe(4_500);
    }
    await broadcastQueues(app.deps).broadcast.resume();
    await app.api('POST', `/api/alerts/${id}/cancel`);
    await app.queues.outbound.resume();
    await settle(app, 30_000);
  });
});
