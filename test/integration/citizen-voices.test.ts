import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * Frightened citizens abroad writing to the embassy number during an earthquake, then unrest:
 * the way people really write (cries for help alone, a child, colloquial Arabic, Arabizi, thanks
 * after being helped), and what they and the crisis cell see.
 */
let app: TestApp;
let n = 0;
const citizen = () => `+3361277${String(1000 + n++)}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
const incidentsOf = async (phone: string) =>
  (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=200')).body.items.filter((i) => i.reporter === phone);

beforeAll(async () => {
  app = await startTestApp('citizen-voices', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

/** Sends `text` from a new phone and returns the incident it opened and the answer the citizen got. */
async function report(text: string) {
  const phone = citizen();
  await app.say(phone, text);
  const answer = await app.expectMessage(phone, /INC-\d{4}/);
  const id = incidentIdIn(answer.text);
  const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
  return { phone, answer: answer.text, card: card.text, incident: await getIncident(id) };
}

describe('"we are safe"', () => {
  it('in English, French or Arabic is noted as safe, as "I am safe" is, and opens no report', async () => {
    for (const [text, answer] of [
      ['We are safe', /We have noted that you are safe/],
      ['Nous sommes en sécurité', /en sécurité/],
      ['نحن بأمان', /.+/],
      // With thanks or "now" around it.
      ['ok we are safe now', /We have noted that you are safe/],
      ['Merci, nous sommes en sécurité', /en sécurité/],
      ['شكرا نحن بخير الحمد لله', /.+/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, text);
      const reply = await app.expectMessage(phone, answer);
      expect(reply.text).not.toMatch(/INC-\d{4}/);
      await settle(app);
      expect(await incidentsOf(phone)).toEqual([]);
    }
  });
});

describe('a thank-you after being helped', () => {
  it('"thank you 🙏", "merci beaucoup", "شكرا" or 👍 after the report was resolved opens no new report, and gets a polite answer', async () => {
    for (const [first, thanks, answer] of [
      [
        'we need to leave the country, where do we go?',
        'thank you so much 🙏',
        /You are welcome\. Your report (INC-\d{4}) is closed[\s\S]*112/,
      ],
      ["J'ai perdu mon passeport à Damas", 'merci beaucoup', /Avec plaisir\. Votre signalement (INC-\d{4}) est clôturé[\s\S]*112/],
      ['أخي مصاب في دمشق', 'شكرا كتير الله يعطيكم العافية', /على الرحب والسعة\. بلاغك (INC-\d{4}) مغلق[\s\S]*112/],
      ['my father ran out of insulin', '👍', /You are welcome\. Your report (INC-\d{4}) is closed/],
    ] as const) {
      const phone = citizen();
      await app.say(phone, first);
      const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
      await app.say(STAFF.officer, `/resolve ${id} consul called back`, { group: CELL_GROUP });
      await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(id));
      await app.say(phone, thanks);
      const reply = await app.expectMessage(phone, answer);
      expect(answer.exec(reply.text)?.[1]).toBe(id);
      await settle(app);
      expect((await incidentsOf(phone)).map((i) => i.id)).toEqual([id]);
      // Neither a card nor an update about it: the cell has nothing to triage.
      expect((await app.outbox(CELL_GROUP)).some((m) => m.text.includes(`“${thanks}”`))).toBe(false);
      expect((await app.outbox(phone)).filter((m) => m.kind === 'ack')).toHaveLength(1);
    }
  });

  it('a new emergency after the thank-you still opens a new report; a thank-you while the report is open joins it', async () => {
    const phone = citizen();
    await app.say(phone, 'small question about visas');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, 'ok thanks');
    await app.expectMessage(phone, new RegExp(`Added to your report ${id}`));
    await app.say(STAFF.officer, `/resolve ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(id));
    await app.say(phone, 'thanks');
    await app.expectMessage(phone, /You are welcome/);
    await app.say(phone, 'the water is rising again in our street, help');
    const next = await app.expectMessage(phone, (m) => /INC-\d{4}/.test(m.text) && !m.text.includes(id));
    expect((await getIncident(incidentIdIn(next.text))).severity).toBe('critical');
  });
});

describe('a cry for help alone', () => {
  it('"help me", "please help!!", "aidez-moi", "الحقوني", "sos sos sos" or only 🆘 is an SOS: critical, and the citizen is asked what, how many and where', async () => {
    for (const [text, asked] of [
      ['help me', /emergency\. Reference INC-\d{4}[\s\S]*112[\s\S]*how many people/],
      ['HELP ME PLEASE', /emergency\. Reference INC-\d{4}[\s\S]*how many people/],
      ['please help!!', /emergency\. Reference INC-\d{4}[\s\S]*how many people/],
      ['aidez-moi', /urgence\. Référence INC-\d{4}[\s\S]*combien de personnes/],
      ['الحقوني', /حالة طارئة\. الرقم المرجعي INC-\d{4}[\s\S]*كم عدد الأشخاص/],
      ['ساعدونا', /حالة طارئة\. الرقم المرجعي INC-\d{4}/],
      ['sos sos sos', /emergency\. Reference INC-\d{4}/],
      ['🆘🆘', /emergency\. Reference INC-\d{4}[\s\S]*how many people/],
    ] as const) {
      const { answer, card, incident } = await report(text);
      expect(answer, text).toMatch(asked);
      expect(card, text).toContain('CRITICAL');
      expect(incident.severity, text).toBe('critical');
    }
  });
});

describe('a life in danger, in the words people use', () => {
  it('a child, a neighbour, a collapse, "not waking up", colloquial Arabic: the card is CRITICAL', async () => {
    for (const [text, category] of [
      ['my mom is not waking up and there is blood. im 9. what do i do', 'medical'],
      ['HELP!!! BUILDING FELL DOWN MY WIFE IS UNDER IT', 'trapped'],
      ['plese help my husbnd is trapd under the bulding in aleppo', 'trapped'],
      [
        "This is Marc's neighbour writing, his phone is dead. Marc is stuck in his flat 3rd floor with 2 kids, the door is jammed and the stairs collapsed",
        'trapped',
      ],
      ['earthquake, the wall fell on my leg, i can’t move', 'trapped'],
      ["Tremblement de terre!! notre immeuble s'est effondré, mon père est dessous", 'trapped'],
      ['maman se reveille pas et y a du sang partout jai 8 ans', 'medical'],
      ['ماما ما عم تصحى وفي دم كتير', 'medical'],
      ['العمارة وقعت و احنا محبوسين جوه الشقة', 'trapped'],
      ['ابويا مش قادر ياخد نفسه', 'medical'],
      ['🆘🆘 we are in the basement of the hotel', 'other'],
    ] as const) {
      const { card, incident } = await report(text);
      expect(card, text).toContain('CRITICAL');
      expect(incident, text).toMatchObject({ severity: 'critical', category });
    }
  });

  it('typed in a hurry ("unconsious", "bleeeding", "inconsicent", "trapepd"): the card is CRITICAL and quotes the words as typed', async () => {
    for (const [text, category, typo] of [
      ['my father is unconsious and bleeeding', 'medical', 'unconsious'],
      ['mon pere est inconsicent, il saigne beaucop', 'medical', 'inconsicent'],
      ['we are trapepd in the basement', 'trapped', 'trapepd'],
    ] as const) {
      const { card, incident } = await report(text);
      expect(card, text).toContain('CRITICAL');
      expect(card, text).toContain(typo);
      expect(incident, text).toMatchObject({ severity: 'critical', category });
    }
  });

  it('armed men breaking in: CRITICAL; a husband taken by men in uniform: HIGH; neither a medium "other"', async () => {
    for (const [text, severity] of [
      ['men with guns are breaking into our building', 'CRITICAL'],
      ['my husband was taken by men in uniform this morning', 'HIGH'],
    ]) {
      const { card, incident } = await report(text as string);
      expect(card, text).toContain(severity);
      expect(incident.category, text).not.toBe('other');
    }
  });
});

describe('Arabic written in Latin letters (Arabizi)', () => {
  it('"ana 3alek bl matar" is answered in Arabic, not French, and triaged like the same words in Arabic', async () => {
    const stranded = await report('ana 3alek bl matar w ma fi tayarat');
    expect(stranded.answer).toMatch(/تلقينا بلاغك/);
    expect(stranded.incident).toMatchObject({ language: 'ar', category: 'evacuation_request', severity: 'medium' });

    const bleeding = await report('sa3dona ibni msab w 3am yenzef ktir, ne7na b halab');
    expect(bleeding.answer).toMatch(/الرقم المرجعي/);
    expect(bleeding.card).toContain('CRITICAL');
    expect(bleeding.incident).toMatchObject({ language: 'ar', category: 'medical', severity: 'critical' });
  });
});

describe('the same question three times', () => {
  it('"is the airport open?" is one evacuation report, the repeats join it', async () => {
    const { phone, incident } = await report('is the airport open?');
    expect(incident.category).toBe('evacuation_request');
    for (const text of ['is the airport open??', 'IS THE AIRPORT OPEN']) await app.say(phone, text);
    await settle(app);
    expect((await app.outbox(phone)).filter((m) => m.text.includes(`Added to your report ${incident.id}`))).toHaveLength(2);
    expect(await incidentsOf(phone)).toHaveLength(1);
    expect((await getIncident(incident.id)).timeline.filter((e) => e.actor === 'reporter')).toHaveLength(3);
  });
});

describe('writing again: after a resolved report, or in reply to an alert', () => {
  it('the card of the new report names the earlier report and the alert or report notice the citizen replied to', async () => {
    const phone = citizen();
    await app.say(phone, 'my husband is injured, we are in Aleppo');
    const first = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(STAFF.officer, `/resolve ${first} taken to hospital`, { group: CELL_GROUP });
    const closed = await app.expectMessage(phone, (m) => m.kind === 'notice' && m.text.includes(first));
    await app.say(phone, 'the hospital sent him home, he is bleeding again', { replyTo: closed.id });
    const second = incidentIdIn((await app.expectMessage(phone, (m) => /INC-\d{4}/.test(m.text) && !m.text.includes(first))).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(second));
    expect(card.text).toContain(`replying to ${first}`);

    // A registered citizen answers an alert by quoting it.
    const registered = citizen();
    for (const text of ['register', 'yes', 'Jean Dupont', 'aleppo', '2', 'english']) {
      const before = (await app.outbox(registered)).length;
      await app.say(registered, text);
      await waitFor(async () => (await app.outbox(registered)).length > before || undefined);
    }
    const alert = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Aftershocks expected: stay out of damaged buildings.' },
    });
    const received = await app.expectMessage(registered, (m) => m.kind === 'alert' && m.text.includes(alert.body.id));
    await app.say(registered, 'is this still valid? the road to the airport is blocked', { replyTo: received.id });
    const asked = incidentIdIn((await app.expectMessage(registered, /INC-\d{4}/)).text);
    const askedCard = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(asked));
    expect(askedCard.text).toContain(`replying to ${alert.body.id}`);
    await app.say(STAFF.officer, `/resolve ${asked} answered by phone`, { group: CELL_GROUP });
    await app.expectMessage(registered, (m) => m.kind === 'notice' && m.text.includes(asked));
    await app.say(registered, 'now there are armed men in our street');
    const third = incidentIdIn((await app.expectMessage(registered, (m) => /INC-\d{4}/.test(m.text) && !m.text.includes(asked))).text);
    const thirdCard = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(third));
    expect(thirdCard.text).toContain(`earlier report ${asked}`);
    expect(thirdCard.text).not.toContain('replying to');
  });
});
