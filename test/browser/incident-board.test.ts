import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, signIn } from './browser.ts';

// The board and incident page as a duty officer uses them during a large crisis.
describe('incident board and page in a real browser', { timeout: 120_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let duty: string;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('browser-board'), launch()]);
    duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer', phone: STAFF.duty })).body
      .token;
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const report = (reporter: string, text: string) => reportFor(app, duty, reporter, text);

  it('keeps an old open incident on the board when 500 newer ones came in after it', async () => {
    const oldest = await report('+33650000000', 'Trapped under the rubble of the school');
    for (let batch = 0; batch < 25; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) => report(`+3365${String(batch * 20 + k + 1).padStart(7, '0')}`, 'Lost my passport')),
      );
    }
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    await expect.poll(() => page.locator('td.status-open').textContent(), { timeout: 20_000 }).toBe('501');
    expect(await page.locator('td.severity-critical').textContent()).toBe('1');
    expect(await page.locator(`li.incident[data-id="${oldest.id}"]`).count()).toBeGreaterThan(0);
    // The critical one leads the unassigned, most urgent first; the 501 rows are counted, not all drawn.
    expect(await page.locator('section:has(h2:text("Unassigned")) li.incident').first().getAttribute('data-id')).toBe(oldest.id);
    expect(await page.locator('li.incident').count()).toBeLessThanOrEqual(300);
    expect(await page.locator('p.more').first().textContent()).toMatch(/and 401 more/);
    await context.close();
  });

  it('shows an Arabic report right to left on the board and its page, an English one left to right', async () => {
    const arabic = await report('+33652000001', 'ابني مصاب وينزف، نحن في اللاذقية');
    const english = await report('+33652000002', 'My son is injured and bleeding');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    const direction = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((e) => getComputedStyle(e).direction);
    // Polled: the board redraws live, and a row replaced between finding and reading it has no style.
    await expect.poll(() => direction(`li.incident[data-id="${arabic.id}"] .summary`)).toBe('rtl');
    await expect.poll(() => direction(`li.incident[data-id="${english.id}"] .summary`)).toBe('ltr');
    await open(page, `#/incident/${arabic.id}`);
    await expect.poll(() => direction('p.lead')).toBe('rtl');
    await expect.poll(() => direction('ol.timeline li p')).toBe('rtl');
    await context.close();
  });

  it('lays out what the officer types in Arabic right to left: the note, what was done, the message, the assignee', async () => {
    const i = await report('+33652000003', 'ابني مصاب وينزف، نحن في اللاذقية');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${i.id}`);
    for (const field of ['textarea[name="note"]', 'input[name="resolution"]', 'textarea[name="message"]', 'input[name="assignee"]']) {
      const box = page.locator(`.actions ${field}`);
      await box.fill('تم نقلهم إلى المستشفى');
      expect(await box.evaluate((e) => getComputedStyle(e).direction), field).toBe('rtl');
      await box.fill('Moved to the hospital');
      expect(await box.evaluate((e) => getComputedStyle(e).direction), field).toBe('ltr');
      await box.fill('');
    }
    await context.close();
  });

  it('says which entry a citizen’s WhatsApp edit or delete changes, not a message id', async () => {
    const phone = '+33653000001';
    await app.api('POST', '/sim/messages', { from: phone, text: 'Our car was stolen near the port', id: 'WA-BOARD-REP' });
    await app.api('POST', '/sim/messages', { from: phone, text: 'They took our passports too', id: 'WA-BOARD-FU' });
    await app.api('POST', '/sim/messages', {
      from: phone,
      text: 'Our car and bags were stolen near the port',
      id: 'WA-BOARD-ED',
      edit: { of: 'WA-BOARD-REP' },
    });
    await app.api('POST', '/sim/messages', { from: phone, id: 'WA-BOARD-DEL', deletion: { of: 'WA-BOARD-FU' } });
    const mine = async () =>
      (await app.api<{ items: Incident[] }>('GET', '/api/incidents?limit=200&timeline=false')).body.items.find((i) => i.reporter === phone);
    await expect.poll(async () => (await mine())?.id, { timeout: 10_000 }).toBeDefined();
    const id = (await mine())?.id as string;
    await expect
      .poll(async () => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body.timeline.map((e) => e.type), { timeout: 10_000 })
      .toEqual(['reported', 'details', 'edited', 'deleted']);
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${id}`);
    const edited = page.locator('.timeline li.tl-edited');
    await edited.waitFor();
    expect(await edited.textContent()).toMatch(/new wording of the report of \S+/);
    expect(await edited.textContent()).toContain('Our car and bags were stolen near the port');
    expect(await edited.textContent()).not.toContain('WA-BOARD');
    expect(await page.locator('.timeline li.tl-deleted').textContent()).toMatch(/the details of .+, deleted in WhatsApp \(kept here\)/);
    await context.close();
  });

  it('opens the incident the officer clicked even when the board was still loading', async () => {
    const i = await report('+33651000009', 'Our bus was stopped at the border');
    const { context, page } = await newPage(browser);
    // The board's lists are slow (thousands of incidents at 3 a.m.): hold them until the officer has moved on.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    await page.route('**/api/incidents?status=*', async (route) => {
      await held;
      await route.continue();
    });
    await signIn(page, app.url, duty);
    await page.evaluate((h) => {
      location.hash = h;
    }, `#/incident/${i.id}`);
    await page.locator('h1', { hasText: `Incident ${i.id}` }).waitFor();
    release();
    // The board's late answer must not paint over the incident page.
    await page.waitForTimeout(1_000);
    expect(await page.locator('#view h1').allTextContents()).toEqual([expect.stringContaining(`Incident ${i.id}`)]);
    await page.unroute('**/api/incidents?status=*');
    await context.close();
  });

  it('keeps the officer typing a note when someone else changes the incident meanwhile', async () => {
    const i = await report('+33651000001', 'My brother was arrested at the checkpoint');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${i.id}`);
    const note = page.locator('textarea[name="note"]');
    await note.click();
    await page.keyboard.type('Called the police station, ');
    // Another officer acts: the page redraws under the officer's fingers.
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { severity: 'critical' })).status).toBe(200);
    await page.locator('h1 .badge.sev-critical').waitFor();
    await page.keyboard.type('he is held there');
    await page.locator('.act-note').click();
    await page.locator('.timeline li.tl-note').waitFor();
    const last = (await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body.timeline.at(-1);
    expect(last).toMatchObject({ type: 'note', text: 'Called the police station, he is held there' });
    await context.close();
  });

  it('shows a change made while the incident page was loading', async () => {
    const i = await report('+33651000002', 'Our car was stopped and my husband taken');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    // The page's first read of the incident is slow (a poor connection at 3 a.m.); meanwhile a colleague acknowledges it.
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let first = true;
    let fetched = false;
    await page.route(`**/api/incidents/${i.id}`, async (route) => {
      if (!first || route.request().method() !== 'GET') return route.continue();
      first = false;
      const response = await route.fetch();
      fetched = true;
      await held;
      await route.fulfill({ response });
    });
    await page.evaluate((h) => {
      location.hash = h;
    }, `#/incident/${i.id}`);
    await expect.poll(() => fetched).toBe(true);
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'acknowledged' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    release();
    await page.locator('#view h1').waitFor();
    await expect.poll(() => page.locator('h1 .badge.status-acknowledged').count(), { timeout: 5_000 }).toBe(1);
    await context.close();
  });

  it('keeps what the officer wrote in "what was done" when they first mark the incident in progress', async () => {
    const i = await report('+33651000003', 'My daughter has not come home from the protest');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${i.id}`);
    await page.locator('input[name="resolution"]').fill('Found at the central hospital, family told');
    await page.locator('.act-progress').click();
    await page.locator('h1 .badge.status-in_progress').waitFor();
    expect(await page.locator('input[name="resolution"]').inputValue()).toBe('Found at the central hospital, family told');
    await page.locator('.act-resolve').click();
    await page.locator('.act-reopen').waitFor();
    const last = (await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body.timeline.at(-1);
    expect(last).toMatchObject({ type: 'status', text: 'Found at the central hospital, family told', data: { to: 'resolved' } });
    await context.close();
  });

  it('follows live changes on an incident page opened with the reference typed in lower case', async () => {
    const i = await report('+33651000004', 'Notre voiture est bloquée au checkpoint');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    // The officer types the reference as the cell wrote it: "inc-0007".
    await open(page, `#/incident/${i.id.toLowerCase()}`);
    await expect.poll(() => page.locator('h1 .badge.status-open').count()).toBe(1);
    // The address says it as the API does.
    expect(await page.evaluate(() => location.hash)).toBe(`#/incident/${i.id}`);
    // Chloe takes it in the cell group (as a 👍 or /ack does): the page shows it.
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'acknowledged' }, duty)).status).toBe(200);
    await expect.poll(() => page.locator('h1 .badge.status-acknowledged').count(), { timeout: 10_000 }).toBe(1);
    await context.close();
  });

  it('does not say a reopened incident was resolved', async () => {
    const i = await report('+33651000005', 'We are hiding in the school, shooting outside');
    const patch = (body: Record<string, unknown>) => app.api<Incident>('PATCH', `/api/incidents/${i.id}`, body, duty);
    expect((await patch({ status: 'resolved', text: 'moved to the shelter' })).body.resolvedAt).not.toBeNull();
    // The citizen writes back: they were not moved after all. The officer reopens it.
    expect((await patch({ status: 'in_progress' })).status).toBe(200);
    expect((await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body.resolvedAt).toBeNull();
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${i.id}`);
    await expect.poll(() => page.locator('h1 .badge.status-in_progress').count()).toBe(1);
    // The facts read "Resolved 06:41 PM UTC" beside the IN PROGRESS badge.
    expect(await page.locator('dl.facts').textContent()).not.toMatch(/Resolved/);
    expect((await patch({ status: 'resolved', text: 'in the shelter now' })).status).toBe(200);
    await expect.poll(() => page.locator('dl.facts').textContent()).toMatch(/Resolved/);
    await context.close();
  });
});
