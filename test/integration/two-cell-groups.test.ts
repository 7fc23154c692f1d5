import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * A cell that works in two WhatsApp groups (the day team's and the night team's): each sees every
 * card, and must see what was done about it in the other, or a case taken there looks untaken here.
 */
const NIGHT_GROUP = '120363000000000777@g.us';
let app: TestApp;
let n = 0;
const citizen = () => `+3361266${String(5000 + n++).padStart(4, '0')}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;

beforeAll(async () => {
  app = await startTestApp('two-cell-groups', {
    config: {
      digest: { maxCardsPerWindow: 1000, window: '1m' },
      cellGroups: [
        { id: CELL_GROUP, name: 'Crisis cell' },
        { id: NIGHT_GROUP, name: 'Night team' },
      ],
    },
  });
});
afterAll(async () => app.stop());

async function report(text: string) {
  const phone = citizen();
  await app.say(phone, text);
  const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
  const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
  await app.expectMessage(NIGHT_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
  return { phone, id, card };
}

async function inGroup(group: string, from: string, text: string, extra: Record<string, unknown> = {}) {
  const sent = await app.say(from, text, { group, ...extra });
  return app.expectMessage(group, (m) => m.replyTo === sent);
}

describe('an incident acted on in one cell group', () => {
  it('is said in the other: /ack, /resolve, a 👍 and a reply on the card', async () => {
    const a = await report('My father is injured in Aleppo, he cannot walk');
    await inGroup(CELL_GROUP, STAFF.officer, `/ack ${a.id}`);
    await app.expectMessage(
      NIGHT_GROUP,
      (m) =>
        m.text ===
        `👍 Chloe Officer acknowledged ${a.id}; it is with Chloe Officer; the reporter has been told. (Chloe Officer, in “Crisis cell”)`,
    );
    await inGroup(NIGHT_GROUP, STAFF.duty, `/resolve ${a.id} ambulance took him`);
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.text === `✔️ ${a.id} resolved; the reporter has been told, with the words “ambulance took him”. (Ana Duty, in “Night team”)`,
    );

    const b = await report('Shots near our hotel in Damascus, we are hiding');
    const thumb = await app.api<{ id: string }>('POST', '/sim/reactions', {
      from: STAFF.officer,
      group: CELL_GROUP,
      messageId: b.card.id,
      emoji: '👍',
    });
    await app.expectMessage(CELL_GROUP, (m) => m.replyTo === thumb.body.id);
    await app.expectMessage(NIGHT_GROUP, (m) => m.text.startsWith(`👍 Chloe Officer acknowledged ${b.id}`));

    const c = await report('Our car was hit at a checkpoint near Homs');
    const night = await app.expectMessage(NIGHT_GROUP, (m) => m.kind === 'card' && m.text.includes(c.id));
    await inGroup(NIGHT_GROUP, STAFF.duty, 'on it, calling him', { replyTo: night.id });
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.text.startsWith(`👍 Ana Duty acknowledged ${c.id}`) && m.text.endsWith('(Ana Duty, in “Night team”)'),
    );
    expect((await app.api<Incident>('GET', `/api/incidents/${c.id}`)).body.status).toBe('acknowledged');
    await settle(app);
    // Said once in each group: the answer where it was asked, the mirror in the other.
    for (const group of [CELL_GROUP, NIGHT_GROUP]) {
      expect((await app.outbox(group)).filter((m) => m.text.includes(`acknowledged ${a.id}`))).toHaveLength(1);
    }
  });
});
