import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** A 👍 on a post that lists several incidents (a flood's digest) at 3 a.m. */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp('digest-thumbs', { config: { digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '1s' } } });
});
afterAll(async () => app.stop());

describe('a 👍 on a digest', () => {
  it('is answered: it takes none of the incidents listed, send /ack ID for each; none is acknowledged', async () => {
    for (const phone of ['+33612770001', '+33612770002', '+33612770003']) await app.say(phone, 'My father is injured in Aleppo');
    const digest = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest');
    const sent = await app.api<{ id: string }>('POST', '/sim/reactions', {
      from: STAFF.officer,
      group: CELL_GROUP,
      messageId: digest.id,
      emoji: '👍',
    });
    const answer = await app.expectMessage(CELL_GROUP, (m) => m.replyTo === sent.body.id);
    expect(answer.text).toBe('A 👍 on a list takes none of its incidents: send /ack ID for each one you take.');
    await settle(app);
    for (const id of digest.text.match(/INC-\d{4}/g) ?? []) {
      expect((await app.api<Incident>('GET', `/api/incidents/${id}`)).body.status).toBe('open');
    }
  });
});
