import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const WINDOW_MS = 8_000;

/**
 * A report waiting for the flood's digest whose reporter then writes "he is not breathing": the
 * digest lists it first, among the critical ones, and counts it as critical.
 */
describe('a report raised to critical while it waits for the digest', () => {
  let app: TestApp;
  let skew = 0;
  beforeAll(async () => {
    app = await startTestApp('digest-rerank', {
      config: { digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '8s' } },
      options: { now: () => Date.now() + skew },
    });
  });
  afterAll(async () => app?.stop());

  it('is listed first in the digest and counted as critical', async () => {
    // The app's clock at the start of a window: the digest goes about 8 s from now, after every message below.
    skew = WINDOW_MS - (Date.now() % WINDOW_MS) + 50;
    const [first, high, medium] = ['+33612880001', '+33612880002', '+33612880003'];
    await app.say(first, 'My husband is injured in Aleppo');
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card');
    await app.say(high, 'My brother was arrested this morning');
    await app.say(medium, 'Hotel Sheraton, we need advice');
    await settle(app);
    const mine = async (phone: string) =>
      (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=50')).body.items.find((i) => i.reporter === phone) as Incident;
    const [h, m] = [await mine(high), await mine(medium)];
    expect([h.severity, m.severity]).toEqual(['high', 'medium']);
    await app.say(medium, 'my father collapsed, he is not breathing');
    await settle(app);
    expect((await mine(medium)).severity).toBe('critical');
    const digest = await app.expectMessage(CELL_GROUP, (msg) => msg.kind === 'digest', 15_000);
    expect(digest.text).toMatch(/2 new incidents .*, 1 of them CRITICAL \(listed first\)/);
    expect(digest.text.indexOf(m.id)).toBeLessThan(digest.text.indexOf(h.id));
    // Its line quotes what made it critical under its first words.
    expect(digest.text).toContain('“Hotel Sheraton, we need advice”\n   🔺 then: “my father collapsed, he is not breathing”');
    // No room for its card (the window holds its one critical card): the digest is where the group first
    // reads of it, not an update line about an incident it has not seen.
    expect((await app.outbox(CELL_GROUP)).filter((msg) => msg.kind === 'update' && msg.text.includes(m.id))).toEqual([]);
  });

  it('is re-ranked too when the reporter edits their message into one that raises it', async () => {
    skew = WINDOW_MS - ((Date.now() + skew) % WINDOW_MS) + skew + 50;
    const [first, high, medium] = ['+33612880011', '+33612880012', '+33612880013'];
    await app.say(first, 'My wife is injured in Homs');
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes('Homs'));
    await app.say(high, 'My son was arrested at noon');
    const original = await app.say(medium, 'Hotel Sheraton, we need advice');
    await settle(app);
    const mine = async (phone: string) =>
      (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=50')).body.items.find((i) => i.reporter === phone) as Incident;
    const [h, m] = [await mine(high), await mine(medium)];
    await app.say(medium, 'Hotel Sheraton, my father collapsed, he is not breathing', { edit: { of: original } });
    await app.expectMessage(CELL_GROUP, (msg) => msg.text.includes(m.id) && /CRITICAL/.test(msg.text) && msg.kind !== 'digest');
    const digest = await app.expectMessage(CELL_GROUP, (msg) => msg.kind === 'digest' && msg.text.includes(m.id), 15_000);
    expect(digest.text).toMatch(/2 new incidents .*, 1 of them CRITICAL \(listed first\)/);
    expect(digest.text.indexOf(m.id)).toBeLessThan(digest.text.indexOf(h.id));
  });
});
