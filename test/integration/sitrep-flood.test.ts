import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * The sitrep in a large crisis: more unacknowledged incidents than a page. What it says waits
 * longest, and how many wait where, must hold for all of them, not for the newest 200.
 */
let app: TestApp;

beforeAll(async () => {
  app = await startTestApp('sitrep-flood', { config: { digest: { maxCardsPerWindow: 5, window: '1m' } } });
});
afterAll(async () => app.stop());

describe('/sitrep with 230 unacknowledged incidents', () => {
  it('names the oldest critical report first and counts every waiting incident by region', async () => {
    await app.say('+33612340000', 'My brother is trapped under the rubble in Aleppo, please help');
    await app.expectMessage('+33612340000', /Reference: INC-0001/);
    for (let k = 1; k <= 229; k++) await app.say(`+3361234${String(k).padStart(4, '0')}`, 'I lost my passport in Damascus');
    await settle(app, 60_000);
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'sitrep');
    expect(sitrep.text).toContain('Unacknowledged: 230');
    expect(sitrep.text).toContain('Unacknowledged by region: Capital District 229, Northern Province 1');
    const waiting = sitrep.text.split('Waiting (most severe, then longest):\n')[1]?.split('\n') ?? [];
    expect(waiting[0]).toMatch(/🔴 INC-0001 critical · trapped · Northern Province · open/);
    expect(waiting[1]).toMatch(/🟢 INC-0002 low/);
  }, 120_000);
});
