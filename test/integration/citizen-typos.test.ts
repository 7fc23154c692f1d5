import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { answersAfter, CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * Citizens typing fast on a phone in a crisis: a region name, a welfare answer or a keyword with a
 * letter missing or two letters swapped. What they are told, and what the crisis cell sees; and
 * the slips that must never be forgiven (DELETE erases, STOP stops alerts, SAFE counts someone safe).
 */
let app: TestApp;
let n = 0;
const citizen = () => `+3361288${String(1000 + n++)}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const incidentsOf = async (phone: string) =>
  (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=200')).body.items.filter((i) => i.reporter === phone);

beforeAll(async () => {
  app = await startTestApp('citizen-typos', {
    config: { digest: { maxCardsPerWindow: 1000, window: '1m' }, broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } },
  });
});
afterAll(async () => app.stop());

/** Sends `text` and returns everything the bot answered, once the queues are idle. */
async function answer(phone: string, text: string): Promise<string> {
  const before = (await app.outbox(phone)).length;
  await app.say(phone, text);
  return answersAfter(app, phone, before);
}

describe('a region typed in a hurry', () => {
  it('"we are in Damscus", "near Latakai": the card names the region, and the words stay as typed', async () => {
    for (const [text, region, name] of [
      ['my husband is injured, we are in Damscus', 'capital', 'Capital District'],
      ['gunfire near Latakai, we are hiding', 'coast', 'Coastal Province'],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
      const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
      expect(card.text, text).toContain(name);
      expect(card.text, text).toContain(text.split(',')[1]?.trim() as string);
      expect((await incidentsOf(phone))[0]?.region, text).toBe(region);
    }
  });

  it('"coats" is no "coast": a report that only mentions coats has no region', async () => {
    const phone = citizen();
    await app.say(phone, 'we lost our passports and our coats in the hotel fire');
    await app.expectMessage(phone, /INC-\d{4}/);
    await settle(app);
    expect((await incidentsOf(phone))[0]?.region).toBeNull();
  });

  it('the REGISTER question "where are you now?" answered "Damscus" registers the citizen in the capital', async () => {
    const phone = citizen();
    for (const text of ['REGISTER', 'yes', 'Samir Haddad']) await answer(phone, text);
    expect(await answer(phone, 'Damscus')).toMatch(/How many people/);
    await answer(phone, '2');
    await answer(phone, 'english');
    expect(await getCitizen(app.deps, phone)).toMatchObject({ region: 'capital', household: 2 });
  });
});

describe('a keyword typed in a hurry', () => {
  it('"regsiter" and "inscirption" start the registration, in their language; no report is opened', async () => {
    for (const [text, reply] of [
      ['regsiter', /Do you agree/],
      ['Inscirption', /Acceptez-vous/],
    ] as const) {
      const phone = citizen();
      expect(await answer(phone, text), text).toMatch(reply);
      expect(await incidentsOf(phone), text).toEqual([]);
    }
  });

  it('"DELTE" and "unsubscibe" erase nothing and stop no alert: the citizen is told how; DELETE itself erases', async () => {
    const registered = aCitizen({ phone: citizen() });
    await saveCitizens(app.deps, [registered]);
    for (const text of ['DELTE', 'unsubscibe']) {
      expect(await answer(registered.phone, text), text).toBe(
        'To erase your registration and what you sent us, send the one word DELETE. It cannot be undone. To stop alerts only, send STOP.',
      );
      expect(await getCitizen(app.deps, registered.phone), text).toMatchObject({ optedOut: false });
    }
    expect(await incidentsOf(registered.phone)).toEqual([]);
    expect(await answer(registered.phone, 'DELETE')).toMatch(/has been erased/);
    expect(await getCitizen(app.deps, registered.phone)).toBeUndefined();
  });
});

describe('a welfare answer typed in a hurry', () => {
  it('a slip in "not safe" is HELP (a critical report); a slip in "safe" is not counted safe, and the cell reads it', async () => {
    const notSafe = aCitizen({ phone: citizen(), region: 'coast', language: 'fr' });
    const safe = aCitizen({ phone: citizen(), region: 'coast', language: 'fr' });
    await saveCitizens(app.deps, [notSafe, safe]);
    const check = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['coast'] } })).body.id;
    await app.expectMessage(notSafe.phone, /Êtes-vous en sécurité/);
    await app.expectMessage(safe.phone, /Êtes-vous en sécurité/);

    // "1" then "on est pas en sécurité" mistyped: the words after the 1 say the opposite.
    const help = await answer(notSafe.phone, '1 mais on est pas en securte');
    const id = incidentIdIn(help);
    expect(id).toBeDefined();
    const incident = (await incidentsOf(notSafe.phone))[0];
    expect(incident).toMatchObject({ severity: 'critical', links: { welfareCheck: check } });

    // "nous sommes en sécurité" mistyped: never guessed safe; it reaches the cell as a report.
    expect(await answer(safe.phone, 'nous sommes en securte')).toMatch(/INC-\d{4}/);
    const view = (await app.api<WelfareView>('GET', `/api/welfare-checks/${check}`)).body;
    expect(view.counts).toMatchObject({ total: 2, safe: 0, help: 1, noAnswer: 1 });
  });
});
