import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

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
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${id} — the reporter edited their message`));
    await settle(app);
    expect((await incidentsOf(phone)).map((i) => i.id)).toEqual([id]);
  });
});
