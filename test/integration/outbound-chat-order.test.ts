import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRIORITY } from '../../src/queues/queues.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
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

describe('a chat whose messages wait for their turn', () => {
  let app: TestApp;
  // Sends to the cell group hang until the gate opens (WhatsApp slow to take a group message).
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  beforeAll(async () => {
    app = await startTestApp('outbound-chat-share', {
      options: {
        // 100 sends/s: 10 outbound slots, of which one chat's messages hold at most 5.
        outboundRate: 100,
        transport: (deps, queues) => {
          const sim = new SimulatorTransport(deps.redis, deps.keys, queues.sink());
          const send = sim.send.bind(sim);
          sim.send = async (msg) => {
            if (msg.to.kind === 'group') await gate;
            return send(msg);
          };
          return sim;
        },
      },
    });
  });
  afterAll(async () => {
    open();
    await app.stop();
  });

  it('hold only part of the outbound slots: a citizen is answered while 30 posts to the cell group wait', async () => {
    for (let i = 0; i < 30; i++)
      await app.queues.send(
        { to: { kind: 'group', id: CELL_GROUP }, text: `post ${i}`, idempotencyKey: `share-post-${i}`, kind: 'card' },
        PRIORITY.staff,
      );
    // The worker has taken every post it can: each of its 10 slots, or its share of them and parked the next.
    await waitFor(async () => {
      const c = await app.queues.outbound.getJobCounts('active', 'delayed');
      return (c.active ?? 0) >= 10 || (c.delayed ?? 0) >= 1 || undefined;
    });
    const citizen = '+33612340009';
    await app.queues.send({ to: { kind: 'dm', phone: citizen }, text: 'Reference: INC-0001', idempotencyKey: 'share-answer', kind: 'ack' });
    await waitFor(async () => (await app.outbox(citizen))[0], 10_000, 'the citizen answered while the cell group waits');
    expect(await app.outbox(CELL_GROUP)).toEqual([]);
    open();
    await waitFor(async () => ((await app.outbox(CELL_GROUP)).length >= 30 ? true : undefined), 20_000, 'the 30 posts');
    expect((await app.outbox(CELL_GROUP)).map((m) => m.text)).toEqual(Array.from({ length: 30 }, (_, i) => `post ${i}`));
  });
});

describe('a chat over its share, at a low sending rate', () => {
  let app: TestApp;
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  beforeAll(async () => {
    app = await startTestApp('outbound-chat-park', {
      options: {
        // 5 sends/s (the default rate): 10 slots, 5 for one chat; BullMQ's limit counts every job taken.
        outboundRate: 5,
        transport: (deps, queues) => {
          const sim = new SimulatorTransport(deps.redis, deps.keys, queues.sink());
          const send = sim.send.bind(sim);
          sim.send = async (msg) => {
            if (msg.to.kind === 'group') await gate;
            return send(msg);
          };
          return sim;
        },
      },
    });
  });
  afterAll(async () => {
    open();
    await app.stop();
  });

  it('leaves the rest of the sending rate to alerts: its parked messages do not keep coming back for room', async () => {
    for (let i = 0; i < 30; i++)
      await app.queues.send(
        { to: { kind: 'group', id: CELL_GROUP }, text: `post ${i}`, idempotencyKey: `park-post-${i}`, kind: 'card' },
        PRIORITY.staff,
      );
    await waitFor(async () => ((await app.queues.outbound.getJobCounts('delayed')).delayed ?? 0) >= 1 || undefined);
    const citizens = Array.from({ length: 5 }, (_, i) => `+3361234010${i}`);
    await app.queues.sendMany(
      citizens.map((phone, i) => ({ to: { kind: 'dm', phone }, text: `Alert ${i}`, idempotencyKey: `park-alert-${i}`, kind: 'alert' })),
      PRIORITY.bulk,
    );
    for (const phone of citizens) await waitFor(async () => (await app.outbox(phone))[0], 15_000, `the alert to ${phone}`);
    expect(await app.outbox(CELL_GROUP)).toEqual([]);
  });
});
