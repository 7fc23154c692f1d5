import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, signIn } from './browser.ts';

/** A duty officer with the dashboard in a background tab sees a new report come in from the tab's title. */
describe('the dashboard tab title', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-tab-title'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('counts the incidents nobody has taken yet, live', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    await expect.poll(() => page.title()).toBe('Crisis cell — dashboard');
    // The officer is in another view (the audit), or another tab: the title still counts.
    await page.evaluate(() => {
      location.hash = '#/audit';
    });
    await app.say('+33655100001', 'Armed men in our street in the north, we are hiding');
    await app.say('+33655100002', 'I lost my passport at the airport');
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('(2) Crisis cell — dashboard');
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes('+33655100001'));
    const id = /INC-\d+/.exec(card.text)?.[0] as string;
    expect((await app.api('PATCH', `/api/incidents/${id}`, { status: 'acknowledged' })).status).toBe(200);
    await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('(1) Crisis cell — dashboard');
    await context.close();
  });
});
