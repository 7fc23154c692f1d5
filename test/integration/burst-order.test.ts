import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCitizen } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import type { InboundMessage } from '../../src/transport/chat-transport.ts';
import { fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * When the embassy's number comes back after an outage, WhatsApp hands over everything a
 * citizen sent meanwhile at once. Their messages must still be read in the order they wrote them.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('burst-order', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
});
afterAll(async () => app.stop());

/** Hands the gateway a citizen's messages all at once, in the order they were written. */
async function burst(phone: string, items: Partial<InboundMessage>[]): Promise<void> {
  const at = Date.now();
  await Promise.all(
    items.map((item, i) =>
      app.queues.receive({
        id: `burst-${phone}-${i}`,
        chat: { kind: 'dm', phone },
        from: { phone },
        fromMe: false,
        at: at + i,
        ...item,
      }),
    ),
  );
  await settle(app);
}

describe('a citizen’s messages delivered all at once', () => {
  it('a whole REGISTER conversation typed while the number was offline registers the citizen', async () => {
    const phone = '+33612360001';
    await burst(
      phone,
      ['REGISTER', 'yes', 'Marie Curie', 'nord', '3', '1'].map((text) => ({ text })),
    );
    expect(await getCitizen(app.deps, phone)).toMatchObject({ name: 'Marie Curie', region: 'north', household: 3, language: 'en' });
    const said = (await app.outbox(phone)).map((m) => m.text);
    expect(said.some((t) => /INC-\d+/.test(t))).toBe(false);
  });

  it('a report, its details and a pin make one incident, in the order the citizen sent them', async () => {
    const phone = '+33612360002';
    await burst(phone, [
      { text: 'Our building collapsed, my sister is trapped on the 3rd floor' },
      { text: 'We are at the Hotel Plaza, Rue 5' },
      { location: { lat: 35.55, lng: 35.8 } },
      { text: 'She is 12 years old' },
    ]);
    const { body } = await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=100');
    const mine = body.items.filter((i) => i.reporter === phone);
    expect(mine).toHaveLength(1);
    const incident = (await app.api<Incident>('GET', `/api/incidents/${mine[0]?.id}`)).body;
    expect(incident.summary).toMatch(/building collapsed/);
    expect(incident.timeline.map((e) => e.type)).toEqual(['reported', 'details', 'location', 'details']);
    expect(incident.timeline.map((e) => e.text ?? '')).toEqual([
      expect.stringMatching(/building collapsed/),
      expect.stringMatching(/Hotel Plaza/),
      expect.anything(),
      expect.stringMatching(/12 years old/),
    ]);
    // The citizen's first answer is the reference of the report, then each addition is confirmed.
    const said = (await app.outbox(phone)).map((m) => m.text);
    expect(said[0]).toMatch(/Reference: INC-\d+/);
    expect(said.slice(1).every((t) => t.includes(`Added to your report ${incident.id}`))).toBe(true);
  });
});

describe('a citizen’s WhatsApp messages upserted one event at a time, the first one slow to store', () => {
  let wa: TestApp;
  const sockets = fakeSocketFactory();
  beforeAll(async () => {
    wa = await startTestApp('burst-order-wa', {
      options: {
        transport: (deps) => {
          const t = sockets.transport(deps);
          // The first message's key takes a while to store (a slow Redis moment): the next ones must wait for it.
          const saveKey = t.store.saveKey.bind(t.store);
          t.store.saveKey = async (key) => {
            if (key.id === 'WA-ORDER-0') await new Promise((r) => setTimeout(r, 300));
            return saveKey(key);
          };
          return t;
        },
      },
    });
    await sockets.openFirst(wa.url);
  });
  afterAll(async () => wa.stop());

  it('hands them to the pipeline in the order WhatsApp delivered them', async () => {
    const jid = '33612360003@s.whatsapp.net';
    const sock = sockets.latest();
    ['REGISTER', 'yes', 'Marie Curie', 'nord', '3', '1'].forEach((text, i) => {
      sock.upsert([waMessage({ id: `WA-ORDER-${i}`, remoteJid: jid, message: { conversation: text } })], 'append');
    });
    await waitFor(() => getCitizen(wa.deps, '+33612360003'), 10_000, 'the registration');
    expect(await getCitizen(wa.deps, '+33612360003')).toMatchObject({ name: 'Marie Curie', region: 'north', household: 3 });
  });
});
