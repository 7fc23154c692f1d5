import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBroadcast } from '../../src/broadcast/alerts.ts';
import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import { loadRecord } from '../../src/broadcast/broadcast-store.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { OutboundJob } from '../../src/queues/job-schemas.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { stallFanOuts } from '../fakes/stalled-fanout.ts';
import { auditTrail, CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * A fan-out that gave up (its retries ran out during a long Redis outage, or while Redis refused
 * writes) is taken up again by the running app once the cause is gone: no restart is needed for
 * the rest of the audience to get the alert, and the cell group is told it stopped.
 */
describe('a fan-out that failed for good', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('bc-fanout-retry', {
      // The sweep runs every second here (minutes in production) so the test need not wait for it.
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 50, fanOutRetryEvery: '1s' } },
    });
  });
  afterAll(async () => app.stop());

  it('is taken up again by the running app once the cause is gone; nobody gets it twice', async () => {
    const en = aCitizen({ region: 'coast', language: 'en' });
    const fr = aCitizen({ region: 'coast', language: 'fr' });
    await saveCitizens(app.deps, [en, fr]);
    const r = await createBroadcast(app.deps, 'alert', {
      author: { name: 'Ana Duty' },
      audience: { regions: ['coast'] },
      text: { en: 'Stay indoors, coast.', fr: 'Restez chez vous, côte.' },
    });
    expect(r.total).toBe(2);

    // Redis refuses the adds of the French recipients' jobs (as a Redis out of memory refuses writes).
    const outbox = app.deps.outbox;
    const sendMany = outbox.sendMany.bind(outbox);
    let refused = 0;
    outbox.sendMany = async (jobs: OutboundJob[], priority?: number) => {
      if (jobs.some((j) => j.language === 'fr')) {
        refused++;
        throw new Error("OOM command not allowed when used memory > 'maxmemory'.");
      }
      return sendMany(jobs, priority);
    };
    try {
      // Sending starts as startSending does it, but with a fan-out job that gives up after 2 tries
      // 10 ms apart (8 tries over about 4 minutes in production): same job id, so the same job.
      await app.deps.redis.hset(app.deps.keys.alert(r.id), 'status', 'sending');
      await app.deps.redis.zadd(app.deps.keys.alertsActive, r.createdAt, r.id);
      const { broadcast } = broadcastQueues(app.deps);
      await broadcast.add(
        'fanout',
        { type: 'fanout', id: r.id },
        { jobId: jobIdFor('fanout', r.id), attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      );
      // Half-sent: the English reader has it, the French one does not; the fan-out failed for good.
      await app.expectMessage(en.phone, /Stay indoors, coast/);
      const failed = async () => (await broadcast.getJob(jobIdFor('fanout', r.id)))?.isFailed();
      await waitFor(async () => refused >= 2 && ((await failed()) || refused > 2), 10_000, 'the fan-out to fail for good');
      expect((await loadRecord(app.deps, r.id))?.status).toBe('sending');
      // While Redis still refuses, each round the running app gives it is a full round of tries
      // (2 here), not one try on top of those already used up.
      const round = await waitFor(
        async () => {
          const job = await broadcast.getJob(jobIdFor('fanout', r.id));
          return refused >= 4 && job?.finishedOn ? job : undefined;
        },
        10_000,
        'a later round of tries to fail',
      );
      expect(round.attemptsMade).toBe(2);
      // It starts again where it stopped, the French readers: the English ones are not queued again.
      expect(round.data).toMatchObject({ language: 1, queued: 1 });
    } finally {
      // The cause goes away (Redis takes writes again); nothing restarts.
      outbox.sendMany = sendMany;
    }

    // The running app finishes the alert by itself.
    await app.expectMessage(fr.phone, /Restez chez vous, côte/);
    await waitFor(async () => (await loadRecord(app.deps, r.id))?.status !== 'sending', 10_000, 'the alert to complete');
    await settle(app);
    expect((await app.outbox(en.phone)).filter((m) => /Stay indoors/.test(m.text))).toHaveLength(1);
    expect((await app.outbox(fr.phone)).filter((m) => /Restez chez vous/.test(m.text))).toHaveLength(1);

    // The cell was told once that it stopped (however many rounds failed), and once that it went on.
    const cell = (await app.outbox(CELL_GROUP)).map((m) => m.text);
    const stopped = cell.filter((t) => t.includes(`Alert ${r.id} stopped queueing after repeated errors`));
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatch(/: 1 of 2 queued; it is tried again every 1 second\./);
    expect(cell.filter((t) => t.includes(`Alert ${r.id} is queued to all 2 recipient(s)`))).toHaveLength(1);
    const types = (await auditTrail(app)).entries.map((e) => (e as { type: string }).type);
    expect(types.filter((t) => t === 'alert.fanout_stalled')).toHaveLength(1);
    expect(types).toContain('broadcast.fanout_retried');
    expect(types.filter((t) => t === 'alert.fanout_resumed')).toHaveLength(1);
  });

  it('shows a stalled fan-out as stalled in /sitrep and the API until it completes, not as sending', async () => {
    const en = aCitizen({ region: 'capital', language: 'en' });
    const fr = aCitizen({ region: 'capital', language: 'fr' });
    await saveCitizens(app.deps, [en, fr]);
    const sitrep = async () => {
      const before = (await app.outbox(CELL_GROUP)).length;
      await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
      const m = await waitFor(
        async () => (await app.outbox(CELL_GROUP)).slice(before).find((x) => x.text.startsWith('📊 SITREP')),
        10_000,
        'the sitrep',
      );
      return m.text.split('\n');
    };
    const view = async (path: string) => (await app.api<{ status: string; fanOutStalledSince?: string }>('GET', path)).body;
    const listed = async (path: string, id: string) =>
      (await app.api<{ items: { id: string; fanOutStalledSince?: string }[] }>('GET', `${path}?limit=50`)).body.items.find(
        (x) => x.id === id,
      );

    const restore = stallFanOuts(app, (j) => j.language === 'fr');
    let alert: string;
    let check: string;
    let cancelled: string;
    try {
      const audience = { regions: ['capital'] };
      const text = { en: 'Roadblocks in the capital.', fr: 'Barrages dans la capitale.' };
      alert = (await app.api<{ id: string }>('POST', '/api/alerts', { audience, text })).body.id;
      cancelled = (await app.api<{ id: string }>('POST', '/api/alerts', { audience, text })).body.id;
      check = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience })).body.id;
      for (const name of [`Alert ${alert}`, `Alert ${cancelled}`, `Welfare check ${check}`])
        await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${name} stopped queueing after repeated errors`));
      const since = async (id: string, key: (id: string) => string) => Number(await app.deps.redis.hget(key(id), 'fanOutStalled'));
      const alertSince = await since(alert, app.deps.keys.alert);
      const checkSince = await since(check, app.deps.keys.welfare);

      // The API says since when, in the view of one and in the lists.
      expect(await view(`/api/alerts/${alert}`)).toMatchObject({
        status: 'sending',
        fanOutStalledSince: new Date(alertSince).toISOString(),
      });
      expect((await listed('/api/alerts', alert))?.fanOutStalledSince).toBe(new Date(alertSince).toISOString());
      expect(await view(`/api/welfare-checks/${check}`)).toMatchObject({ fanOutStalledSince: new Date(checkSince).toISOString() });
      expect((await listed('/api/welfare-checks', check))?.fanOutStalledSince).toBe(new Date(checkSince).toISOString());

      // A stalled broadcast cancelled is no longer stalled: nothing more is to be queued.
      expect((await app.api('POST', `/api/alerts/${cancelled}/cancel`)).status).toBe(200);
      expect(await view(`/api/alerts/${cancelled}`)).not.toHaveProperty('fanOutStalledSince');

      // /sitrep says queueing stopped, since when, how far it got and when it is tried again.
      const lines = await sitrep();
      const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
      const note = (ms: number) =>
        `; ⚠️ queueing stopped at ${hhmm(ms)} UTC after repeated errors (1 of 2 queued so far), tried again every 1 second`;
      const alertLine = lines.find((l) => l.startsWith(`Alert ${alert}:`));
      expect(alertLine).toMatch(/^Alert ALR-\d+: sending, \d\/2 sent, /);
      expect(alertLine?.endsWith(note(alertSince))).toBe(true);
      const checkLine = lines.find((l) => l.startsWith(`Welfare ${check}:`));
      expect(checkLine?.endsWith(note(checkSince))).toBe(true);
    } finally {
      restore();
    }

    // Queueing goes on by itself; once everyone is queued, nothing says it stalled any more.
    await waitFor(async () => (await view(`/api/alerts/${alert}`)).status === 'sent', 10_000, 'the alert sent');
    await waitFor(async () => (await view(`/api/welfare-checks/${check}`)).status === 'open', 10_000, 'the check asked');
    await app.expectMessage(fr.phone, /Barrages dans la capitale/);
    expect(await view(`/api/alerts/${alert}`)).not.toHaveProperty('fanOutStalledSince');
    expect(await listed('/api/alerts', alert)).not.toHaveProperty('fanOutStalledSince');
    expect(await view(`/api/welfare-checks/${check}`)).not.toHaveProperty('fanOutStalledSince');
    expect(await listed('/api/welfare-checks', check)).not.toHaveProperty('fanOutStalledSince');
    const lines = await sitrep();
    expect(lines.find((l) => l.startsWith(`Alert ${alert}:`))).toBeUndefined();
    expect(lines).toContain(`Welfare ${check}: 0 safe (0 people), 0 need help, 2 no answer of 2 — safe/help/silent: capital 0/0/2`);
    expect(lines.join('\n')).not.toContain('queueing stopped');
  });

  it('starts an alert approved but never started (the approving process died in between), without a restart', async () => {
    const reader = aCitizen({ region: 'north', language: 'en' });
    await saveCitizens(app.deps, [reader]);
    const r = await createBroadcast(app.deps, 'alert', {
      author: { name: 'Ana Duty' },
      audience: { regions: ['north'] },
      text: { en: 'Convoy leaves the north at dawn.' },
    });
    // Approved a minute ago by a process that died before it started sending (an API process of a
    // split deployment: the workers keep running, so no start-up resume comes).
    await app.deps.redis.hset(app.deps.keys.alert(r.id), {
      status: 'approved',
      approvedBy: 'Eli',
      approvedAt: String(Date.now() - 60_000),
    });
    await app.expectMessage(reader.phone, /Convoy leaves the north at dawn/);
    await waitFor(async () => (await loadRecord(app.deps, r.id))?.status === 'sent' || undefined, 10_000, 'the alert sent');
    await settle(app);
    expect((await app.outbox(reader.phone)).filter((m) => /Convoy leaves/.test(m.text))).toHaveLength(1);
  });
});
