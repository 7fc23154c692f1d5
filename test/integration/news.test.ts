import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

// NEWS: the latest advisory, as the citizen asking it should read it.
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('news', { config: { cellGroups: [], broadcast: { ratePerSecond: 1000, approvalThreshold: 100 } } });
});
afterAll(async () => app.stop());

const alert = async (audience: Record<string, unknown>, en: string, fr?: string) => {
  const res = await app.api<{ id: string; status: string }>('POST', '/api/alerts', { audience, text: { en, ...(fr ? { fr } : {}) } });
  expect(res.body.status).toBe('sending');
  return res.body.id;
};
/** Sends NEWS and returns the answer (the citizen's next news message). */
const news = async (phone: string) => {
  const answers = async () => (await app.outbox(phone)).filter((m) => m.kind === 'news');
  const before = (await answers()).length;
  await app.say(phone, 'NEWS');
  return (await waitFor(async () => (await answers())[before])).text;
};

describe('NEWS', () => {
  it('gives a registered citizen the latest alert meant for their region and language, not another province’s', async () => {
    const coast = aCitizen({ region: 'coast', language: 'en' });
    const north = aCitizen({ region: 'north', language: 'en' });
    const frenchNorth = aCitizen({ region: 'north', language: 'fr' });
    await saveCitizens(app.deps, [coast, north, frenchNorth]);
    const everyone = await alert({ all: true }, 'The embassy is closed today; the consular line stays open.');
    const northOnly = await alert({ regions: ['north'] }, 'North: curfew from 18:00, stay indoors.', 'Nord : couvre-feu dès 18h.');
    expect(await news(coast.phone)).toContain(everyone);
    expect(await news(north.phone)).toContain(northOnly);
    expect(await news(frenchNorth.phone)).toMatch(/couvre-feu/);
    // An alert for French readers only does not reach an English reader's NEWS.
    const frenchOnly = await alert({ all: true, languages: ['fr'] }, 'For French readers.', 'Pour les lecteurs francophones.');
    expect(await news(frenchNorth.phone)).toContain(frenchOnly);
    expect(await news(north.phone)).toContain(northOnly);
    // Someone who never registered gets the latest alert that went out (its text names its region).
    expect(await news('+33699887766')).toContain(frenchOnly);
  });

  it('gives the alert sent to every reader of a language (no region named) to those readers, and never a cell-only post', async () => {
    const arabicCoast = aCitizen({ region: 'coast', language: 'ar' });
    await saveCitizens(app.deps, [arabicCoast]);
    await alert({ all: true }, 'Consular line: +1 555 000 0099.');
    const arabicReaders = await alert({ languages: ['ar'] }, 'Ferry at noon.');
    const res = await app.api<{ id: string }>('POST', '/api/alerts', { audience: { cellGroups: true }, text: { en: 'Staff: meet at 7.' } });
    expect(res.status).toBe(201);
    // They got it: NEWS gives it back (it had given the older alert to all).
    await waitFor(async () => (await app.outbox(arabicCoast.phone)).find((m) => m.text.includes(arabicReaders)));
    expect(await news(arabicCoast.phone)).toContain(arabicReaders);
    // Someone who never registered is given the latest alert to citizens, not the cell's own post.
    const answer = await news('+33699887755');
    expect(answer).not.toContain('meet at 7');
    expect(answer).toContain(arabicReaders);
  });
});
