import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { ADMIN_TOKEN, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';
import { launch, newPage, signIn } from './browser.ts';

/**
 * A duty officer signed in to the dashboard opens another page of the same site (another port on
 * localhost, a sibling subdomain of the embassy's domain): SameSite=Strict still sends the session
 * cookie with that page's form, so a form posting to /api/alerts/ALR-…/approve approved an alert to
 * every citizen in the officer's name without them seeing it. A signed-in browser only acts for pages
 * of the dashboard's own origin.
 */
describe('a page of another origin of the same site, while an officer is signed in', () => {
  let app: TestApp;
  let browser: Browser;
  let attacker: Server;
  let attackerPage = '';
  let alertId = '';

  beforeAll(async () => {
    app = await startTestApp('br-cross-site', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 1 } } });
    await saveCitizens(
      app.deps,
      ['+33613500001', '+33613500002', '+33613500003'].map((phone) => aCitizen({ phone })),
    );
    const officer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Olga Officer', role: 'officer' })).body.token;
    const created = await app.api<{ id: string; status: string }>(
      'POST',
      '/api/alerts',
      { audience: { all: true }, text: { en: 'Go to the airport now.' } },
      officer,
    );
    expect(created.body.status).toBe('pending_approval');
    alertId = created.body.id;
    const port = new URL(app.url).port;
    attacker = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<form id="f" method="POST" action="http://localhost:${port}/api/alerts/${alertId}/approve"></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    const address = attacker.address();
    attackerPage = `http://localhost:${typeof address === 'object' && address ? address.port : 0}/`;
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await app?.stop();
  });

  it('cannot approve an alert with the officer’s session', async () => {
    const { context, page } = await newPage(browser);
    const dashboard = `http://localhost:${new URL(app.url).port}`;
    await signIn(page, dashboard, ADMIN_TOKEN);
    const posted = page.waitForResponse((r) => r.url().endsWith(`/api/alerts/${alertId}/approve`));
    await page.goto(attackerPage);
    const answer = await posted;
    expect(answer.status()).toBe(403);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('cross_site_request');
    expect((await app.api<{ status: string }>('GET', `/api/alerts/${alertId}`)).body.status).toBe('pending_approval');
    const audit = await app.api<{ items: { type: string; actor: string; subject?: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    expect(audit.body.items.filter((e) => e.type === 'api.refused')).toEqual([
      expect.objectContaining({
        actor: 'admin',
        subject: `POST /api/alerts/${alertId}/approve`,
        data: { reason: 'cross_site', origin: attackerPage.replace(/\/$/, '') },
      }),
    ]);

    // The dashboard itself still approves it.
    await page.goto(`${dashboard}/dashboard`);
    const approved = await page.evaluate(
      async (id) => (await fetch(`/api/alerts/${id}/approve`, { method: 'POST', credentials: 'same-origin' })).status,
      alertId,
    );
    expect(approved).toBe(200);
    await waitFor(async () => (await app.api<{ status: string }>('GET', `/api/alerts/${alertId}`)).body.status !== 'pending_approval');
    await context.close();
  });
});
