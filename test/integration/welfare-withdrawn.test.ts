import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** "Are you safe?" went out, then was withdrawn (sent by mistake); a citizen answers it anyway. */
describe('an answer to a welfare check withdrawn since', () => {
  let app: TestApp;
  const helpNeeded = '+33688100001';
  const safe = '+33688100002';
  beforeAll(async () => {
    app = await startTestApp('welfare-withdrawn', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } } });
    await saveCitizens(app.deps, [aCitizen({ phone: helpNeeded, region: 'coast' }), aCitizen({ phone: safe, region: 'coast' })]);
  });
  afterAll(async () => app.stop());

  it('"2" is a critical report that says what it answers, "1" is thanked; neither counts in the withdrawn check', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['coast'] } });
    const id = res.body.id;
    await app.expectMessage(helpNeeded, /Are you safe\? Reply 1/);
    await app.expectMessage(safe, /Are you safe\? Reply 1/);
    expect((await app.api('POST', `/api/welfare-checks/${id}/cancel`)).status).toBe(200);

    await app.say(helpNeeded, '2');
    const answer = await app.expectMessage(helpNeeded, /INC-\d+/);
    const incidentId = /INC-\d+/.exec(answer.text)?.[0] as string;
    const incident = (await app.api<Incident>('GET', `/api/incidents/${incidentId}`)).body;
    expect(incident.severity).toBe('critical');
    expect(incident.timeline[0]?.text).toBe(`Welfare check ${id} (withdrawn since): the citizen answered HELP (“2”).`);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(incidentId));
    expect(card.text).toContain('withdrawn since');

    await app.say(safe, '1');
    await app.expectMessage(safe, /noted that you are safe/);
    const check = (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    expect(check.counts).toMatchObject({ safe: 0, help: 0 });
  });
});
