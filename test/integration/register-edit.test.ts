import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCitizen } from '../../src/citizens/registry.ts';
import { answersAfter, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * A citizen fixes a typo in WhatsApp ("Edit") while registering, or just after: the edit amends
 * the answer it edits, and is never read as the answer to the next question.
 */
describe('REGISTER answers edited in WhatsApp', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('register-edit');
  });
  afterAll(async () => app.stop());

  /** Sends a message (or an edit of message `of`) and returns the bot's next message to `phone`. */
  async function send(phone: string, text: string, of?: string): Promise<{ id: string; reply: string }> {
    const before = (await app.outbox(phone)).length;
    const id = await app.say(phone, text, of ? { edit: { of } } : {});
    const reply = await answersAfter(app, phone, before);
    return { id, reply };
  }

  /** Walks a citizen from REGISTER up to the household question; returns the ids of the answers. */
  async function upToHousehold(phone: string, name: string) {
    await send(phone, 'REGISTER');
    const consent = await send(phone, 'yes');
    const nameAnswer = await send(phone, name);
    const region = await send(phone, 'nord');
    expect(region.reply).toMatch(/How many people/);
    return { consent: consent.id, name: nameAnswer.id, region: region.id };
  }

  it('an edited name replaces the name and the bot asks its current question again, not the next one', async () => {
    const phone = '+33612360101';
    const ids = await upToHousehold(phone, 'Jhon Smiht');
    const edit = await send(phone, 'John Smith', ids.name);
    expect(edit.reply).toMatch(/We have changed that answer\.\nHow many people/);
    expect(edit.reply).not.toMatch(/between 1 and 50/);
    expect((await send(phone, '3')).reply).toMatch(/Which language/);
    expect((await send(phone, '1')).reply).toMatch(/Thank you, John Smith\. You are registered: Northern Province, 3 person/);
    expect(await getCitizen(app.deps, phone)).toMatchObject({ name: 'John Smith', region: 'north', household: 3, language: 'en' });
  });

  it('an edited answer that is no longer valid leaves the earlier one, and says so', async () => {
    const phone = '+33612360102';
    await upToHousehold(phone, 'Ada King');
    const household = await send(phone, '4');
    expect(household.reply).toMatch(/Which language/);
    expect((await send(phone, 'lots of us', household.id)).reply).toMatch(/kept the one you sent before\.\nWhich language/);
    expect((await send(phone, 'English')).reply).toMatch(/Ada King\. You are registered: .*4 person/);
    expect((await getCitizen(app.deps, phone))?.household).toBe(4);
  });

  it('an answer that was not understood, once edited, answers the question', async () => {
    const phone = '+33612360103';
    await upToHousehold(phone, 'Grace Hopper');
    const missed = await send(phone, 'we are many');
    expect(missed.reply).toMatch(/between 1 and 50/);
    expect((await send(phone, '3', missed.id)).reply).toMatch(/Which language/);
    await send(phone, '1');
    expect((await getCitizen(app.deps, phone))?.household).toBe(3);
  });

  it('after the last answer, an edit amends the registration and sends its summary again', async () => {
    const phone = '+33612360104';
    const ids = await upToHousehold(phone, 'Alan Turnig');
    await send(phone, '2');
    await send(phone, '1');
    const region = await send(phone, 'capital', ids.region);
    expect(region.reply).toMatch(/We have changed that answer\.\nThank you, Alan Turnig\. You are registered: Capital District, 2 person/);
    const name = await send(phone, 'Alan Turing', ids.name);
    expect(name.reply).toMatch(/Thank you, Alan Turing\./);
    expect(await getCitizen(app.deps, phone)).toMatchObject({ name: 'Alan Turing', region: 'capital', household: 2 });
    const members = await app.deps.redis.smembers(app.deps.keys.citizensByRegion('north'));
    expect(members).not.toContain(phone);
    const audit = await app.api<{ items: { type: string; data?: { edited?: string } }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'citizen.updated').map((e) => e.data?.edited)).toEqual(
      expect.arrayContaining(['region', 'name']),
    );
  });

  it('after STOP, an edited answer changes nothing and opens no report', async () => {
    const phone = '+33612360108';
    const ids = await upToHousehold(phone, 'Lise Meitner');
    await send(phone, '1');
    await send(phone, '1');
    expect((await send(phone, 'STOP')).reply).toMatch(/no longer receive embassy alerts/);
    const before = (await app.outbox(phone)).length;
    await app.say(phone, 'Lise Meitner-Hahn', { edit: { of: ids.name } });
    await settle(app);
    expect((await app.outbox(phone)).length).toBe(before);
    expect((await getCitizen(app.deps, phone))?.name).toBe('Lise Meitner');
    const incidents = await app.api<{ items: { reporter: string }[] }>('GET', '/api/incidents?limit=200');
    expect(incidents.body.items.filter((i) => i.reporter === phone)).toEqual([]);
  });

  it('an edited name keeps the location pin the citizen answered the region with', async () => {
    const phone = '+33612360109';
    await send(phone, 'REGISTER');
    await send(phone, 'yes');
    const name = await send(phone, 'Emmy Noeter');
    const before = (await app.outbox(phone)).length;
    await app.say(phone, '', { text: undefined, location: { lat: 36.2, lng: 37.13 } });
    await waitFor(async () => (await app.outbox(phone)).length > before || undefined);
    await send(phone, '2');
    await send(phone, '1');
    expect((await getCitizen(app.deps, phone))?.location).toEqual({ lat: 36.2, lng: 37.13 });
    expect((await send(phone, 'Emmy Noether', name.id)).reply).toMatch(/Thank you, Emmy Noether\. You are registered: Northern Province/);
    expect(await getCitizen(app.deps, phone)).toMatchObject({ name: 'Emmy Noether', region: 'north', location: { lat: 36.2, lng: 37.13 } });
  });

  it('a consent edited to NO ends the registration and keeps nothing', async () => {
    const phone = '+33612360105';
    const ids = await upToHousehold(phone, 'Hedy Lamarr');
    expect((await send(phone, 'no', ids.consent)).reply).toMatch(/Nothing was kept/);
    expect((await send(phone, '3')).reply).not.toMatch(/Which language/);
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
  });

  it('an answer rewritten into an emergency opens a report', async () => {
    const phone = '+33612360106';
    const ids = await upToHousehold(phone, 'Mary Seacole');
    const edit = await send(phone, 'help, my son is bleeding badly', ids.name);
    expect(edit.reply).toMatch(/INC-\d+/);
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
  });

  it('an edit of a message that answered nothing is not taken for an answer', async () => {
    const phone = '+33612360107';
    const start = await send(phone, 'REGISTER');
    await send(phone, 'yes');
    const before = (await app.outbox(phone)).length;
    await app.say(phone, 'Please sign me up', { edit: { of: start.id } });
    await settle(app);
    expect((await app.outbox(phone)).length).toBe(before);
    expect((await send(phone, 'Rosalind Franklin')).reply).toMatch(/Where are you now/);
  });
});
