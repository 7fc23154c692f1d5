import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { stallFanOuts } from '../fakes/stalled-fanout.ts';
import { CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, screenshot, signIn } from './browser.ts';

// An alert or welfare check whose queueing gave up after repeated errors (a long Redis outage) is
// still "sending": the duty officer reads in words, on its card, that part of the audience is not
// queued yet, and the warning goes once queueing went on.

describe('a stalled broadcast on the dashboard, in a real browser', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let viewer: string;

  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp('browser-broadcast-stalled', {
        config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 50, fanOutRetryEvery: '1s' } },
      }),
      launch(),
    ]);
    await saveCitizens(app.deps, [aCitizen({ region: 'coast', language: 'en' }), aCitizen({ region: 'coast', language: 'fr' })]);
    viewer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Vic Viewer', role: 'viewer' })).body.token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('warns on the card of a stalled alert and welfare check, and not once queueing went on', async () => {
    const restore = stallFanOuts(app, (j) => j.language === 'fr');
    const audience = { regions: ['coast'] };
    let alert: string;
    let check: string;
    try {
      alert = (await app.api<{ id: string }>('POST', '/api/alerts', { audience, text: { en: 'Ferry cancelled.', fr: 'Ferry annulé.' } }))
        .body.id;
      check = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience })).body.id;
      await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`Alert ${alert} stopped queueing`));
      await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`Welfare check ${check} stopped queueing`));
    } catch (err) {
      restore();
      throw err;
    }
    const warning =
      /^⚠️ Queueing stopped after repeated errors at .+: part of the audience is not queued yet\. It is tried again automatically/;

    const { context, page } = await newPage(browser);
    await signIn(page, app.url, viewer);
    await open(page, `#/alerts/${alert}`);
    const alertCard = page.locator(`.alert-item[data-id="${alert}"]`);
    await expect.poll(() => alertCard.locator('.fanout-stalled').textContent()).toMatch(warning);
    expect(await alertCard.locator('.badge').first().textContent()).toBe('sending');
    await screenshot(page, 'alert-stalled');

    await open(page, `#/welfare/${check}`);
    const checkCard = page.locator(`section.welfare[data-id="${check}"]`);
    await expect.poll(() => checkCard.locator('.fanout-stalled').textContent()).toMatch(warning);

    // The cause goes away: the page, left open, drops the warning as queueing completes.
    restore();
    await expect.poll(() => checkCard.locator('h2 .badge').textContent(), { timeout: 10_000 }).toBe('open');
    await expect.poll(() => checkCard.locator('.fanout-stalled').count()).toBe(0);
    await open(page, `#/alerts/${alert}`);
    await expect.poll(() => alertCard.locator('.badge').first().textContent(), { timeout: 10_000 }).toBe('sent');
    expect(await alertCard.locator('.fanout-stalled').count()).toBe(0);
    await context.close();
  });
});
