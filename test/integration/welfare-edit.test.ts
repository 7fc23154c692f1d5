import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** An app whose welfare checks go out at once, with one registered citizen (English). */
async function welfareApp(name: string, citizen: { phone: string; name: string; household: number }): Promise<TestApp> {
  const app = await startTestApp(name, {
    config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
  });
  await saveCitizens(app.deps, [aCitizen({ ...citizen, language: 'en' })]);
  return app;
}

/** A citizen who answered SAFE by mistake corrects it in WhatsApp ("Edit") to HELP. */
describe('a welfare answer edited from SAFE to HELP', () => {
  let app: TestApp;
  const phone = '+33612397777';
  beforeAll(async () => {
    app = await welfareApp('welfare-edit', { phone, name: 'Eve Edit', household: 2 });
  });
  afterAll(async () => app.stop());

  it('counts the citizen as needing help and puts a critical report in front of the cell', async () => {
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(check.status).toBe(201);
    await app.expectMessage(phone, /Are you safe/);
    await app.api('POST', '/sim/messages', { from: phone, text: '1', id: 'WA-WELFARE-1' });
    await settle(app);
    const counts = async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${check.body.id}`)).body.counts;
    expect(await counts()).toMatchObject({ safe: 1, help: 0 });
    const edit = await app.api('POST', '/sim/messages', { from: phone, text: '2', id: 'WA-WELFARE-1-EDIT', edit: { of: 'WA-WELFARE-1' } });
    expect(edit.status).toBe(202);
    await settle(app);
    expect(await counts()).toMatchObject({ safe: 0, help: 1 });
    await app.expectMessage(phone, /request for help \(reference INC-\d+\)/);
    await app.expectMessage(CELL_GROUP, (m) => /CRITICAL/.test(m.text) && /answered HELP/.test(m.text));
  });
});

describe('a welfare HELP from a citizen whose report is already open', () => {
  let app: TestApp;
  const phone = '+33612397778';
  beforeAll(async () => {
    app = await welfareApp('welfare-open-report', { phone, name: 'Olga Open', household: 1 });
  });
  afterAll(async () => app.stop());

  it('joins that report, raises it to critical and links it to the check', async () => {
    await app.say(phone, 'The water is rising in our street');
    const reported = await app.expectMessage(phone, /Reference: INC-\d+/);
    const incidentId = /INC-\d+/.exec(reported.text)?.[0] as string;
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    await app.expectMessage(phone, /Are you safe/);
    await app.say(phone, '2');
    await app.expectMessage(phone, new RegExp(`request for help \\(reference ${incidentId}\\)`));
    await settle(app);
    const incident = (await app.api<{ severity: string; links: Record<string, string> }>('GET', `/api/incidents/${incidentId}`)).body;
    expect(incident).toMatchObject({ severity: 'critical', links: { welfareCheck: check.body.id } });
    const listed = await app.api<{ items: { id: string }[] }>('GET', `/api/incidents?welfareCheck=${check.body.id}`);
    expect(listed.body.items.map((i) => i.id)).toEqual([incidentId]);
  });
});
