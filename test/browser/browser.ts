import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { ADMIN_TOKEN, type TestApp } from '../fakes/test-app.ts';

/** Debian's Chromium (installed by apt in .ci/run); never a downloaded browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Where screenshots go: docs/screenshots (committed, shown in docs/dashboard.md and the README) when
 * UPDATE_SCREENSHOTS=1, else a temporary folder so a test run leaves the tree clean.
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? 'docs/screenshots' : join(tmpdir(), 'crisis-cell-screenshots');

export async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A desk screen, or a phone. */
export async function newPage(browser: Browser, phone = false): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(
    phone
      ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
      : { viewport: { width: 1280, height: 860 } },
  );
  const page = await context.newPage();
  return { context, page };
}

/** Signs in on the dashboard's sign-in page with a token; resolves when the shell shows. */
export async function signIn(page: Page, baseUrl: string, token: string): Promise<void> {
  await page.goto(`${baseUrl}/dashboard`);
  await page.locator('#token').fill(token);
  await page.locator('#sign-in-form button[type=submit]').click();
  await page.locator('#shell').waitFor({ state: 'visible' });
}

/** Opens a view and waits until it has rendered (no "Loading…" left). */
export async function open(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  await page.locator('#view h1').first().waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: false });
}

/** Opens an incident through the API, as an officer does for a citizen who phoned; throws when refused. */
export async function reportFor(app: TestApp, token: string, reporter: string, text: string): Promise<Incident> {
  const res = await app.api<Incident>('POST', '/api/incidents', { reporter, text }, token);
  if (res.status !== 201) throw new Error(`POST /api/incidents answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Opens the simulator page with a token (the admin's by default); resolves once it lists who one can chat as. */
export async function openSim(page: Page, url: string, token = ADMIN_TOKEN): Promise<void> {
  await page.goto(`${url}/sim`);
  await page.locator('#token').fill(token);
  await page.locator('#login button').click();
  await expect.poll(() => page.locator('#as option').count(), { timeout: 15_000 }).toBeGreaterThan(1);
}

/** On the simulator page: chat as someone from the roster (or a typed phone), in the DM or the cell group. */
export async function chatAs(page: Page, who: { staff?: string; phone?: string }, where: 'dm' | string): Promise<void> {
  if (who.staff) await page.locator('#as').selectOption(who.staff);
  if (who.phone) {
    await page.locator('#phone').fill(who.phone);
    await page.locator('#phone').dispatchEvent('change');
  }
  await page.locator('#chat').selectOption(where);
}

/** On the simulator page: types a message and sends it. */
export async function say(page: Page, text: string): Promise<void> {
  await page.locator('#text').fill(text);
  await page.locator('#text').press('Enter');
}

/** Counts the page's requests matching `match`, and waits until every one of them has an answer. */
export function watchRequests(page: Page, match: (method: string, url: string) => boolean) {
  let sent = 0;
  let done = 0;
  page.on('request', (r) => {
    if (match(r.method(), r.url())) sent++;
  });
  const finished = (r: { method(): string; url(): string }) => {
    if (match(r.method(), r.url())) done++;
  };
  page.on('requestfinished', finished);
  page.on('requestfailed', finished);
  return {
    sent: () => sent,
    async settled() {
      await expect.poll(() => sent > 0 && done === sent).toBe(true);
    },
  };
}
