import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceRecipient } from '../../src/broadcast/tracking.ts';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, signIn, watchRequests } from './browser.ts';

// What a duty officer's hurried hands do at 3 a.m.: a double click, a second officer acting at
// the same time, a phone. Each action must reach the API once, and say what it did.

const SEEDED: Citizen[] = [
  ['+33644444441', 'Omar Haddad', 'capital', 3, 'en'],
  ['+33644444442', 'Claire Martin', 'coast', 1, 'fr'],
  ['+33644444443', 'Youssef Nasser', 'coast', 4, 'ar'],
  ['+33644444444', 'Marie Test', 'north', 2, 'en'],
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

describe('dashboard actions in a real browser: once per click, whatever the hands do', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  const tokens: Record<string, string> = {};
  const mint = async (name: string, role: string, phone?: string) =>
    (await app.api<{ token: string }>('POST', '/api/tokens', { name, role, ...(phone ? { phone } : {}) })).body.token;
  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp('browser-actions', { config: { broadcast: { ratePerSecond: 50, approvalThreshold: 3 } } }),
      launch(),
    ]);
    await saveCitizens(app.deps, SEEDED);
    tokens.duty = await mint('Ana Duty', 'duty_officer', STAFF.duty);
    tokens.second = await mint('Ben Consul', 'duty_officer', STAFF.admin);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('sends one alert when "Send alert" is double-clicked, and one approval when "Approve" is', async () => {
    const { context: first, page: author } = await newPage(browser);
    const { context: second, page: approver } = await newPage(browser, true);
    await signIn(author, app.url, tokens.duty as string);
    await open(author, '#/alerts');
    await expect.poll(() => author.locator('.recipients').getAttribute('data-count')).toBe('4');
    // Ticked unless the officer unticks it: who reported without registering needs the alert too.
    expect(await author.locator('form.audience input[name="reporters"]').isChecked()).toBe(true);
    await author.locator('textarea[name="text-en"]').fill('Aftershocks expected. Stay out of damaged buildings.');
    const posts = watchRequests(author, (m, u) => m === 'POST' && new URL(u).pathname === '/api/alerts');
    await author.locator('form.audience button[type=submit]').dblclick();
    await author.locator('.alert-item.status-pending_approval').first().waitFor();
    await posts.settled();
    const alerts = await app.api<{ items: { id: string }[] }>('GET', '/api/alerts');
    expect(alerts.body.items).toHaveLength(1);
    const id = alerts.body.items[0]?.id as string;
    expect((await app.api<{ audience: unknown }>('GET', `/api/alerts/${id}`)).body.audience).toEqual({ all: true, reporters: true });
    await expect.poll(() => author.locator(`.alert-item[data-id="${id}"]`).textContent()).toContain('everyone · + who reported there');

    await signIn(approver, app.url, tokens.second as string);
    await open(approver, '#/alerts');
    const approvals = watchRequests(approver, (m, u) => m === 'POST' && u.endsWith(`/api/alerts/${id}/approve`));
    await approver.locator(`.alert-item[data-id="${id}"] .act-approve`).dblclick();
    await approvals.settled();
    // The second click is not a second approval refused as "not pending": the officer is told it was approved.
    expect(approvals.sent()).toBe(1);
    await expect.poll(() => approver.locator('#toast').textContent()).toContain('approved');
    expect(await approver.locator('#toast').getAttribute('class')).not.toContain('error');
    await Promise.all([first.close(), second.close()]);
  });

  it('starts one welfare check when "Start welfare check" is double-clicked', async () => {
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/welfare');
    await page.locator('form.audience').waitFor();
    // A welfare check asks the registered (reporters are followed through their incidents).
    expect(await page.locator('form.audience input[name="reporters"]').count()).toBe(0);
    const before = (await app.api<{ items: unknown[] }>('GET', '/api/welfare-checks')).body.items.length;
    const posts = watchRequests(page, (m, u) => m === 'POST' && new URL(u).pathname === '/api/welfare-checks');
    await page.locator('form.audience button[type=submit]').dblclick();
    await page.locator('section.welfare').first().waitFor();
    await posts.settled();
    expect((await app.api<{ items: unknown[] }>('GET', '/api/welfare-checks')).body.items).toHaveLength(before + 1);
    await context.close();
  });

  it('tells the officer calling non-responders that someone answered since the list was made', async () => {
    const omar = '+33644444441';
    const before = (await app.outbox(omar)).at(-1)?.seq ?? 0;
    const check = await app.api<{ id: string }>(
      'POST',
      '/api/welfare-checks',
      { audience: { regions: ['capital', 'coast'] } },
      tokens.duty,
    );
    expect(check.status).toBe(201);
    await app.expectMessage(omar, (m) => m.seq > before);
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/welfare/${check.body.id}`);
    const card = page.locator(`section.welfare[data-id="${check.body.id}"]`);
    await card.locator('.act-follow-up').click();
    await expect.poll(() => card.locator('ul.non-responders li').count()).toBe(3);
    expect(await card.locator('.stale').count()).toBe(0);
    await app.say(omar, '1');
    // The tallies are live; the list of whom to call (fetched on request, audited) says it is out of date.
    await expect.poll(() => card.locator('.tally').textContent()).toMatch(/1 safe/);
    await expect.poll(() => card.locator('.stale').textContent()).toMatch(/1 answered since: reload the list/);
    await card.locator('.act-follow-up').click();
    await expect.poll(() => card.locator('ul.non-responders li').count()).toBe(2);
    expect(await card.locator('.stale').count()).toBe(0);
    await context.close();
  });

  it('names each action for a screen reader: which incident, which alert; every incident field has a label', async () => {
    await app.say('+33655555551', 'Building collapsed on our street, people trapped');
    await app.say('+33655555552', 'Gas smell after the earthquake, we left the flat');
    const openIncidents = async () => (await app.api<{ items: { id: string }[] }>('GET', '/api/incidents?status=open')).body.items;
    await expect.poll(openIncidents).toHaveLength(2);
    const open2 = await openIncidents();
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/board');
    for (const { id } of open2) {
      await page
        .getByRole('button', { name: `Acknowledge ${id}`, exact: true })
        .first()
        .waitFor();
    }
    await open(page, `#/incident/${open2[0]?.id}`);
    for (const name of ['severity', 'category', 'region']) {
      expect(await page.getByRole('combobox', { name, exact: true }).count(), name).toBe(1);
    }
    expect(await page.getByRole('combobox', { name: 'Staff member to assign (name or phone)' }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: 'Note' }).count()).toBe(1);
    expect(await page.getByRole('textbox', { name: /What was done/ }).count()).toBe(1);

    const alert = await app.api<{ id: string }>('POST', '/api/alerts', { audience: { all: true }, text: { en: 'Test' } }, tokens.second);
    await open(page, '#/alerts');
    await page.getByRole('button', { name: `Approve and send: alert ${alert.body.id}` }).waitFor();
    // Region names, not ids: the officer picks "Coastal ...", not "coast".
    expect(await page.locator('form.audience fieldset.checks').first().textContent()).not.toMatch(/\bcoast \(/);
    await context.close();
  });

  it('starts one playbook run when "Start" is double-clicked', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/playbooks');
    const card = page.locator('details.playbook').first();
    await card.locator('summary').click();
    for (const select of await card.locator('select').all()) {
      if (!(await select.inputValue())) await select.selectOption({ index: 1 });
    }
    for (const input of await card.locator('input[required]').all()) {
      if (!(await input.inputValue())) await input.fill((await input.getAttribute('type')) === 'number' ? '1' : 'x');
    }
    const posts = watchRequests(page, (m, u) => m === 'POST' && /\/api\/playbooks\/[^/]+\/runs$/.test(new URL(u).pathname));
    await card.locator('.act-start').dblclick();
    await page.locator('section.run').first().waitFor();
    await posts.settled();
    expect((await app.api<{ items: unknown[] }>('GET', '/api/runs')).body.items).toHaveLength(1);
    await context.close();
  });

  it('shows a run still going, with its Stop button, however many newer runs there are', async () => {
    const start = (region: string, exercise: boolean) =>
      app.api<{ id: string }>('POST', '/api/playbooks/flood/runs', { params: { region, level: 'warning' }, exercise }, tokens.duty);
    const real = await start('coast', false);
    expect(real.status).toBe(201);
    for (let i = 0; i < 11; i++) {
      const drill = await start('north', true);
      expect(drill.status).toBe(201);
      expect((await app.api('POST', `/api/runs/${drill.body.id}/stop`, undefined, tokens.duty)).status).toBe(200);
    }
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/playbooks');
    const card = page.locator(`section.run[data-id="${real.body.id}"]`);
    await card.waitFor();
    await expect(card.getByRole('button', { name: `Stop run ${real.body.id}` }).count()).resolves.toBe(1);
    await context.close();
    await app.api('POST', `/api/runs/${real.body.id}/stop`, undefined, tokens.duty);
  });

  it('asks in the page before "Reject" stops an alert: a double tap and Escape keep it, Confirm cancels it once', async () => {
    const alert = await app.api<{ id: string }>(
      'POST',
      '/api/alerts',
      { audience: { all: true }, text: { en: 'Shelter in place.' } },
      tokens.second,
    );
    const id = alert.body.id;
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/alerts/${id}`);
    const cancels = watchRequests(page, (m, u) => m === 'POST' && u.endsWith(`/api/alerts/${id}/cancel`));
    const reject = page.getByRole('button', { name: `Reject: alert ${id}`, exact: true });
    const question = page.getByRole('group', { name: new RegExp(`Reject alert ${id}\\? It will not go to 4 people`) });
    // A double tap asks, then lands on "Keep for approval" where the button was.
    await reject.dblclick();
    await reject.waitFor();
    expect(await question.count()).toBe(0);
    await reject.click();
    await question.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Keep for approval');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: `Reject: alert ${id}`, exact: true }).click();
    await question.getByRole('button', { name: 'Keep for approval' }).click();
    expect(cancels.sent()).toBe(0);
    expect((await app.api<{ status: string }>('GET', `/api/alerts/${id}`)).body.status).toBe('pending_approval');

    await page.getByRole('button', { name: `Reject: alert ${id}`, exact: true }).click();
    await question.getByRole('button', { name: `Confirm: reject ${id}` }).click();
    await cancels.settled();
    expect(cancels.sent()).toBe(1);
    await expect.poll(async () => (await app.api<{ status: string }>('GET', `/api/alerts/${id}`)).body.status).toBe('cancelled');
    await context.close();
  });

  it('asks in the page before "Withdraw" cancels a welfare check still going out', async () => {
    // Held in the outbound queue: the question is still going out, the only time withdrawing is offered.
    await app.queues.outbound.pause();
    try {
      const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['north'] } }, tokens.duty);
      const id = check.body.id;
      const { context, page } = await newPage(browser, true);
      await signIn(page, app.url, tokens.duty as string);
      await open(page, `#/welfare/${id}`);
      const cancels = watchRequests(page, (m, u) => m === 'POST' && u.endsWith(`/api/welfare-checks/${id}/cancel`));
      await page.getByRole('button', { name: `Withdraw welfare check ${id}`, exact: true }).click();
      const question = page.getByRole('group', {
        name: new RegExp(`Withdraw welfare check ${id}\\? The question stops going out \\(0 of 1 person`),
      });
      await question.waitFor();
      expect(cancels.sent()).toBe(0);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await cancels.settled();
      expect(cancels.sent()).toBe(1);
      await expect.poll(async () => (await app.api<{ status: string }>('GET', `/api/welfare-checks/${id}`)).body.status).toBe('cancelled');
      await expect.poll(() => page.locator(`section.welfare[data-id="${id}"] h2 .badge`).first().textContent()).toBe('withdrawn');
      await context.close();
    } finally {
      await app.queues.outbound.resume();
    }
  });

  it('writes to the reporter from the incident page: one message on a double click, shown on the timeline', async () => {
    const reporter = '+33612700090';
    const incident = await reportFor(app, tokens.duty as string, reporter, 'Stuck at the border crossing with two children');
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/incident/${incident.id}`);
    const posts = watchRequests(page, (m, u) => m === 'POST' && u.endsWith(`/api/incidents/${incident.id}/messages`));
    await page.locator('textarea[name="message"]').fill('Which crossing? Stay with the children near the officials.');
    await page.locator('.act-message').dblclick();
    await posts.settled();
    await expect.poll(() => page.locator('.timeline li.tl-message').textContent()).toContain('to the reporter, on WhatsApp');
    expect(await page.locator('.timeline li.tl-message p').textContent()).toBe(
      'Which crossing? Stay with the children near the officials.',
    );
    expect(await page.locator('textarea[name="message"]').inputValue()).toBe('');
    await settle(app);
    const received = (await app.outbox(reporter)).filter((m) => m.text.includes('Which crossing?'));
    expect(received).toHaveLength(1);
    expect(received[0]?.text).toMatch(
      new RegExp(`^💬 .*about your report ${incident.id}:\\nWhich crossing\\? Stay with the children near the officials\\.\\n— Ana`),
    );
    await context.close();
  });

  it('adds one note when the second click comes after the live update of the first redrew the page', async () => {
    const incident = await reportFor(app, tokens.duty as string, '+33612700091', 'Gas smell in the whole building');
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/incident/${incident.id}`);
    // A slow line: the note is saved and its live update arrives before the answer to the POST.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(`**/api/incidents/${incident.id}/notes`, async (route) => {
      const response = await route.fetch();
      await held;
      await route.fulfill({ response });
    });
    await page.locator('textarea[name="note"]').fill('Asked the building keeper to cut the gas');
    await page.locator('.act-note').click();
    await page.locator('.timeline li.tl-note').waitFor();
    // The redrawn button, the note still in its box: the hurried second click.
    expect(await page.locator('.act-note').isDisabled()).toBe(true);
    await page.locator('.act-note').click({ force: true });
    release();
    await expect.poll(() => page.locator('.act-note').isDisabled()).toBe(false);
    expect(await page.locator('textarea[name="note"]').inputValue()).toBe('');
    await page.unroute(`**/api/incidents/${incident.id}/notes`);
    const saved = (await app.api<Incident>('GET', `/api/incidents/${incident.id}`)).body;
    expect(saved.timeline.filter((t) => t.type === 'note')).toHaveLength(1);
    await context.close();
  });

  it('adds one note when the answer to the first try was lost and the officer tries again', async () => {
    const incident = await reportFor(app, tokens.duty as string, '+33612700095', 'My brother was arrested at the checkpoint');
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/incident/${incident.id}`);
    // The note reaches the server, but the answer never comes back (the line drops).
    let lost = true;
    await page.route(`**/api/incidents/${incident.id}/notes`, async (route) => {
      if (!lost) return route.continue();
      lost = false;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.locator('textarea[name="note"]').fill('Lawyer called, hearing tomorrow 9:00');
    await page.locator('.act-note').click();
    await expect.poll(() => page.locator('.act-note').isDisabled()).toBe(false);
    // Not told it was added, the officer clicks again with the same words.
    expect(await page.locator('textarea[name="note"]').inputValue()).toBe('Lawyer called, hearing tomorrow 9:00');
    await page.locator('.act-note').click();
    await expect.poll(() => page.locator('textarea[name="note"]').inputValue()).toBe('');
    await page.unroute(`**/api/incidents/${incident.id}/notes`);
    const saved = (await app.api<Incident>('GET', `/api/incidents/${incident.id}`)).body;
    expect(saved.timeline.filter((t) => t.type === 'note').map((t) => t.text)).toEqual(['Lawyer called, hearing tomorrow 9:00']);
    await context.close();
  });

  it('keeps the keyboard on "Approve and send" when another alert comes into the queue', async () => {
    const draft = async (text: string) => {
      const res = await app.api<{ id: string; status: string }>(
        'POST',
        '/api/alerts',
        { audience: { all: true }, text: { en: text } },
        tokens.duty,
      );
      expect(res.body.status).toBe('pending_approval');
      return res.body.id;
    };
    const first = await draft('Curfew from 20:00 in the capital tonight.');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.second as string);
    await open(page, '#/alerts');
    const approve = page.getByRole('button', { name: `Approve and send: alert ${first}` });
    await approve.focus();
    const second = await draft('The airport road is closed.');
    await page.locator(`.alert-item[data-id="${second}"]`).waitFor();
    // The queue was redrawn under the officer's keyboard: Enter still approves the alert they were on.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Approve and send: alert ${first}`);
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => (await app.api<{ status: string }>('GET', `/api/alerts/${first}`)).body.status)
      .not.toBe('pending_approval');
    expect((await app.api<{ status: string }>('GET', `/api/alerts/${second}`)).body.status).toBe('pending_approval');
    await context.close();
  });

  it('says in the timeline who has the incident, not the request a change from the page came from', async () => {
    const incident = await reportFor(app, tokens.duty as string, '+33612700092', 'Our papers were stolen at the hotel');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/incident/${incident.id}`);
    await page.locator('textarea[name="note"]').fill('Police report filed');
    await page.locator('.act-note').click();
    await page.locator('.timeline li.tl-note').waitFor();
    await page.locator('.act-ack').click();
    await expect.poll(() => page.locator('.timeline li.tl-assigned').textContent()).toContain('assignee: Ana Duty');
    const lines = await page.locator('.timeline li').allTextContents();
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).not.toMatch(/key:|api:/);
    await context.close();
  });

  it('names regions as configured in the playbook start form and on the run card, and shows what staff wrote with their "done"', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/playbooks');
    const card = page.locator('details.playbook', { has: page.locator('summary', { hasText: '(earthquake)' }) });
    await card.locator('summary').click();
    const region = card.locator('select[name="region"]');
    // The names staff know; the value sent stays the id.
    expect(await region.locator('option').allTextContents()).toEqual([
      'choose…',
      'Northern Province',
      'Capital District',
      'Coastal Province',
    ]);
    await region.selectOption({ label: 'Coastal Province' });
    expect(await region.inputValue()).toBe('coast');
    const posts = watchRequests(page, (m, u) => m === 'POST' && new URL(u).pathname === '/api/playbooks/earthquake/runs');
    await card.locator('.act-start').click();
    await posts.settled();
    const runs = await app.api<{ items: { id: string; playbook: string; params: Record<string, unknown> }[] }>('GET', '/api/runs');
    const run = runs.body.items.find((r) => r.playbook === 'earthquake');
    expect(run?.params.region).toBe('coast');
    const runCard = page.locator(`section.run[data-id="${run?.id}"]`);
    await expect.poll(() => runCard.locator('p.muted').first().textContent()).toContain('region: Coastal Province');
    expect(await runCard.locator('p.muted').first().textContent()).not.toContain('region: coast');

    // Ana ticks off the staff item in the group with the news: the card shows it under the item.
    const task = await app.expectMessage(
      CELL_GROUP,
      (m) => m.text.includes(`${run?.id} · First-hour checklist`) && m.text.includes('Account for all embassy staff'),
    );
    await app.say(STAFF.duty, 'done, all 12 staff safe', { group: CELL_GROUP, replyTo: task.id });
    const item = runCard.locator('li.task[data-item="first-hour/staff-accounted"]');
    await expect.poll(() => item.locator('.task-note').textContent()).toMatch(/^all 12 staff safe — Ana Duty /);
    await context.close();
    await app.api('POST', `/api/runs/${run?.id}/stop`, undefined, tokens.duty);
  });

  it('says a welfare check that does not exist was not found, rather than that no HELP answer came yet', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/incidents/welfare/WFC-0099');
    await expect.poll(() => page.locator('#view').textContent()).toContain('Welfare check WFC-0099 was not found.');
    expect(await page.locator('#view').textContent()).not.toContain('No HELP answer has opened an incident yet');
    await context.close();
  });

  it('tells the officer who sends an alert in English only that its French and Arabic readers get the English text', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/alerts');
    const form = page.locator('form.audience');
    // The coast: Claire reads French, Youssef Arabic; the officer writes in English only.
    await form.locator('input[name="regions"][value="coast"]').check();
    await form.locator('input[name="reporters"]').uncheck();
    await form.locator('textarea[name="text-en"]').fill('Boil water before drinking it. Tap water is contaminated.');
    await form.locator('button[type=submit]').click();
    const toast = page.locator('#toast');
    await expect.poll(() => toast.textContent()).toMatch(/Alert ALR-\d+ is sending to 2/);
    expect(await toast.textContent()).toContain('1 reads fr and 1 reads ar: they get the en text');
    // It stays until dismissed: the officer may want to send a translation.
    expect(await toast.getAttribute('class')).toContain('warning');
    await toast.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => toast.isHidden()).toBe(true);

    // The second officer approving an English-only alert to everyone reads it on its card.
    const pending = await app.api<{ id: string; status: string }>(
      'POST',
      '/api/alerts',
      { audience: { all: true }, text: { en: 'The airport is closed.' } },
      tokens.second,
    );
    expect(pending.body.status).toBe('pending_approval');
    await open(page, `#/alerts/${pending.body.id}`);
    await expect
      .poll(() => page.locator(`.alert-item[data-id="${pending.body.id}"] .untranslated`).textContent())
      .toBe('⚠️ No fr or ar text: its fr and ar readers get the en text.');
    await app.api('POST', `/api/alerts/${pending.body.id}/cancel`, undefined, tokens.duty);
    await context.close();
  });

  it('keeps counting the reads of an alert on the open Alerts page after it was fully sent', async () => {
    const created = await app.api<{ id: string }>(
      'POST',
      '/api/alerts',
      {
        audience: { regions: ['coast', 'north'] },
        text: { en: 'Curfew from 20:00.', fr: 'Couvre-feu à 20 h.', ar: 'حظر تجول من الساعة 20:00.' },
      },
      tokens.duty,
    );
    const id = created.body.id;
    await expect.poll(async () => (await app.api<{ status: string }>('GET', `/api/alerts/${id}`)).body.status).toBe('sent');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, `#/alerts/${id}`);
    const counts = page.locator(`li.alert-item[data-id="${id}"] > p.muted`).last();
    await expect.poll(() => counts.textContent()).toContain('sent 3');
    // The citizens open WhatsApp: the receipts come in after the alert was fully sent, all at once.
    const readers = SEEDED.filter((c) => c.region !== 'capital');
    for (const c of readers) await advanceRecipient(app.deps, { kind: 'alert', id, to: c.phone, reminder: false }, 'delivered');
    for (const c of readers) await advanceRecipient(app.deps, { kind: 'alert', id, to: c.phone, reminder: false }, 'read');
    expect((await app.api<{ counts: { read: number } }>('GET', `/api/alerts/${id}`)).body.counts.read).toBe(3);
    // The page showed "read 0" for as long as it stayed open.
    await expect.poll(() => counts.textContent(), { timeout: 10_000 }).toContain('delivered 3 · read 3');
    await context.close();
  });

  it('says how many pending steps stopping a run cancelled, in words a person reads', async () => {
    const started = await app.api<{ id: string }>(
      'POST',
      '/api/playbooks/earthquake/runs',
      { params: { region: 'north', magnitude: '6.8' }, exercise: true },
      tokens.duty,
    );
    expect(started.status).toBe(201);
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/playbooks');
    const card = page.locator(`section.run[data-id="${started.body.id}"]`);
    await card.locator('button.act-stop').click();
    await card.locator('button.act-confirm').click();
    await expect.poll(() => page.locator('#toast').textContent()).toMatch(/stopped/);
    const cancelled = (await app.api<{ steps: { status: string }[] }>('GET', `/api/runs/${started.body.id}`)).body.steps.filter(
      (s) => s.status === 'cancelled',
    ).length;
    expect(cancelled).toBeGreaterThan(0);
    // It read "Run RUN-0003 stopped; first-alert,aftershock-alert,welfare,… pending step(s) cancelled".
    expect(await page.locator('#toast').textContent()).toContain(`Run ${started.body.id} stopped; ${cancelled} pending step(s) cancelled.`);
    await context.close();
  });

  it("lays out a playbook's text parameter typed in Arabic right to left", async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, tokens.duty as string);
    await open(page, '#/playbooks');
    const card = page.locator('details.playbook:has(input[name="magnitude"])').first();
    await card.locator('summary').click();
    const magnitude = card.locator('input[name="magnitude"]');
    await magnitude.fill('قوية جداً');
    expect(await magnitude.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
    await context.close();
  });
});
