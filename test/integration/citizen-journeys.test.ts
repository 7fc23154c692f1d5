import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * A frightened citizen writing to the embassy number from a phone, the way people do: edits after
 * the fact, greetings before the emergency, cries for help typed in a hurry. What they are told,
 * and what the crisis cell sees.
 */
let app: TestApp;
let n = 0;
const citizen = () => `+3361266${String(1000 + n++)}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const incidentsOf = async (phone: string) =>
  (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=200')).body.items.filter((i) => i.reporter === phone);

beforeAll(async () => {
  app = await startTestApp('citizen-journeys', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('an edit made after the embassy closed the report', () => {
  it('that makes it graver ("… and my son is injured") opens a new report with the 112 line, not a silent ✅ on a closed one', async () => {
    const phone = citizen();
    const first = await app.say(phone, 'I lost my passport');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(STAFF.officer, `/resolve ${id} come to the consulate on Monday`, { group: CELL_GROUP });
    await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(id));

    await app.say(phone, 'I lost my passport and my son is injured, he is bleeding', { edit: { of: first } });
    const ack = await app.expectMessage(phone, (m) => m.kind === 'ack' && !m.text.includes(id));
    expect(ack.text).toMatch(/We have your report\. Reference: INC-\d{4}[\s\S]*112/);
    const next = incidentIdIn(ack.text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(next));
    expect(card.text).toMatch(/HIGH · medical/);
    expect(card.text).toContain(`earlier report ${id}`);
    expect(card.text).toContain('my son is injured');
    await settle(app);
    expect((await app.outbox(phone)).filter((m) => m.kind === 'reaction')).toEqual([]);
    expect((await incidentsOf(phone)).map((i) => i.status).sort()).toEqual(['open', 'resolved']);
  });

  it('that only corrects the words is recorded on the closed report, as before, with one ✅', async () => {
    const phone = citizen();
    const first = await app.say(phone, 'I lost my pasport');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(STAFF.officer, `/resolve ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(id));
    await app.say(phone, 'I lost my passport in Damascus', { edit: { of: first } });
    await app.expectMessage(phone, (m) => m.kind === 'reaction');
    const update = await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${id} — the reporter edited their message`));
    expect(update.text).toContain('It is resolved: its summary keeps the words it was resolved on.');
    await settle(app);
    expect((await incidentsOf(phone)).map((i) => i.id)).toEqual([id]);
    // The record keeps what the officer resolved it on; the new words sit beside it on the timeline.
    const { body } = await app.api<Incident>('GET', `/api/incidents/${id}`);
    expect(body.summary).toBe('I lost my pasport');
    expect(body.timeline.filter((e) => e.type === 'edited').map((e) => e.text)).toEqual(['I lost my passport in Damascus']);
  });
});

describe('a greeting before the emergency', () => {
  it('"salam", "salam alaykum", "good morning", "bonsoir", "صباح الخير" get the menu, and the report that follows is its own', async () => {
    for (const greeting of ['salam', 'Salam alaykum', 'good morning', 'Bonsoir', 'صباح الخير', 'mar7aba']) {
      const phone = citizen();
      await app.say(phone, greeting);
      await app.expectMessage(phone, (m) => m.kind === 'menu');
      await settle(app);
      expect(await incidentsOf(phone), greeting).toEqual([]);
    }
    // The words that follow open the report: its summary and language are theirs, not the greeting's.
    const phone = citizen();
    await app.say(phone, 'salam');
    await app.expectMessage(phone, (m) => m.kind === 'menu');
    await app.say(phone, 'البيت وقع علينا في حلب، أمي تحت الأنقاض');
    const ack = await app.expectMessage(phone, /INC-\d{4}/);
    expect(ack.text).toMatch(/تلقينا بلاغك[\s\S]*112/);
    const [incident] = await incidentsOf(phone);
    expect(incident).toMatchObject({ severity: 'critical', language: 'ar', region: 'north' });
    expect(incident?.summary).toContain('البيت وقع علينا');
  });

  it('"hello, is anyone there?" is a plea for contact, not a greeting: it opens a report with its reference', async () => {
    for (const plea of ['hello, is anyone there?', "il y a quelqu'un ?", 'في حدا؟']) {
      const phone = citizen();
      await app.say(phone, plea);
      await app.expectMessage(phone, /INC-\d{4}/);
      expect(await incidentsOf(phone), plea).toHaveLength(1);
    }
  });

  it('"Salam" is still a name when REGISTER asks for one', async () => {
    const phone = citizen();
    for (const [text, reply] of [
      ['REGISTER', /Do you agree/],
      ['yes', /full name/],
      ['Salam', /Where are you now/],
    ] as const) {
      await app.say(phone, text);
      await app.expectMessage(phone, reply);
    }
  });
});

describe('a cry for help typed in a hurry', () => {
  it('"help pls", "hlep", "s.o.s", "I need help", "au secour", "besoin d\'aide", "بدي مساعدة", "we are not safe", "unsafe", "pas en securite" are an SOS: critical, and what, how many and where are asked', async () => {
    for (const [text, asked] of [
      ['help pls', /emergency\. Reference INC-\d{4}[\s\S]*112[\s\S]*how many people/],
      ['hlep!!', /emergency\. Reference INC-\d{4}/],
      ['s.o.s', /emergency\. Reference INC-\d{4}/],
      ['I need help', /emergency\. Reference INC-\d{4}/],
      ['plz help us', /emergency\. Reference INC-\d{4}/],
      ['au secour', /urgence\. Référence INC-\d{4}[\s\S]*combien de personnes/],
      ["J'ai besoin d'aide", /urgence\. Référence INC-\d{4}/],
      ['بدي مساعدة', /حالة طارئة\. الرقم المرجعي INC-\d{4}/],
      // Not safe, and nothing more said: the officer needs what, how many and where.
      ['we are not safe!', /emergency\. Reference INC-\d{4}[\s\S]*how many people/],
      ["On n'est pas en sécurité", /urgence\. Référence INC-\d{4}/],
      ['احنا بخطر', /حالة طارئة\. الرقم المرجعي INC-\d{4}/],
      // ...in one word, without the pronoun, or no longer.
      ['unsafe', /emergency\. Reference INC-\d{4}/],
      ['not safe at all', /emergency\. Reference INC-\d{4}/],
      ['NOT SAFE!!', /emergency\. Reference INC-\d{4}/],
      ['pas en securite', /urgence\. Référence INC-\d{4}/],
      ["on n'est plus en sécurité", /urgence\. Référence INC-\d{4}/],
      ['مش في أمان', /حالة طارئة\. الرقم المرجعي INC-\d{4}/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const answer = await app.expectMessage(phone, /INC-\d{4}/);
      expect(answer.text, text).toMatch(asked);
      const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(incidentIdIn(answer.text)));
      expect(card.text, text).toContain('CRITICAL');
    }
  });
});

describe('STOP from someone who reported without registering', () => {
  it('is told the alerts stop (they were getting them as a reporter), and the next alert does not reach them', async () => {
    const phone = citizen();
    await app.say(phone, 'Les routes sont coupées à Lattaquié, nous sommes bloqués à l’hôtel');
    await app.expectMessage(phone, /INC-\d{4}/);
    await app.say(STAFF.duty, '/alert coast Curfew on the coast from 18:00.', { group: CELL_GROUP });
    await app.expectMessage(phone, /Curfew on the coast from 18:00/);
    await app.say(phone, 'STOP');
    const stopped = await app.expectMessage(phone, (m) => m.kind === 'stop');
    expect(stopped.text).toMatch(/^Vous ne recevrez plus les alertes de l’ambassade\./);
    const first = await app.expectMessage(CELL_GROUP, /Alert ALR-\d+/);
    await app.say(STAFF.duty, '/alert coast The curfew is lifted.', { group: CELL_GROUP });
    const second = await app.expectMessage(CELL_GROUP, (m) => /Alert ALR-\d+/.test(m.text) && m.id !== first.id);
    const alert = /ALR-\d+/.exec(second.text)?.[0];
    await waitFor(async () => (await app.api<{ status: string }>('GET', `/api/alerts/${alert}`)).body.status === 'sent');
    await settle(app);
    expect((await app.outbox(phone)).filter((m) => /curfew is lifted/i.test(m.text))).toEqual([]);
  });

  it('NEWS from someone who reported in Arabic is answered in Arabic', async () => {
    const phone = citizen();
    await app.say(phone, 'الطريق إلى المطار مقطوع ونحن عالقون في اللاذقية');
    await app.expectMessage(phone, /INC-\d{4}/);
    await app.say(phone, 'NEWS');
    const news = await app.expectMessage(phone, (m) => m.kind === 'news');
    expect(news.text).toMatch(/^(آخر تنبيه|لا يوجد تنبيه)/);
  });
});

describe('keywords in Arabizi (Arabic in Latin letters)', () => {
  it('"ibni ma 3am yetnaffas" (my son is not breathing) is answered in Arabic, not in French for its "ma"', async () => {
    const phone = citizen();
    await app.say(phone, 'ibni ma 3am yetnaffas');
    const ack = await app.expectMessage(phone, /INC-\d{4}/);
    expect(ack.text).toMatch(/^✅ تلقينا بلاغك[\s\S]*112/);
    expect((await incidentsOf(phone))[0]).toMatchObject({ severity: 'critical', language: 'ar' });
  });

  it('"tasjil" starts the registration in Arabic and "akhbar" gets the latest advice, instead of opening reports', async () => {
    const phone = citizen();
    await app.say(phone, 'tasjil');
    await app.expectMessage(phone, (m) => m.kind === 'register' && /التسجيل لدى/.test(m.text));
    await app.say(phone, 'cancel');
    await app.expectMessage(phone, /تم إلغاء التسجيل/);
    await app.say(phone, 'akhbar');
    await app.expectMessage(phone, (m) => m.kind === 'news');
    await settle(app);
    expect(await incidentsOf(phone)).toEqual([]);
  });
});

describe('a location pin sent after the report', () => {
  it('reaches the cell with the place the citizen picked ("Sham Palace Hotel"), not only its coordinates', async () => {
    const phone = citizen();
    await app.say(phone, 'there is shooting outside our hotel, we are hiding in the basement');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, '', { location: { lat: 33.5138, lng: 36.2765, name: 'Sham Palace Hotel' } });
    await app.expectMessage(phone, new RegExp(`Added to your report ${id}`));
    const update = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✏️ ${id}`) && m.text.includes('📍'));
    expect(update.text).toContain('📍 location 33.51380, 36.27650 (Sham Palace Hotel)');
  });
});

describe('a report that turns life-threatening', () => {
  it('"he stopped breathing" is added to the report with the 112 line; a calm follow-up is not', async () => {
    const phone = citizen();
    await app.say(phone, 'my husband fell on the stairs of our building, his arm hurts');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, 'we are in the north, near the market');
    const calm = await app.expectMessage(phone, new RegExp(`Added to your report ${id}`));
    expect(calm.text).not.toMatch(/112/);
    await app.say(phone, 'he is unconscious now and not breathing, please hurry');
    const grave = await app.expectMessage(phone, (m) => m.text.startsWith(`📝 Added to your report ${id}`) && m.seq > calm.seq);
    expect(grave.text).toMatch(/If your life is in danger, call the local emergency number 112 now/);
    await app.say(phone, 'SOS');
    const sos = await app.expectMessage(phone, (m) => m.text.startsWith(`📝 Added to your report ${id}`) && m.seq > grave.seq);
    expect(sos.text).toMatch(/112/);
  });
});

describe('"?" after no answer', () => {
  it('tells the citizen their report waits for the next free officer, with 112, and the cell still sees the "?"', async () => {
    const phone = citizen();
    await app.say(phone, 'my father has chest pain and cannot breathe well, we are in Damascus');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    for (const nudge of ['?', 'hello??', 'any news?']) {
      const before = (await app.outbox(phone)).length;
      await app.say(phone, nudge);
      await settle(app);
      const said = (await app.outbox(phone)).slice(before);
      expect(said, nudge).toHaveLength(1);
      expect(said[0]?.text, nudge).toMatch(new RegExp(`^⏳ Your report ${id} is in the queue[\\s\\S]*112`));
    }
    await app.expectMessage(CELL_GROUP, (m) => m.text === `✏️ ${id} — the reporter adds: “?”`);
  });

  it('names the officer working on it once acknowledged, in the citizen’s language; other words are "added" as before', async () => {
    const phone = citizen();
    await app.say(phone, 'Mon mari a été arrêté à un checkpoint à Damas');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, (m) => m.kind === 'notice');
    await app.say(phone, 'allô ??');
    await app.expectMessage(phone, new RegExp(`^👀 Chloe, agent consulaire, s'occupe de votre signalement ${id}`));
    await app.say(phone, 'il est au commissariat central');
    await app.expectMessage(phone, new RegExp(`Ajouté à votre signalement ${id}`));
  });
});

describe('"any news?" from someone with no report open', () => {
  it('gets the latest advice in their language, not "we have your report" and a card for the cell', async () => {
    for (const [text, answer] of [
      ['any news?', /^(Latest advisory|There is no current advisory)/],
      ['Des nouvelles ?', /^(Dernier avis|Il n'y a pas d'avis)/],
      ['شو الأخبار؟', /^(آخر تنبيه|لا يوجد تنبيه)/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const reply = await app.expectMessage(phone, /./);
      expect(reply.kind, text).toBe('news');
      expect(reply.text, text).toMatch(answer);
      await settle(app);
      expect(await incidentsOf(phone), text).toEqual([]);
    }
  });
});

describe('a voice note in the middle of REGISTER', () => {
  it('opens a report and tells the citizen their registration is paused, so the next answer is not taken for registered', async () => {
    const phone = citizen();
    await app.say(phone, 'REGISTER');
    await app.expectMessage(phone, /Registration with the Embassy/);
    await app.say(phone, 'yes');
    const question = await app.expectMessage(phone, /What is your full name\?/);
    await app.say(phone, '', { media: 'audio' });
    const paused = await app.expectMessage(phone, (m) => m.seq > question.seq && m.kind === 'register');
    expect(paused.text).toBe('Your registration is paused so that we deal with this message first. Send REGISTER again when you can.');
    await app.expectMessage(phone, (m) => m.seq > question.seq && /INC-\d{4}/.test(m.text));
    await settle(app);
    expect(await incidentsOf(phone)).toHaveLength(1);
    // Told once, even if WhatsApp delivers the voice note again.
    expect((await app.outbox(phone)).filter((m) => m.text.startsWith('Your registration is paused'))).toHaveLength(1);
  });
});

describe('an answer to "What is your full name?" that is no name', () => {
  it('"wait" and "ok" are asked again; the name that follows is kept', async () => {
    const phone = citizen();
    await app.say(phone, 'REGISTER');
    await app.expectMessage(phone, /Registration with the Embassy/);
    await app.say(phone, 'yes');
    let last = await app.expectMessage(phone, /What is your full name\?/);
    for (const text of ['wait', 'ok']) {
      await app.say(phone, text);
      last = await app.expectMessage(phone, (m) => m.seq > last.seq);
      expect(last.text, text).toBe('Please send your full name (2 to 80 characters).');
    }
    await app.say(phone, 'Amal Haddad');
    const next = await app.expectMessage(phone, (m) => m.seq > last.seq);
    expect(next.text).toMatch(/region/i);
  });
});

describe('words that describe nothing before the ones that do', () => {
  it('"SOS", then "ok", then the description in French: the report is summarised and answered in French', async () => {
    const phone = citizen();
    await app.say(phone, 'SOS');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, 'ok');
    await app.say(phone, '👍');
    await app.say(phone, 'Mon fils est tombé du balcon, il saigne beaucoup, nous sommes à Damas');
    await app.expectMessage(phone, new RegExp(`Ajouté à votre signalement ${id}`));
    const [incident] = await incidentsOf(phone);
    expect(incident).toMatchObject({ id, language: 'fr', severity: 'critical' });
    expect(incident?.summary).toContain('Mon fils est tombé du balcon');
  });

  it('"?" or an invisible character with no report open gets the menu, and opens nothing', async () => {
    for (const text of ['?', '...', '\u200B']) {
      const phone = citizen();
      await app.say(phone, text);
      await app.expectMessage(phone, (m) => m.kind === 'menu');
      await settle(app);
      expect(await incidentsOf(phone), JSON.stringify(text)).toEqual([]);
    }
  });
});

describe('a follow-up graver than the report', () => {
  it('makes a lost passport a medical emergency, and the cell is told; a category staff chose stays', async () => {
    const phone = citizen();
    await app.say(phone, 'I lost my passport at the hotel');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, 'my son fell from the balcony and is not breathing');
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✏️ ${id}`) && m.text.includes('Now medical'));
    await settle(app);
    expect((await incidentsOf(phone))[0]).toMatchObject({ id, category: 'medical', severity: 'critical' });

    const other = citizen();
    await app.say(other, 'I lost my passport at the airport');
    const second = incidentIdIn((await app.expectMessage(other, /INC-\d{4}/)).text);
    expect((await app.api('PATCH', `/api/incidents/${second}`, { category: 'evacuation_request' })).status).toBe(200);
    await app.say(other, 'my daughter fell down the stairs and is unconscious');
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✏️ ${second}`) && m.text.includes('unconscious'));
    await settle(app);
    expect((await incidentsOf(other))[0]).toMatchObject({ id: second, category: 'evacuation_request', severity: 'critical' });
  });
});
