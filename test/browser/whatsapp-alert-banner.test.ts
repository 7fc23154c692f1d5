import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, screenshot, signIn } from './browser.ts';

// WhatsApp logs the embassy number out in the middle of a crisis: nothing the cell sends reaches
// anyone until the phone is linked again. The duty officer must see it in whatever view they are in.

describe('the WhatsApp alert banner in a real browser (the real Baileys adapter over a fake socket)', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  const sockets = fakeSocketFactory();
  const tokens: Record<string, string> = {};
  const mint = async (name: string, role: string) => (await app.api<{ token: string }>('POST', '/api/tokens', { name, role })).body.token;

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-wa-banner', { options: { transport: sockets.transport } }), launch()]);
    await sockets.openFirst(app.url);
    tokens.duty = await mint('Ana Duty', 'duty_officer');
    tokens.viewer = await mint('Vic Viewer', 'viewer');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows a duty officer, live and in any view, that WhatsApp logged the number out, until dismissed', async () => {
    const { context: desk, page } = await newPage(browser);
    const { context: phone, page: onWhatsApp } = await newPage(browser, true);
    const { context: viewerContext, page: viewer } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/board');
    await signIn(onWhatsApp, app.url, tokens.duty as string);
    await open(onWhatsApp, '#/whatsapp');
    await signIn(viewer, app.url, tokens.viewer as string);
    await open(viewer, '#/board');
    for (const p of [page, onWhatsApp, viewer]) await expect.poll(() => p.locator('#live').textContent()).toBe('live');
    const banner = page.getByRole('alert', { name: 'WhatsApp alert' });
    expect(await banner.isVisible()).toBe(false);

    // WhatsApp logs the number out (401): the gateway clears the session and alerts the duty officers.
    sockets.latest().close(401);
    await expect.poll(() => page.locator('#alert-banner').textContent(), { timeout: 10_000 }).toContain('WhatsApp alert: logged out');
    expect(await banner.textContent()).toMatch(/WhatsApp logged the embassy number out; .*Pair the number again/);
    await banner.getByRole('link', { name: 'Open the WhatsApp page' }).waitFor();
    // The WhatsApp view lists it at once, not at its next poll.
    await expect.poll(() => onWhatsApp.locator('.card').last().textContent()).toMatch(/logged out: WhatsApp logged/);
    await expect.poll(() => onWhatsApp.locator('#alert-banner').textContent()).toContain('logged out');
    await screenshot(onWhatsApp, 'whatsapp-alert-banner-phone');

    // It stays while the officer moves between views.
    await open(page, '#/alerts');
    expect(await banner.isVisible()).toBe(true);
    // A viewer, who cannot act on it, is not shown it (the WhatsApp view lists it for everyone).
    await viewer.reload();
    await viewer.locator('#view h1').first().waitFor();
    expect(await viewer.locator('#alert-banner').isVisible()).toBe(false);

    await banner.getByRole('button', { name: 'Dismiss the WhatsApp alert' }).click();
    expect(await banner.isVisible()).toBe(false);
    // Dismissed in this browser: a reload does not bring it back.
    await page.reload();
    await page.locator('#view h1').first().waitFor();
    await expect.poll(() => page.locator('#live').textContent()).toBe('live');
    expect(await page.locator('#alert-banner').isVisible()).toBe(false);
    await Promise.all([desk.close(), phone.close(), viewerContext.close()]);
  });
});
