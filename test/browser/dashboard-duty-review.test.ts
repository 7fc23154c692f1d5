import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, signIn } from './browser.ts';

const HANA = '+33689000001'; // north
const IDRIS = '+33689000002'; // coast
const JADE = '+33689000003'; // north

/** Each cell of `table`: how far right it reaches, whether it shows, and the label drawn before it. */
const cellsOf = (table: Locator) =>
  table.evaluate((t) =>
    [...t.querySelectorAll('td')].map((td) => ({
      label: (td as HTMLElement).dataset.label,
      right: td.getBoundingClientRect().right,
      display: getComputedStyle(td).display,
      before: getComputedStyle(td, '::before').content,
    })),
  );

/** Whether the card around `table` hides part of it behind a sideways scroll. */
const scrollsSideways = (table: Locator) =>
  table.evaluate((t) => {
    const card = t.closest('.card') as HTMLElement;
    return card.scrollWidth > card.clientWidth || document.documentElement.scrollWidth > window.innerWidth;
  });

// What a duty officer reviewing the dashboard found hard to read or to follow up.
describe('the dashboard after a duty officer review', { timeout: 90_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let duty: string;
  let runId: string;
  let checkId: string;
  let helpIncidents: string[];

  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp('browser-duty-review', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } } }),
      launch(),
    ]);
    duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer', phone: STAFF.duty })).body
      .token;
    await saveCitizens(
      app.deps,
      [
        [HANA, 'Hana North', 'north'],
        [IDRIS, 'Idris Coast', 'coast'],
        [JADE, 'Jade North', 'north'],
      ].map(([phone, name, region]) => ({
        phone: phone as string,
        name: name as string,
        region: region as string,
        household: 2,
        language: 'en',
        registeredAt: 1,
        updatedAt: 1,
        optedOut: false,
      })),
    );
    const run = await app.api<{ id: string }>(
      'POST',
      '/api/playbooks/earthquake/runs',
      { params: { region: 'north', magnitude: '6.4' }, exercise: true },
      duty,
    );
    expect(run.status).toBe(201);
    runId = run.body.id;
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } }, duty);
    expect(check.status).toBe(201);
    checkId = check.body.id;
    for (const p of [HANA, IDRIS, JADE]) await app.expectMessage(p, /Are you safe\?/);
    await app.say(HANA, 'HELP');
    await app.say(IDRIS, '2');
    await app.say(JADE, '1');
    helpIncidents = await Promise.all(
      [HANA, IDRIS].map(async (p) => /INC-\d+/.exec((await app.expectMessage(p, /INC-\d+/)).text)?.[0] as string),
    );
    await settle(app);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('stacks the steps and welfare tallies into label/value cards on a phone, and keeps the tables on a desk', async () => {
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, duty);
    await open(page, '#/playbooks');
    const steps = page.locator(`section.run[data-id="${runId}"] table.steps`);
    await steps.waitFor();
    const phoneSteps = await cellsOf(steps);
    expect(phoneSteps.length).toBeGreaterThan(6);
    for (const c of phoneSteps) expect(c.right).toBeLessThanOrEqual(390);
    // "Due", "Started", "Finished": each value says what it is, since no header row is in sight.
    expect(phoneSteps.filter((c) => c.label === 'Started' && c.display !== 'none').map((c) => c.before)).toContain('"Started"');
    expect(phoneSteps.filter((c) => c.label === 'Due').every((c) => c.display === 'none' || c.before === '"Due"')).toBe(true);
    expect(await scrollsSideways(steps)).toBe(false);

    await open(page, '#/welfare');
    const tallies = page.locator(`section.welfare[data-id="${checkId}"] table.tallies`);
    await tallies.waitFor();
    const phoneTallies = await cellsOf(tallies);
    for (const c of phoneTallies) expect(c.right).toBeLessThanOrEqual(390);
    expect(phoneTallies.filter((c) => c.label === 'Asked').map((c) => c.before)).toEqual(['"Asked"', '"Asked"']);
    expect(await scrollsSideways(tallies)).toBe(false);
    await context.close();

    // On a 1366x768 desk screen they are the tables they were: a header row and one line per step or region.
    const desk = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const deskPage = await desk.newPage();
    await signIn(deskPage, app.url, duty);
    await open(deskPage, '#/playbooks');
    const deskSteps = deskPage.locator(`section.run[data-id="${runId}"] table.steps`);
    await deskSteps.waitFor();
    expect(await deskSteps.locator('th').allTextContents()).toEqual(['Step', 'Type', 'State', 'Due', 'Started', 'Finished']);
    expect(await deskSteps.locator('th').first().isVisible()).toBe(true);
    const deskCells = await cellsOf(deskSteps);
    expect(new Set(deskCells.map((c) => c.display))).toEqual(new Set(['table-cell']));
    expect(new Set(deskCells.map((c) => c.before))).toEqual(new Set(['none']));
    await open(deskPage, '#/welfare');
    const deskTallies = deskPage.locator(`section.welfare[data-id="${checkId}"] table.tallies`);
    await deskTallies.waitFor();
    expect(await deskTallies.locator('th').allTextContents()).toEqual(['Region', 'Safe', 'Need help', 'No answer', 'Asked']);
    expect(new Set((await cellsOf(deskTallies)).map((c) => c.display))).toEqual(new Set(['table-cell']));
    await desk.close();
  });

  it('leads from "N need help" to the incidents those answers opened, and from an incident back to its welfare check', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/welfare');
    const needHelp = page.locator(`section.welfare[data-id="${checkId}"] .tally a`, { hasText: '2 need help' });
    await needHelp.click();
    await page.waitForURL(`**#/incidents/welfare/${checkId}`);
    await expect.poll(() => page.locator('#view h1').textContent()).toBe(`Incidents from welfare check ${checkId}`);
    const rows = page.locator('ul.incidents li.incident');
    await expect
      .poll(async () => (await rows.evaluateAll((li) => li.map((l) => (l as HTMLElement).dataset.id))).sort())
      .toEqual([...helpIncidents].sort());

    await page.locator(`li.incident[data-id="${helpIncidents[0]}"] a`).click();
    await page.waitForURL(`**#/incident/${helpIncidents[0]}`);
    const link = page.locator('dl.facts dt:text("Welfare check") + dd a');
    await expect.poll(() => link.textContent()).toBe(checkId);
    await link.click();
    await page.waitForURL(`**#/welfare/${checkId}`);
    await page.locator(`section.welfare.focus[data-id="${checkId}"]`).waitFor();
    await context.close();
  });

  it("keeps a run's checklist in due order, the done ones last, and shows an item ticked off in chat at once", async () => {
    // The hq item falls due first (moved earlier than the call to civil protection, listed before it).
    const key = app.deps.keys.runTasks(runId);
    const hq = JSON.parse((await app.deps.redis.hget(key, 'first-hour/hq-informed')) as string);
    const civil = JSON.parse((await app.deps.redis.hget(key, 'first-hour/civil-protection')) as string);
    hq.dueAt = new Date(Date.parse(civil.dueAt) - 60_000).toISOString();
    await app.deps.redis.hset(key, 'first-hour/hq-informed', JSON.stringify(hq));

    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/playbooks');
    const items = page.locator(`section.run[data-id="${runId}"] ul.tasks li`);
    const order = () => items.evaluateAll((li) => li.map((l) => (l as HTMLElement).dataset.item));
    await expect.poll(order).toEqual(['first-hour/staff-accounted', 'first-hour/hq-informed', 'first-hour/civil-protection']);

    // Ticked off with ✅ in the cell group: the page shows it done (and moves it last) without a reload.
    const task = await app.expectMessage(CELL_GROUP, (m) => m.text.includes('Account for all embassy staff'));
    await app.api('POST', '/sim/reactions', { from: STAFF.duty, messageId: task.id, emoji: '✅', group: CELL_GROUP });
    await expect.poll(order).toEqual(['first-hour/hq-informed', 'first-hour/civil-protection', 'first-hour/staff-accounted']);
    expect(await items.last().locator('.badge').textContent()).toBe('done');
    expect(await page.locator(`section.run[data-id="${runId}"] .checklist h4`).textContent()).toBe('Checklist: 2 of 3 still to do');
    await context.close();
  });

  it('dates each audit entry to the second', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'Asia/Damascus', locale: 'en-GB' });
    const page = await context.newPage();
    await signIn(page, app.url, duty);
    await open(page, '#/audit');
    const first = page.locator('table.audit tbody tr td').first();
    // Today's entries too: "27 Nov 2026, 09:53:07 GMT+3", not "09:53 GMT+3".
    await expect.poll(() => first.textContent()).toMatch(/^\d{1,2} \w{3,4} \d{4},? \d\d:\d\d:\d\d GMT\+3$/);
    await context.close();
  });

  it('says "connected" for a connected WhatsApp transport', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/whatsapp');
    await expect.poll(() => page.locator('.conn strong').textContent()).toBe('connected');
    await context.close();
  });

  it('does not leave a refused assignee in the assign field: the field shows who has it, the refusal is said beside it', async () => {
    const incident = (
      await app.api<Incident>('POST', '/api/incidents', { reporter: '+33689100001', text: 'Wall collapsed on our street' }, duty)
    ).body;
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    const field = page.getByRole('combobox', { name: 'Staff member to assign (name or phone)' });
    await field.fill('+33612345678');
    await page.locator('.act-assign').click();
    const error = page.locator('.actions .assign-error');
    await expect
      .poll(() => error.textContent())
      .toBe(`Not assigned to +33612345678: +33612345678 is not on the staff roster. ${incident.id} is still unassigned.`);
    expect(await field.inputValue()).toBe('');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('dl.facts dt:text("Assignee") + dd').textContent()).toBe('unassigned');
    // The next assignment that goes through takes the message away.
    await field.fill('Chloe Officer');
    await page.locator('.act-assign').click();
    await expect.poll(() => page.locator('dl.facts dt:text("Assignee") + dd').textContent()).toBe(`Chloe Officer (${STAFF.officer})`);
    expect(await error.count()).toBe(0);
    expect(await field.inputValue()).toBe('Chloe Officer');
    await context.close();
  });
});
