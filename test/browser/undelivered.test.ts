import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { type OutboundMessage, type SendResult, TransportError } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { ADMIN_TOKEN, CELL_GROUP, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';
import { launch, newPage, open, signIn } from './browser.ts';

/** The simulator, with a citizen WhatsApp cannot deliver to. */
class UnreachableSimulator extends SimulatorTransport {
  static readonly phone = '+33611990001';
  override async send(msg: OutboundMessage): Promise<SendResult> {
    if (msg.to.kind === 'dm' && msg.to.phone === UnreachableSimulator.phone)
      throw new TransportError('the number is not on WhatsApp', 'not_on_whatsapp', false);
    return super.send(msg);
  }
}

describe('an incident whose reporter was not reached, on the dashboard', { timeout: 60_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  beforeAll(async () => {
    [app, browser] = await Promise.all([
      startTestApp('browser-undelivered', {
        options: { transport: (deps, queues) => new UnreachableSimulator(deps.redis, deps.keys, queues.sink()) },
      }),
      launch(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('shows the undelivered answer on the timeline as a warning, not as one more line', async () => {
    await app.say(UnreachableSimulator.phone, 'Soldiers at our door in the north, we are hiding in the bathroom');
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card');
    const id = /INC-\d+/.exec(card.text)?.[0] as string;
    await waitFor(async () => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body.timeline.some((e) => e.type === 'undelivered'));
    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    await open(page, `#/incident/${id}`);
    const line = page.locator('.timeline li.tl-undelivered');
    await line.waitFor();
    const text = await line.textContent();
    expect(text).toContain('WhatsApp did not deliver it');
    expect(text).toContain('Not delivered to the reporter (the number is not on WhatsApp)');
    // Red, unlike the other lines.
    const background = await line.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(253, 236, 234)');
    await context.close();
  });
});
