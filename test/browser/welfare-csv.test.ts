import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { UTF8_BOM } from '../../src/http/csv.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, signIn } from './browser.ts';

/** The list of who has not answered a welfare check, downloaded from the dashboard to phone them, as Excel opens it. */
describe('the welfare check CSV the dashboard downloads', { timeout: 90_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('welfare-csv'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('is UTF-8 with a byte-order mark (Arabic names) and keeps phones and formula-looking names as text', async () => {
    await saveCitizens(app.deps, [
      aCitizen({ phone: '+963912345678', name: 'رامي حداد', region: 'north', language: 'ar', household: 3 }),
      aCitizen({ phone: '+963912345679', name: '=HYPERLINK("http://x")', region: 'north', language: 'en', household: 1 }),
    ]);
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(check.status).toBe(201);
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    await open(page, `#/welfare/${check.body.id}`);
    const card = page.locator(`section.welfare[data-id="${check.body.id}"]`);
    await card.locator('.act-follow-up').click();
    await expect.poll(() => card.locator('ul.non-responders li').count()).toBe(2);
    const [download] = await Promise.all([page.waitForEvent('download'), card.locator('.act-csv').click()]);
    const file = readFileSync((await download.path()) as string, 'utf8');
    expect(file.startsWith(UTF8_BOM)).toBe(true);
    expect(file).toContain("no answer,north,,,,,,رامي حداد,'+963912345678,3");
    expect(file).toContain(`"'=HYPERLINK(""http://x"")",'+963912345679,1`);
    await context.close();
  });
});
