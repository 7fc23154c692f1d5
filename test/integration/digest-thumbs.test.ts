import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** A 👍 on a post that lists several incidents (a flood's digest) at 3 a.m. */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp('digest-thumbs', { config: { digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '1s' } } });
});
afterAll(async () => app.stop());

/** An officer's 👍 on a post in the cell group: what the bot answers to it. */
async function thumbsUp(messageId: string): Promise<string> {
  const sent = await app.api<{ id: string }>('POST', '/sim/reactions', { from: STAFF.officer, group: CELL_GROUP, messageId, emoji: '👍' });
  return (await app.expectMessage(CELL_GROUP, (m) => m.replyTo === sent.body.id)).text;
}

describe('a 👍 on a digest', () => {
  it('is answered: it takes none of the incidents listed, send /ack ID for each; none is acknowledged', async () => {
    for (const phone of ['+33612770001', '+33612770002', '+33612770003']) await app.say(phone, 'My father is injured in Aleppo');
    const digest = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest');
    expect(await thumbsUp(digest.id)).toBe('A 👍 or a reply on a list takes none of its incidents: send /ack ID for each one you take.');
    await settle(app);
    for (const id of digest.text.match(/INC-\d{4}/g) ?? []) {
      expect((await app.api<Incident>('GET', `/api/incidents/${id}`)).body.status).toBe('open');
    }
  });

  it('"on it" written as a reply to it gets the same answer, and takes none; /ack with several ids takes each', async () => {
    for (const phone of ['+33612770011', '+33612770012', '+33612770013']) await app.say(phone, 'My brother is injured in Aleppo');
    const digest = await app.expectMessage(
      CELL_GROUP,
      (m) => m.kind === 'digest' && m.text.includes('INC-') && !m.text.includes('INC-0001'),
    );
    const reply = await app.say(STAFF.officer, 'on it', { group: CELL_GROUP, replyTo: digest.id });
    const answer = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === reply);
    expect(answer.text).toMatch(/^A 👍 or a reply on a list takes none of its incidents/);
    await settle(app);
    const ids = digest.text.match(/INC-\d{4}/g) ?? [];
    expect(ids.length).toBeGreaterThan(1);
    for (const id of ids) expect((await app.api<Incident>('GET', `/api/incidents/${id}`)).body.status).toBe('open');

    const [first, second] = ids as [string, string];
    await app.say(STAFF.duty, `/ack ${first}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`👍 Ana`) && m.text.includes(first));
    const both = await app.say(STAFF.officer, `/ack ${first.slice(4)}, ${second.slice(4)}`, { group: CELL_GROUP });
    const said = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === both);
    expect(said.text).toContain(`⚠️ ${first} is already acknowledged`);
    expect(said.text).toMatch(new RegExp(`acknowledged ${second}`));
    expect((await app.api<Incident>('GET', `/api/incidents/${second}`)).body).toMatchObject({
      status: 'acknowledged',
      assignee: STAFF.officer,
    });
    expect((await app.api<Incident>('GET', `/api/incidents/${first}`)).body.assignee).toBe(STAFF.duty);
  });
});

describe('a 👍 on a digest that lists the report of a citizen who then sent DELETE', () => {
  it('is still answered: it takes none of the incidents listed', async () => {
    const phones = ['+33612770021', '+33612770022', '+33612770023'];
    for (const phone of phones) await app.say(phone, 'My sister is injured in Homs');
    await settle(app);
    const ours = (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=50')).body.items.filter((i) =>
      phones.includes(i.reporter ?? ''),
    );
    const digest = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest' && ours.some((i) => m.text.includes(i.id)));
    const reporter = ours.find((i) => digest.text.includes(i.id))?.reporter as string;
    await app.say(reporter, 'DELETE');
    await app.expectMessage(reporter, /has been erased/);
    await settle(app);
    expect(await thumbsUp(digest.id)).toBe('A 👍 or a reply on a list takes none of its incidents: send /ack ID for each one you take.');
  });
});

describe('a 👍 or a reply on a digest from a phone not on the roster', () => {
  it('is refused and audited, as on a card, and takes nothing', async () => {
    const phones = ['+33612770031', '+33612770032', '+33612770033'];
    for (const phone of phones) await app.say(phone, 'My son is injured in Aleppo');
    const digest = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest' && m.text.includes('son is injured'));
    const stranger = '+33699990001';
    const thumb = await app.api<{ id: string }>('POST', '/sim/reactions', {
      from: stranger,
      group: CELL_GROUP,
      messageId: digest.id,
      emoji: '👍',
    });
    const refused = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === thumb.body.id);
    expect(refused.text).toBe('Sorry, only rostered embassy staff may act on incidents.');
    const reply = await app.say(stranger, 'on it', { group: CELL_GROUP, replyTo: digest.id });
    expect((await app.expectMessage(CELL_GROUP, (m) => m.replyTo === reply)).text).toBe(
      'Sorry, only rostered embassy staff may act on incidents.',
    );
    await settle(app);
    const audit = await app.api<{ items: { type: string; subject?: string; data: { reason?: string; via?: string } }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    const refusals = audit.body.items.filter((e) => e.type === 'command.refused' && e.subject === 'digest');
    expect(refusals.map((e) => [e.data.reason, e.data.via]).sort()).toEqual([
      ['not_on_roster', 'reply'],
      ['not_on_roster', '👍'],
    ]);
    for (const id of digest.text.match(/INC-\d{4}/g) ?? []) {
      expect((await app.api<Incident>('GET', `/api/incidents/${id}`)).body.status).toBe('open');
    }
  });
});
