import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { REMINDER_BATCH_MS, sendWelfareReminders } from '../../src/broadcast/welfare-follow-up.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** A check configured to remind after a second, whose questions are all held back: its reminder job waits a minute between looks, not a second. */
describe('the reminder of a welfare check whose questions are still going out', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('welfare-remind-pace', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1s', welfareFollowUpAfter: '3h' } },
    });
    await saveCitizens(app.deps, [aCitizen({ name: 'Held Back' })]);
  });
  afterAll(async () => app.stop());

  it('looks again a minute later at the soonest, however short welfareReminderAfter is', async () => {
    await app.queues.outbound.pause();
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(res.status).toBe(201);
    const id = res.body.id;
    await waitFor(async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body.status === 'sending' || undefined);
    const before = app.deps.now();
    const run = await sendWelfareReminders(app.deps, id);
    expect(run.reminded).toBe(0);
    expect(run.nextAt).toBeGreaterThanOrEqual(before + REMINDER_BATCH_MS);
    await app.queues.outbound.resume();
  });
});
