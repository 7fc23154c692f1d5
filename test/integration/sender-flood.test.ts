import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type RunningApp } from '../../src/app/create-app.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { settle, startTestApp, type TestApp, testConfig, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/**
 * One account floods the embassy's number (a script, a stuck phone, a hostile actor). Its
 * messages are read one at a time, in order: they must not also take every slot of the worker
 * while another citizen's HELP waits behind them.
 */
describe('one sender flooding the number', () => {
  let app: TestApp;
  beforeAll(async () => {
    // A worker of 20 slots, a sender's share of 5 and parked messages back every 100 ms (100,
    // 10 and 500 in production): the same contest, with a smaller flood that drains quickly.
    app = await startTestApp('sender-flood', {
      config: { digest: { maxCardsPerWindow: 1000, window: '1m' } },
      options: { inboundConcurrency: 20, senderShare: { maxHeld: 5, parkMs: 100 } },
    });
  });
  afterAll(async () => app.stop());

  const FLOOD = 80;
  const flooder = '+33612370001';
  const citizen = '+33612370002';
  const receive = (phone: string, id: string, text: string) =>
    app.queues.receive({ id, chat: { kind: 'dm', phone }, from: { phone }, fromMe: false, at: Date.now(), text });
  const floodIncident = async () => {
    const { body } = await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=100');
    const id = body.items.find((i) => i.reporter === flooder)?.id;
    return id ? (await app.api<Incident>('GET', `/api/incidents/${id}`)).body : undefined;
  };

  it('another citizen’s HELP is answered before the flood is read, and the flood is read whole and in order', async () => {
    await receive(flooder, 'flood-0', 'Our building collapsed, people are trapped');
    for (let i = 1; i < FLOOD; i++) await receive(flooder, `flood-${i}`, `detail ${i}`);
    await receive(citizen, 'help-1', 'HELP my husband is unconscious');

    await app.expectMessage(citizen, /Reference: INC-\d+/);
    // Without a share per sender, the worker's 20 slots all held the flood's messages, and the
    // HELP was read only after at least 60 of them.
    const readSoFar = (await floodIncident())?.timeline.filter((e) => e.type === 'reported' || e.type === 'details').length ?? 0;
    expect(readSoFar).toBeLessThan(40);

    const incident = await waitFor(
      async () => {
        const i = await floodIncident();
        return i && i.timeline.filter((e) => e.type === 'details').length === FLOOD - 1 ? i : undefined;
      },
      30_000,
      'every message of the flood in its incident',
    );
    const details = incident.timeline.filter((e) => e.type === 'details').map((e) => e.text);
    expect(details).toEqual(Array.from({ length: FLOOD - 1 }, (_, i) => `detail ${i + 1}`));
    await settle(app);
    expect(await app.queues.inbound.getFailedCount()).toBe(0);
  });
});

/**
 * Scaling out is more worker processes on the same Redis (DESIGN). A message one worker parks
 * can come back to the other: the first must not then hold the sender's later messages for a
 * minute, waiting for one that will never come back to it.
 */
describe('one sender flooding the number, read by two worker processes', () => {
  let app: TestApp;
  let second: RunningApp;
  const prefix = uniquePrefix('sender-flood-two');
  const share = { maxHeld: 5, parkMs: 100 };
  beforeAll(async () => {
    const config = { digest: { maxCardsPerWindow: 1000, window: '1m' } };
    app = await startTestApp('sender-flood-two', { prefix, config, options: { inboundConcurrency: 20, senderShare: share } });
    second = await createApp(testConfig(prefix, config, { ROLE: 'worker' }), createLogger('silent'), {
      inboundConcurrency: 20,
      senderShare: share,
    });
  });
  afterAll(async () => {
    await second.close();
    await app.stop();
  });

  const FLOOD = 80;
  const flooder = '+33612370011';

  it('every message of the flood reaches its incident', async () => {
    for (let i = 0; i < FLOOD; i++)
      await app.queues.receive({
        id: `flood2-${i}`,
        chat: { kind: 'dm', phone: flooder },
        from: { phone: flooder },
        fromMe: false,
        at: Date.now(),
        text: i === 0 ? 'Our building collapsed, people are trapped' : `detail ${i}`,
      });
    const incident = await waitFor(
      async () => {
        const { body } = await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=100');
        const id = body.items.find((i) => i.reporter === flooder)?.id;
        const i = id ? (await app.api<Incident>('GET', `/api/incidents/${id}`)).body : undefined;
        return i && i.timeline.filter((e) => e.type === 'details').length === FLOOD - 1 ? i : undefined;
      },
      30_000,
      'every message of the flood in its incident',
    );
    const details = incident.timeline.filter((e) => e.type === 'details').map((e) => e.text);
    expect(new Set(details).size).toBe(FLOOD - 1);
  }, 45_000);
});
