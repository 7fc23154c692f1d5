import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
let n = 0;
/** A fresh citizen phone per test, so tests do not share incidents. */
const citizen = () => `+3361299${String(1000 + n++).padStart(4, '0')}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;

beforeAll(async () => {
  app = await startTestApp('review-chat', {
    config: {
      escalation: { ackDeadline: { critical: '2s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1h' },
      digest: { maxCardsPerWindow: 1000, window: '1m' },
    },
  });
});
afterAll(async () => app.stop());

describe('a follow-up that reveals a worse situation', () => {
  it('raises the incident to critical, tells the cell, and escalates on the critical deadline', async () => {
    const phone = citizen();
    await app.say(phone, 'My father is sick and needs a doctor');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    expect((await getIncident(id)).severity).toBe('high');
    await app.say(phone, 'Now he is unconscious and not breathing, we are in Aleppo');
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'update' && m.text.includes(id) && /CRITICAL/.test(m.text));
    const incident = await getIncident(id);
    expect(incident).toMatchObject({ severity: 'critical', region: 'north' });
    // Nobody acknowledges: the critical deadline (2 s), not the high one (1 h), pages the duty officers.
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id), 15_000);
  });
});

describe('a viewer’s 👍 on an incident card', () => {
  it('does not acknowledge it: the viewer is refused and the citizen is not told', async () => {
    const phone = citizen();
    await app.say(phone, 'My son was arrested at a checkpoint');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    await app.api('POST', '/sim/reactions', { from: STAFF.viewer, group: CELL_GROUP, messageId: card.id, emoji: '👍' });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'refusal' && /officer role/.test(m.text));
    await settle(app);
    expect((await getIncident(id)).status).toBe('open');
    expect((await app.outbox(phone)).some((m) => /has been seen/.test(m.text))).toBe(false);
  });
});

describe('Arabic keywords in their usual spellings', () => {
  it('takes "أنا بخير" (with hamza) as SAFE, not as a new incident', async () => {
    const phone = citizen();
    await app.say(phone, 'أنا بخير');
    await app.expectMessage(phone, (m) => m.kind === 'safe');
    await settle(app);
    expect((await app.outbox(phone)).some((m) => /INC-\d{4}/.test(m.text))).toBe(false);
  });
});

describe('the language of the answer to a first report', () => {
  it('is English for an English report with a word starting with j', async () => {
    const phone = citizen();
    await app.say(phone, 'Just robbed at gunpoint, wallet and passport gone, need help');
    await app.expectMessage(phone, /Reference: INC-\d{4}/);
  });

  it('is French for a French report without "je"', async () => {
    const phone = citizen();
    await app.say(phone, 'Urgence, incendie dans l’immeuble, 3 personnes coincées');
    await app.expectMessage(phone, /Référence : INC-\d{4}/);
  });
});

describe('staff raising the severity of an unacknowledged incident', () => {
  it('brings its escalation forward to the new severity’s deadline', async () => {
    const phone = citizen();
    await app.say(phone, 'My passport was stolen');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(STAFF.officer, `/severity ${id} critical`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} severity is now critical`));
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id), 15_000);
  });
});

describe('/assign with a phone number as WhatsApp shows it', () => {
  it('accepts the spaces in "+1 555 000 0003"', async () => {
    const phone = citizen();
    await app.say(phone, 'We need to leave the country');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(STAFF.duty, `/assign ${id} +1 555 000 0003`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} is now with Chloe Officer`));
    await waitFor(async () => (await getIncident(id)).assignee === STAFF.officer || undefined);
  });
});

describe('SAFE from a citizen with an open report', () => {
  it('is added to the report, so the officers working on it learn it', async () => {
    const phone = citizen();
    await app.say(phone, 'Gunmen outside our hotel, we are hiding in the basement');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(phone, 'I am safe');
    await app.expectMessage(phone, (m) => m.kind === 'safe');
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'update' && m.text.includes(id) && m.text.includes('I am safe'));
    expect((await getIncident(id)).timeline.at(-1)).toMatchObject({ actor: 'reporter', text: 'I am safe' });
  });
});

describe('a citizen WhatsApp shows only by LID', () => {
  it('opens an incident, answers them, and tells them when it is acknowledged', async () => {
    const lid = '246813579024680@lid';
    // What the Baileys adapter delivers when no phone number is known: the DM "phone" is the LID.
    await app.queues.receive({
      id: 'lid-report-1',
      chat: { kind: 'dm', phone: lid },
      from: { lid },
      text: 'Our house collapsed in the north, my brother is trapped',
      fromMe: false,
      at: Date.now(),
    });
    const id = incidentIdIn((await app.expectMessage(lid, /Reference/)).text);
    const incident = await getIncident(id);
    expect(incident).toMatchObject({ reporter: lid, category: 'trapped', status: 'open' });
    await app.say(STAFF.duty, `/ack ${id}`);
    await app.expectMessage(lid, (m) => m.text.includes(id) && m.kind !== 'ack' && m.kind !== 'reply');
    // A later message joins the same incident.
    await app.queues.receive({
      id: 'lid-report-2',
      chat: { kind: 'dm', phone: lid },
      from: { lid },
      text: 'He is answering us through the wall',
      fromMe: false,
      at: Date.now(),
    });
    await app.expectMessage(lid, (m) => m.text.includes(id) && m.kind === 'reply');
    expect((await getIncident(id)).timeline.map((e) => e.text)).toContain('He is answering us through the wall');
  });
});

describe('a report that starts with a location pin', () => {
  it('takes its summary and language from the first words that follow', async () => {
    const phone = citizen();
    await app.api('POST', '/sim/messages', { from: phone, location: { lat: 35.55, lng: 35.8, name: 'Latakia' } });
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    expect((await getIncident(id)).summary).toBe('(location pin)');
    await app.say(phone, "Je suis bloquée chez moi avec mes enfants, l'immeuble est fissuré");
    // Answered in French, the language of the words, not the default one.
    await app.expectMessage(phone, (m) => m.text.includes(id) && /Ajouté à votre signalement/.test(m.text));
    const incident = await getIncident(id);
    expect(incident).toMatchObject({ language: 'fr', summary: "Je suis bloquée chez moi avec mes enfants, l'immeuble est fissuré" });
    // Later words do not change them again.
    await app.say(phone, 'We are three people');
    await waitFor(async () => (await app.outbox(phone)).filter((m) => /Ajouté à votre signalement/.test(m.text)).length === 2 || undefined);
    expect((await getIncident(id)).language).toBe('fr');
  });

  it('so does a report that is only SOS: the cell reads what happened, not "SOS — SOS"', async () => {
    const phone = citizen();
    await app.say(phone, 'SOS');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d+/)).text);
    expect(await getIncident(id)).toMatchObject({ severity: 'critical', summary: 'SOS — SOS' });
    await app.say(phone, 'My husband collapsed and is not breathing, we are at the Hotel Plaza');
    await app.expectMessage(phone, (m) => m.text.includes(id) && /Added to your report/.test(m.text));
    expect(await getIncident(id)).toMatchObject({
      severity: 'critical',
      summary: 'My husband collapsed and is not breathing, we are at the Hotel Plaza',
    });
    expect((await getIncident(id)).timeline[0]?.text).toBe('SOS — SOS');
  });

  it('and the cell group is told the category and region the first words gave it', async () => {
    const phone = citizen();
    await app.say(phone, 'SOS');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d+/)).text);
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.kind === 'card' && m.text.includes(id) && /CRITICAL · other · region unknown/.test(m.text),
    );
    await app.say(phone, 'Soldiers are shooting at the building next to ours in Damascus');
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.kind === 'update' && m.text.includes(id) && m.text.includes('🏷️ Now security · Capital District, from this report.'),
    );
    expect(await getIncident(id)).toMatchObject({ category: 'security', region: 'capital', severity: 'critical' });
  });
});
