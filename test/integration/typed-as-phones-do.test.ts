import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * Messages as phones really send them: an Arabic keyboard's right-to-left mark before a word, a
 * zero-width space pasted from elsewhere, Arabic-Indic digits, a WhatsApp mention, a "/" typed by a
 * citizen. Each means what it says.
 */
let app: TestApp;
let n = 0;
const citizen = () => `+3362288${String(1000 + n++).padStart(4, '0')}`;
const RLM = '\u200f';
const ZWSP = '\u200b';
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
const cards = async () => (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'card').length;

/** A citizen's report; resolves with its id once the card is out. */
async function report(text: string): Promise<{ id: string; phone: string }> {
  const phone = citizen();
  await app.say(phone, text);
  const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
  await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
  return { id, phone };
}

/** What the bot answers `from` in the cell group to `text`. */
async function inCell(from: string, text: string, match: RegExp): Promise<string> {
  const id = await app.say(from, text, { group: CELL_GROUP });
  return (await app.expectMessage(CELL_GROUP, (m) => m.replyTo === id && match.test(m.text))).text;
}

beforeAll(async () => {
  app = await startTestApp('typed-as-phones-do', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('invisible marks', () => {
  it('STOP after a right-to-left mark stops the alerts, and opens no report', async () => {
    const phone = citizen();
    await saveCitizens(app.deps, [
      { phone, name: 'Salma Haddad', region: 'north', household: 2, language: 'en', registeredAt: 1, updatedAt: 1, optedOut: false },
    ]);
    const before = await cards();
    await app.say(phone, `${RLM}STOP`);
    await waitFor(async () => (await getCitizen(app.deps, phone))?.optedOut === true || undefined, 10_000, 'the opt-out');
    await settle(app);
    expect(await cards()).toBe(before);
    expect((await app.outbox(phone)).some((m) => /INC-\d{4}/.test(m.text))).toBe(false);
  });

  it('a staff command after a right-to-left mark runs, and an id with one is read', async () => {
    const first = await report('Armed men at the hotel entrance, we are hiding upstairs');
    await inCell(STAFF.duty, `${RLM}/ack ${first.id.slice(4)}${RLM}`, /acknowledged/);
    expect((await getIncident(first.id)).status).toBe('acknowledged');
  });

  it('a note, a message to the reporter or words of a resolution that show nothing are no words', async () => {
    const { id, phone } = await report('Lost my passport at the airport');
    await inCell(STAFF.officer, `/note ${id} ${ZWSP}`, /The note is empty/);
    await inCell(STAFF.officer, `/reply ${id} ${ZWSP}${RLM}`, /Write the message after the incident id/);
    await inCell(STAFF.officer, `/resolve ${id} ${ZWSP}`, /resolved/);
    const incident = await getIncident(id);
    expect(incident.status).toBe('resolved');
    expect(incident.timeline.filter((e) => e.type === 'note' || e.type === 'message')).toEqual([]);
    const told = await app.expectMessage(phone, /closed|resolved/i);
    expect(told.text).not.toContain('“');
  });

  it('a photo whose caption is a zero-width space is a photo without words', async () => {
    const phone = citizen();
    await app.say(phone, ZWSP, { media: 'image' });
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.expectMessage(phone, /write in a few words what is happening/);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    expect(card.text).toContain('(image)');
    expect((await getIncident(id)).summary).toBe('(image)');
  });

  it('an edit that leaves nothing to read does not blank the report: it is told as a delete', async () => {
    const phone = citizen();
    const original = await app.say(phone, 'My daughter is missing since this morning near the market');
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await app.say(phone, ZWSP, { edit: { of: original } });
    const told = await app.expectMessage(CELL_GROUP, (m) => m.text.includes(id) && /deleted|edited/.test(m.text));
    expect(told.text).toContain('deleted their message');
    expect((await getIncident(id)).summary).toContain('My daughter is missing');
  });
});

describe('ids, numbers and names as staff type them', () => {
  it('Arabic-Indic digits, "1,2", "INC 1 INC 2", /incidents active and an @mention', async () => {
    const a = await report('Our car was stopped at a checkpoint, they took our passports');
    const b = await report('Water is rising in our street, we are on the roof');
    const c = await report('My father collapsed, he is not breathing well');
    const d = await report('We are stuck at the border crossing with two children');
    const arabic = (id: string) => [...String(Number(id.slice(4)))].map((x) => String.fromCharCode(0x0660 + Number(x))).join('');
    await inCell(STAFF.duty, `/ack ${arabic(a.id)}`, /acknowledged/);
    expect((await getIncident(a.id)).status).toBe('acknowledged');
    await inCell(STAFF.duty, `/ack ${Number(b.id.slice(4))},${Number(c.id.slice(4))}`, /acknowledged/);
    expect([(await getIncident(b.id)).status, (await getIncident(c.id)).status]).toEqual(['acknowledged', 'acknowledged']);

    const e = await report('Soldiers are searching houses in our street');
    await inCell(STAFF.duty, `/ack INC ${Number(d.id.slice(4))} INC ${Number(e.id.slice(4))}`, /acknowledged/);
    expect([(await getIncident(d.id)).status, (await getIncident(e.id)).status]).toEqual(['acknowledged', 'acknowledged']);

    expect(await inCell(STAFF.viewer, '/incidents active', /Incidents|No incidents/)).toMatch(/^Incidents needing attention: \d+/);

    await inCell(STAFF.duty, `/assign ${a.id} @${STAFF.officer.slice(1)}`, /now with/);
    expect((await getIncident(a.id)).assignee).toBe(STAFF.officer);
    await inCell(STAFF.officer, `/assign ${a.id} @Ana Duty`, /now with Ana Duty/);
    expect((await getIncident(a.id)).assignee).toBe(STAFF.duty);
  });
});

describe('a citizen who types a "/"', () => {
  it('"/help" and their emergency: refused as a command, taken as a report', async () => {
    const phone = citizen();
    await app.say(phone, '/help my husband is bleeding, we are at the Sheraton');
    await app.expectMessage(phone, /only for rostered embassy staff/);
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    const incident = await getIncident(id);
    expect(incident).toMatchObject({ category: 'medical', severity: 'high' });
    expect(incident.summary).toContain('my husband is bleeding');
    const audit = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?order=newest&limit=200');
    expect(audit.body.items.some((e) => e.type === 'command.refused' && e.subject === '/help')).toBe(true);
  });

  it('"/resolve INC-…" alone is refused, and opens nothing', async () => {
    const { id } = await report('Our apartment was robbed, passports taken');
    const stranger = citizen();
    await app.say(stranger, `/resolve ${id}`);
    await app.expectMessage(stranger, /only for rostered embassy staff/);
    await settle(app);
    expect((await app.outbox(stranger)).some((m) => /INC-\d{4}/.test(m.text))).toBe(false);
    expect((await getIncident(id)).status).toBe('open');
  });
});

describe('answers too long for WhatsApp', () => {
  it('/incident on a report of long messages answers, each entry cut, instead of failing silently', async () => {
    const phone = citizen();
    for (let i = 0; i < 8; i++) {
      await app.queues.receive({
        id: `LONG-${i}`,
        chat: { kind: 'dm', phone },
        from: { phone },
        text: `Message ${i}: ${'we are trapped in the basement and the water keeps rising '.repeat(170)}`,
        fromMe: false,
        at: Date.now(),
      });
    }
    const id = incidentIdIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
    await waitFor(async () => (await getIncident(id)).timeline.length >= 8 || undefined, 15_000, 'eight entries');
    const answer = await inCell(STAFF.viewer, `/incident ${id}`, new RegExp(id));
    expect(answer.length).toBeLessThan(20_000);
    expect(answer).toContain('Message 7');
    expect(answer).toContain('cut here; the dashboard');
  });

  it('any message over 65,536 characters goes out cut, with a word that it was', async () => {
    const phone = citizen();
    await app.queues.send({ to: { kind: 'dm', phone }, text: 'x'.repeat(70_000), kind: 'reply', idempotencyKey: `long:${phone}` });
    const sent = await app.expectMessage(phone, /cut: too long/);
    expect(sent.text.length).toBeLessThanOrEqual(65_536);
  });
});

describe('the export', () => {
  it('takes a time whose "+" the URL turned into a space', async () => {
    const res = await app.api<string>('GET', '/api/incidents/export?format=json&from=2026-11-27T14:00:00+03:00');
    expect(res.status).toBe(200);
  });
});

describe('an officer edits their reply to a card', () => {
  it('the edit is not acted on again: one note, and the officer is told how to add to it or hand it over', async () => {
    const { id } = await report('We are stuck at the airport, no flights, two children with us');
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    const reply = await app.say(STAFF.officer, 'on it', { group: CELL_GROUP, replyTo: card.id });
    await app.expectMessage(CELL_GROUP, (m) => m.replyTo === reply && /acknowledged|noted/i.test(m.text));
    const edit = await app.say(STAFF.officer, 'on it, calling them now', { group: CELL_GROUP, replyTo: card.id, edit: { of: reply } });
    const told = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === edit);
    expect(told.text).toContain('an edited reply is not acted on again');
    await settle(app);
    expect((await getIncident(id)).timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual(['on it']);
  });
});
