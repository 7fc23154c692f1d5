import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { createChatContext } from '../../src/chat/chat-context.ts';
import { handleCitizenMessage } from '../../src/citizens/citizen-keywords.ts';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { answersAfter, outboxDown, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** Frightened citizens in the middle of a REGISTER conversation, in English, French and Arabic. */
describe('citizen journeys through REGISTER', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('registry-journeys', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
    });
  });
  afterAll(async () => app.stop());

  /**
   * Sends `text` (or a message of `extra` only) and returns what the bot answered `phone`: every
   * message, once the queues are idle (a report opened mid-registration gets its answer and the
   * notice that the registration is paused, in either order).
   */
  async function answer(phone: string, text: string | undefined, extra: Record<string, unknown> = {}): Promise<string> {
    const before = (await app.outbox(phone)).length;
    if (extra.media) {
      await app.queues.receive({
        id: `media-${phone}-${before}`,
        chat: { kind: 'dm', phone },
        from: { phone },
        fromMe: false,
        at: Date.now(),
        media: extra.media as 'audio',
      });
    } else {
      await app.say(phone, text as string, extra);
    }
    return answersAfter(app, phone, before);
  }

  const incidentOf = (reply: string) => /INC-\d+/.exec(reply)?.[0];
  const incident = async (id: string) =>
    (await app.api<{ text?: string; severity: string; timeline: { text?: string }[] }>('GET', `/api/incidents/${id}`)).body;

  it('an emergency typed while the bot waits for the household size is a report, and what follows joins it', async () => {
    const phone = '+33612350001';
    for (const text of ['REGISTER', 'yes', 'Marie Curie']) await answer(phone, text);
    expect(await answer(phone, 'nord')).toMatch(/How many people/);
    const reply = await answer(phone, 'help my son is bleeding');
    const id = incidentOf(reply);
    expect(reply).not.toMatch(/number of people/);
    expect(id).toBeDefined();
    expect(await answer(phone, 'he is 5, we are near the north gate')).toMatch(new RegExp(`Added to your report ${id}`));
    await settle(app);
    expect(JSON.stringify(await incident(id as string))).toContain('north gate');
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
  });

  it('a sentence is not taken for a name, and "my name is" is not part of the name', async () => {
    const phone = '+33612350002';
    await answer(phone, 'inscription');
    expect(await answer(phone, 'oui')).toMatch(/nom complet/);
    const reply = await answer(phone, 'Il y a des soldats devant la maison, nous avons peur');
    expect(incidentOf(reply)).toBeDefined();

    const other = '+33612350003';
    await answer(other, 'register');
    await answer(other, 'OK');
    expect(await answer(other, 'My name is Ahmed Ali')).toMatch(/Where are you now/);
    await answer(other, 'capital');
    await answer(other, '2');
    await answer(other, '1');
    expect((await getCitizen(app.deps, other))?.name).toBe('Ahmed Ali');
  });

  it('a voice note or a location pin sent mid-registration opens a report instead of being rejected as an answer', async () => {
    const phone = '+33612350004';
    for (const text of ['register', 'yes']) await answer(phone, text);
    await answer(phone, undefined, { media: 'audio' });
    await app.expectMessage(phone, /Reference: INC-\d+/);
    await app.expectMessage(phone, /🎤 We received your voice message/);
    expect((await app.outbox(phone)).some((m) => /full name \(2 to 80/.test(m.text))).toBe(false);

    const pinned = '+33612350005';
    for (const text of ['register', 'yes', 'Jean Dupont', 'capital']) await answer(pinned, text);
    const pin = await answer(pinned, '', { text: undefined, location: { lat: 33.51, lng: 36.28 } });
    expect(pin).toMatch(/Reference: INC-\d+/);
  });

  it('understands Arabic-Indic digits, numbers in words and "3 people" for the household and the language', async () => {
    const phone = '+9647700000001';
    expect(await answer(phone, 'تسجيل')).toMatch(/هل توافق/);
    await answer(phone, 'نعم');
    await answer(phone, 'أحمد علي');
    expect(await answer(phone, 'حلب')).toMatch(/كم عدد الأشخاص/);
    expect(await answer(phone, '٣')).toMatch(/بأي لغة/);
    expect(await answer(phone, '٣')).toMatch(/تم تسجيلك/);
    expect(await getCitizen(app.deps, phone)).toMatchObject({ household: 3, language: 'ar', region: 'north' });

    for (const [i, words, n] of [
      [2, '4 people', 4],
      [3, 'nous sommes 5', 5],
      [4, 'ثلاثة', 3],
      [5, 'three', 3],
    ] as const) {
      const p = `+3361235010${i}`;
      for (const text of ['register', 'yes', 'Test Person', 'capital']) await answer(p, text);
      expect(await answer(p, words)).toMatch(/Which language/);
      await answer(p, 'english');
      expect((await getCitizen(app.deps, p))?.household).toBe(n);
    }
  });

  it('a region answer that names two regions is asked again, not guessed', async () => {
    const phone = '+33612350006';
    for (const text of ['register', 'yes', 'Lina Haddad']) await answer(phone, text);
    expect(await answer(phone, 'I left Aleppo, now in Damascus')).toMatch(/did not recognise that region/);
    expect(await answer(phone, 'Damascus')).toMatch(/How many people/);
  });

  it('"côte" names the region whose alias is "la côte", as "the capital" names the capital', async () => {
    for (const [i, words, region] of [
      [0, 'côte', 'coast'],
      [1, 'Cote', 'coast'],
      [2, 'the capital', 'capital'],
    ] as const) {
      const p = `+3361235020${i}`;
      for (const text of ['register', 'yes', 'Hugo Martin']) await answer(p, text);
      expect(await answer(p, words), words).toMatch(/How many people/);
      await answer(p, '2');
      await answer(p, 'english');
      expect((await getCitizen(app.deps, p))?.region, words).toBe(region);
    }
  });

  it('after three answers it cannot understand, the dialogue lets the message through to an officer', async () => {
    const phone = '+33612350007';
    for (const text of ['register', 'yes', 'Sami Nour', 'coast']) await answer(phone, text);
    expect(await answer(phone, 'lots')).toMatch(/number of people/);
    expect(await answer(phone, 'many of us')).toMatch(/number of people/);
    expect(incidentOf(await answer(phone, 'the whole family and the neighbours'))).toBeDefined();
  });

  it('HELP mid-registration ends the dialogue: the next message joins the emergency, not the registration', async () => {
    const phone = '+33612350008';
    for (const text of ['register', 'yes', 'Nadia Karim']) await answer(phone, text);
    const sos = await answer(phone, 'HELP');
    const id = incidentOf(sos);
    expect(id).toBeDefined();
    expect(await answer(phone, 'capital')).toMatch(new RegExp(`Added to your report ${id}`));
  });

  it('a registered citizen updating their details answers a welfare check sent meanwhile: "٢" is HELP, not a household of 2', async () => {
    const citizen = aCitizen({ phone: '+9647700000002', language: 'ar', region: 'coast', household: 4 });
    await saveCitizens(app.deps, [citizen]);
    const { phone } = citizen;
    for (const text of ['تسجيل', 'نعم', 'سارة يوسف']) await answer(phone, text);
    expect(await answer(phone, 'الساحل')).toMatch(/كم عدد الأشخاص/);
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['coast'] } });
    expect(res.status).toBe(201);
    await app.expectMessage(phone, /هل أنت بأمان/);
    await settle(app);
    const reply = await answer(phone, '٢');
    expect(reply).toMatch(/طلب المساعدة/);
    expect(incidentOf(reply)).toBeDefined();
    await settle(app);
    const view = (await app.api<WelfareView>('GET', `/api/welfare-checks/${res.body.id}`)).body;
    expect(view.counts).toMatchObject({ help: 1 });
    expect((await getCitizen(app.deps, phone))?.household).toBe(4);

    // An Arabic keyboard's "١" answers SAFE, and opens no report.
    const calm = aCitizen({ phone: '+9647700000003', language: 'ar', region: 'capital' });
    await saveCitizens(app.deps, [calm]);
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['capital'] } });
    await app.expectMessage(calm.phone, /هل أنت بأمان/);
    await settle(app);
    expect(await answer(calm.phone, '١')).toMatch(/سجلنا أنك بأمان/);
    await settle(app);
    const counted = (await app.api<WelfareView>('GET', `/api/welfare-checks/${check.body.id}`)).body;
    expect(counted.counts).toMatchObject({ safe: 1 });
  });

  it('"Hello" or MENU when asked for a name shows the menu instead of registering "Hello"', async () => {
    const phone = '+33612350010';
    await answer(phone, 'register');
    expect(await answer(phone, 'yes')).toMatch(/full name/);
    expect(await answer(phone, 'Hello!')).toMatch(/what you can send/);
    expect(await answer(phone, 'help')).toMatch(/emergency/);
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
  });

  it('"القائمة" (the menu, with the article) when asked for a name shows the menu in Arabic, as "قائمة" does', async () => {
    const phone = '+33612350020';
    await answer(phone, 'تسجيل');
    await answer(phone, 'نعم');
    expect(await answer(phone, 'القائمة')).toMatch(/ما يمكنك إرساله/);
    expect(await getCitizen(app.deps, phone)).toBeUndefined();
  });

  it('a registered citizen who answers NO to the privacy notice again is told nothing changed, and stays registered', async () => {
    const citizen = aCitizen({ phone: '+33612350011', language: 'fr' });
    await saveCitizens(app.deps, [citizen]);
    expect(await answer(citizen.phone, 'register')).toMatch(/Acceptez-vous/);
    const reply = await answer(citizen.phone, 'non');
    expect(reply).not.toMatch(/conservé/);
    expect(reply).toMatch(/Rien n’a été modifié/);
    expect(await getCitizen(app.deps, citizen.phone)).toMatchObject({ name: citizen.name, optedOut: false });
  });

  it('an answer whose job fails after it was stored and is retried is taken once, and its reply sent once', async () => {
    const phone = '+33612350012';
    for (const text of ['register', 'yes', 'Omar Farouk']) await answer(phone, text);
    expect(await answer(phone, 'coast')).toMatch(/How many people/);
    await settle(app);
    const down = outboxDown(app.deps);
    /** The citizens' handler for one message: first with the outbox down, then retried. */
    const attempt = (deps: CoreDeps, id: string, text: string) => {
      const ctx = createChatContext(deps, { id, chat: { kind: 'dm', phone }, from: { phone }, text, fromMe: false, at: Date.now() });
      ctx.sender = { phone, roles: [], actor: 'citizen:test' };
      return handleCitizenMessage(ctx);
    };
    const before = (await app.outbox(phone)).length;
    await expect(attempt(down, 'retry-household', '3')).rejects.toThrow('outbox down');
    expect(await attempt(app.deps, 'retry-household', '3')).toBe(true);
    await expect(attempt(down, 'retry-language', '2')).rejects.toThrow('outbox down');
    expect(await attempt(app.deps, 'retry-language', '2')).toBe(true);
    await settle(app);
    const said = (await app.outbox(phone)).slice(before).map((m) => m.text);
    expect(said).toHaveLength(2);
    expect(said[0]).toMatch(/Which language/);
    expect(said[1]).toMatch(/Merci, Omar Farouk.*Coastal Province, 3 personne/s);
    expect(await getCitizen(app.deps, phone)).toMatchObject({ household: 3, language: 'fr' });
  });

  it('an emergency that names an alert gets the alert checked and is also a report; a forwarded alert is only checked', async () => {
    const phone = '+33612350013';
    await app.say(phone, 'ALR-0042 told us to go to the border but we are trapped in the basement, please help');
    await app.expectMessage(phone, /did not send ALR-0042/);
    await app.expectMessage(phone, /Reference: INC-\d+/);

    const other = '+33612350014';
    await answer(other, 'OFFICIAL ALERT from the Embassy · ALR-0043\n\nDanger: evacuate the north now.\n\nVerification code: ZZZZ.');
    await settle(app);
    const said = (await app.outbox(other)).map((m) => m.text);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/did not send ALR-0043/);
  });

  it('reads a keyword or an answer followed by an emoji: "Yes ✔️", "STOP ❤️"', async () => {
    const phone = '+33612350015';
    await answer(phone, 'Register 🙏');
    expect(await answer(phone, 'Yes ✔️')).toMatch(/full name/);
    expect(await answer(phone, 'STOP ❤️')).toMatch(/not registered/);
  });

  it('the summary follows a re-registration that moves region and language, a STOP and a DELETE', async () => {
    const summary = async () =>
      (
        await app.api<{
          total: number;
          reachable: number;
          optedOut: number;
          byRegion: Record<'north' | 'capital' | 'coast', number>;
          byLanguage: Record<'en' | 'fr' | 'ar', number>;
        }>('GET', '/api/citizens/summary')
      ).body;
    const start = await summary();
    const a = '+33612350016';
    const b = '+33612350017';
    for (const text of ['inscription', 'oui', 'Anne Martin', 'nord', '2', 'fr']) await answer(a, text);
    for (const text of ['register', 'yes', 'Anne Martin', 'Damascus', '2', 'english']) await answer(a, text);
    expect(await getCitizen(app.deps, a)).toMatchObject({ region: 'capital', language: 'en' });
    for (const text of ['register', 'yes', 'Bob Stone', 'north', '1', 'en']) await answer(b, text);
    let now = await summary();
    expect(now.total - start.total).toBe(2);
    expect(now.byRegion.north - start.byRegion.north).toBe(1);
    expect(now.byRegion.capital - start.byRegion.capital).toBe(1);
    expect(now.byLanguage.fr - start.byLanguage.fr).toBe(0);
    expect(now.byLanguage.en - start.byLanguage.en).toBe(2);
    await answer(b, 'STOP');
    await answer(a, 'DELETE');
    now = await summary();
    expect(now.total - start.total).toBe(1);
    expect(now.optedOut - start.optedOut).toBe(1);
    expect(now.reachable - start.reachable).toBe(0);
    expect(now.byRegion).toEqual(start.byRegion);
    expect(now.byLanguage).toEqual(start.byLanguage);
  });

  it('a "2" answered to the household question asked after a welfare check is the household size', async () => {
    const citizen = aCitizen({ phone: '+33612350009', region: 'north', household: 1 });
    await saveCitizens(app.deps, [citizen]);
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['north'] } });
    expect(res.status).toBe(201);
    await app.expectMessage(citizen.phone, /Are you safe/);
    await settle(app);
    for (const text of ['register', 'yes', 'Paul Martin', 'north']) await answer(citizen.phone, text);
    expect(await answer(citizen.phone, '2')).toMatch(/Which language/);
    await answer(citizen.phone, 'en');
    expect((await getCitizen(app.deps, citizen.phone))?.household).toBe(2);
  });
});

describe('a citizen WhatsApp shows only by LID', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('registry-lid');
  });
  afterAll(async () => app.stop());

  const lid = '246813579024680@lid';
  let n = 0;
  async function write(text: string): Promise<string> {
    const before = (await app.outbox(lid)).length;
    n += 1;
    await app.queues.receive({ id: `lid-msg-${n}`, chat: { kind: 'dm', phone: lid }, from: { lid }, text, fromMe: false, at: Date.now() });
    return answersAfter(app, lid, before);
  }

  it('DELETE erases their reports instead of opening a report that says DELETE; NEWS answers', async () => {
    const reply = await write('Our apartment in Latakia was looted, we are hiding at a neighbour');
    const id = /INC-\d+/.exec(reply)?.[0] as string;
    expect(id).toBeDefined();
    expect(await write('NEWS')).toMatch(/no current advisory/);
    expect(await write('DELETE')).toMatch(/personal data has been erased/);
    await settle(app);
    const incident = await app.api('GET', `/api/incidents/${id}`);
    expect(JSON.stringify(incident.body)).not.toContain('looted');
    expect(JSON.stringify(incident.body)).not.toContain('246813579024680');
    const all = await app.api<{ items: { id: string }[] }>('GET', '/api/incidents?limit=50');
    expect(all.body.items.map((i) => i.id)).toEqual([id]);
  });
});
