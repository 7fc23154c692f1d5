import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * The words citizens choose: Arabic keywords with the article, Arabic typed in Latin letters without
 * digits, and the reports the triage rules must read as a duty officer would. What the citizen is
 * told, in which language, and what the cell sees.
 */
let app: TestApp;
let n = 0;
const citizen = () => `+3361277${String(1000 + n++)}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
/** A citizen's first message: the id of the report their acknowledgement names. */
const opened = async (phone: string, text: string) => {
  await app.say(phone, text);
  return incidentIdIn((await app.expectMessage(phone, (m) => m.kind === 'ack')).text);
};
const incidentsOf = async (phone: string) =>
  (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=200')).body.items.filter((i) => i.reporter === phone);

beforeAll(async () => {
  app = await startTestApp('citizen-words', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('an Arabic keyword written with the article ال, or without it', () => {
  it('"الأخبار" and "الاخبار" get the latest advice, "القائمة" the menu, in Arabic, and open no report', async () => {
    for (const [text, kind, answer] of [
      ['الأخبار', 'news', /^(آخر تنبيه|لا يوجد تنبيه)/],
      ['الاخبار', 'news', /^(آخر تنبيه|لا يوجد تنبيه)/],
      ['القائمة', 'menu', /ما يمكنك إرساله/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const reply = await app.expectMessage(phone, /./);
      expect(reply.kind, text).toBe(kind);
      expect(reply.text, text).toMatch(answer);
      await settle(app);
      expect(await incidentsOf(phone), text).toEqual([]);
    }
  });

  it('"التسجيل" starts the registration in Arabic', async () => {
    const phone = citizen();
    await app.say(phone, 'التسجيل');
    await app.expectMessage(phone, (m) => m.kind === 'register' && /التسجيل لدى/.test(m.text));
    await settle(app);
    expect(await incidentsOf(phone)).toEqual([]);
  });

  it('"النجدة" and "نجدة" are an SOS: critical, and what, how many and where are asked in Arabic', async () => {
    for (const text of ['النجدة', 'نجدة!']) {
      const phone = citizen();
      await app.say(phone, text);
      const answer = await app.expectMessage(phone, /INC-\d{4}/);
      expect(answer.text, text).toMatch(/حالة طارئة\. الرقم المرجعي INC-\d{4}/);
      const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(incidentIdIn(answer.text)));
      expect(card.text, text).toContain('CRITICAL');
    }
  });
});

describe('Arabic typed in Latin letters without digits (Arabizi)', () => {
  it('"ibni mish am yetnaffas", "ana mahjouz", "saidouna" are answered in Arabic, not in English or French', async () => {
    for (const text of ['ibni mish am yetnaffas', 'ana mahjouz', 'saidouna']) {
      const phone = citizen();
      await app.say(phone, text);
      const ack = await app.expectMessage(phone, /INC-\d{4}/);
      // "saidouna" (help us) alone is an SOS, as "sa3douna" and "ساعدونا": what, how many and where are asked.
      expect(ack.text, text).toMatch(text === 'saidouna' ? /^🆘 فهمنا: حالة طارئة/ : /^✅ تلقينا بلاغك/);
      expect((await incidentsOf(phone))[0], text).toMatchObject({
        language: 'ar',
        ...(text === 'saidouna' ? { severity: 'critical' } : {}),
      });
    }
  });
});

describe('reports the triage rules read as a duty officer would', () => {
  it('"no pulse", a stroke, a man with a gun following us are critical; a mugging is security; stranded is a request to leave; a denial raises nothing, a plea is high, a question low', async () => {
    for (const [text, card] of [
      ['My father collapsed, he has no pulse', /CRITICAL · medical/],
      ['mon mari fait un AVC', /CRITICAL · medical/],
      ['we are being followed by a man with a gun', /CRITICAL · security/],
      ['I was mugged outside the hotel, they took everything', /HIGH · security/],
      ['our flight was cancelled and we cannot leave', /MEDIUM · evacuation request/],
      // What did not happen raises nothing; a plea is at least high; a question only asked is low.
      ['There was an explosion near us, we are not trapped, nobody was injured', /MEDIUM · security/],
      ['aidez-nous svp, nous sommes à l’hôtel', /HIGH · other/],
      ['When does the embassy open?', /LOW · other/],
      // Rape, in the citizen's own words: a person hurt by someone, not "MEDIUM · other".
      ['my daughter was raped', /HIGH · security/],
      ['ma fille a été violée', /HIGH · security/],
      ['اغتصبوا بنتي', /HIGH · security/],
      // Soldiers who took someone: a detention; a report that opens with a cry for help: a plea.
      ['les militaires ont pris mon mari', /HIGH · arrest/],
      ['HELP STOP', /HIGH · other/],
      // A ceasefire (cessez-le-feu) is no fire.
      ['le cessez-le-feu tient, peut-on voyager vers le sud ?', /LOW · other/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const ack = await app.expectMessage(phone, /INC-\d{4}/);
      const posted = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(incidentIdIn(ack.text)));
      expect(posted.text, text).toMatch(card);
    }
  });
});

describe('the language of a short message', () => {
  it('"passeport perdu", "bombardement ici", "salut" are answered in French; "weyn el safara", "salam alaykum", "ahlan", "shukran" in Arabic', async () => {
    for (const [text, answer] of [
      ['passeport perdu', /^✅ Nous avons bien reçu votre signalement/],
      ['bombardement ici', /^✅ Nous avons bien reçu votre signalement/],
      ['salut', /ce que vous pouvez envoyer/],
      ['weyn el safara', /^✅ تلقينا بلاغك|ما يمكنك إرساله/],
      // An Arabic greeting or thanks typed in Latin letters, as "mar7aba" is.
      ['salam alaykum', /ما يمكنك إرساله/],
      ['salam', /ما يمكنك إرساله/],
      ['ahlan', /ما يمكنك إرساله/],
      ['marhaba', /ما يمكنك إرساله/],
      ['shukran', /^🙏 على الرحب والسعة/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const said = await app.expectMessage(phone, (m) => m.kind === 'ack' || m.kind === 'menu' || m.kind === 'thanks');
      expect(said.text, text).toMatch(answer);
    }
  });

  it('a report whose first words tell no language is answered in that of the first words that do, from then on', async () => {
    const phone = citizen();
    const id = await opened(phone, 'Hotel Sheraton, room 412');
    await app.say(phone, 'mon mari est blessé, il saigne beaucoup');
    await app.expectMessage(phone, (m) => m.text.startsWith(`📝 Ajouté à votre signalement ${id}`));
    // The officer's notice is in French too, and MENU is answered in it.
    await app.say('+15550000001', `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, (m) => m.text.includes(id) && /agent consulaire|a été vu/.test(m.text));
    await app.say(phone, 'MENU');
    await app.expectMessage(phone, (m) => m.kind === 'menu' && /ce que vous pouvez envoyer/.test(m.text));
    expect((await incidentsOf(phone))[0]).toMatchObject({ id, language: 'fr' });
  });

  it('keeps the language of an SOS that told one ("au secours") when the next words tell none; "SOS" takes that of the first words that do', async () => {
    const french = citizen();
    const id = await opened(french, 'au secours');
    await app.say(french, 'Hotel Sheraton, 412');
    await app.expectMessage(french, (m) => m.text.startsWith(`📝 Ajouté à votre signalement ${id}`));
    const bare = citizen();
    const other = await opened(bare, 'SOS');
    await app.say(bare, 'Hotel Sheraton, 412');
    await app.expectMessage(bare, (m) => m.text.startsWith(`📝 Added to your report ${other}`));
    await app.say(bare, 'mon mari est blessé');
    await app.expectMessage(bare, (m) => m.text.startsWith(`📝 Ajouté à votre signalement ${other}`));
    // The intake's marks are its own: the API shows none of them.
    for (const phone of [french, bare]) {
      const incident = (await incidentsOf(phone))[0] as unknown as Record<string, unknown>;
      expect(incident).toMatchObject({ language: 'fr' });
      expect(incident).not.toHaveProperty('langless');
      expect(incident).not.toHaveProperty('wordless');
    }
  });

  it('keeps the language a report was opened in when its words told it', async () => {
    const phone = citizen();
    const id = await opened(phone, 'my passport was stolen at the hotel');
    await app.say(phone, 'merci');
    await app.say(phone, 'le voleur est parti vers la gare');
    await app.expectMessage(phone, (m) => m.text.startsWith(`📝 Added to your report ${id}`));
    expect((await incidentsOf(phone))[0]).toMatchObject({ id, language: 'en' });
  });
});
