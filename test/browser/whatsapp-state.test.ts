import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, signIn } from './browser.ts';

/** While WhatsApp is down nothing the cell sends reaches anyone: the top bar says so on every view. */
describe('the WhatsApp state in the dashboard top bar', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-wa-state'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows connected, then disconnected in red when the number drops, without a reload', async () => {
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, ADMIN_TOKEN);
    const pill = page.locator('#whatsapp-state');
    await expect.poll(() => pill.textContent()).toBe('WhatsApp: connected');
    expect(await pill.getAttribute('class')).toBe('wa-state up');
    await page.evaluate(() => {
      location.hash = '#/alerts';
    });
    await app.transport?.stop();
    await expect.poll(() => pill.textContent(), { timeout: 20_000 }).toBe('WhatsApp: disconnected');
    expect(await pill.getAttribute('class')).toBe('wa-state down');
    // On a phone, the top bar still fits the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await context.close();
  });
});
