import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, screenshot, signIn } from './browser.ts';

// Chromium shares two cores with the other test files: a step can take seconds there, not minutes.
describe('dashboard in a real browser: session, roles, views', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let viewerToken: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser'), launch()]);
    viewerToken = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer', phone: STAFF.viewer }))
      .body.token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('refuses a wrong token and stays on the sign-in page', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${app.url}/dashboard`);
    await page.locator('#token').fill('cc_not-a-real-token-at-all');
    await page.locator('#sign-in-form button[type=submit]').click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toMatch(/not valid/);
    expect(await page.locator('#shell').isVisible()).toBe(false);
    expect(await context.cookies()).toEqual([]);
    await screenshot(page, 'sign-in-refused');
    await context.close();
  });

  it('signs in into an HttpOnly SameSite=Strict cookie (never the URL or page script), and signs out', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    expect(await page.locator('#who').textContent()).toContain('admin');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'cc_session', httpOnly: true, sameSite: 'Strict' });
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    expect(await page.evaluate(() => document.cookie)).not.toContain('cc_session');
    // The session cookie stands in for the bearer token on the API.
    expect(await page.evaluate(() => fetch('/api/me').then((r) => r.json()))).toMatchObject({ name: 'admin', role: 'admin' });
    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => fetch('/api/me').then((r) => r.status))).toBe(401);
    await context.close();
  });

  it('shows a viewer no action buttons, offers them to an admin, and the API refuses the viewer anyway', async () => {
    const actions = '#view button.primary, #view button.danger, #view [class*="act-"], #view form';
    const { context: asViewer, page: viewer } = await newPage(browser);
    const { context: asAdmin, page: admin } = await newPage(browser);
    await signIn(viewer, app.url, viewerToken);
    await signIn(admin, app.url, ADMIN_TOKEN);
    for (const view of ['#/alerts', '#/welfare', '#/playbooks']) {
      await open(viewer, view);
      await open(admin, view);
      expect(await viewer.locator(actions).count(), view).toBe(0);
      if (view !== '#/playbooks') expect(await admin.locator(actions).count(), view).toBeGreaterThan(0);
    }
    await screenshot(viewer, 'viewer-alerts');
    // The audit trail is for duty officers and admins: a viewer is not offered a view that only says so.
    expect(await viewer.locator('#nav a[href="#/audit"]').isVisible()).toBe(false);
    expect(await admin.locator('#nav a[href="#/audit"]').isVisible()).toBe(true);
    const refused = await viewer.evaluate(() =>
      fetch('/api/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', role: 'admin' }),
      }).then((r) => r.status),
    );
    expect(refused).toBe(403);
    await Promise.all([asViewer.close(), asAdmin.close()]);
  });

  it('keeps every request on our own origin when map tiles are unreachable, except the tiles', async () => {
    const { context, page } = await newPage(browser);
    const origin = new URL(app.url).host;
    const hosts: string[] = [];
    page.on('request', (r) => hosts.push(new URL(r.url()).host));
    await context.route(
      (url) => url.host !== origin,
      (route) => route.abort('internetdisconnected'),
    );
    await signIn(page, app.url, ADMIN_TOKEN);
    await open(page, '#/map');
    await page.locator('#incidents-map.leaflet-container').waitFor();
    await expect.poll(() => page.locator('#incidents-map').getAttribute('data-tiles')).toBe('unavailable');
    const foreign = hosts.filter((h) => h !== origin);
    expect(foreign.length).toBeGreaterThan(0);
    expect(foreign.filter((h) => h !== 'tile.openstreetmap.org')).toEqual([]);
    await screenshot(page, 'map-offline');
    await context.close();
  });

  it('shows the WhatsApp connection and the audit trail with its verification', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    await open(page, '#/whatsapp');
    expect(await page.locator('.conn').textContent()).toMatch(/^connected · simulator/);
    await open(page, '#/audit');
    await page.locator('.verify').click();
    await expect.poll(() => page.locator('.verify-result').textContent()).toMatch(/Chain intact: \d+ entries/);
    // With the seal a sitrep posted in the cell group: the trail still holds it.
    const { seal, entries } = await app.deps.audit.seal();
    await page.locator('input[name="seal"]').fill(seal);
    await page.locator('.verify').click();
    await expect
      .poll(() => page.locator('.verify-result').textContent())
      .toMatch(new RegExp(`Seal ${seal} found: the trail held ${entries} entries then and was not rewritten since\\.`));
    // One digit mistyped: the chain itself held, and the officer is told to check the seal, not that
    // the trail was tampered with.
    const mistyped = `${seal.slice(0, -1)}${seal.endsWith('0') ? '1' : '0'}`;
    await page.locator('input[name="seal"]').fill(mistyped);
    await page.locator('.verify').click();
    await expect
      .poll(() => page.locator('.verify-result').textContent())
      .toMatch(new RegExp(`^Chain intact: \\d+ entries verified, but no entry has the seal ${mistyped}\\. Check it against the sitrep`));
    expect(await page.locator('.verify-result').textContent()).not.toContain('broken');
    await page.locator('input[name="seal"]').fill('');
    expect(await page.locator('table.audit tbody tr').count()).toBeGreaterThan(0);
    // Newest first: the top row is the latest entry, the bottom one older.
    const trail = await app.api<{ items: { type: string; at: string }[] }>('GET', '/api/audit?limit=1000');
    const rows = await page.locator('table.audit tbody tr td:nth-child(2)').allTextContents();
    expect(rows[0]).toBe(trail.body.items.at(-1)?.type);
    expect(rows).toEqual(
      trail.body.items
        .slice(-rows.length)
        .map((e) => e.type)
        .reverse(),
    );
    await context.close();
  });

  it('shows the API docs and, to an admin, the queue view', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    await page.goto(`${app.url}/docs`);
    await page.locator('details.op').first().waitFor();
    expect(await page.locator('details.op').count()).toBeGreaterThan(10);
    await screenshot(page, 'api-docs');
    await page.goto(`${app.url}/admin/queues`);
    await page.getByText('outbound').first().waitFor();
    await page.getByText('Loading...').waitFor({ state: 'hidden' });
    await screenshot(page, 'queues');
    await context.close();
  });
});
