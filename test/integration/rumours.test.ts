import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

interface IncidentView {
  id: string;
  severity: string;
  category: string;
  reporter: string | null;
  summary: string;
  links: Record<string, string>;
  timeline: TimelineEntry[];
}

const phone = (n: number) => `+3361500${String(n).padStart(4, '0')}`;

const RUMOUR_EN =
  'URGENT!! The embassy says all citizens must go to the airport tonight at 22:00, evacuation flights. Share with everyone!';
const RUMOUR_FR = "L'ambassade demande à tous les Français de se rendre à l'aéroport ce soir à 22h. Partagez !";
const RUMOUR_AR = 'السفارة تطلب من جميع المواطنين التوجه إلى المطار الليلة الساعة العاشرة. انشروا!';

describe('a citizen forwards a rumour claiming to come from the embassy or the authorities', () => {
  let app: TestApp;
  const incidentsOf = async (reporter: string) =>
    (await app.api<{ items: IncidentView[] }>('GET', '/api/incidents?limit=200')).body.items.filter((i) => i.reporter === reporter);
  const incident = async (id: string) => (await app.api<IncidentView>('GET', `/api/incidents/${id}`)).body;
  /** The citizen forwards `text` (WhatsApp's "Forwarded" label) and the bot has answered. */
  const forward = async (from: string, text: string) => {
    await app.say(from, text, { forwarded: true });
    await settle(app);
    return (await app.outbox(from)).map((m) => m.text);
  };
  const sitrep = async () => {
    const before = (await app.outbox(CELL_GROUP)).length;
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    await settle(app);
    return (await app.outbox(CELL_GROUP))
      .slice(before)
      .map((m) => m.text)
      .join('\n');
  };

  beforeAll(async () => {
    app = await startTestApp('rumours', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
  });
  afterAll(async () => app.stop());

  it('warns in the citizen’s language, opens no incident, and shows the cell the rumour in /sitrep', async () => {
    const cellBefore = (await app.outbox(CELL_GROUP)).length;
    const en = await forward(phone(1), RUMOUR_EN);
    expect(en).toHaveLength(1);
    expect(en[0]).toMatch(/the embassy did not send this message/);
    expect(en[0]).toMatch(/Do not act on it and do not share it/);
    expect(en[0]).toMatch(/Send NEWS for the latest genuine advice/);
    expect(en[0]).toMatch(/If you are in danger, describe your situation/);
    expect(en[0]).not.toMatch(/We have your report/);
    expect(await forward(phone(2), RUMOUR_FR)).toEqual([expect.stringMatching(/l'ambassade n'a pas envoyé ce message.*Envoyez INFOS/s)]);
    expect(await forward(phone(3), RUMOUR_AR)).toEqual([expect.stringMatching(/لم ترسل السفارة هذه الرسالة.*أرسل أخبار/s)]);
    // The same chain message from a second citizen counts as one more forward of one rumour; the same message
    // delivered twice (WhatsApp redelivers) counts once and is answered once.
    for (let i = 0; i < 2; i++) {
      await app.say(phone(4), RUMOUR_EN, { forwarded: true, id: 'WA-FWD-4' });
      await settle(app);
    }
    expect(await app.outbox(phone(4))).toHaveLength(1);

    // No card, no incident: a chain message forwarded by hundreds would bury the real reports.
    for (const n of [1, 2, 3, 4]) expect(await incidentsOf(phone(n))).toEqual([]);
    expect((await app.outbox(CELL_GROUP)).slice(cellBefore)).toEqual([]);

    // What the duty officer sees: the rumours going round, most forwarded first, and how to counter them.
    const report = await sitrep();
    expect(report).toMatch(/📣 Rumours: 3 messages claiming to be official forwarded to us in the last 24 h \(4 forwards in all\)/);
    const listed = report.split('\n').filter((l) => /^ {2}\d+×/.test(l));
    expect(listed[0]).toMatch(/^ {2}2× “URGENT!! The embassy says all citizens must go to the airport tonight/);
    expect(listed.slice(1).map((l) => l.slice(0, 5))).toEqual(['  1× ', '  1× ']);
    expect(report).toMatch(/\/alert all/);
  });

  it('adds a rumour to the citizen’s open report, marked as such, without raising its triage', async () => {
    const citizen = phone(10);
    await app.say(citizen, 'I lost my passport near the old market');
    await settle(app);
    const [opened] = await incidentsOf(citizen);
    expect(opened?.severity).toBe('low');
    const cellBefore = (await app.outbox(CELL_GROUP)).length;
    const answers = (await forward(citizen, 'Government warns: bombing in the north tonight, stay inside. Share!')).slice(-1);

    // It claims the country's authorities, not the embassy: it may be genuine, and "do not act on it"
    // could have someone ignore a real curfew. The citizen is told to check it, and that staying inside is safe.
    expect(answers[0]).toMatch(/did not come from the embassy, and the embassy cannot confirm it/);
    expect(answers[0]).toMatch(/check it on their official channels/);
    expect(answers[0]).toMatch(/stay indoors or keep away from a place, doing so is the safe choice/);
    expect(answers[0]).not.toMatch(/Do not act on it/);
    const after = await incident(opened?.id as string);
    expect(after.severity).toBe('low');
    expect(after.category).toBe('lost_documents');
    expect(after.timeline.at(-1)).toMatchObject({
      type: 'details',
      actor: 'reporter',
      text: 'Government warns: bombing in the north tonight, stay inside. Share!',
      data: { forwarded: true, rumour: true },
    });
    const update = (await app.outbox(CELL_GROUP)).slice(cellBefore).map((m) => m.text);
    expect(update).toEqual([
      expect.stringMatching(
        new RegExp(
          `^✏️ ${after.id} — ↪️ the reporter forwarded a message claiming to come from the authorities, which the embassy cannot confirm .*“Government warns`,
        ),
      ),
    ]);
    expect(update[0]).not.toMatch(/Severity raised/);

    // One that claims the embassy is still called what it is, on the card too.
    await forward(citizen, RUMOUR_EN);
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.text.includes('claiming to be official, not a genuine alert') && m.text.includes('URGENT!!'),
    );
    // In French and Arabic, the same advice to check.
    expect(await forward(phone(11), 'Ministère de l’Intérieur : couvre-feu à partir de 20h à Damas. Partagez !')).toEqual([
      expect.stringMatching(/ne vient pas de l'ambassade.*vérifiez-le sur leurs canaux officiels/s),
    ]);
    expect(await forward(phone(12), 'وزارة الداخلية: حظر تجول من الساعة الثامنة مساءً. انشروا')).toEqual([
      expect.stringMatching(/لم تأتِ من السفارة.*تحقق منها عبر قنواتها الرسمية/s),
    ]);
  });

  it('still verifies a forwarded genuine alert, and counts a forwarded fake one as a rumour', async () => {
    const created = await app.api<{ id: string; code: string; status: string }>('POST', '/api/alerts', {
      audience: { all: true },
      text: { en: 'Stay indoors tonight.' },
    });
    expect(created.body.status).toBe('sending');
    const { id, code } = created.body;
    const genuine = `OFFICIAL ALERT from the Embassy of Freedonia in Sylvania · ${id}\n\nStay indoors tonight.\n\nVerification code: ${code}. Send NEWS to check an alert is genuine.`;
    const answers = await forward(phone(20), genuine);
    expect(answers).toEqual([expect.stringMatching(new RegExp(`^Yes: ${id} is a genuine alert from the embassy`))]);
    expect(await incidentsOf(phone(20))).toEqual([]);

    const fake = genuine.replace(code, code === 'AAAA' ? 'CCCC' : 'AAAA').replace('Stay indoors tonight.', 'Go to the airport tonight.');
    expect(await forward(phone(21), fake)).toEqual([
      expect.stringMatching(new RegExp(`Warning: the embassy did not send ${id}.*in danger`, 's')),
    ]);
    expect(await sitrep()).toMatch(/1× “OFFICIAL ALERT from the Embassy of Freedonia in Sylvania · ALR-\d+ Go to the airport tonight/);

    // The genuine id and code kept, the words changed: not confirmed, and the genuine words given.
    const altered = genuine.replace('Stay indoors tonight.', 'Go to the border crossing tonight, buses wait there.');
    expect(await forward(phone(22), altered)).toEqual([
      expect.stringMatching(
        new RegExp(`^⚠️ Warning: ${id} is a genuine alert, but this copy was changed.*What the embassy sent:\nStay indoors tonight.$`, 's'),
      ),
    ]);
    expect(await sitrep()).toMatch(/Go to the border crossing tonight/);
    // A copy with other spacing and punctuation (pasted, retyped) is still the alert.
    const respaced = genuine.replace('Stay indoors tonight.', '  stay INDOORS tonight!! ');
    expect(await forward(phone(23), respaced)).toEqual([expect.stringMatching(new RegExp(`^Yes: ${id} is a genuine alert`))]);
  });

  it('keeps a forwarded report of people in danger a report, triaged as such, marked as forwarded', async () => {
    const citizen = phone(30);
    const text = 'Forwarded from my sister: the embassy told us to stay, but we are trapped at the Sham hotel, the stairs collapsed';
    const answers = await forward(citizen, text);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatch(/We have your report|Understood: emergency/);
    expect(answers[0]).not.toMatch(/did not send/);
    const [opened] = await incidentsOf(citizen);
    expect(opened).toMatchObject({ severity: 'critical', category: 'trapped', summary: text });
    const card = (await app.outbox(CELL_GROUP)).find((m) => m.text.includes(opened?.id as string) && /New incident/.test(m.text));
    expect(card?.text).toMatch(/↪️ Forwarded by the reporter: someone else’s message/);
  });

  it('leaves a message that is not forwarded as it was: the same words are an ordinary report', async () => {
    const citizen = phone(40);
    const answers = await (async () => {
      await app.say(citizen, RUMOUR_EN);
      await settle(app);
      return (await app.outbox(citizen)).map((m) => m.text);
    })();
    expect(answers).toEqual([expect.stringMatching(/We have your report/)]);
    const [opened] = await incidentsOf(citizen);
    expect(opened?.summary).toBe(RUMOUR_EN);
    expect(opened?.links.forwarded).toBeUndefined();
  });

  it('answers "is this true?" after the warning again, in the warning’s language, and opens no report', async () => {
    const say = async (from: string, text: string) => {
      const before = (await app.outbox(from)).length;
      await app.say(from, text);
      await settle(app);
      return (await app.outbox(from)).slice(before).map((m) => m.text);
    };
    const citizen = phone(60);
    await forward(citizen, RUMOUR_EN);
    expect(await say(citizen, 'is this true??')).toEqual([
      expect.stringMatching(/^No\. The embassy did not send the message you forwarded/),
    ]);
    expect(await say(citizen, 'so it is fake?')).toEqual([expect.stringMatching(/^No\. The embassy did not send/)]);
    // A claim of the local authorities is never called false: the embassy cannot say.
    const other = phone(61);
    await forward(other, 'وزارة الداخلية: حظر تجول من الساعة الثامنة مساءً. انشروا');
    expect(await say(other, 'يعني الخبر صحيح؟')).toEqual([
      expect.stringMatching(/^لا تستطيع السفارة أن تقول.*تحقق منها عبر قنواتها الرسمية/s),
    ]);
    const french = phone(62);
    await forward(french, RUMOUR_FR);
    expect(await say(french, "c'est vrai ?")).toEqual([expect.stringMatching(/^Non\. L'ambassade n'a pas envoyé le message/)]);
    expect(await incidentsOf(citizen)).toEqual([]);
    expect(await incidentsOf(other)).toEqual([]);
    expect(await incidentsOf(french)).toEqual([]);
    // A question that says more is a report, as ever; and "is this true?" with no warning given is too.
    expect(await say(citizen, 'is this true? we are trapped in the hotel')).toEqual([expect.stringMatching(/We have your report/)]);
    expect(await say(phone(63), 'is this true?')).toEqual([expect.stringMatching(/We have your report/)]);
  });

  it('adds "is this true?" to the citizen’s open report, marked as a question about the rumour, raising nothing', async () => {
    const citizen = phone(65);
    await app.say(citizen, 'I lost my passport near the old market');
    await settle(app);
    const [opened] = await incidentsOf(citizen);
    await forward(citizen, RUMOUR_EN);
    const cellBefore = (await app.outbox(CELL_GROUP)).length;
    const before = (await app.outbox(citizen)).length;
    await app.say(citizen, 'is this true??');
    await settle(app);
    expect((await app.outbox(citizen)).slice(before).map((m) => m.text)).toEqual([
      expect.stringMatching(/^No\. The embassy did not send the message you forwarded/),
    ]);
    // No second report; the question is on the one the officer works on, and changes none of its triage.
    expect((await incidentsOf(citizen)).map((i) => i.id)).toEqual([opened?.id]);
    const after = await incident(opened?.id as string);
    expect(after).toMatchObject({ severity: 'low', category: 'lost_documents' });
    expect(after.timeline.at(-1)).toMatchObject({
      type: 'details',
      actor: 'reporter',
      text: 'is this true??',
      data: { asksIfRumourTrue: true },
    });
    expect((await app.outbox(CELL_GROUP)).slice(cellBefore).map((m) => m.text)).toEqual([
      `✏️ ${opened?.id} — ❓ the reporter asks whether the rumour they forwarded is true (they were told again that the embassy did not send it): “is this true??”`,
    ]);
  });

  it('answers "is this true?" once WhatsApp shows the number of a citizen it had hidden when they forwarded the rumour', async () => {
    const lid = '44455566677788@lid';
    const number = phone(70);
    const message = (id: string, text: string, from: { lid: string; phone?: string }, forwarded = false) =>
      app.queues.receive({ id, chat: { kind: 'dm', phone: from.phone ?? lid }, from, fromMe: false, at: Date.now(), text, forwarded });
    await message('HID-1', RUMOUR_EN, { lid }, true);
    await settle(app);
    expect((await app.outbox(lid)).map((m) => m.text)).toEqual([expect.stringMatching(/the embassy did not send this message/)]);
    await message('HID-2', 'is it true?', { lid, phone: number });
    await settle(app);
    expect((await app.outbox(number)).map((m) => m.text)).toEqual([expect.stringMatching(/^No\. The embassy did not send/)]);
    expect(await incidentsOf(number)).toEqual([]);
  });

  it('refuses a forwarded deletion in the simulator API with a clear error', async () => {
    const res = await app.api<{ error: { code: string; message: string } }>('POST', '/sim/messages', {
      from: phone(50),
      deletion: { of: 'X1' },
      forwarded: true,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/deletion/);
  });
});
