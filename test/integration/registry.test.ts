import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCitizen } from '../../src/citizens/registry.ts';
import { answersAfter, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

describe('citizen registry by chat', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('registry');
  });
  afterAll(async () => app.stop());

  /** Sends `text` and waits for the bot's next message to `phone`. */
  async function answer(phone: string, text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const before = (await app.outbox(phone)).length;
    await app.say(phone, text, extra);
    return answersAfter(app, phone, before);
  }

  it('registers a citizen, re-asking politely on an unknown region and a household of "abc"', async () => {
    const phone = '+33612340001';
    expect(await answer(phone, 'REGISTER')).toMatch(/Privacy.*Do you agree/s);
    expect(await answer(phone, 'maybe')).toMatch(/reply YES to continue/);
    expect(await answer(phone, 'yes')).toMatch(/full name/);
    expect(await answer(phone, 'Marie Curie')).toMatch(/Where are you now/);
    expect(await answer(phone, 'Atlantis')).toMatch(/did not recognise that region.*Northern Province/);
    expect(await answer(phone, 'nord')).toMatch(/How many people/);
    expect(await answer(phone, 'abc')).toMatch(/number of people between 1 and 50/);
    expect(await answer(phone, '3')).toMatch(/Which language/);
    const done = await answer(phone, 'Français');
    expect(done).toMatch(/Merci, Marie Curie.*Northern Province, 3 personne/s);
    const c = await getCitizen(app.deps, phone);
    expect(c).toMatchObject({ name: 'Marie Curie', region: 'north', household: 3, language: 'fr', optedOut: false });
    const summary = await app.api<{ reachable: number; byRegion: Record<string, number>; byLanguage: Record<string, number> }>(
      'GET',
      '/api/citizens/summary',
    );
    expect(summary.status).toBe(200);
    expect(summary.body.byRegion.north).toBe(1);
    expect(summary.body.byLanguage.fr).toBe(1);
  });

  it('takes YES or NO to the privacy notice as people write it, and asks again when it says both', async () => {
    const answers: [string, RegExp][] = [
      ['yes ok', /full name/],
      ['Yes please, go ahead!', /full name/],
      ['👍🏽', /full name/],
      ["oui d'accord", /nom complet/],
      ['نعم، موافق', /الاسم الكامل|اسمك/],
      ['ok no', /reply YES to continue/],
      ["I don't agree", /reply YES to continue/],
      ['is that ok?', /reply YES to continue/],
      ['no thanks', /Registration cancelled. Nothing was kept/],
    ];
    for (const [k, [text, expected]] of answers.entries()) {
      const phone = `+3361234090${k}`;
      const keyword = /[éà]|oui/.test(text) ? 'inscription' : /[\u0600-\u06ff]/.test(text) ? 'تسجيل' : 'register';
      await answer(phone, keyword);
      expect(await answer(phone, text), text).toMatch(expected);
    }
    expect(await getCitizen(app.deps, '+33612340907')).toBeUndefined();
  });

  it('takes a name given as people give it, with a greeting or the words that introduce it', async () => {
    const names: [string, string, string][] = [
      ['Hi, I am John Smith', 'John Smith', 'register'],
      ['Sorry, my name is John Smith', 'John Smith', 'register'],
      ["It's John Smith", 'John Smith', 'register'],
      ["c'est Marie Dupont", 'Marie Dupont', 'inscription'],
      ['Bonjour, je m’appelle Marie Dupont', 'Marie Dupont', 'inscription'],
      ['اسمي هو أحمد خالد', 'أحمد خالد', 'تسجيل'],
      ['مرحبا، اسمي أحمد خالد', 'أحمد خالد', 'تسجيل'],
      // Salam is a given name too, not only a greeting.
      ['سلام حداد', 'سلام حداد', 'تسجيل'],
    ];
    for (const [k, [typed, name, keyword]] of names.entries()) {
      const phone = `+3361234180${k}`;
      await answer(phone, keyword);
      await answer(phone, keyword === 'register' ? 'yes' : keyword === 'inscription' ? 'oui' : 'نعم');
      expect(await answer(phone, typed), typed).toMatch(/Where are you now|Où êtes-vous|أين/);
      for (const text of ['north', '2', '1']) await answer(phone, text);
      expect((await getCitizen(app.deps, phone))?.name, typed).toBe(name);
    }
    // Words of an emergency after a greeting are still a report.
    const phone = '+33612341899';
    await answer(phone, 'register');
    await answer(phone, 'yes');
    expect(await answer(phone, 'Hi, I am trapped under the rubble with my son')).toMatch(/registration is paused|Reference|INC-/);
  });

  it('speaks the language of the keyword, and places a location pin in the nearest region', async () => {
    const phone = '+33612340002';
    expect(await answer(phone, 'Inscription')).toMatch(/Acceptez-vous/);
    await answer(phone, 'OUI');
    await answer(phone, 'Jean Dupont');
    expect(await answer(phone, '', { text: undefined, location: { lat: 35.6, lng: 35.8 } })).toMatch(/Combien de personnes/);
    await answer(phone, '1');
    expect(await answer(phone, 'en')).toMatch(/registered: Coastal Province, 1 person/);
    expect((await getCitizen(app.deps, phone))?.region).toBe('coast');
  });

  it('STOP opts out of alerts but keeps the registration; DELETE erases it and the audit keeps no trace of the phone', async () => {
    const phone = '+33612340003';
    // WhatsApp told the gateway which LID hides this phone (and another citizen's).
    await app.deps.redis.hset(app.deps.keys.lidToPhone, '246813579000003@lid', phone, '246813579000009@lid', '+33612340009');
    for (const text of ['register', 'yes', 'Ada Lovelace', 'capital', '2']) await answer(phone, text);
    await answer(phone, 'english');
    expect(await answer(phone, 'stop')).toMatch(/no longer receive embassy alerts/);
    expect((await getCitizen(app.deps, phone))?.optedOut).toBe(true);
    const summary = await app.api<{ optedOut: number; byRegion: Record<string, number> }>('GET', '/api/citizens/summary');
    expect(summary.body.optedOut).toBe(1);
    expect(summary.body.byRegion.capital).toBe(0);
    const report = await answer(phone, 'Our building was damaged by shelling last night');
    const incidentId = /INC-\d+/.exec(report)?.[0] as string;
    expect(incidentId).toBeDefined();
    // A follow-up's card quotes the citizen's words without their phone.
    expect(await answer(phone, 'The shelling hit the third floor, we moved to the basement')).toMatch(/Added to your report/);
    expect(await answer(phone, 'DELETE')).toMatch(/personal data has been erased/);
    const incident = await app.api('GET', `/api/incidents/${incidentId}`);
    expect(incident.status).toBe(200);
    expect(JSON.stringify(incident.body)).not.toContain(phone);
    expect(JSON.stringify(incident.body)).not.toContain('shelling');
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
    expect(await app.deps.redis.sismember(app.deps.keys.citizensAll, phone)).toBe(0);
    expect(await app.deps.redis.hgetall(app.deps.keys.lidToPhone)).toEqual({ '246813579000009@lid': '+33612340009' });
    // No key is named after the citizen any more, their registration answers' included (the
    // simulator's outbox stands for the citizen's own phone).
    const named = await app.deps.redis.keys(`${app.prefix}:*${phone}*`);
    expect(named.filter((k) => !k.startsWith(`${app.prefix}:sim:`))).toEqual([]);
    await settle(app);
    // The queues keep finished jobs a day: none of them holds the citizen's words or phone any more,
    // apart from the DELETE itself and its answer, which finished after the erasure...
    const finished = async (queue: Queue) =>
      (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => JSON.stringify(j.data).includes(phone));
    expect((await finished(app.queues.inbound)).map((j) => j.data.message.text)).toEqual(['DELETE']);
    expect((await finished(app.queues.outbound)).map((j) => j.data.text)).toEqual([expect.stringMatching(/personal data has been erased/)]);
    // ...until the sweep two minutes later (brought forward here) removes them too, and itself.
    const [sweep] = (await app.queues.timers.getJobs(['delayed'], 0, -1)).filter((j) => j.name === 'erase-sweep');
    expect(sweep?.data).toEqual({ senders: [phone, '246813579000003@lid'] });
    await sweep?.promote();
    await waitFor(async () => (await finished(app.queues.inbound)).length === 0 || undefined);
    expect(await finished(app.queues.outbound)).toEqual([]);
    await waitFor(async () => !(await app.queues.timers.getJob(sweep?.id ?? '')) || undefined);
    const words = async (queue: Queue) =>
      (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => /shelling|Lovelace/.test(JSON.stringify(j.data)));
    expect([...(await words(app.queues.inbound)), ...(await words(app.queues.outbound))]).toEqual([]);
    const audit = await app.api<{ items: { type: string; actor: string }[] }>('GET', '/api/audit?limit=1000');
    const erased = audit.body.items.find((e) => e.type === 'citizen.erased');
    expect(erased?.actor).toBe('citizen');
    expect(JSON.stringify(audit.body.items)).not.toContain(phone);
    expect(JSON.stringify(audit.body.items)).not.toContain('Lovelace');
  });

  it('cancels a registration half-way and answers NEWS when there is no advisory', async () => {
    const phone = '+33612340004';
    await answer(phone, 'register');
    await answer(phone, 'yes');
    expect(await answer(phone, 'cancel')).toMatch(/Registration cancelled/);
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
    expect(await answer(phone, 'news')).toMatch(/no current advisory/);
  });
});
