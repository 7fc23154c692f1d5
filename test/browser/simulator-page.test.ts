import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CELL_GROUP, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';
import { chatAs, launch, newPage, openSim, say, screenshot } from './browser.ts';

// The WhatsApp simulator page, played as someone evaluating crisis-cell from the README.

/** expect.poll with room for a loaded machine (its default gives up after one second). */
const eventually = <T>(probe: () => Promise<T> | T) => expect.poll(probe, { timeout: 15_000 });

const botSaid = (page: Page, text: string | RegExp) => page.locator('#thread .msg.bot').filter({ hasText: text }).last();

/** Whether an element lies wholly inside the window (not below the fold). */
const inView = (page: Page, selector: string) =>
  page.locator(selector).evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= window.innerHeight + 1 && r.left >= 0 && r.right <= window.innerWidth + 1;
  });

// Chromium shares two cores with the other test files: a step can take seconds there, not minutes.
describe('the simulator page in a real browser', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([startTestApp('sim-page'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('on a phone, keeps the message box and the newest answer in view after a long answer', async () => {
    const { context, page } = await newPage(browser, true);
    await openSim(page, app.url);
    await chatAs(page, { staff: STAFF.admin }, CELL_GROUP);
    await say(page, '/help');
    await botSaid(page, /commands for/).waitFor();
    await say(page, '/sitrep');
    await botSaid(page, /Situation|SITREP|sitrep/i).waitFor();
    await eventually(() => inView(page, '#thread .msg.bot:last-of-type')).toBe(true);
    expect(await inView(page, '#text')).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'sim-phone');
    await context.close();
  });

  it('keeps showing new answers in a group the bot already sent more than 500 messages', async () => {
    const sim = app.deps.simulator;
    if (!sim) throw new Error('no simulator');
    const group = '120363000000000777@g.us';
    await sim.createGroup('Busy cell', [STAFF.duty], group);
    for (let i = 0; i < 505; i++) {
      await sim.send({ to: { kind: 'group', id: group }, text: `old card ${i}`, kind: 'card', idempotencyKey: `busy-${app.prefix}-${i}` });
    }
    const { context, page } = await newPage(browser);
    await page.goto(`${app.url}/sim`);
    await page.locator('#token').fill(ADMIN_TOKEN);
    await page.locator('#login button').click();
    await eventually(() => page.locator('#as option').count()).toBeGreaterThan(1);
    await page.locator('#chat').evaluate((el, id) => {
      (el as HTMLSelectElement).append(new Option('Group: Busy cell', id));
    }, group);
    await chatAs(page, { staff: STAFF.duty }, group);
    await botSaid(page, 'old card 504').waitFor();
    await sim.send({ to: { kind: 'group', id: group }, text: 'the newest card', kind: 'card', idempotencyKey: `busy-${app.prefix}-new` });
    await botSaid(page, 'the newest card').waitFor();
    await context.close();
  });

  it('speaks as the member of staff chosen after a citizen phone was typed, and 👍 on a card acknowledges it', async () => {
    const { context, page } = await newPage(browser);
    await openSim(page, app.url);
    await chatAs(page, { phone: '+33611110001' }, 'dm');
    await say(page, 'Our car broke down near the border, two of us');
    const ack = botSaid(page, /We have your report/);
    await ack.waitFor();
    const ref = (await ack.textContent())?.match(/INC-\d+/)?.[0] as string;
    await chatAs(page, { staff: STAFF.duty }, CELL_GROUP);
    await say(page, `/incident ${ref}`);
    await eventually(() => page.locator('#thread .msg.me .meta').last().textContent()).toContain(STAFF.duty);
    expect(await page.locator('#text').getAttribute('placeholder')).toContain('Ana Duty');
    const card = botSaid(page, new RegExp(`New incident ${ref}`));
    await card.locator('button.react').click();
    await eventually(async () => (await app.api<{ status: string }>('GET', `/api/incidents/${ref}`)).body.status).toBe('acknowledged');
    await eventually(() => card.locator('.reactions').textContent()).toContain(STAFF.duty);
    await app.expectMessage('+33611110001', /has been seen by consular officer Ana\b/);
    await context.close();
  });

  it('replies to a card with a note, and sends a photo with a caption and a location pin', async () => {
    const { context, page } = await newPage(browser);
    page.on('dialog', (d) => d.accept('36.2021, 37.1343'));
    await openSim(page, app.url);
    await chatAs(page, { phone: '+33611110002' }, 'dm');
    await say(page, 'My passport was stolen at the hotel');
    const ref = ((await botSaid(page, /We have your report/).textContent())?.match(/INC-\d+/)?.[0] ?? '') as string;
    await page.locator('#text').fill('This is the thief, he ran north');
    await page.locator('#media').selectOption('image');
    await eventually(() => page.locator('#thread .msg.me').last().textContent()).toContain('Photo');
    await eventually(() => page.locator('#text').inputValue()).toBe('');
    await eventually(() => page.locator('#thread .msg.bot').filter({ hasText: 'Added to your report' }).count()).toBe(1);
    // Each message shows before the answer to it.
    expect(
      (await page.locator('#thread .msg').allTextContents()).map((t) =>
        t.includes('Photo') ? 'photo' : t.includes('Added') ? 'added' : 'other',
      ),
    ).toEqual(['other', 'other', 'photo', 'added']);
    await page.locator('#pin').click();
    await eventually(() => page.locator('#thread .msg.bot').filter({ hasText: 'Added to your report' }).count()).toBe(2);
    const timeline = JSON.stringify((await app.api('GET', `/api/incidents/${ref}`)).body);
    expect(timeline).toContain('This is the thief, he ran north');

    await chatAs(page, { staff: STAFF.officer }, CELL_GROUP);
    await botSaid(page, new RegExp(`New incident ${ref}`))
      .locator('button.reply')
      .click();
    expect(await page.locator('#replying').textContent()).toContain(`New incident ${ref}`);
    await say(page, 'Calling the hotel now');
    await eventually(async () => (await app.api<{ status: string }>('GET', `/api/incidents/${ref}`)).body.status).toBe('acknowledged');
    expect(await page.locator('#thread .msg.me blockquote').last().textContent()).toContain(`New incident ${ref}`);
    await context.close();
  });

  it('calls the embassy number: nobody answers, the bot writes back and the cell is told', async () => {
    const { context, page } = await newPage(browser);
    await openSim(page, app.url);
    await chatAs(page, { phone: '+33612398077' }, 'dm');
    await page.locator('#call').click();
    await eventually(() => page.locator('#thread .msg.me').last().textContent()).toContain('📞 Missed call');
    await botSaid(page, /We could not take your call/).waitFor();
    await eventually(async () =>
      (await app.outbox(CELL_GROUP)).some((m) => m.text.startsWith('📞 Missed WhatsApp call from +33612398077')),
    ).toBe(true);
    await context.close();
  });

  it('sends a message as forwarded: a rumour claiming to be from the embassy gets the warning', async () => {
    const { context, page } = await newPage(browser);
    await openSim(page, app.url);
    await chatAs(page, { phone: '+33612398001' }, 'dm');
    await page.locator('#forwarded').check();
    await say(page, 'The embassy says all citizens must go to the airport tonight. Share with everyone!');
    await botSaid(page, /the embassy did not send this message/).waitFor({ timeout: 15_000 });
    expect(await page.locator('#thread .msg:not(.bot)').last().textContent()).toContain('↪️ Forwarded');
    // The box is unticked after the send: the next message is the citizen's own.
    expect(await page.locator('#forwarded').isChecked()).toBe(false);
    await say(page, 'Is that true? We are scared');
    await botSaid(page, /INC-\d{4}/).waitFor({ timeout: 15_000 });
    await context.close();
  });

  it('reads Arabic right to left, the citizen’s words and the bot’s answer', async () => {
    const { context, page } = await newPage(browser, true);
    await openSim(page, app.url);
    await chatAs(page, { phone: '+963911110003' }, 'dm');
    await say(page, 'نحن عالقون في المطار، 3 أشخاص');
    await botSaid(page, 'تلقينا بلاغك').waitFor();
    const direction = (loc: ReturnType<Page['locator']>) => loc.evaluate((el) => getComputedStyle(el).direction);
    expect(await direction(page.locator('#thread .msg.me .body').last())).toBe('rtl');
    expect(await direction(page.locator('#thread .msg.bot .body').last())).toBe('rtl');
    expect(await page.locator('#text').getAttribute('dir')).toBe('auto');
    await screenshot(page, 'sim-arabic');
    await context.close();
  });

  it('says what to do with a wrong token, and keeps a refused message in the box with its error', async () => {
    const { context, page } = await newPage(browser);
    await page.goto(`${app.url}/sim`);
    await page.locator('#token').fill('cc_left-over-from-yesterday');
    await page.locator('#login button').click();
    await eventually(() => page.locator('#status').textContent()).toMatch(/changes at each start/);

    await openSim(page, app.url);
    await chatAs(page, { phone: '+33611110004' }, 'dm');
    const long = 'x'.repeat(5000);
    await say(page, long);
    await eventually(() => page.locator('#status').textContent()).toMatch(/text/);
    // The next poll succeeds: the error is still there to read, and the words were not lost.
    await page.waitForResponse((r) => r.url().includes('/sim/messages?') && r.ok());
    await page.waitForResponse((r) => r.url().includes('/sim/messages?') && r.ok());
    expect(await page.locator('#status').textContent()).toMatch(/text/);
    expect(await page.locator('#text').inputValue()).toBe(long);
    await context.close();
  });
});

/** A free TCP port on this machine. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => done(port));
    });
    srv.on('error', fail);
  });
}

describe('the simulator page when Redis stops answering', { timeout: 90_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let redis: ChildProcess;
  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const url = `redis://127.0.0.1:${port}`;
    [app, browser] = await Promise.all([
      (async () => {
        for (let i = 0; ; i++) {
          try {
            return await startTestApp('sim-page-redis', { env: { REDIS_URL: url } });
          } catch (err) {
            if (i > 50) throw err;
            await new Promise((r) => setTimeout(r, 100));
          }
        }
      })(),
      launch(),
    ]);
  });
  afterAll(async () => {
    redis?.kill('SIGCONT');
    try {
      await browser?.close();
      await app?.close();
    } finally {
      redis?.kill('SIGTERM'); // never leave a private redis-server behind, even when closing failed
    }
  });

  it('says Redis is unreachable instead of hanging, keeps the message, and a retry is handled once', async () => {
    const { context, page } = await newPage(browser);
    await openSim(page, app.url);
    await chatAs(page, { phone: '+33611110005' }, 'dm');
    redis.kill('SIGSTOP');
    await say(page, 'Shots fired near our building');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 30_000 }).toMatch(/cannot reach Redis/);
    expect(await page.locator('#text').inputValue()).toBe('Shots fired near our building');
    redis.kill('SIGCONT');
    await page.locator('#send').click();
    await botSaid(page, /We have your report/).waitFor();
    await eventually(() => page.locator('#status').textContent()).toBe('');
    // The answer can show (the gateway's spool queued the first try once Redis was back) before the
    // retry's own request returns and empties the box.
    await eventually(() => page.locator('#text').inputValue()).toBe('');
    const said = await app.outbox('+33611110005');
    expect(said.filter((m) => /We have your report/.test(m.text))).toHaveLength(1);
    expect(said.filter((m) => /Added to your report/.test(m.text))).toHaveLength(0);
    await context.close();
  });

  it('shows each message time with its zone, beside a sitrep that speaks UTC', async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Damascus', locale: 'en-GB' });
    const page = await context.newPage();
    await openSim(page, app.url);
    await chatAs(page, { staff: STAFF.admin }, CELL_GROUP);
    await say(page, '/sitrep');
    const sitrep = botSaid(page, /SITREP .* UTC/);
    await sitrep.waitFor();
    const meta = (await sitrep.locator('.meta').textContent()) as string;
    // Damascus is UTC+3: "14:47:10 GMT+3" under "SITREP … 11:47 UTC", each saying which clock it reads.
    expect(meta).toMatch(/ · \d\d:\d\d:\d\d GMT\+3$/);
    await context.close();
  });
});
