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
