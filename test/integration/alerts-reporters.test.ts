// An alert to a region also reaches who reported from there without registering: the frightened
// citizen who wrote in is the first who needs the curfew or the evacuation notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../../src/broadcast/alerts.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const P = {
  registered: '+33612500001',
  reporter: '+33612500002',
  reporterFr: '+33612500003',
  elsewhere: '+33612500004',
  stopped: '+33612500005',
  erased: '+33612500006',
  registeredElsewhere: '+33612500007',
  moved: '+33612500008',
};

describe('alerts and the people who reported without registering', () => {
  let app: TestApp;
  const received = async (phone: string, words: RegExp) => (await app.outbox(phone)).filter((m) => words.test(m.text));

  beforeAll(async () => {
    app = await startTestApp('alerts-reporters');
    await saveCitizens(app.deps, [
      aCitizen({ phone: P.registered, region: 'coast', language: 'en' }),
      aCitizen({ phone: P.registeredElsewhere, region: 'capital', language: 'fr' }),
    ]);
    const reports: [string, string][] = [
      [P.reporter, 'Gunfire near the port of Latakia, we are hiding in the hotel'],
      [P.reporterFr, 'Nous sommes bloqués à Lattaquié, les routes sont coupées'],
      [P.elsewhere, 'My passport was stolen in Damascus'],
      [P.stopped, 'Water is rising in our street in Latakia'],
      [P.erased, 'My son is missing since the explosion in Latakia'],
      [P.registeredElsewhere, 'I am stuck in Latakia on a work trip'],
      [P.moved, 'Protest blocking the road in Latakia'],
    ];
    for (const [phone, text] of reports) {
      await app.say(phone, text);
      await app.expectMessage(phone, /INC-\d+/);
    }
    // The one who moved wrote again from the capital after their report was resolved: they are there now.
    const moved = (await app.api<{ items: { id: string; reporter: string }[] }>('GET', '/api/incidents?limit=100')).body.items.find(
      (i) => i.reporter === P.moved,
    );
    await app.api('PATCH', `/api/incidents/${moved?.id}`, { status: 'resolved' });
    await app.say(P.moved, 'Now in Damascus, the airport road has a checkpoint');
    await app.expectMessage(P.moved, (m) => /INC-\d+/.test(m.text) && !m.text.includes(moved?.id ?? '-'));
    await app.say(P.stopped, 'STOP');
    await app.expectMessage(P.stopped, /no longer receive|not registered/i);
    await app.say(P.erased, 'DELETE');
    await app.expectMessage(P.erased, /erased|deleted/i);
    await settle(app);
  }, 60_000);
  afterAll(async () => app.stop());

  it('/alert coast from the cell reaches the registered and who reported from the coast, each once', async () => {
    await app.say(STAFF.duty, '/alert coast Curfew on the coast from 18:00. Stay where you are.', { group: CELL_GROUP });
    const draft = await app.expectMessage(CELL_GROUP, /Alert ALR-\d+/);
    // registered, reporter, reporterFr, registeredElsewhere (who reported from the coast).
    expect(draft.text).toMatch(/to 4 recipient\(s\) \(3 of them reported from there without registering\)/);
    for (const phone of [P.registered, P.reporter, P.reporterFr, P.registeredElsewhere])
      await waitFor(async () => (await received(phone, /Curfew on the coast/)).length > 0, 10_000, `the alert to ${phone}`);
    await settle(app);
    for (const phone of [P.registered, P.reporter, P.reporterFr, P.registeredElsewhere])
      expect(await received(phone, /Curfew on the coast/), phone).toHaveLength(1);
    for (const phone of [P.elsewhere, P.stopped, P.erased, P.moved])
      expect(await received(phone, /Curfew on the coast/), phone).toHaveLength(0);
  });

  it('through the API, reporters: true reaches them in the language they wrote in; without it, the registry only', async () => {
    const withReporters = await app.api<{ id: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['coast'], reporters: true },
      text: { en: 'Ferries from the coast are cancelled.', fr: 'Les ferries au départ de la côte sont annulés.' },
    });
    expect(withReporters.status).toBe(201);
    expect(withReporters.body.total).toBe(4);
    await app.expectMessage(P.reporterFr, /Les ferries au départ de la côte sont annulés/);
    await app.expectMessage(P.reporter, /Ferries from the coast are cancelled/);
    // A registered citizen reads it in their registered language, wherever they reported from.
    await app.expectMessage(P.registeredElsewhere, /Les ferries au départ de la côte sont annulés/);
    const view = (await app.api<AlertView>('GET', `/api/alerts/${withReporters.body.id}`)).body;
    expect(view.reporters).toBe(3);
    expect(view.audience.reporters).toBe(true);

    const registryOnly = await app.api<{ id: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { en: 'Registry only: the consulate on the coast is closed today.' },
    });
    expect(registryOnly.body.total).toBe(1);
    await app.expectMessage(P.registered, /the consulate on the coast is closed today/);
    await settle(app);
    expect(await received(P.reporter, /the consulate on the coast is closed today/)).toHaveLength(0);
  });

  it('refuses reporters on a welfare check, and a drill never reaches them', async () => {
    const bad = await app.api<{ error: { message: string } }>('POST', '/api/welfare-checks', {
      audience: { regions: ['coast'], reporters: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/reporters is for alerts/);
    const drill = await app.api<{ total: number }>('POST', '/api/alerts', {
      audience: { regions: ['coast'], reporters: true },
      text: { en: 'Drill: evacuation of the coast.' },
      exercise: true,
    });
    expect(drill.status).toBe(201);
    await settle(app);
    expect(await received(P.reporter, /Drill: evacuation of the coast/)).toHaveLength(0);
  });
});
