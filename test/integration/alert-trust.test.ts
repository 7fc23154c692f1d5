// Whether a citizen can trust what they were forwarded: a copy of an alert is confirmed only with the
// embassy's own words; NEWS gives back the alert they received; a claim of the local authorities is
// described to the cell for what it is.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rumour } from '../../src/citizens/rumour-list.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const phone = (n: number) => `+3361900${String(n).padStart(4, '0')}`;

/** Starts an app whose alerts go out without a second officer. */
const start = (name: string) => startTestApp(name, { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 100 } } });

/** The citizen sends `text` (forwarded unless told otherwise) and the bot has answered: its answers since. */
async function ask(app: TestApp, from: string, text: string, forwarded = true): Promise<string[]> {
  const before = (await app.outbox(from)).length;
  await app.say(from, text, forwarded ? { forwarded: true } : {});
  await settle(app);
  return (await app.outbox(from)).slice(before).map((m) => m.text);
}

async function sitrep(app: TestApp): Promise<string> {
  const before = (await app.outbox(CELL_GROUP)).length;
  await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
  await settle(app);
  return (await app.outbox(CELL_GROUP))
    .slice(before)
    .map((m) => m.text)
    .join('\n');
}

const rumours = async (app: TestApp, query = '') => (await app.api<{ items: Rumour[] }>('GET', `/api/rumours${query}`)).body.items;

describe('a forwarded copy of an alert is confirmed only when its words are the embassy’s', () => {
  let app: TestApp;
  const english = aCitizen({ region: 'north', language: 'en' });
  const french = aCitizen({ region: 'north', language: 'fr' });
  let id: string;
  let code: string;
  /** The alert as the English and the French reader received it. */
  let received: { en: string; fr: string };
  const WORDS = 'The embassy advises all citizens in the north to stay indoors tonight. Keep away from the airport road.';
  const MOTS = "L'ambassade demande à tous les ressortissants du nord de rester chez eux ce soir. Évitez la route de l'aéroport.";

  beforeAll(async () => {
    app = await start('alert-trust');
    await saveCitizens(app.deps, [english, french]);
    const created = await app.api<{ id: string; code: string; status: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: WORDS, fr: MOTS },
    });
    expect(created.body.status).toBe('sending');
    ({ id, code } = created.body);
    received = {
      en: (await app.expectMessage(english.phone, (m) => m.text.includes(id))).text,
      fr: (await app.expectMessage(french.phone, (m) => m.text.includes(id))).text,
    };
    expect(received.fr).toContain('Évitez la route');
  });
  afterAll(async () => app.stop());

  const genuine = () => new RegExp(`^Yes: ${id} is a genuine alert from the embassy`);
  /** The "altered" warning, with the embassy's real words. */
  const altered = () =>
    new RegExp(`^⚠️ Warning: ${id} is a genuine alert, but this copy was changed.*What the embassy sent:\n${WORDS}$`, 's');

  it('confirms the alert forwarded as received, in English or French, through WhatsApp formatting and noise', async () => {
    expect(await ask(app, phone(1), received.en)).toEqual([expect.stringMatching(genuine())]);
    expect(await ask(app, phone(2), received.fr)).toEqual([
      expect.stringMatching(new RegExp(`^Oui : ${id} est une alerte authentique de l’ambassade`)),
    ]);
    // Bold header, italics, an emoji, lines broken differently, as a phone re-shares it.
    const restyled = received.en
      .replace(/^OFFICIAL ALERT/, '*⚠️ OFFICIAL ALERT')
      .replace(` · ${id}`, ` · ${id}*`)
      .replace('stay indoors tonight.', '_stay indoors tonight._ 🏠\n')
      .replace('\n\n', '\n\n\n');
    expect(await ask(app, phone(3), restyled)).toEqual([expect.stringMatching(genuine())]);
    // Its words alone, the header and footer cut off: the embassy's own words, not a rumour about it.
    const wordsOnly = await ask(app, phone(4), WORDS);
    expect(wordsOnly).toEqual([expect.stringMatching(genuine())]);
    expect(await ask(app, phone(6), received.fr.slice(received.fr.indexOf('\n\n') + 2))).toEqual([
      expect.stringMatching(new RegExp(`^Oui : ${id} est une alerte authentique`)),
    ]);
    // The words and the footer, without the header.
    const footed = `${WORDS}\n\nVerification code: ${code}. Send NEWS to check an alert is genuine.`;
    expect(await ask(app, phone(7), footed)).toEqual([expect.stringMatching(genuine())]);
    // Checking an alert by its number alone still answers.
    expect(await ask(app, phone(5), `${id} ?`, false)).toEqual([expect.stringMatching(genuine())]);
    expect(await rumours(app)).toEqual([]);
  });

  it('warns of a copy with a sentence added, removed or changed, gives the real words, and counts it as an altered alert', async () => {
    // The header and code kept, one sentence added.
    const added = received.en.replace(
      'Keep away from the airport road.',
      'Keep away from the airport road. All citizens must also go to the airport tonight with their passports.',
    );
    const answer = await ask(app, phone(10), added);
    expect(answer).toEqual([expect.stringMatching(altered())]);
    expect(answer[0]).not.toMatch(/Yes: /);
    // One removed: "keep away from the airport road" is the part that saves lives.
    expect(await ask(app, phone(11), received.en.replace(' Keep away from the airport road.', ''))).toEqual([
      expect.stringMatching(altered()),
    ]);
    // The French copy with its words changed gets the warning in French, with the French words.
    const changed = received.fr.replace('rester chez eux ce soir', 'se rendre à l’aéroport ce soir');
    expect(await ask(app, phone(12), changed)).toEqual([
      expect.stringMatching(new RegExp(`^⚠️ Attention : ${id} est une alerte authentique, mais cette copie a été modifiée.*${MOTS}$`, 's')),
    ]);
    // The words alone, with one added: not the embassy's words, and not a copy of an alert either.
    const more = await ask(app, phone(13), `${WORDS} Buses wait at the airport for everyone at 22:00.`);
    expect(more.join('\n')).not.toMatch(/genuine alert from the embassy/);

    const listed = await rumours(app, '?kind=altered_alert');
    expect(listed.map((r) => r.alert)).toEqual([id, id, id]);
    expect(listed.map((r) => r.text).join('\n')).toMatch(/must also go to the airport tonight with their passports/);
  });

  it('never confirms a message that names the alert with other words and no code', async () => {
    const claim = `Embassy ${id}: everyone must go to the airport tonight, share with all Freedonians`;
    const answer = await ask(app, phone(20), claim);
    expect(answer).toEqual([expect.stringMatching(altered())]);
    // Typed rather than forwarded, it is not confirmed either.
    expect(await ask(app, phone(21), claim, false)).toEqual([expect.stringMatching(altered())]);
    // Only the forward goes round as a rumour.
    const listed = (await rumours(app, '?kind=altered_alert')).filter((r) => r.text.startsWith('Embassy'));
    expect(listed).toMatchObject([{ alert: id, citizens: 1, forwards: 1 }]);
  });

  it('answers a short question typed about it ("is it real?") with yes and its words, not "this copy was changed"', async () => {
    for (const [n, question] of [
      [30, `is ${id} real?`],
      [31, `${id} still valid??`],
      [32, `${id} says go to the airport`],
    ] as const) {
      const answer = await ask(app, phone(n), question, false);
      expect(answer, question).toEqual([expect.stringMatching(new RegExp(`^Yes: ${id} is a genuine alert from the embassy`))]);
      expect(answer[0], question).toContain(`These are its words, and only these:\n${WORDS}`);
    }
    // Forwarded, the same words are a copy that was changed.
    expect(await ask(app, phone(33), `${id} says go to the airport`)).toEqual([expect.stringMatching(altered())]);
  });
});

describe('NEWS gives back the alert the citizen received', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await start('alert-trust-news');
  });
  afterAll(async () => app.stop());

  const news = async (from: string) => {
    const said = await ask(app, from, 'NEWS', false);
    expect(said).toHaveLength(1);
    return said[0] as string;
  };

  it('to a citizen registered in the capital who reported from Aleppo: the north alert he received, not the capital’s older one', async () => {
    const dan = aCitizen({ region: 'capital', language: 'en', name: 'Dan Reporter' });
    await saveCitizens(app.deps, [dan]);
    // Dan, and Eve who never registered, report from Aleppo.
    const eve = phone(40);
    for (const reporter of [dan.phone, eve]) {
      const report = await ask(app, reporter, 'Shelling near our hotel in Aleppo, we are hiding in the basement', false);
      expect(report.join('\n')).toMatch(/INC-\d+/);
    }
    const post = async (audience: Record<string, unknown>, en: string) =>
      (await app.api<{ id: string }>('POST', '/api/alerts', { audience, text: { en } })).body.id;
    const capital = await post({ regions: ['capital'] }, 'Capital: the consular section is closed today.');
    await app.expectMessage(dan.phone, (m) => m.text.includes(capital));
    const north = await post(
      { regions: ['north'], reporters: true },
      'North: shelters are open at the Citadel school. Stay off the ring road.',
    );
    const got = await app.expectMessage(dan.phone, (m) => m.text.includes(north));
    expect(got.text).toMatch(/Send NEWS to check an alert is genuine/);
    await app.expectMessage(eve, (m) => m.text.includes(north));
    // A later alert for another province, which reaches neither.
    const coast = await post({ regions: ['coast'] }, 'Coast: ferries are cancelled.');
    await settle(app);

    const answer = await news(dan.phone);
    expect(answer).toContain(north);
    expect(answer).toContain('Stay off the ring road');
    expect(answer).not.toContain(capital);
    // Eve never registered: the alert she received, not the coast's (the newest sent).
    const hers = await news(eve);
    expect(hers).toContain(north);
    expect(hers).not.toContain(coast);

    // A citizen of the capital who received only the capital's alert still gets it.
    const neighbour = aCitizen({ region: 'capital', language: 'en' });
    await saveCitizens(app.deps, [neighbour]);
    expect(await news(neighbour.phone)).toContain(capital);
  });
});

describe('a forwarded claim of the local authorities, as the cell sees it', () => {
  let app: TestApp;
  const CURFEW = 'Ministry of Interior: curfew from 20:00 tonight, share';
  beforeAll(async () => {
    app = await start('alert-trust-authorities');
  });
  afterAll(async () => app.stop());

  it('is described in /sitrep as unconfirmed by the embassy, to verify with the authorities, never as a fake to counter', async () => {
    const answer = await ask(app, phone(30), CURFEW);
    expect(answer).toEqual([expect.stringMatching(/the embassy cannot confirm it/)]);
    await ask(app, phone(31), CURFEW);

    const report = await sitrep(app);
    expect(report).toMatch(/📣 Rumours: 1 message claiming to be official forwarded to us in the last 24 h \(2 forwards in all\)/);
    expect(report).toMatch(
      /2× “Ministry of Interior: curfew from 20:00 tonight, share”.*claims to come from the local authorities; the embassy cannot confirm it; citizens were told to check it on official channels/,
    );
    expect(report).toMatch(/verify it with the authorities before any \/alert/i);
    expect(report).not.toMatch(/no genuine alert/);
    expect(report).not.toMatch(/To counter/);
  });

  it('is listed by GET /api/rumours as an authorities_claim, apart from claims to be the embassy', async () => {
    await ask(app, phone(32), 'URGENT: the embassy says all citizens must go to the airport tonight. Share!');
    const all = await rumours(app);
    expect(all.find((r) => r.text === CURFEW)).toMatchObject({ kind: 'authorities_claim', citizens: 2, forwards: 2 });
    expect((await rumours(app, '?kind=authorities_claim')).map((r) => r.text)).toEqual([CURFEW]);
    expect((await rumours(app, '?kind=claim')).map((r) => r.text)).toEqual([
      'URGENT: the embassy says all citizens must go to the airport tonight. Share!',
    ]);
    // Both in /sitrep, each with what to do about it.
    const report = await sitrep(app);
    expect(report).toMatch(/To counter one that claims to be the embassy: \/alert all/);
    expect(report).toMatch(/verify it with the authorities before any \/alert/i);
  });
});
