import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { launch, newPage, open, reportFor, signIn } from './browser.ts';

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

  const report = (reporter: string, text: string) => reportFor(app, duty, reporter, text);

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
    await expect.poll(() => age.textContent()).toMatch(/^(just now|\d+s ago)$/);
    // Ten quiet minutes: no change comes in, the board is not redrawn.
    await page.clock.fastForward('10:00');
    await expect.poll(() => age.textContent()).toBe('10 min ago');
    await context.close();
  });

  it('never says an incident came in a negative time ago when the browser clock is a little behind the server', async () => {
    const { context, page } = await newPage(browser);
    // The officer's laptop clock is two minutes slow (no network time on the crisis-country network).
    await page.clock.install({ time: Date.now() - 120_000 });
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    const incident = await report('+33645100009', 'My mother fell, she cannot stand up');
    const age = page.locator(`section:has(h2:text("All active")) li.incident[data-id="${incident.id}"] time.ago`);
    await expect.poll(() => age.count()).toBe(1);
    // It read "-120s ago".
    expect(await age.textContent()).toBe('just now');
    await context.close();
  });

  it("shows a playbook run's checklist, who must do what by when, and ticks an item off once done in chat", async () => {
    const started = await app.api<{ id: string }>(
      'POST',
      '/api/playbooks/earthquake/runs',
      { params: { region: 'north', magnitude: '6.8' }, exercise: true },
      duty,
    );
    expect(started.status).toBe(201);
    const runId = started.body.id;
    const taskMessage = await app.expectMessage(CELL_GROUP, (m) => m.text.includes('Account for all embassy staff'));
    const { context, page } = await newPage(browser);
    await page.clock.install();
    await signIn(page, app.url, duty);
    await open(page, '#/playbooks');
    const run = page.locator(`section.run[data-id="${runId}"]`);
    await expect.poll(() => run.locator('ul.tasks li').count()).toBe(3);
    expect(await run.locator('.checklist h4').textContent()).toBe('Checklist: 3 of 3 still to do');
    const staffItem = run.locator('ul.tasks li', { hasText: 'Account for all embassy staff' });
    // A due time on another day (a run started just before midnight UTC) carries its date.
    expect(await staffItem.textContent()).toMatch(
      /^to do Account for all embassy staff.* · duty officer · due (\d\d:\d\d|\w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M UTC)/,
    );

    // Ticked off in the cell group with ✅: the page shows it done without a reload.
    const reacted = await app.api('POST', '/sim/reactions', {
      from: STAFF.duty,
      messageId: taskMessage.id,
      emoji: '✅',
      group: CELL_GROUP,
    });
    expect(reacted.status).toBe(202);
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${runId}: "`) && m.text.includes('acknowledged by Ana Duty'));
    await expect.poll(() => staffItem.locator('.badge').textContent()).toBe('done');
    expect(await staffItem.textContent()).toContain('done by Ana Duty');
    expect(await run.locator('.checklist h4').textContent()).toBe('Checklist: 2 of 3 still to do');
    await context.close();
  });

  it('says when a run needs someone to do a step by hand', async () => {
    const started = await app.api<{ id: string }>(
      'POST',
      '/api/playbooks/flood/runs',
      { params: { region: 'coast', level: 'severe' }, exercise: true },
      duty,
    );
    expect(started.status).toBe(201);
    // What the stuck-step sweep records when it gives a step up (src/playbooks/stuck-sweep.ts).
    const why = 'step "flood-warning" failed after 3 re-queues: its job was lost';
    await app.deps.redis.hset(app.deps.keys.run(started.body.id), 'attention', why);
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/playbooks');
    const flag = page.locator(`section.run[data-id="${started.body.id}"] .attention`);
    await expect.poll(() => flag.textContent()).toBe(`⚠ Needs attention: ${why}. Do the step by hand.`);
    await context.close();
  });

  it('never leaves "Everyone registered" ticked beside the regions or languages an alert actually goes to', async () => {
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/alerts');
    const everyone = page.locator('form.audience input[name="all"]');
    expect(await everyone.isChecked()).toBe(true);
    await page.locator('form.audience input[name="regions"][value="coast"]').check();
    expect(await everyone.isChecked()).toBe(false);
    expect(await page.locator('form.audience .recipients').textContent()).toBe(
      '1 citizen, and who reported from there without registering',
    );
    await everyone.check();
    expect(await page.locator('form.audience input[name="regions"]:checked').count()).toBe(0);
    expect(await page.locator('form.audience .recipients').textContent()).toBe(
      '2 citizens, and who reported from there without registering',
    );
    await page.locator('form.audience input[name="languages"][value="fr"]').check();
    expect(await everyone.isChecked()).toBe(false);
    await context.close();
  });
  it('names the assignee as the roster does, and assigns by the name the officer types', async () => {
    const incident = await report('+33645100003', 'Our son is missing since the quake, last seen at the market');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    await page.getByRole('combobox', { name: 'Staff member to assign (name or phone)' }).fill('chloe officer');
    await page.locator('.act-assign').click();
    await expect.poll(() => page.locator('#toast').textContent()).toBe(`${incident.id} assigned to Chloe Officer`);
    expect((await app.api<Incident>('GET', `/api/incidents/${incident.id}`)).body.assignee).toBe(STAFF.officer);
    await expect.poll(() => page.locator('dl.facts dt:text("Assignee") + dd').textContent()).toBe(`Chloe Officer (${STAFF.officer})`);
    await open(page, '#/board');
    const row = page.locator(`section:has(h2:text("All active")) li.incident[data-id="${incident.id}"] .meta`);
    await expect.poll(() => row.textContent()).toMatch(/ · assigned to Chloe Officer · /);
    await context.close();
  });

  it('on a phone, never points at a field hidden behind the top bar', async () => {
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, duty);
    await open(page, '#/playbooks');
    const playbook = page.locator('details.playbook', { hasText: 'assisted-departure' });
    await playbook.locator('summary').click();
    await playbook.locator('select[name="region"]').selectOption('coast');
    // Scrolled down to Start, a required field left empty above: the browser scrolls back up to it.
    await playbook.locator('.act-start').evaluate((b) => b.scrollIntoView({ block: 'start' }));
    expect(await playbook.locator('input[name="assembly"]').evaluate((i) => i.getBoundingClientRect().bottom)).toBeLessThan(0);
    await playbook.locator('.act-start').click();
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('assembly');
    const [field, bar] = await page.evaluate(() => [
      (document.activeElement as HTMLElement).getBoundingClientRect().top,
      (document.querySelector('.top') as HTMLElement).getBoundingClientRect().bottom,
    ]);
    expect(field).toBeGreaterThanOrEqual(bar);
    await context.close();
  });

  it('keeps the map where the officer zoomed while other incidents come in', async () => {
    const located = async (reporter: string, text: string, lat: number, lng: number) => {
      const res = await app.api<Incident>('POST', '/api/incidents', { reporter, text, location: { lat, lng } }, duty);
      expect(res.status).toBe(201);
      return res.body;
    };
    const first = await located('+33645300001', 'Building collapsed, people under it', 35.52, 35.78);
    const second = await located('+33645300002', 'Injured in the street', 35.55, 35.8);
    const { context, page } = await newPage(browser);
    await context.route(
      (url) => url.host === 'tile.openstreetmap.org',
      (route) => route.abort('internetdisconnected'),
    );
    await signIn(page, app.url, duty);
    await open(page, '#/map');
    const apart = async () => {
      const [a, b] = await Promise.all(
        [first.id, second.id].map((id) => page.locator('.leaflet-tooltip', { hasText: `${id} ·` }).boundingBox()),
      );
      return a && b ? Math.round(Math.hypot(a.x - b.x, a.y - b.y)) : 0;
    };
    await expect.poll(apart).toBeGreaterThan(0);
    const framed = await apart();
    await page.locator('.leaflet-control-zoom-in').click();
    // One step in doubles the scale, once Leaflet's zoom animation is over.
    const settled = async () => ((await page.locator('.leaflet-zoom-anim').count()) ? 0 : apart());
    await expect.poll(settled).toBeGreaterThan(framed * 1.9);
    const zoomed = await apart();
    // Another incident far away: the map takes it in, and stays where the officer zoomed.
    const label = (id: string) => page.locator('.leaflet-tooltip', { hasText: `${id} ·` });
    await label(first.id).evaluate((e) => {
      e.dataset.seen = 'before';
    });
    const third = await located('+33645300003', 'Fire at the port', 36.2, 37.1);
    await label(third.id).waitFor({ state: 'attached' });
    expect(Math.abs((await apart()) - zoomed)).toBeLessThanOrEqual(2);
    // The pins already there are left as they were: their labels do not fade out and in again
    // (nor show twice while they fade) at every incident that comes in.
    expect(await label(first.id).evaluateAll((all) => all.map((e) => (e as HTMLElement).dataset.seen))).toEqual(['before']);
    await context.close();
  });

  it('keeps the keyboard where it was on the board when a new incident comes in', async () => {
    const waiting = await report('+33645400001', 'My mother needs her insulin, pharmacies closed');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, '#/board');
    const allActive = page.locator('section:has(h2:text("All active"))');
    await allActive.locator(`li.incident[data-id="${waiting.id}"] a`).focus();
    const where = () =>
      page.evaluate(() => {
        const a = document.activeElement as HTMLElement;
        return `${a
          .closest('section')
          ?.querySelector('h2')
          ?.textContent?.replace(/ \(\d+\)$/, '')} / ${a.closest('li')?.dataset.id} / ${a.tagName}`;
      });
    expect(await where()).toBe(`All active, newest first / ${waiting.id} / A`);
    const next = await report('+33645400002', 'Shots heard near the hotel');
    await allActive.locator(`li.incident[data-id="${next.id}"]`).waitFor();
    expect(await where()).toBe(`All active, newest first / ${waiting.id} / A`);
    // Tab goes on from there: to that incident's Acknowledge, not back to the top of the page.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(`Acknowledge ${waiting.id}`);
    await context.close();
  });

  it('keeps the keyboard on the incident page action it was on, through its own redraw and a live one', async () => {
    const reporter = '+33645500001';
    const incident = await report(reporter, 'Our house was hit, my father is hurt');
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    const focused = () => page.evaluate(() => document.activeElement?.className ?? '');
    await page.locator('textarea[name="note"]').fill('Ambulance called');
    await page.keyboard.press('Tab');
    expect(await focused()).toContain('act-note');
    await page.keyboard.press('Enter');
    await page.locator('.timeline li.tl-note').waitFor();
    await expect.poll(focused).toContain('act-note');
    // The citizen writes again while the officer is on "Resolve": the page redraws, the keyboard stays.
    await page.locator('.act-resolve').focus();
    const entries = await page.locator('.timeline li').count();
    await app.say(reporter, 'He is bleeding from the head, please hurry');
    await expect.poll(() => page.locator('.timeline li').count()).toBeGreaterThan(entries);
    expect(await focused()).toContain('act-resolve');
    await context.close();
  });

  it("keeps the incident's map zoomed in where the officer left it when the citizen writes again", async () => {
    const reporter = '+33645600001';
    const res = await app.api<Incident>(
      'POST',
      '/api/incidents',
      { reporter, text: 'We are on the roof, the water is rising', location: { lat: 35.52, lng: 35.79 } },
      duty,
    );
    const incident = res.body;
    const { context, page } = await newPage(browser);
    await context.route(
      (url) => url.host === 'tile.openstreetmap.org',
      (route) => route.abort('internetdisconnected'),
    );
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    // Leaflet scales its layers by 2 at each zoom step: the step, once no animation runs.
    const zoom = () =>
      page.evaluate(() => {
        if (document.querySelector('#incident-map .leaflet-zoom-anim')) return 0;
        const style = document.querySelector('#incident-map .leaflet-proxy')?.getAttribute('style') ?? '';
        return Math.round(Math.log2(Number(style.match(/scale\(([\d.]+)\)/)?.[1] ?? 0)));
      });
    await expect.poll(zoom).toBeGreaterThan(0);
    const framed = await zoom();
    await page.locator('#incident-map .leaflet-control-zoom-in').click();
    await expect.poll(zoom).toBe(framed + 1);
    const entries = await page.locator('.timeline li').count();
    await app.say(reporter, 'Three of us, one child');
    await expect.poll(() => page.locator('.timeline li').count()).toBeGreaterThan(entries);
    expect(await zoom()).toBe(framed + 1);
    await context.close();
  });

  it('lets the officer call the reporter and the assignee with one tap on a phone', async () => {
    const reporter = '+33645700001';
    const incident = await report(reporter, 'My son has not come home from the stadium');
    expect((await app.api('PATCH', `/api/incidents/${incident.id}`, { assignee: STAFF.officer }, duty)).status).toBe(200);
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    const fact = (name: string) => page.locator(`dl.facts dt:text("${name}") + dd`);
    expect(await fact('Reporter').locator('a').getAttribute('href')).toBe(`tel:${reporter}`);
    expect(await fact('Assignee').textContent()).toBe(`Chloe Officer (${STAFF.officer})`);
    expect(await fact('Assignee').locator('a').getAttribute('href')).toBe(`tel:${STAFF.officer}`);
    await context.close();
  });

  it("shows a citizen's report as written on a phone: its lines kept, a pasted link wrapped, nothing off the screen", async () => {
    const link = `https://maps.example.org/place/${'a1b2c3d4e5'.repeat(12)}`;
    const text = `We are 4 people\nBuilding 12, 3rd floor\n${link}`;
    const incident = await report('+33645800001', text);
    const { context, page } = await newPage(browser, true);
    await signIn(page, app.url, duty);
    await open(page, `#/incident/${incident.id}`);
    const reported = page.locator('.timeline li.tl-reported p');
    await reported.waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: the lines as rendered are what the officer reads
    expect(await reported.innerText()).toBe(text);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await context.close();
  });
});
