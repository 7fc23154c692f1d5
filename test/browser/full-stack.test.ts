import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';
import { STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, screenshot, signIn } from './browser.ts';

// The dashboard against the real incident, alert, welfare, citizen, playbook and WhatsApp APIs.

/** The last thing the bot sent a phone, or undefined. */
async function lastTo(app: TestApp, phone: string): Promise<SimOutboxItem | undefined> {
  return (await app.outbox(phone)).at(-1);
}

/** Answers the real REGISTER conversation: consent, name, region, household, language, one prompt at a time. */
async function register(app: TestApp, phone: string, name: string): Promise<void> {
  for (const answer of ['REGISTER', 'YES', name, 'north', '2', 'en']) {
    const before = (await lastTo(app, phone))?.seq ?? 0;
    await app.say(phone, answer);
    await app.expectMessage(phone, (m) => m.seq > before);
  }
}

/** Citizens seeded through the registry's own store, in several regions and languages. */
const SEEDED: Citizen[] = [
  ['+33622222222', 'Omar Haddad', 'capital', 3, 'en'],
  ['+33622222223', 'Claire Martin', 'coast', 1, 'fr'],
  ['+33622222224', 'Youssef Nasser', 'coast', 4, 'ar'],
].map(([phone, name, region, household, language]) => ({
  phone: phone as string,
  name: name as string,
  region: region as string,
  household: household as number,
  language: language as string,
  registeredAt: Date.now(),
  updatedAt: Date.now(),
  optedOut: false,
}));
/** Registered through the REGISTER dialogue in the alert test. */
const REGISTERED = '+33622222221';

// Chromium shares two cores with the other test files: a step can take seconds there, not minutes.
describe('dashboard with the whole product', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  const tokens: Record<string, string> = {};
  const mint = async (name: string, role: string, phone?: string) =>
    (await app.api<{ token: string }>('POST', '/api/tokens', { name, role, ...(phone ? { phone } : {}) })).body.token;
  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp('browser-full', { config: { broadcast: { ratePerSecond: 50, approvalThreshold: 3 } } }),
      launch(),
    ]);
    await saveCitizens(app.deps, SEEDED);
    tokens.duty = await mint('Ana Duty', 'duty_officer', STAFF.duty);
    tokens.second = await mint('Ben Consul', 'duty_officer', STAFF.admin);
    tokens.viewer = await mint('Dev Viewer', 'viewer', STAFF.viewer);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows a citizen message on the board without reload, and acknowledging it there notifies the citizen', async () => {
    const citizen = '+33611111111';
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/board');
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    expect(await page.locator('li.incident').count()).toBe(0);
    await app.say(citizen, 'Help, there is a fire in our building, two children with us');
    const row = page.locator('li.incident').first();
    await row.waitFor();
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    const intakeReply = await app.expectMessage(citizen, () => true);
    await settle(app);
    const before = (await lastTo(app, citizen))?.seq ?? intakeReply.seq;
    await row.locator('.act-ack').click();
    const notice = await app.expectMessage(citizen, (m) => m.seq > before && /has been seen by consular officer/.test(m.text));
    expect(notice.text).toContain('Ana');
    await expect.poll(() => page.locator('li.incident .badge.status-acknowledged').count()).toBeGreaterThan(0);
    await context.close();
  });

  it('has an alert approved by a second officer in another browser, and its progress reaches 100%', async () => {
    await register(app, REGISTERED, 'Marie Test');
    const { context: first, page: author } = await newPage(browser);
    const { context: second, page: approver } = await newPage(browser);
    await signIn(author, app.url, tokens.duty as string);
    await open(author, '#/alerts');
    // Everyone: the three seeded and the one who registered, above the approval threshold of 3.
    await expect.poll(() => author.locator('.recipients').getAttribute('data-count')).toBe('4');
    await author.locator('textarea[name="text-en"]').fill('Curfew from 20:00 tonight. Stay indoors.');
    await author.locator('textarea[name="text-fr"]').fill('Couvre-feu à partir de 20 h ce soir. Restez chez vous.');
    await author.locator('form.audience button[type=submit]').click();
    const item = author.locator('.alert-item.status-pending_approval').first();
    await item.waitFor();
    const id = (await item.getAttribute('data-id')) as string;
    // The author is not offered the approval; a second officer finds it in the approval queue.
    expect(await item.locator('.act-approve').count()).toBe(0);
    await signIn(approver, app.url, tokens.second as string);
    await open(approver, '#/alerts');
    // The approver reads what citizens will read, in each language, before approving it.
    const pending = approver.locator(`.alert-item[data-id="${id}"] .alert-text`);
    expect(await pending.textContent()).toContain('Curfew from 20:00 tonight. Stay indoors.');
    expect(await pending.textContent()).toContain('Couvre-feu à partir de 20 h ce soir.');
    await approver.locator(`.alert-item[data-id="${id}"] .act-approve`).click();
    for (const page of [approver, author]) {
      await expect
        .poll(() => page.locator(`.alert-item[data-id="${id}"] .progress`).getAttribute('aria-valuenow'), { timeout: 15_000 })
        .toBe('100');
    }
    await app.expectMessage(REGISTERED, /Curfew from 20:00 tonight/);
    await app.expectMessage('+33622222223', /Couvre-feu à partir de 20 h/);
    expect(await author.locator(`.alert-item[data-id="${id}"]`).textContent()).toContain('approved by Ben Consul');
    await Promise.all([first.close(), second.close()]);
  });

  it('shows a viewer incidents without any action button', async () => {
    await app.say('+33633333333', 'Our car broke down near the border, we need help');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.viewer as string);
    await open(page, '#/board');
    await page.locator('li.incident').first().waitFor();
    expect(await page.locator('#view button').count()).toBe(0);
    await page.locator('li.incident a').first().click();
    await page.locator('.timeline').waitFor();
    expect(await page.locator('#view button, #view textarea, #view select, #view input').count()).toBe(0);
    await context.close();
  });

  it('assigns, re-triages, notes and resolves an incident from its page, by the PATCH and notes API', async () => {
    await app.say('+33655555555', 'Our passports were stolen at the market');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/board');
    const row = page.locator('li.incident', { hasText: 'passports were stolen' }).first();
    const id = (await row.getAttribute('data-id')) as string;
    await row.locator('a').click();
    await page.locator('.timeline').waitFor();
    const incident = async () => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    await page.locator('.act-assign-me').click();
    await expect.poll(async () => (await incident()).assignee).toBe(STAFF.duty);
    await page.locator('select[name="severity"]').selectOption('low');
    await page.locator('select[name="category"]').selectOption('lost_documents');
    // Regions are offered by the names staff know them by.
    await page.locator('select[name="region"]').selectOption({ label: 'Coastal Province' });
    await page.getByRole('button', { name: 'Change triage' }).click();
    await expect
      .poll(async () => [(await incident()).severity, (await incident()).category, (await incident()).region])
      .toEqual(['low', 'lost_documents', 'coast']);
    await page.locator('dd', { hasText: 'Coastal Province' }).first().waitFor();
    await page.locator('textarea[name="note"]').fill('Called them back: at the hotel, unhurt');
    await page.locator('.act-note').click();
    await page.locator('.timeline li.tl-note', { hasText: 'Called them back' }).waitFor();
    await page.locator('input[name="resolution"]').fill('Emergency passports issued');
    await page.locator('.act-resolve').click();
    await page.locator('.act-reopen').waitFor();
    const done = await incident();
    expect(done.status).toBe('resolved');
    expect(done.timeline.at(-1)).toMatchObject({ type: 'status', text: 'Emergency passports issued', data: { to: 'resolved' } });
    expect(await page.locator('.timeline li.tl-status').last().textContent()).toContain('→ resolved');
    await context.close();
  });

  it('takes a screenshot of each view, on a desk screen and a phone', async () => {
    await seedViews(app, tokens.duty as string);
    const views: [string, string, (p: Page) => Promise<unknown>][] = [
      ['board', '#/board', (p) => p.locator('li.incident').first().waitFor()],
      ['incident', '#/board', (p) => openIncident(p)],
      ['map', '#/map', (p) => p.locator('.leaflet-interactive').first().waitFor()],
      ['alerts', '#/alerts', (p) => p.locator('.alert-item').first().waitFor()],
      ['welfare', '#/welfare', (p) => listNonResponders(p)],
      ['playbooks', '#/playbooks', (p) => p.locator('section.run').first().waitFor()],
      ['whatsapp', '#/whatsapp', (p) => p.locator('.conn').waitFor()],
      ['audit', '#/audit', (p) => p.locator('table.audit tbody tr').first().waitFor()],
    ];
    const desk = await newPage(browser);
    const phone = await newPage(browser, true);
    await Promise.all([signIn(desk.page, app.url, tokens.duty as string), signIn(phone.page, app.url, tokens.duty as string)]);
    for (const [name, hash, ready] of views) {
      for (const [page, file] of [
        [desk.page, name],
        [phone.page, `${name}-phone`],
      ] as const) {
        await open(page, hash);
        await ready(page);
        await screenshot(page, file);
      }
    }
    await Promise.all([desk.context.close(), phone.context.close()]);
  });
});

/** Incidents with pins, a welfare check with answers, and an exercise playbook run, for the screenshots. */
async function seedViews(app: TestApp, token: string): Promise<void> {
  await app.say('+33644444441', 'Flooding in our street, water rising', { location: { lat: 33.52, lng: 36.29, name: 'Old town' } });
  await app.say('+33644444442', 'Injured after the earthquake, need a doctor', {
    location: { lat: 35.52, lng: 35.78, name: 'Latakia port' },
  });
  const asked = ['+33622222222', '+33622222224'];
  const before = await Promise.all(asked.map(async (phone) => (await lastTo(app, phone))?.seq ?? 0));
  const welfare = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } }, token);
  expect(welfare.status).toBe(201);
  await Promise.all(asked.map((phone, i) => app.expectMessage(phone, (m) => m.seq > (before[i] ?? 0))));
  await app.say('+33622222222', '1');
  await app.say('+33622222224', '2');
  const run = await app.api<{ id: string }>(
    'POST',
    '/api/playbooks/earthquake/runs',
    { params: { region: 'coast', magnitude: '6.1', casualties: true }, exercise: true },
    token,
  );
  expect(run.status).toBe(201);
  await settle(app);
}

/** Lists who has not answered the welfare check: two of the four asked (one said safe, one needs help). */
async function listNonResponders(page: Page): Promise<void> {
  await page.locator('section.welfare .act-follow-up').first().click();
  await expect.poll(() => page.locator('ul.non-responders li').count()).toBe(2);
  expect(await page.locator('section.welfare .tally').first().textContent()).toMatch(/1 safe \(3 people\).*1 need help/);
}

/** From the board, opens the first incident with a location pin. */
async function openIncident(page: Page): Promise<void> {
  await page.locator('li.incident a', { hasText: 'Injured after the earthquake' }).first().click();
  await page.locator('.timeline').waitFor();
  await page.locator('#incident-map.leaflet-container').waitFor();
}
