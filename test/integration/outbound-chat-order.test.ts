import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIORITY } from '../../src/queues/queues.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * Messages to one chat reach it in the order they were queued, however many wait at once: after
 * an outage (the queue held while WhatsApp was away), a citizen's answers and the cell group's
 * cards, each card followed by its photo, must not arrive shuffled.
 */
describe('outbound messages to one chat', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('outbound-chat-order', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } } });
  });
  afterAll(async () => app.stop());

  it('go out in the order they were queued, also when dozens wait for the same chat at once', async () => {
    const citizens = ['+33612340001', '+33612340002', '+33612340003'];
    await app.queues.outbound.pause();
    const queued: { to: string; text: string }[] = [];
    for (let i = 0; i < 60; i++) {
      // Interleaved: the cell group, then each citizen, so every chat's messages sit among the others'.
      await app.queues.send(
        { to: { kind: 'group', id: CELL_GROUP }, text: `card ${i}`, idempotencyKey: `order-card-${i}`, kind: 'card' },
        PRIORITY.staff,
      );
      queued.push({ to: CELL_GROUP, text: `card ${i}` });
      for (const phone of citizens) {
        await app.queues.send({ to: { kind: 'dm', phone }, text: `answer ${i}`, idempotencyKey: `order-${phone}-${i}`, kind: 'ack' });
        queued.push({ to: phone, text: `answer ${i}` });
      }
    }
    await app.queues.outbound.resume();
    for (const to of [CELL_GROUP, ...citizens])
      await waitFor(async () => (await app.outbox(to)).length >= 60 || undefined, 20_000, `60 messages to ${to}`);
    await settle(app);
    for (const to of [CELL_GROUP, ...citizens]) {
      const texts = (await app.outbox(to)).map((m) => m.text);
      expect(texts, to).toEqual(queued.filter((q) => q.to === to).map((q) => q.text));
    }
  });
});
