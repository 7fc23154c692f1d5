import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { chatAs, launch, newPage, open, openSim, say, screenshot, signIn } from './browser.ts';

const AIRPORT = 'The embassy says all citizens must go to the airport tonight at 22:00. Share with everyone!';
const BRIDGE = 'Ministry of Interior: the south bridge is closed from midnight, use the coast road. Forward!';

/** expect.poll with room for a loaded machine (its default gives up after one second). */
const eventually = <T>(probe: () => Promise<T> | T) => expect.poll(probe, { timeout: 15_000 });

// The duty officer at 3 a.m. must see at a glance that a false message is spreading, and how far.
describe('the rumours panel in a real browser', { timeout: 90_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let duty: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-rumours'), launch()]);
    duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer' })).body.token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows on the board, without a reload, a rumour a citizen forwarded through the simulator, most spread first', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    const panel = page.locator('section.rumours-panel');
    await eventually(() => panel.textContent()).toContain('No rumour sent in by citizens in the last 24 hours.');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });

    // A citizen forwards the chain message on the simulator page, with WhatsApp's "Forwarded" label.
    const { page: sim } = await newPage(browser);
    await openSim(sim, app.url);
    await chatAs(sim, { phone: '+33612300001' }, 'dm');
    await sim.locator('#forwarded').check();
    await say(sim, AIRPORT);
    await sim
      .locator('#thread .msg.bot')
      .filter({ hasText: /the embassy did not send this message/ })
      .waitFor({ timeout: 15_000 });

    const rows = panel.locator('li.rumour');
    await eventually(() => rows.count()).toBe(1);
    expect(await rows.first().locator('.reach').textContent()).toBe('1 citizen sent it');
    expect(await rows.first().locator('.text').textContent()).toBe(AIRPORT);
    expect(await rows.first().locator('.badge').textContent()).toBe('Claims to be official');
    expect(await panel.locator('h2').textContent()).toBe('Rumours going round, last 24 h (1)');

    // It spreads: three more citizens send it, one of them twice; another rumour comes in once, later.
    for (const [from, id] of [
      ['+33612300002', undefined],
      ['+33612300003', undefined],
      ['+33612300004', 'WA-R-4a'],
      ['+33612300004', 'WA-R-4b'],
    ] as const) {
      await app.say(from, AIRPORT, { forwarded: true, ...(id ? { id } : {}) });
    }
    await app.say('+33612300005', BRIDGE, { forwarded: true });
    await settle(app);
    await eventually(() => rows.count()).toBe(2);
    await eventually(() => rows.first().locator('.reach').textContent()).toBe('4 citizens sent it (5 times)');
    expect(await rows.first().locator('.text').textContent()).toBe(AIRPORT);
    expect(await rows.nth(1).locator('.text').textContent()).toBe(BRIDGE);
    expect(await rows.nth(1).locator('.reach').textContent()).toBe('1 citizen sent it');
    // A claim of the ministry may be genuine: said so, and to be verified with the authorities, not countered.
    expect(await rows.nth(1).locator('.badge').textContent()).toBe(
      'Claims to come from the local authorities: the embassy cannot confirm it; citizens were told to check it on official channels',
    );
    await eventually(() => panel.locator('p.verify').textContent()).toMatch(/verify it with the authorities before any alert/);
    expect(await panel.locator('h2').textContent()).toBe('Rumours going round, last 24 h (2)');
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    await screenshot(page, 'board-rumours');
    await context.close();
    await sim.context().close();
  });

  it('says which genuine alert an altered copy imitates, and shows a rumour’s words as words, never as markup', async () => {
    const created = await app.api<{ id: string; code: string }>(
      'POST',
      '/api/alerts',
      { audience: { all: true }, text: { en: 'Stay indoors tonight.' } },
      duty,
    );
    const { id, code } = created.body;
    const altered = `OFFICIAL ALERT from the Embassy of Freedonia in Sylvania · ${id}\n\nGo to the border crossing tonight, buses wait there.\n\nVerification code: ${code}.`;
    await app.say('+33612300010', altered, { forwarded: true });
    const markup = 'The embassy says <img src=x onerror="document.title=\'pwned\'"> <b>evacuate now</b>, share!';
    await app.say('+33612300011', markup, { forwarded: true });
    await settle(app);

    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/rumours');
    const row = (text: string) => page.locator('li.rumour').filter({ hasText: text });
    await eventually(() => row('Go to the border crossing').count()).toBe(1);
    expect(await row('Go to the border crossing').locator('.badge').textContent()).toBe(
      `Altered copy of ${id} (genuine alert, words changed)`,
    );
    expect(await row('Go to the border crossing').locator(`.badge a[href="#/alerts/${id}"]`).count()).toBe(1);
    const injected = row('evacuate now');
    expect(await injected.locator('.text').textContent()).toBe(markup);
    expect(await injected.locator('img, b').count()).toBe(0);
    expect(await page.title()).not.toBe('pwned');
    // All four, the most spread first.
    expect(await page.locator('li.rumour .reach').first().textContent()).toBe('4 citizens sent it (5 times)');
    expect(await page.locator('li.rumour').count()).toBe(4);
    await screenshot(page, 'rumours');
    const phone = await newPage(browser, true);
    await signIn(phone.page, app.url, duty);
    await open(phone.page, '#/board');
    await phone.page.locator('section.rumours-panel li.rumour').first().waitFor();
    await screenshot(phone.page, 'board-rumours-phone');
    await phone.context.close();
    await context.close();
  });

  it('says so when the rumours of another period cannot load, instead of leaving the old list unexplained', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/rumours');
    await page.route('**/api/rumours?since=7d*', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'unavailable', message: 'Redis is not answering' } }),
      }),
    );
    await page.locator('#rumours-since').selectOption('7d');
    await expect.poll(() => page.locator('#toast.error .toast-text').textContent()).toBe('Redis is not answering');
    await context.close();
  });
});
