import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

describe('an alert sent at a slow rate', () => {
  let app: TestApp;
  beforeAll(async () => {
    // Five messages a second: BullMQ starts five jobs at once, the send limiter spaces them 200 ms apart.
    app = await startTestApp('broadcast-slow-rate', {
      config: { cellGroups: [], broadcast: { ratePerSecond: 5, approvalThreshold: 100_000 } },
      options: { outboundRate: 5 },
    });
  });
  afterAll(async () => app.stop());

  it('sends nothing more once cancelled, not even the messages already waiting for the send limit', async () => {
    const citizens = Array.from({ length: 12 }, () => aCitizen({ region: 'north' }));
    await saveCitizens(app.deps, citizens);
    const received = async () => {
      let n = 0;
      for (const c of citizens) n += (await app.outbox(c.phone)).filter((m) => m.text.includes('Stay indoors')).length;
      return n;
    };
    const created = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Stay indoors tonight.' },
    });
    await waitFor(async () => ((await received()) >= 1 ? true : undefined), 15_000, 'the first message');
    const cancel = await app.api<{ status: string }>('POST', `/api/alerts/${created.body.id}/cancel`);
    expect(cancel.body.status).toBe('cancelled');
    const atCancel = await received();
    await settle(app, 30_000);
    // At most the one send whose last look was already taken when the cancel landed.
    expect((await received()) - atCancel).toBeLessThanOrEqual(1);
    expect(await received()).toBeLessThan(citizens.length);
  });
});
