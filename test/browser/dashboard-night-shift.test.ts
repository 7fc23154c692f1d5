import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, signIn } from './browser.ts';

// What a tired duty officer misread or could not see on the dashboard during an earthquake night.
describe('the dashboard as read at 3 a.m.', { timeout: 90_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let duty: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-night-shift'), launch()]);
    duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer', phone: STAFF.duty })).body
      .token;
    const citizens: Citizen[] = [
      ['+33645000001', 'Omar Haddad', 'coast', 'ar'],
      ['+33645000002', 'Claire Martin', 'north', 'fr'],
    ].map(([phone, name, region, language]) => ({
      phone: phone as string,
      name: name as string,
      region: region as string,
      household: 1,
      language: language as string,
      registeredAt: Date.now(),
      updatedAt: Date.now(),
      optedOut: false,
    }));
    await saveCitizens(app.deps, citizens);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const report = async (reporter: string, text: string) => {
    const res = await app.api<Incident>('POST', '/api/incidents', { reporter, text }, duty);
    expect(res.status).toBe(201);
    return res.body;
  };

  it('shows every time with its zone: the cell chat speaks UTC, the browser its own zone', async () => {
    const incident = await report('+33645100001', 'Trapped in the basement of our building');
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Damascus', locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    const reported = page.locator('dl.facts dt:text("Reported") + dd');
    await expect.poll(() => reported.textContent()).toMatch(/^\d\d:\d\d GMT\+3$/);
    expect(await page.locator('ol.timeline time').first().textContent()).toMatch(/GMT\+3/);
    await context.close();
  });

  it('keeps counting how long an incident has waited while nothing else changes on the board', async () => {
    const incident = await report('+33645100002', 'My father has chest pains and cannot breathe');
    const { context, page } = await newPage(browser);
    await page.clock.install();
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    const age = page.locator(`section:has(h2:text("All active")) li.incident[data-id="${incident.id}"] time.ago`);
    await expect.poll(() => age.textContent()).toMatch(/s ago$/);
    // Ten quiet minutes: no change comes in, the board is not redrawn.
    await page.clock.fastForward('10:00');
    await expect.poll(() => age.textContent()).toBe('10 min ago');
    await context.close();
  });
});
