import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** DELETE takes the citizen's number and name out of what staff wrote about them, not only their own words. */
describe('a citizen erased after staff wrote about them', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('erase-staff-words');
  });
  afterAll(async () => app.stop());

  it('leaves the notes and replies, without their number or name; other figures stay', async () => {
    const phone = '+33612345678';
    await saveCitizens(app.deps, [
      { phone, name: 'Karim Haddad', region: 'north', household: 3, language: 'en', registeredAt: 1, updatedAt: 1, optedOut: false },
    ]);
    await app.say(phone, 'We are trapped on the third floor, the stairs collapsed');
    const ack = await app.expectMessage(phone, /INC-\d{4}/);
    const id = /INC-\d{4}/.exec(ack.text)?.[0] as string;
    const note = async (text: string) => expect((await app.api('POST', `/api/incidents/${id}/notes`, { text })).status).toBe(201);
    await note(`Called Karim Haddad on +33 6 12 34 56 78, then 06.12.34.56.78: no answer. Same family as ${id}.`);
    await note(
      'Neighbour says karim haddad left; try 0033612345678 or (+33) 612-345-678 tomorrow (06 12 34 56 78). Team of 12 sent, 2 ambulances.',
    );
    await note('Karim Haddadi (a cousin, not him) called from +33 6 12 34 56 79.');
    await app.say(STAFF.duty, `/reply ${id} Karim Haddad, stay where you are: a team is on its way.`);
    await settle(app);

    await app.say(phone, 'DELETE');
    await app.expectMessage(phone, /has been erased/);
    await settle(app);
    const incident = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    const staffWords = incident.timeline.filter((e) => e.type === 'note' || e.type === 'message').map((e) => e.text);
    expect(staffWords).toEqual([
      `Called [erased] on [erased], then [erased]: no answer. Same family as ${id}.`,
      'Neighbour says [erased] left; try [erased] or [erased] tomorrow ([erased]). Team of 12 sent, 2 ambulances.',
      // A part of their name goes wherever it is (their first name here is also a cousin's): their number only whole.
      '[erased] Haddadi (a cousin, not him) called from +33 6 12 34 56 79.',
      '[erased], stay where you are: a team is on its way.',
    ]);
    expect(JSON.stringify(incident)).not.toMatch(/612345678|Karim Haddad\b/i);
  });

  it('finds their name however staff wrote it: in capitals, without its accents, or a part of it', async () => {
    const phone = '+33612345699';
    await saveCitizens(app.deps, [
      { phone, name: 'Élodie Durand', region: 'north', household: 1, language: 'fr', registeredAt: 1, updatedAt: 1, optedOut: false },
    ]);
    await app.say(phone, 'Je suis bloquée à l’aéroport, mon passeport a été volé');
    const id = /INC-\d{4}/.exec((await app.expectMessage(phone, /INC-\d{4}/)).text)?.[0] as string;
    for (const text of [
      'ÉLODIE DURAND reached at the hotel',
      'Elodie Durand has no papers',
      'Mme Durand will call back',
      'Durandal Ltd is the hotel',
    ])
      expect((await app.api('POST', `/api/incidents/${id}/notes`, { text })).status).toBe(201);
    await app.say(STAFF.duty, `/reply ${id} Bonjour Élodie, une équipe arrive.`);
    await settle(app);
    await app.say(phone, 'DELETE');
    await app.expectMessage(phone, /effacé|erased/);
    await settle(app);
    const incident = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    expect(incident.timeline.filter((e) => e.type === 'note' || e.type === 'message').map((e) => e.text)).toEqual([
      '[erased] reached at the hotel',
      '[erased] has no papers',
      'Mme [erased] will call back',
      'Durandal Ltd is the hotel',
      'Bonjour [erased], une équipe arrive.',
    ]);
  });

  it('takes out a part of their name only written as a name, and never a part of a staff member’s', async () => {
    const phone = '+33612345698';
    await saveCitizens(app.deps, [
      { phone, name: 'Chloé Said', region: 'north', household: 1, language: 'en', registeredAt: 1, updatedAt: 1, optedOut: false },
    ]);
    await app.say(phone, 'Our car was stolen with our passports inside');
    const id = /INC-\d{4}/.exec((await app.expectMessage(phone, /INC-\d{4}/)).text)?.[0] as string;
    await app.say(STAFF.officer, `/ack ${id}`);
    for (const text of ['She said she would call back', 'Mrs Said called again', 'CHLOÉ SAID has no car keys'])
      expect((await app.api('POST', `/api/incidents/${id}/notes`, { text })).status).toBe(201);
    await settle(app);
    await app.say(phone, 'DELETE');
    await app.expectMessage(phone, /has been erased/);
    await settle(app);
    const incident = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    expect(incident.timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual([
      'She said she would call back',
      'Mrs [erased] called again',
      '[erased] has no car keys',
    ]);
    expect(incident.timeline.find((e) => e.type === 'assigned')?.text).toBe('taken on by Chloe Officer');
  });
});
