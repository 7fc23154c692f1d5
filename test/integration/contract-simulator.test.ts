import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** The Simulator API of DESIGN.md, used as an external test uses it: over HTTP only. */
type Outbox = { items: SimOutboxItem[]; last: number };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('contract-sim');
});
afterAll(async () => app.stop());

describe('GET /sim/messages', () => {
  it('gives as `last` what to ask after next: polling with after=last never skips a message, pages of `limit` included', async () => {
    const phones = ['+33614000001', '+33614000002', '+33614000003'];
    for (const phone of phones) await app.say(phone, 'NEWS');
    await settle(app);
    const everything = (await app.api<Outbox>('GET', '/sim/messages?limit=1000')).body.items.map((m) => m.seq);
    expect(everything.length).toBeGreaterThanOrEqual(phones.length);
    const polled: number[] = [];
    let after = 0;
    for (let polls = 0; polls < 100; polls++) {
      const res = await app.api<Outbox>('GET', `/sim/messages?after=${after}&limit=1`);
      expect(res.status).toBe(200);
      polled.push(...res.body.items.map((m) => m.seq));
      if (res.body.items.length === 0) break;
      after = res.body.last;
    }
    expect(polled).toEqual(everything);
  });
});
