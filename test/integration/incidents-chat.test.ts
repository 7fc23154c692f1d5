import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { ADMIN_TOKEN, CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
let n = 0;
/** A fresh citizen phone per test, so tests do not share incidents. */
const citizen = () => `+3361234${String(5000 + n++).padStart(4, '0')}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;

beforeAll(async () => {
  app = await startTestApp('incidents-chat', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('citizen intake', () => {
  it('opens a triaged incident, answers with its id and the emergency number, and posts a card', async () => {
    const phone = citizen();
    await app.say(phone, 'My brother is trapped under the rubble in Aleppo, please help');
    const ack = await app.expectMessage(phone, /Reference: INC-\d{4}/);
    expect(ack.text).toContain('112');
    const id = incidentIdIn(ack.text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    expect(card.text).toContain('CRITICAL');
    expect(card.text).toContain('Northern Province');
    const incident = await getIncident(id);
    expect(incident).toMatchObject({
      status: 'open',
      severity: 'critical',
      category: 'trapped',
      region: 'north',
      reporter: phone,
      language: 'en',
    });
  });

  it('answers in the citizen’s language', async () => {
    const fr = citizen();
    await app.say(fr, 'Je suis blessé à Damas, j’ai besoin d’un médecin');
    await app.expectMessage(fr, /Référence : INC-\d{4}/);
    const ar = citizen();
    await app.say(ar, 'أخي مصاب في دمشق');
    await app.expectMessage(ar, /الرقم المرجعي: INC-\d{4}/);
  });

  it('joins follow-ups and location pins to the open incident, and opens a new one after resolution', async () => {
    const phone = citizen();
    await app.say(phone, 'Our building is damaged and my mother is injured');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(phone, 'She is 80 years old, 3rd floor');
    await app.api('POST', '/sim/messages', { from: phone, location: { lat: 35.55, lng: 35.8, name: 'Latakia' } });
    await waitFor(async () => (await getIncident(id)).timeline.length >= 3 || undefined, 10_000, 'three timeline entries');
    const incident = await getIncident(id);
    expect(incident.timeline.map((e) => e.type)).toEqual(['reported', 'details', 'location']);
    expect(incident.location).toMatchObject({ lat: 35.55, lng: 35.8 });
    expect(incident.region).toBe('coast');
    await waitFor(
      async () => (await app.outbox(phone)).filter((m) => m.text.includes(`Added to your report ${id}`)).length === 2 || undefined,
    );
    await settle(app);
    expect((await app.outbox(phone)).filter((m) => m.text.includes(`Added to your report ${id}`))).toHaveLength(2);

    await app.say(STAFF.officer, `/resolve ${id} Red Crescent took her to hospital`, { group: CELL_GROUP });
    await app.expectMessage(phone, new RegExp(`${id} has been closed`));
    await app.say(phone, 'Now my neighbour needs help too');
    const next = await app.expectMessage(phone, (m) => /Reference: INC-\d{4}/.test(m.text) && !m.text.includes(id));
    expect(incidentIdIn(next.text)).not.toBe(id);
  });

  it('treats SOS as critical and MENU as the list of keywords', async () => {
    const phone = citizen();
    await app.say(phone, 'MENU');
    const menu = await app.expectMessage(phone, /REGISTER/);
    expect(menu.kind).toBe('menu');
    await app.say(phone, 'SOS!');
    const sos = await app.expectMessage(phone, /emergency\. Reference INC-\d{4}/);
    expect((await getIncident(incidentIdIn(sos.text))).severity).toBe('critical');
  });

  it('reads SOS and MENU followed by emoji as the keywords (“Help ❗️”, “Menu 👋”)', async () => {
    const phone = citizen();
    await app.say(phone, 'Menu 👋');
    expect((await app.expectMessage(phone, /REGISTER/)).kind).toBe('menu');
    await app.say(phone, 'Help ❗️');
    const sos = await app.expectMessage(phone, /emergency\. Reference INC-\d{4}/);
    expect((await getIncident(incidentIdIn(sos.text))).severity).toBe('critical');
  });

  it('takes a photo sent through the simulator: alone it opens a report and asks for words, with a caption it adds them', async () => {
    const phone = citizen();
    const sent = await fetch(`${app.url}/sim/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: phone, media: 'image' }),
    });
    expect(sent.status).toBe(202);
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.expectMessage(
      phone,
      /📷 We received your photo\. The consular officers have it\. If you can, also write in a few words what is happening and where\./,
    );
    await app.say(phone, 'The bridge collapsed, cars in the river', { media: 'image' });
    await waitFor(async () => (await getIncident(id)).timeline.some((e) => e.text?.includes('bridge collapsed')) || undefined);
    const incident = await getIncident(id);
    expect(incident.timeline[0]).toMatchObject({ type: 'reported', data: { media: 'image' } });
    expect(incident.summary).toContain('bridge collapsed');
  });

  it('takes a redelivered message in once: one timeline entry, one reply', async () => {
    const phone = citizen();
    await app.say(phone, 'Shots near our hotel', { id: 'WA-REDELIVERED-1' });
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(phone, 'Shots near our hotel', { id: 'WA-REDELIVERED-1' });
    await app.say(phone, 'more: they are coming closer', { id: 'WA-REDELIVERED-2' });
    await app.say(phone, 'more: they are coming closer', { id: 'WA-REDELIVERED-2' });
    await waitFor(async () => (await getIncident(id)).timeline.length >= 2 || undefined);
    await settle(app);
    expect((await getIncident(id)).timeline).toHaveLength(2);
    expect((await app.outbox(phone)).length).toBe(2);
  });
});

describe('staff in the cell group', () => {
  it('acknowledges by 👍 on the card; the citizen is told; a second ack is refused politely', async () => {
    const phone = citizen();
    await app.say(phone, 'My son was arrested at a checkpoint');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    await app.api('POST', '/sim/reactions', { from: STAFF.duty, group: CELL_GROUP, messageId: card.id, emoji: '👍' });
    await app.expectMessage(phone, new RegExp(`${id} has been seen by consular officer Ana`));
    expect(await getIncident(id)).toMatchObject({ status: 'acknowledged', assignee: STAFF.duty });
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} is already acknowledged`));
  });

  it('sees the photo and hears the voice note a citizen sent, forwarded after the card and the update', async () => {
    const phone = citizen();
    await app.api('POST', '/sim/messages', { from: phone, media: 'image', text: 'The road to the border is blocked', id: 'WA-PHOTO-1' });
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'media' && m.text === '↪️ Forwarded image (WA-PHOTO-1)');
    await app.api('POST', '/sim/messages', { from: phone, media: 'audio', id: 'WA-VOICE-9' });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'media' && m.text === '↪️ Forwarded audio (WA-VOICE-9)');
    const group = await app.outbox(CELL_GROUP);
    const at = (test: (m: { kind: string; text: string }) => boolean) => group.findIndex(test);
    expect(at((m) => m.kind === 'card' && m.text.includes(id))).toBeLessThan(at((m) => m.text.includes('WA-PHOTO-1')));
    expect(group.filter((m) => m.kind === 'media' && /WA-(PHOTO-1|VOICE-9)/.test(m.text))).toHaveLength(2);

    // Asked for later (a report folded into a flood's digest forwards nothing by itself): /media.
    await app.say(STAFF.viewer, `/media ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`📎 ${id}: 2 from the reporter, forwarded below`));
    await waitFor(async () => (await app.outbox(CELL_GROUP)).filter((m) => /WA-(PHOTO-1|VOICE-9)/.test(m.text)).length === 4 || undefined);
    const other = citizen();
    await app.say(other, 'We need water');
    const plain = incidentIdIn((await app.expectMessage(other, /Reference/)).text);
    await app.say(STAFF.viewer, `/media ${plain}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${plain} has no photo, video, voice note or document from the reporter`));
  });

  it('/ack gives the incident to the officer who acknowledged it, and says so in the group and the timeline', async () => {
    const phone = citizen();
    await app.say(phone, 'Our car was stolen with our passports inside');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`Chloe Officer acknowledged ${id}; it is with Chloe Officer;`));
    const incident = await getIncident(id);
    expect(incident.assignee).toBe(STAFF.officer);
    expect(incident.timeline.find((e) => e.type === 'assigned')).toMatchObject({
      actor: 'Chloe Officer',
      text: 'taken on by Chloe Officer',
    });
    await app.say(STAFF.officer, `/assign ${id} me`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} is already with Chloe Officer`));
    // Taken over by the duty officer: Chloe is told Ana took it, not that Ana "gave it to" herself.
    await app.say(STAFF.duty, `/assign ${id} me`, { group: CELL_GROUP });
    const off = await app.expectMessage(STAFF.officer, (m) => m.text.includes(`${id} is no longer yours`));
    expect(off.text).toBe(`📌 ${id} is no longer yours: Ana Duty took it. Nothing more to do on it unless Ana Duty asks.`);
  });

  it('tells the officer holding a report by DM when the reporter’s follow-up makes it critical', async () => {
    const phone = citizen();
    await app.say(phone, 'Our car was stolen near the market, the papers were inside');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, /has been seen by consular officer/);
    await app.say(phone, 'they shot my husband, he is not breathing');
    const told = await app.expectMessage(STAFF.officer, (m) => m.text.includes(`The reporter of ${id}, which is with you, wrote again`));
    expect(told.text).toMatch(new RegExp(`^🔴 The reporter of ${id}, which is with you, wrote again: it is now CRITICAL \\(`));
    expect(told.text).toContain('“they shot my husband, he is not breathing”');
    // A follow-up that raises nothing is for the group's update only: no DM for every word the reporter adds.
    await app.say(phone, 'we are at the corner of the main street');
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${id} — the reporter adds: “we are at the corner`));
    await settle(app);
    expect((await app.outbox(STAFF.officer)).filter((m) => m.text.includes(`The reporter of ${id}`))).toHaveLength(1);
  });

  it('acknowledges and notes when staff reply to a card', async () => {
    const phone = citizen();
    await app.say(phone, 'We are trapped in the basement');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    await app.say(STAFF.officer, 'Calling civil defence now', { group: CELL_GROUP, replyTo: card.id });
    await app.expectMessage(phone, new RegExp(`${id} has been seen`));
    const incident = await getIncident(id);
    expect(incident.status).toBe('acknowledged');
    expect(incident.timeline.at(-1)).toMatchObject({ type: 'note', actor: 'Chloe Officer', text: 'Calling civil defence now' });
  });

  it('notes words replied to a card someone else took, and says it was not taken', async () => {
    const phone = citizen();
    await app.say(phone, 'We are trapped in a lift in the hotel');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    await app.say(STAFF.duty, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, new RegExp(`${id} has been seen`));
    const reply = await app.say(STAFF.officer, 'on it', { group: CELL_GROUP, replyTo: card.id });
    const answer = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === reply);
    expect(answer.text).toBe(`📝 Reply noted on ${id}, but not taken: ${id} is already acknowledged (with Ana Duty).`);
    const incident = await getIncident(id);
    expect(incident).toMatchObject({ status: 'acknowledged', assignee: STAFF.duty });
    expect(incident.timeline.at(-1)).toMatchObject({ type: 'note', actor: 'Chloe Officer', text: 'on it' });
  });

  it('takes the incident from the card when a command replying to it leaves the ID out', async () => {
    const phone = citizen();
    await app.say(phone, 'My brother is missing since the explosion');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    await app.say(STAFF.duty, '/ack', { group: CELL_GROUP, replyTo: card.id });
    await app.expectMessage(phone, new RegExp(`${id} has been seen`));
    await app.say(STAFF.duty, '/note hospitals being called', { group: CELL_GROUP, replyTo: card.id });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'confirmation' && m.text.includes(id) && /note/i.test(m.text));
    const incident = await getIncident(id);
    expect(incident.status).toBe('acknowledged');
    expect(incident.timeline.at(-1)).toMatchObject({ type: 'note', actor: 'Ana Duty', text: 'hospitals being called' });
    // An explicit ID still wins, and without a card to reply to the ID is still asked for.
    await app.say(STAFF.duty, '/ack', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'refusal' && /Which incident\?/.test(m.text));
  });

  it('assigns, notes, lists and reports with /assign /note /incidents /incident /sitrep', async () => {
    const phone = citizen();
    await app.say(phone, 'I lost my passport in the earthquake');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say(STAFF.duty, `/assign ${id} +15550000003`, { group: CELL_GROUP });
    await app.expectMessage(STAFF.officer, new RegExp(`Ana Duty assigned you ${id}`));
    await app.say(STAFF.officer, `/note ${id} Emergency travel document prepared`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`Noted on ${id}`));
    await app.say(STAFF.viewer, '/incidents low', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'list' && m.text.includes(id));
    await app.say(STAFF.viewer, `/incident ${id}`, { group: CELL_GROUP });
    const detail = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'detail' && m.text.includes(id));
    expect(detail.text).toContain('Emergency travel document prepared');
    expect(detail.text).toContain('Chloe Officer');
    await app.say(STAFF.viewer, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'sitrep');
    expect(sitrep.text).toMatch(/Active incidents: \d+/);
  });

  it('lists the most urgent first with /incidents: an old critical report is not pushed out by a flood of newer ones', async () => {
    const trapped = citizen();
    await app.say(trapped, 'My wife is trapped under the rubble of our building');
    const critical = incidentIdIn((await app.expectMessage(trapped, /Reference/)).text);
    const taken = citizen();
    await app.say(taken, 'My husband was shot, he is bleeding');
    const acknowledged = incidentIdIn((await app.expectMessage(taken, /Reference/)).text);
    await app.say(STAFF.duty, `/ack ${acknowledged}`, { group: CELL_GROUP });
    await app.expectMessage(taken, /has been seen/);
    for (let i = 0; i < 22; i++) await app.say(citizen(), `Is the airport open tomorrow? Question ${i}`);
    await settle(app);
    await app.say(STAFF.viewer, '/incidents', { group: CELL_GROUP });
    const list = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'list' && /needing attention/.test(m.text));
    const [title, ...rest] = list.text.split('\n');
    const total = Number(/needing attention: (\d+), 1–20 shown \(most urgent first\)/.exec(title as string)?.[1]);
    expect(total).toBeGreaterThan(20);
    expect(rest.at(-1)).toBe('Send /incidents 2 for the next 20.');
    const lines = rest.slice(0, -1);
    expect(lines).toHaveLength(20);
    expect(list.text).toContain(critical);
    // Unacknowledged before taken, then by severity: each line is at least as urgent as the next.
    const rank = (line: string) => {
      const [, severity, status] = /INC-\d{4} (\w+) · .* · (open|acknowledged|in progress)/.exec(line) ?? [];
      return (status === 'open' ? 0 : 10) + ['critical', 'high', 'medium', 'low'].indexOf(severity as string);
    };
    const ranks = lines.map(rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(ranks[0]).toBe(0);
    // The next page goes on where the first stopped: every active incident is reachable from chat.
    await app.say(STAFF.viewer, '/incidents 2', { group: CELL_GROUP });
    const second = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'list' && / 21–/.test(m.text));
    const secondIds = second.text.match(/INC-\d{4}/g) ?? [];
    expect(secondIds.length).toBe(Math.min(20, total - 20));
    expect(secondIds.filter((id) => list.text.includes(id))).toEqual([]);
    expect(rank(second.text.split('\n')[1] as string)).toBeGreaterThanOrEqual(ranks.at(-1) as number);
  });

  it('refuses /resolve from an unrostered phone and from a viewer, audits it, and changes nothing', async () => {
    const phone = citizen();
    await app.say(phone, 'Gunmen outside, we are hiding');
    const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
    await app.say('+4915199999999', `/resolve ${id}`, { group: CELL_GROUP });
    // The group is told why, without inviting a report; in a DM the one writing may be a citizen.
    await app.expectMessage(CELL_GROUP, /only for rostered embassy staff\. An admin can add your phone to the roster\.$/);
    await app.say('+4915199999999', `/resolve ${id}`);
    await app.expectMessage('+4915199999999', /only for rostered embassy staff\. If you need help, describe your situation/);
    await app.say(STAFF.viewer, `/resolve ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /Dev Viewer, \/resolve needs the officer role/);
    await settle(app);
    expect((await getIncident(id)).status).toBe('open');
    const audit = await app.api<{ items: { type: string; subject?: string; data: { reason?: string } }[] }>('GET', '/api/audit?limit=1000');
    const refusals = audit.body.items.filter((e) => e.type === 'command.refused' && e.subject === '/resolve');
    expect(refusals.map((e) => e.data.reason).sort()).toEqual(['missing_role', 'not_on_roster', 'not_on_roster']);
  });

  it('puts the most severe unacknowledged incident first in the sitrep', async () => {
    await app.say(citizen(), 'I lost my passport, not urgent');
    await app.say(citizen(), 'My wife is trapped under the rubble');
    await settle(app);
    await app.say(STAFF.viewer, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'sitrep' && m.text.includes('Waiting (most severe'));
    const waiting = (sitrep.text.split('Waiting (most severe, then longest):\n')[1]?.split('\n') ?? []).filter((l) => /INC-\d{4}/.test(l));
    const ranks = waiting.map((l) => ['critical', 'high', 'medium', 'low'].findIndex((s) => l.includes(` ${s} ·`)));
    expect(ranks.length).toBeGreaterThan(1);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
    expect(ranks[0]).toBe(0);
  });

  it('warns that an alert reaches nobody when no registered citizen matches', async () => {
    await app.say(STAFF.duty, '/alert coast Boil water before drinking', { group: CELL_GROUP });
    const draft = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'alert-draft');
    expect(draft.text).toMatch(/to 0 recipient\(s\)\. ⚠️ No registered citizen or recent reporter matches this audience/);
  });

  it('explains a wrong command instead of failing', async () => {
    await app.say(STAFF.officer, '/resolve', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /Which incident\?\nUsage: \/resolve ID/);
    await app.say(STAFF.officer, '/severity INC-0001 apocalyptic', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /Choose one of: critical, high, medium, low/);
    await app.say(STAFF.officer, '/ack INC-9999', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /incident INC-9999 was not found\. Send \/incidents for the active ones\./);
  });
});
