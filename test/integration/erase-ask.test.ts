import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** "Delete my data" in words: the citizen learns how, and nothing is erased on a phrase. */
describe('a citizen who asks in words to be erased', () => {
  let app: TestApp;
  const citizen = (phone: string, language: string) => ({
    phone,
    name: 'Marie Curie',
    region: 'north',
    household: 2,
    language,
    registeredAt: 1,
    updatedAt: 1,
    optedOut: false,
  });
  beforeAll(async () => {
    app = await startTestApp('erase-ask');
  });
  afterAll(async () => app.stop());

  it('is told to send DELETE (or STOP for alerts only), in their language; nothing is erased, no report is opened', async () => {
    const en = '+33633000001';
    const fr = '+33633000002';
    await saveCitizens(app.deps, [citizen(en, 'en'), citizen(fr, 'fr')]);
    const cards = async () => (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'card').length;
    const before = await cards();
    await app.say(en, 'Delete my data!');
    const how = await app.expectMessage(en, /DELETE/);
    expect(how.text).toBe(
      'To erase your registration and what you sent us, send the one word DELETE. It cannot be undone. To stop alerts only, send STOP.',
    );
    await app.say(fr, 'Supprimez mes données');
    await app.expectMessage(fr, /envoyez le seul mot SUPPRIMER/);
    await settle(app);
    expect(await getCitizen(app.deps, en)).toBeDefined();
    expect(await getCitizen(app.deps, fr)).toBeDefined();
    expect(await cards()).toBe(before);
    // The word itself erases, as ever.
    await app.say(en, 'DELETE');
    await app.expectMessage(en, /has been erased/);
    expect(await getCitizen(app.deps, en)).toBeUndefined();
  });

  it('"please stop", "unsubscribe me", "supprimer mon compte", "حذف بياناتي" in a sentence: told how, no report, alerts not stopped by a phrase', async () => {
    const reporters = async () =>
      new Set((await app.api<{ items: { reporter: string | null }[] }>('GET', '/api/incidents?limit=200')).body.items.map((i) => i.reporter));
    let n = 10;
    for (const [text, answer] of [
      ['stop please', /send the one word DELETE/],
      ['Please stop sending me these messages', /send the one word DELETE/],
      ['unsubscribe me', /send the one word DELETE/],
      ['remove me from your list', /send the one word DELETE/],
      ['delete my account', /send the one word DELETE/],
      ['Please delete', /send the one word DELETE/],
      ['supprimer mon compte svp', /envoyez le seul mot SUPPRIMER/],
      ['حذف بياناتي', /حذف|احذف/],
    ] as const) {
      const phone = `+336330000${n++}`;
      await app.say(phone, text);
      const said = await app.expectMessage(phone, (m) => m.kind === 'delete');
      expect(said.text, text).toMatch(answer);
    }
    // The words inside an emergency are the emergency: "please stop" and "arrêtez" in a sentence are a cry.
    let u = 90;
    for (const cry of [
      'please stop them, they are beating my son, help',
      'please stop them, they are beating my son',
      'please stop, they are hurting us',
      'arrêtez-les, ils frappent mon fils',
      'arrêtez, il me frappe',
      'No more messages please, just send someone, my father collapsed',
      'Stop sending links!! they took my son an hour ago',
    ]) {
      const urgent = `+336330000${u++}`;
      await app.say(urgent, cry);
      const said = await app.expectMessage(urgent, (m) => m.kind === 'ack' || m.kind === 'delete');
      expect(said.kind, cry).toBe('ack');
      expect(said.text, cry).toMatch(/INC-\d{4}/);
    }
    await settle(app);
    // Each cry is a report; no request to stop is.
    const reported = await reporters();
    for (let i = 90; i < u; i++) expect(reported.has(`+336330000${i}`)).toBe(true);
    for (let i = 10; i < n; i++) expect(reported.has(`+336330000${i}`)).toBe(false);
    // Said alone, with thanks or why, it is still asked how to stop.
    for (const [phone, text] of [
      ['+33633000098', 'please stop, thank you'],
      ['+33633000097', 'stop please, I am back home'],
      ['+33633000096', 'arrêtez svp je suis rentré en France'],
    ] as const) {
      await app.say(phone, text);
      await app.expectMessage(phone, (m) => m.kind === 'delete');
    }
  });
});
