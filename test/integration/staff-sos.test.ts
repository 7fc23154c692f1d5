import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** Embassy staff live through the coup too: one in danger writes SOS to the embassy number like anyone. */
describe('a member of staff in danger', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('staff-sos');
  });
  afterAll(async () => app.stop());

  it('sends SOS to the embassy number: a critical report the cell sees is theirs, and an answer with its reference', async () => {
    await app.say(STAFF.officer, 'SOS');
    const answer = await app.expectMessage(STAFF.officer, /INC-\d+/);
    expect(answer.text).toMatch(/Understood: emergency/);
    const id = /INC-\d+/.exec(answer.text)?.[0] as string;
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
    expect(card.text).toMatch(/CRITICAL/i);
    expect(card.text).toMatch(/SOS from \S+ \S+ \(staff\)/);
    const incident = (await app.api<{ severity: string; reporter: string }>('GET', `/api/incidents/${id}`)).body;
    expect(incident).toMatchObject({ severity: 'critical', reporter: STAFF.officer });
  });

  it('adds what they send next (what is happening, their pin) to that report, as a citizen’s; once it is resolved, words are no report', async () => {
    await app.say(STAFF.admin, 'au secours');
    const id = /INC-\d+/.exec((await app.expectMessage(STAFF.admin, /Dites-nous en un message/)).text)?.[0] as string;
    await app.say(STAFF.admin, 'nous sommes retenus à un checkpoint près de Lattaquié, 3 personnes');
    await app.expectMessage(STAFF.admin, new RegExp(`ajouté.* ${id}|${id}.*ajout`, 'i'));
    await app.say(STAFF.admin, '', { location: { lat: 35.52, lng: 35.78 } });
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(id) && /retenus à un checkpoint/.test(m.text));
    await settle(app);
    const incident = (await app.api<{ timeline: { type: string; text?: string }[]; location?: unknown }>('GET', `/api/incidents/${id}`))
      .body;
    expect(incident.timeline.some((e) => e.text?.includes('retenus à un checkpoint'))).toBe(true);
    expect(incident.location).toMatchObject({ lat: 35.52, lng: 35.78 });
    expect((await app.outbox(STAFF.admin)).some((m) => /Staff commands start with/.test(m.text))).toBe(false);
    // Long after its first words, the cell still reads that it is a colleague's.
    await app.say(STAFF.duty, `/incident ${id}`, { group: CELL_GROUP });
    const page = await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`Reporter: `) && m.text.includes(id) && m.kind !== 'card');
    expect(page.text).toMatch(new RegExp(`Reporter: \\S+ \\S+ \\(staff\\) \\${STAFF.admin}`));
    // Resolved by another officer: their words are no report any more.
    expect((await app.api('PATCH', `/api/incidents/${id}`, { status: 'resolved', text: 'Released, safe at the embassy' })).status).toBe(
      200,
    );
    await app.say(STAFF.admin, 'merci à tous');
    await app.expectMessage(STAFF.admin, /Staff commands start with "\/"/);
  });

  it('🆘 alone is an SOS too; a bare "help" asks how the bot works, and opens nothing', async () => {
    await app.say(STAFF.viewer, '🆘');
    await app.expectMessage(STAFF.viewer, /Understood: emergency/);
    const before = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'card').length;
    await app.say(STAFF.duty, 'help');
    const hint = await app.expectMessage(STAFF.duty, /Staff commands start with "\/"/);
    expect(hint.text).toContain('/help');
    await settle(app);
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'card')).toHaveLength(before);
    expect((await app.outbox(STAFF.duty)).some((m) => /INC-\d+/.test(m.text))).toBe(false);
  });
});

/** The reporter of a staff SOS is in danger, maybe held: the cell must take it, not them. */
describe('a duty officer’s own SOS', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('staff-sos-own', {
      config: {
        escalation: { ackDeadline: { critical: '1s', high: '1s', medium: '1h', low: '4h' }, secondDeadline: '1s' },
        digest: { maxCardsPerWindow: 1000, window: '1m' },
      },
    });
  });
  afterAll(async () => app.stop());

  it('pages the others, never its reporter, who cannot take it, close it or be given it', async () => {
    await app.say(STAFF.duty, 'SOS');
    const id = /INC-\d+/.exec((await app.expectMessage(STAFF.duty, /INC-\d+/)).text)?.[0] as string;
    await app.expectMessage(STAFF.admin, (m) => m.kind === 'escalation' && m.text.includes(id));
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'escalation' && m.text.includes(id));
    await settle(app);
    expect((await app.outbox(STAFF.duty)).filter((m) => m.kind === 'escalation')).toEqual([]);

    await app.say(STAFF.duty, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} is your own report: another officer must take it`));
    const asAssignee = await app.api<{ error: { code: string; message: string } }>('PATCH', `/api/incidents/${id}`, {
      assignee: STAFF.duty,
    });
    expect(asAssignee.status).toBe(409);
    expect(asAssignee.body.error).toMatchObject({
      code: 'own_report',
      message: `${id} is Ana Duty’s own report: give it to another officer`,
    });
    // Nor can they lower it: "/severity low" said under duress would give it a deadline of hours.
    await app.say(STAFF.duty, `/severity ${id} low`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} is your own report: another officer must take it, lower it or close it`));
    // Nor from the dashboard with a token minted by their name alone (no phone): it is still them.
    const own = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'ana duty', role: 'duty_officer' })).body.token;
    const resolved = await app.api<{ error: { code: string } }>(
      'PATCH',
      `/api/incidents/${id}`,
      { status: 'resolved', text: 'all fine' },
      own,
    );
    expect(resolved.status).toBe(409);
    expect(resolved.body.error.code).toBe('own_report');
    const incident = (await app.api<{ status: string; assignee: string | null; severity: string }>('GET', `/api/incidents/${id}`)).body;
    expect(incident).toMatchObject({ status: 'open', assignee: null, severity: 'critical' });

    // Another officer takes it; the reporter may still add what they know.
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`Chloe Officer acknowledged ${id}`));
    await app.say(STAFF.duty, `/note ${id} two armed men at the door`, { group: CELL_GROUP });
    await settle(app);
    const notes = (await app.api<{ timeline: { type: string; text?: string }[] }>('GET', `/api/incidents/${id}`)).body.timeline;
    expect(notes.filter((e) => e.type === 'note').map((e) => e.text)).toEqual(['two armed men at the door']);
  });
});
