import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  // A slow send rate, as on a real number: an alert to 20 citizens takes 10 s to go out.
  app = await startTestApp('reply-priority', { config: { cellGroups: [] }, options: { outboundRate: 2 } });
});
afterAll(async () => app.stop());

describe('outbound priorities', () => {
  it('answers a citizen in distress before the rest of an alert that is still going out', async () => {
    const citizens = Array.from({ length: 20 }, () => aCitizen({ region: 'north' }));
    await saveCitizens(app.deps, citizens);
    const alert = await app.api<{ id: string; status: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Stay indoors.' },
    });
    expect(alert.body.status).toBe('sending');
    // The alert is going out (to whichever citizen comes first in its audience).
    await waitFor(async () => (await app.outbox()).some((m) => m.kind === 'alert'));
    await app.say('+33677770000', 'My husband is injured, we need a doctor');
    const reply = await app.expectMessage('+33677770000', /Reference: INC-\d{4}/);
    const alertsOut = (await app.outbox()).filter((m) => m.kind === 'alert' && m.seq < reply.seq).length;
    expect(alertsOut).toBeLessThan(citizens.length);
  });
});
