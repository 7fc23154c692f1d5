import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../fakes/csv.ts';
import { ADMIN_TOKEN, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, screenshot, signIn } from './browser.ts';

// After the crisis, or for the ministry's hourly report, the cell hands over its record of incidents
// from the incidents view: the file holds what the filters show.
describe('the incidents view downloads what it shows as CSV, in a real browser', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let officer: string;
  let viewer: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-export'), launch()]);
    officer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Chloe Officer', role: 'officer', phone: STAFF.officer }))
      .body.token;
    viewer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer', phone: STAFF.viewer })).body
      .token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('saves a CSV of the filtered incidents, Arabic intact, signed in with the session cookie only', async () => {
    const trapped = await reportFor(app, ADMIN_TOKEN, '+33654000001', 'محاصرون تحت أنقاض المدرسة');
    const passport = await reportFor(app, ADMIN_TOKEN, '+33654000002', 'Lost my passport at the airport');
    expect(trapped.severity).toBe('critical');
    expect(passport.severity).not.toBe('critical');

    const { context, page } = await newPage(browser);
    await signIn(page, app.url, officer);
    await open(page, '#/incidents/status=all&severity=critical');
    const link = page.locator('a.act-export');
    await expect.poll(() => link.getAttribute('href')).toBe('/api/incidents/export?format=csv&severity=critical');
    await screenshot(page, 'incidents-export');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^incidents-.*\.csv$/);
    const bytes = await readFile((await download.path()) as string);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, ...rows] = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(header?.slice(0, 3)).toEqual(['id', 'status', 'severity']);
    expect(rows.map((r) => [r[0], r[11]])).toEqual([[trapped.id, 'محاصرون تحت أنقاض المدرسة']]);

    // Another filter, another file: the link follows the view.
    await page.locator('#filter-severity').selectOption('');
    await expect.poll(() => link.getAttribute('href')).toBe('/api/incidents/export?format=csv');
    await context.close();
  });

  it('goes back to sign-in, saying why, when the sign-in ended before Download CSV (not a silently failed download)', async () => {
    await reportFor(app, ADMIN_TOKEN, '+33654000003', 'Flooded road, cannot reach the consulate');
    const late = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Lea Late', role: 'officer' })).body.token;
    const { context, page } = await newPage(browser);
    // What the top bar reads in the background would also find the sign-in ended, at its own time:
    // here it is the click on Download CSV that does.
    await page.route('**/api/whatsapp', (r) =>
      r.fulfill({ json: { transport: { state: 'open' }, restricted: null, held: 0, alerts: [] } }),
    );
    await page.route('**/api/incidents/counts', (r) => r.fulfill({ json: { byStatus: {} } }));
    // So does the live stream: once open it has the views reload what they show (a resync), and a reload
    // that reached the server after the token was revoked went back to sign-in before the click could.
    // The stream is left unanswered (connecting) here.
    await page.route('**/dashboard/events', () => {});
    const downloads: string[] = [];
    page.on('download', (d) => downloads.push(d.suggestedFilename()));
    await signIn(page, app.url, late);
    await open(page, '#/incidents/status=all');
    await page.locator('a.act-export').waitFor();
    expect((await app.api('DELETE', `/api/tokens/${encodeURIComponent('Lea Late')}`)).status).toBe(200);
    await page.locator('a.act-export').click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.locator('#sign-in-error').textContent()).toContain('sign-in has ended');
    expect(await page.locator('#shell').isVisible()).toBe(false);
    expect(downloads).toEqual([]);
    await context.close();
  });

  it('offers no download to a viewer, who reads the list but may not take it away in bulk', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, viewer);
    await open(page, '#/incidents/status=all');
    await expect.poll(() => page.locator('#filter-severity').count()).toBe(1);
    expect(await page.locator('a.act-export').count()).toBe(0);
    await context.close();
  });
});
