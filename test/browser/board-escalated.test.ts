import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, signIn } from './browser.ts';

// The board's list of escalated incidents is what a duty officer at 3 a.m. must take next.
describe('the board’s escalated list', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let duty: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp('browser-escalated', {
        config: {
          escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1h' },
          digest: { maxCardsPerWindow: 1000, window: '1m' },
        },
      }),
      launch(),
    ]);
    duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer', phone: STAFF.duty })).body
      .token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('lists the escalated incidents still waiting, not one taken since, and agrees with /sitrep, whose resolved count does not fall when one is closed', async () => {
    const waiting = await reportFor(app, duty, '+33653000001', 'Trapped under the rubble of the hotel');
    const taken = await reportFor(app, duty, '+33653000002', 'My father is not breathing');
    for (const i of [waiting, taken])
      await waitFor(async () => (await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body.escalationLevel > 0 || undefined, 20_000);
    expect((await app.api('PATCH', `/api/incidents/${taken.id}`, { status: 'acknowledged' }, duty)).status).toBe(200);
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    const escalated = page.locator('section:has(h2:text("Escalated")) li.incident');
    await expect.poll(() => escalated.evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id))).toEqual([waiting.id]);
    expect(await page.locator('section:has(h2:text("Escalated")) h2').textContent()).toContain('(1)');
    await context.close();
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('📊 SITREP'));
    expect(sitrep.text).toContain('Unacknowledged: 1 (1 escalated) · resolved so far: 0');
    // Resolved, then closed after review: still resolved, the figure does not fall.
    for (const status of ['resolved', 'closed'])
      expect((await app.api('PATCH', `/api/incidents/${taken.id}`, { status, text: 'Ambulance came' }, duty)).status).toBe(200);
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('📊 SITREP') && m.text.includes('resolved so far: 1'));
  });
});
