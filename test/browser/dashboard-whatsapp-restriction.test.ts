import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { ADMIN_TOKEN, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';
import { launch, newPage, open, signIn } from './browser.ts';

const COLD = aCitizen({ phone: '+33612700001' });

// The WhatsApp page while WhatsApp stops the embassy number from starting chats (the real app over
// the fake Baileys socket).
describe('the dashboard under a WhatsApp restriction on new chats', { timeout: 90_000 }, () => {
  let app: TestApp;
  let browser: Browser;
  let sock: FakeBaileysSocket;

  beforeAll(async () => {
    const sockets = fakeSocketFactory();
    [app, browser] = await Promise.all([startTestApp('dash-463', { options: { transport: sockets.transport } }), launch()]);
    sock = await sockets.openFirst(app.url);
    await saveCitizens(app.deps, [COLD]);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('says the number is connected, what still goes out and how many messages wait; an admin sends them', async () => {
    sock.emitEvent('connection.update', {
      reachoutTimeLock: {
        isActive: true,
        timeEnforcementEnds: new Date(Date.now() + 3600_000),
        enforcementType: 'RESTRICT_ALL_COMPANIONS' as never,
      },
    });
    await waitFor(async () => (await app.api<{ restricted: unknown }>('GET', '/api/whatsapp')).body.restricted ?? undefined);
    await app.api('POST', '/api/alerts', { audience: { all: true }, text: { en: 'Curfew from 18:00' } });
    await waitFor(async () => ((await app.api<{ held: number }>('GET', '/api/whatsapp')).body.held === 1 ? true : undefined));

    const { context, page } = await newPage(browser);
    await signIn(page, app.url, ADMIN_TOKEN);
    await open(page, '#/whatsapp');
    await expect.poll(() => page.locator('.conn strong').textContent()).toBe('connected');
    const card = page.locator('.restriction');
    await expect.poll(() => card.locator('h2').textContent()).toBe('New chats are held');
    expect(await card.textContent()).toMatch(/starting new chats \(reachout timelock\)/);
    expect(await card.textContent()).toMatch(
      /Still going out: replies to people who wrote to the number in the last weeks, and posts in the cell groups/,
    );
    expect(await card.locator('.held').textContent()).toMatch(
      /^1 message to people who have not written to the number recently .* is held, and sent once it lifts\.$/,
    );

    await card.locator('.act-lift').click();
    await waitFor(async () =>
      sock.sent.find((s) => s.jid === '33612700001@s.whatsapp.net' && /Curfew/.test(String((s.content as { text?: string }).text))),
    );
    await expect.poll(() => page.locator('.restriction').count()).toBe(0);
    await context.close();
  });
});
