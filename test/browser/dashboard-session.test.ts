import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { ADMIN_TOKEN, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, signIn } from './browser.ts';

// A dashboard left open all night: the officer's token revoked (taken off the roster, a token
// that leaked) or the 12-hour session cookie expired while the page stayed open.
describe('dashboard session over a long night, in a real browser', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  const mint = async (name: string, role: string, phone?: string) =>
    (await app.api<{ token: string }>('POST', '/api/tokens', { name, role, ...(phone ? { phone } : {}) })).body.token;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-session'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('says a short password typed from habit is no valid token, not "body.token: must be an API token"', async () => {
    const { context, page } = await newPage(browser, true);
    await page.goto(`${app.url}/dashboard`);
    for (const typed of ['admin', 'cc_not-a-real-token-at-all']) {
      await page.locator('#token').fill(typed);
      await page.locator('#sign-in-form button[type=submit]').click();
      await expect
        .poll(() => page.locator('#sign-in-error').textContent())
        .toBe('This token is not valid: paste the whole API token you were given.');
      await page.locator('#sign-in-error').evaluate((p) => {
        p.textContent = '';
      });
    }
    expect(await page.locator('#shell').isVisible()).toBe(false);
    await context.close();
  });

  it('goes back to sign-in, saying why, once the token is revoked; signed in again, the note typed is still there', async () => {
    const incident = await reportFor(app, await mint('Setup Admin', 'admin'), '+33655500001', 'Water rising in the basement');
    const { context, page } = await newPage(browser, true);
    // What the top bar reads in the background (the WhatsApp state, the title's count) would also find
    // the sign-in ended, at its own time: here it is the officer's click that does.
    await page.route('**/api/whatsapp', (r) =>
      r.fulfill({ json: { transport: { state: 'open' }, restricted: null, held: 0, alerts: [] } }),
    );
    await page.route('**/api/incidents/counts', (r) => r.fulfill({ json: { byStatus: {} } }));
    await signIn(page, app.url, await mint('Dana Night', 'duty_officer', STAFF.duty));
    await open(page, `#/incident/${incident.id}`);
    await page.locator('textarea[name="note"]').fill('Called the civil defence: a team is on its way');
    expect((await app.api('DELETE', `/api/tokens/${encodeURIComponent('Dana Night')}`)).status).toBe(200);
    await page.locator('.act-note').click();
    // Not a toast saying "invalid token" over a page that still looks signed in.
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await page.locator('#sign-in-error').textContent()).toContain('sign-in has ended');
    expect(await page.locator('#shell').isVisible()).toBe(false);

    await page.locator('#token').fill(await mint('Dana Night', 'duty_officer', STAFF.duty));
    await page.locator('#sign-in-form button[type=submit]').click();
    await page.locator('#shell').waitFor({ state: 'visible' });
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    expect(await page.locator('textarea[name="note"]').inputValue()).toBe('Called the civil defence: a team is on its way');
    await page.locator('.act-note').click();
    await expect.poll(() => page.locator('.timeline .tl-note').count()).toBe(1);
    const saved = (await app.api<Incident>('GET', `/api/incidents/${incident.id}`)).body;
    expect(saved.timeline.filter((t) => t.type === 'note').map((t) => [t.text, t.actor])).toEqual([
      ['Called the civil defence: a team is on its way', 'Dana Night'],
    ]);
    await context.close();
  });

  it('opens the view the officer went to when the sign-in ended, or while the sign-in page showed, once signed in again', async () => {
    const { context, page } = await newPage(browser);
    const again = async () => {
      await page.locator('#token').fill(await mint('Hana Night', 'duty_officer'));
      await page.locator('#sign-in-form button[type=submit]').click();
      await page.locator('#shell').waitFor({ state: 'visible' });
    };
    const revoke = async () => expect((await app.api('DELETE', `/api/tokens/${encodeURIComponent('Hana Night')}`)).status).toBe(200);
    await signIn(page, app.url, await mint('Hana Night', 'duty_officer'));
    await open(page, '#/board');
    const go = (hash: string) =>
      page.evaluate((h) => {
        location.hash = h;
      }, hash);

    // The view opened is refused: the sign-in page comes, and that view once signed in again.
    await revoke();
    await go('#/welfare');
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    await again();
    await expect.poll(() => page.locator('#view h1').first().textContent()).toBe('Welfare checks');

    // Moved on (Back, a link) while the sign-in page showed: where they went.
    await revoke();
    await go('#/playbooks');
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    await go('#/alerts');
    await again();
    await expect.poll(() => page.locator('#view h1').first().textContent()).toBe('Alerts');
    expect(await page.locator('#view .error').allTextContents()).not.toContainEqual(expect.stringContaining('cannot load'));
    await context.close();
  });

  it('says in words when the server cannot be reached or gives no answer, and gives the button back', async () => {
    const incident = await reportFor(app, await mint('Setup Admin 2', 'admin'), '+33655500003', 'Stranded at the bus station');
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, await mint('Eli Night', 'duty_officer', STAFF.officer));
    await open(page, `#/incident/${incident.id}`);
    const toast = () => page.locator('#toast .toast-text').textContent();
    const patches = `**/api/incidents/${incident.id}`;

    await page.route(patches, (route) => (route.request().method() === 'PATCH' ? route.abort('internetdisconnected') : route.fallback()));
    await page.locator('.act-ack').click();
    await expect.poll(toast).toBe('The server cannot be reached: check the connection, then try again.');
    await page.unroute(patches);

    await page.route(patches, (route) =>
      route.request().method() === 'PATCH'
        ? route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' })
        : route.fallback(),
    );
    await page.locator('.act-ack').click();
    await expect.poll(toast).toBe('The server could not answer (HTTP 502): try again in a moment.');
    await page.unroute(patches);

    // The server waits for Redis, however long it is away: the answer never comes.
    const held: import('playwright-core').Route[] = [];
    await page.route(patches, (route) => (route.request().method() === 'PATCH' ? void held.push(route) : route.fallback()));
    await page.locator('.act-ack').click();
    await expect.poll(() => page.locator('.act-ack').isDisabled()).toBe(true);
    await expect.poll(toast, { timeout: 30_000 }).toMatch(/^No answer from the server within 15 s\. It may still have been done/);
    expect(await page.locator('.act-ack').isDisabled()).toBe(false);
    await page.unroute(patches);
    for (const route of held) await route.abort().catch(() => undefined);
    await context.close();
  });

  it('keeps an error on screen until the officer dismisses it', async () => {
    const incident = await reportFor(app, await mint('Setup Admin 3', 'admin'), '+33655500004', 'Our bus was stopped at a checkpoint');
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, await mint('Fay Night', 'duty_officer'));
    await open(page, `#/incident/${incident.id}`);
    await page.route(`**/api/incidents/${incident.id}/notes`, (route) => route.abort('internetdisconnected'));
    await page.locator('textarea[name="note"]').fill('Called the checkpoint commander');
    await page.locator('.act-note').click();
    const error = page.locator('#toast.error');
    await error.waitFor();
    expect(await error.getAttribute('role')).toBe('alert');
    // Longer than an information toast lasts (4 s): the officer was looking at their other phone.
    await page.waitForTimeout(4_500);
    expect(await error.locator('.toast-text').textContent()).toBe('The server cannot be reached: check the connection, then try again.');
    await error.getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.locator('#toast').isHidden()).toBe(true);
    await context.close();
  });

  it('says so when signing out fails, instead of staying signed in without a word', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, await mint('Gil Night', 'viewer'));
    await page.route('**/dashboard/session', (route) =>
      route.request().method() === 'DELETE' ? route.abort('internetdisconnected') : route.fallback(),
    );
    await page.locator('#sign-out').click();
    await expect
      .poll(() => page.locator('#toast.error .toast-text').textContent())
      .toBe(
        'Not signed out: The server cannot be reached: check the connection, then try again. Until then, anyone at this browser is still signed in as you.',
      );
    await page.unroute('**/dashboard/session');
    await page.locator('#sign-out').click();
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(await context.cookies()).toEqual([]);
    await context.close();
  });

  it('gets live updates again after a restart during which the proxy in front answered 502', async () => {
    let served = await startTestApp('browser-restart');
    const { context, page } = await newPage(browser);
    try {
      await signIn(page, served.url, ADMIN_TOKEN);
      await open(page, '#/board');
      await expect.poll(() => page.locator('#live').textContent()).toBe('live');
      // The proxy answers for the server while it restarts: the browser's reconnection gets a 502.
      let refused = 0;
      await page.route('**/dashboard/events', (route) => {
        refused++;
        return route.fulfill({ status: 502, contentType: 'text/html', body: '<h1>502 Bad Gateway</h1>' });
      });
      await served.close();
      served = await startTestApp('browser-restart', { prefix: served.prefix, options: { port: Number(new URL(served.url).port) } });
      await expect.poll(() => refused, { timeout: 15_000 }).toBeGreaterThan(0);
      await page.unroute('**/dashboard/events');

      await served.say('+33655500002', 'Fire on the third floor, we are stuck on the balcony');
      await expect
        .poll(() => page.locator('#view .incidents .summary').first().textContent(), { timeout: 20_000 })
        .toContain('Fire on the third floor');
      expect(await page.locator('#live').textContent()).toBe('live');
    } finally {
      await context.close();
      await served.stop();
    }
  });
});
