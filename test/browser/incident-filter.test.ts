import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, signIn } from './browser.ts';

// The board shows the active incidents; a resolved or closed one, or every critical one, is found
// through the incidents view its counts lead to.
describe('incidents by status and severity in a real browser', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let duty: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-filter'), launch()]);
    duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer', phone: STAFF.duty })).body
      .token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('leads from the board counts to the resolved, closed or critical incidents, kept up to date live', async () => {
    const trapped = await reportFor(app, duty, '+33653000001', 'Trapped under the rubble of the school');
    const passport = await reportFor(app, duty, '+33653000002', 'Lost my passport at the airport');
    const hotel = await reportFor(app, duty, '+33653000003', 'No water at the hotel since yesterday');
    expect(trapped.severity).toBe('critical');
    const patch = async (id: string, status: string) =>
      expect((await app.api('PATCH', `/api/incidents/${id}`, { status })).status).toBe(200);
    await patch(passport.id, 'resolved');
    await patch(hotel.id, 'resolved');
    await patch(hotel.id, 'closed');
    const shown = (page: import('playwright-core').Page) =>
      page.locator('#view li.incident').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.id));

    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    await expect.poll(() => page.locator('td.status-resolved').textContent()).toBe('1');
    await page.locator('td.status-resolved a').click();
    await expect.poll(() => shown(page)).toEqual([passport.id]);
    expect(await page.locator('#view h2').textContent()).toBe('Resolved, newest first (1)');
    // The resolved incident opens, to be reopened: the board alone had no way to it.
    await page.locator(`li.incident[data-id="${passport.id}"] a`).click();
    await page.locator('.act-reopen').waitFor();
    await page.goBack();
    await expect.poll(() => shown(page)).toEqual([passport.id]);

    await page.locator('#filter-status').selectOption('closed');
    await expect.poll(() => shown(page)).toEqual([hotel.id]);
    await page.locator('#filter-status').selectOption('all');
    await expect.poll(() => shown(page)).toEqual([hotel.id, passport.id, trapped.id]);
    await page.locator('#filter-severity').selectOption('critical');
    await expect.poll(() => shown(page)).toEqual([trapped.id]);

    await open(page, '#/board');
    await page.locator('td.severity-critical a').click();
    await expect.poll(() => shown(page)).toEqual([trapped.id]);
    expect(await page.locator('#view h2').textContent()).toBe('Active, critical, newest first (1)');
    // Resolved by another officer: it leaves the active list, and joins the resolved one, live.
    await patch(trapped.id, 'resolved');
    await expect.poll(() => page.locator('#view').textContent()).toContain('No incident matches.');
    await page.locator('#filter-status').selectOption('resolved');
    await expect.poll(() => shown(page)).toEqual([trapped.id]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  });

  it('keeps the keyboard on the Status and Severity filters when the officer moves through them with the arrow keys', async () => {
    await reportFor(app, duty, '+33653000004', 'Our building collapsed, my brother is trapped');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/incidents/');
    await page.locator('#filter-status').focus();
    // active → open → acknowledged → in progress → resolved: the officer wants the resolved ones.
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/incidents/status=open');
    await expect.poll(() => page.locator('#view h2').first().textContent()).toMatch(/^Open, newest first/);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('filter-status');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/incidents/status=acknowledged');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('filter-status');
    await page.locator('#filter-severity').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/incidents/status=acknowledged&severity=critical');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('filter-severity');
    await context.close();
  });
});
