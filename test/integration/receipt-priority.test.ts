import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/queues/queues.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

describe('delivery receipts and people’s messages in the inbound queue', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('receipt-priority');
  });
  afterAll(async () => app.stop());

  it('takes a citizen’s message before the receipts that arrived ahead of it (after an alert, thousands come back)', async () => {
    const inbound = app.queues.inbound;
    await inbound.pause();
    const sink = app.queues.sink();
    for (let n = 0; n < 500; n++) await sink.delivery?.({ messageId: `ALERT-MSG-${n}`, state: 'delivered', at: Date.now() });
    const id = await app.say('+33622000001', 'HELP my son is hurt, we are in the north');
    await inbound.resume();
    await app.expectMessage('+33622000001', /INC-\d+/);
    await settle(app);
    const message = await inbound.getJob(jobIdFor('m', id));
    const receipts = await Promise.all([0, 1, 2, 250, 499].map((n) => inbound.getJob(jobIdFor('d', `ALERT-MSG-${n}/delivered`))));
    expect(message?.processedOn).toBeDefined();
    for (const r of receipts) {
      expect(r?.finishedOn).toBeDefined();
      // Started before any of the receipts queued ahead of it.
      expect(message?.processedOn as number).toBeLessThanOrEqual(r?.processedOn as number);
    }
  });
});
