import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, screenshot, signIn, watchRequests } from './browser.ts';

// The end of a welfare check, from the dashboard: the officer closes it (reminders stop, the final
// tally goes to the cell, late answers still count), and never withdraws it by mistake instead.

const A = '+33677300001'; // capital, household 3: answers SAFE before the close
const B = '+33677300002'; // coast: silent, answers HELP after the close
const C = '+33677300003'; // north: silent

describe('closing a welfare check from the dashboard, in a real browser', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  const tokens: Record<string, string> = {};
  const mint = async (name: string, role: string) => (await app.api<{ token: string }>('POST', '/api/tokens', { name, role })).body.token;
  const status = async (id: string) => (await app.api<{ status: string }>('GET', `/api/welfare-checks/${id}`)).body.status;
  const startCheck = async (audience: Record<string, unknown>) => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience }, tokens.duty);
    expect(res.status).toBe(201);
    return res.body.id;
  };

  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-welfare-close'), launch()]);
    await saveCitizens(app.deps, [
      aCitizen({ phone: A, name: 'Amal Capital', region: 'capital', household: 3 }),
      aCitizen({ phone: B, name: 'Basile Coast', region: 'coast', household: 1 }),
      aCitizen({ phone: C, name: 'Chadi North', region: 'north', household: 2 }),
    ]);
    tokens.duty = await mint('Ana Duty', 'duty_officer');
    tokens.viewer = await mint('Vic Viewer', 'viewer');
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('closes a check once on a double click, shows its final tally, then the late answers as they come', async () => {
    const id = await startCheck({ regions: ['capital', 'coast', 'north'] });
    await expect.poll(() => status(id), { timeout: 10_000 }).toBe('open');
    await app.say(A, '1');
    await app.expectMessage(A, /noted that you are safe/);

    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/welfare/${id}`);
    const card = page.locator(`section.welfare[data-id="${id}"]`);
    await expect.poll(() => card.locator('.tally').textContent()).toContain('1 safe (3 people) · 0 need help · 2 no answer · 3 asked');
    // Everyone was asked: withdrawing now would drop the answers, so only closing is offered.
    expect(await page.getByRole('button', { name: `Withdraw welfare check ${id}` }).count()).toBe(0);

    const closes = watchRequests(page, (m, u) => m === 'POST' && u.endsWith(`/api/welfare-checks/${id}/close`));
    await page.getByRole('button', { name: `Close welfare check ${id}`, exact: true }).click();
    const question = page.getByRole('group', {
      name: new RegExp(
        `^Close welfare check ${id}\\? No reminder or follow-up list will go out any more\\. ` +
          'The final tally \\(1 safe, 0 need help, 2 no answer of 3\\) is posted to the cell\\. ' +
          'Answers that still come in are kept and counted as late; a HELP still opens an incident\\.',
      ),
    });
    await question.waitFor();
    expect(closes.sent()).toBe(0);
    await question.getByRole('button', { name: `Confirm: close ${id}` }).dblclick();
    await closes.settled();
    expect(closes.sent()).toBe(1);
    await expect.poll(() => page.locator('#toast').textContent()).toContain(`Welfare check ${id} closed`);
    expect(await page.locator('#toast').getAttribute('class')).not.toContain('error');

    await expect.poll(() => card.locator('h2 .badge').first().textContent()).toBe('closed');
    expect(await card.locator('.closed-by').textContent()).toMatch(
      /^Closed by Ana Duty at .*: no reminder or follow-up goes out any more\.$/,
    );
    expect(await card.locator('.final-tally').textContent()).toBe(
      'Final tally, posted to the cell: 1 safe (3 people) · 0 need help · 2 no answer · 3 asked',
    );
    expect(await card.locator('.late').textContent()).toBe('No answer came after the close.');
    expect(await card.getByRole('button', { name: `Close welfare check ${id}` }).count()).toBe(0);
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`🔒 Welfare check ${id} closed by Ana Duty.`));
    expect((await app.api<{ status: string }>('GET', `/api/welfare-checks/${id}`)).body.status).toBe('closed');

    // A HELP after the close is still taken (an incident) and shows at once as a late answer; the final tally stays as posted.
    await app.say(B, '2');
    await expect.poll(() => card.locator('.late').textContent()).toBe('Late answers, after the close: 0 safe · 1 need help.');
    expect(await card.locator('.final-tally').textContent()).toContain('1 safe (3 people) · 0 need help · 2 no answer · 3 asked');
    expect(await card.locator('.tally').textContent()).toBe(
      'Now, late answers included: 1 safe (3 people) · 1 need help · 1 no answer · 3 asked',
    );
    expect(await card.locator('.tally a.need-help').getAttribute('href')).toBe(`#/incidents/welfare/${id}`);
    await screenshot(page, 'welfare-closed-phone');
    await context.close();

    // A viewer reads the same, with nothing to press.
    const { context: viewerContext, page: viewer } = await newPage(browser);
    await signIn(viewer, app.url, tokens.viewer as string);
    await open(viewer, `#/welfare/${id}`);
    const seen = viewer.locator(`section.welfare[data-id="${id}"]`);
    await expect.poll(() => seen.locator('.late').textContent()).toContain('1 need help');
    expect(await seen.locator('button').count()).toBe(0);
    await viewerContext.close();
  });

  it('says so, without an error, when another officer closed the check just before', async () => {
    const id = await startCheck({ regions: ['north'] });
    await expect.poll(() => status(id), { timeout: 10_000 }).toBe('open');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/welfare/${id}`);
    // Another officer's /close lands a moment before this one reaches the server.
    await page.route(`**/api/welfare-checks/${id}/close`, async (route) => {
      expect((await app.api('POST', `/api/welfare-checks/${id}/close`)).status).toBe(200);
      await route.continue();
    });
    await page.getByRole('button', { name: `Close welfare check ${id}`, exact: true }).click();
    await page.getByRole('button', { name: `Confirm: close ${id}` }).click();
    await expect
      .poll(() => page.locator('#toast').textContent())
      .toMatch(new RegExp(`^${id} was already closed by admin on .*; nothing changed`));
    expect(await page.locator('#toast').getAttribute('class')).not.toContain('error');
    const card = page.locator(`section.welfare[data-id="${id}"]`);
    await expect.poll(() => card.locator('.closed-by').textContent()).toMatch(/^Closed by admin at /);
    // The cell got one final tally, not two.
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`🔒 Welfare check ${id} closed by admin.`));
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`🔒 Welfare check ${id} `))).toHaveLength(1);
    await context.close();
  });

  it('offers "Withdraw" apart from "Close" only while the question is going out, and says it drops the answers', async () => {
    await app.queues.outbound.pause();
    let resumed = false;
    try {
      const id = await startCheck({ regions: ['north'] });
      expect(await status(id)).toBe('sending');
      const { context, page } = await newPage(browser);
      await signIn(page, app.url, tokens.duty as string);
      await open(page, `#/welfare/${id}`);
      const withdraw = page.getByRole('button', { name: `Withdraw welfare check ${id}`, exact: true });
      await withdraw.click();
      const question = page.getByRole('group', {
        name: new RegExp(
          `^Withdraw welfare check ${id}\\? The question stops going out \\(0 of 1 person asked so far\\), ` +
            'and the answers of those already asked are no longer counted in it: no tally, reminder or follow-up list\\. ' +
            'To end a check and keep its answers, close it instead\\. This cannot be undone\\.$',
        ),
      });
      await question.waitFor();
      await screenshot(page, 'welfare-withdraw-question');
      await page.keyboard.press('Escape');
      // Closing it now also drops the question not yet sent, and says so.
      await page.getByRole('button', { name: `Close welfare check ${id}`, exact: true }).click();
      await page
        .getByRole('group', { name: new RegExp(`^Close welfare check ${id}\\? .*, and the question not yet sent is dropped\\. `) })
        .waitFor();
      await page.getByRole('button', { name: 'Keep it open' }).click();

      // Once everyone was asked, the page (live) offers only Close.
      await app.queues.outbound.resume();
      resumed = true;
      await expect.poll(() => status(id), { timeout: 10_000 }).toBe('open');
      await expect.poll(() => withdraw.count()).toBe(0);
      await page.getByRole('button', { name: `Close welfare check ${id}`, exact: true }).waitFor();
      expect(await status(id)).toBe('open');
      await context.close();
    } finally {
      if (!resumed) await app.queues.outbound.resume();
    }
  });
});
