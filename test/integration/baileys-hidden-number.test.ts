// A citizen whose number WhatsApp hides (a LID-only sender, no phone alternate in the key) is a
// citizen like any other: they register, get alerts and welfare checks at their LID, and say SAFE.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCitizen } from '../../src/citizens/registry.ts';
import { fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const HIDDEN = '204181337702458@lid';

describe('a citizen whose number WhatsApp hides', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();
  let n = 0;
  const textsTo = (jid: string) =>
    sockets
      .latest()
      .sent.filter((s) => s.jid === jid && 'text' in s.content)
      .map((s) => String((s.content as { text: string }).text));
  /** The citizen writes; resolves with the bot's next answer to them. */
  const write = async (text: string): Promise<string> => {
    const before = textsTo(HIDDEN).length;
    sockets.latest().upsert([waMessage({ id: `WA-HIDDEN-${++n}`, remoteJid: HIDDEN, message: { conversation: text } })]);
    return waitFor(async () => textsTo(HIDDEN)[before], 10_000, `the answer to “${text}”`);
  };

  beforeAll(async () => {
    app = await startTestApp('bl-hidden', { options: { transport: sockets.transport } });
    const sock = await sockets.socket(1);
    sock.open();
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
  });
  afterAll(async () => app.stop());

  it('registers through REGISTER instead of opening an incident called “REGISTER”', async () => {
    expect(await write('REGISTER')).toMatch(/Registration with the Embassy/);
    await write('yes');
    await write('Amal Haddad');
    await write('nord');
    await write('3');
    expect(await write('1')).toMatch(/registered/i);
    const citizen = await getCitizen(app.deps, HIDDEN);
    expect(citizen).toMatchObject({ name: 'Amal Haddad', region: 'north', household: 3, language: 'en', optedOut: false });
    await settle(app);
    expect(textsTo(CELL_GROUP).filter((t) => /New incident/.test(t))).toEqual([]);
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents')).body.items).toEqual([]);
  });

  it('gets the region’s alert and the welfare check at their LID, and their answer is tallied', async () => {
    const alert = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Flooding in the north: move to higher ground.' },
    });
    expect(alert.status).toBe(201);
    await waitFor(async () => textsTo(HIDDEN).find((t) => /move to higher ground/.test(t)), 10_000, 'the alert');
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['north'] } });
    expect(check.status).toBe(201);
    await waitFor(async () => textsTo(HIDDEN).find((t) => /Are you safe\? Reply 1/.test(t)), 10_000, 'the welfare check');
    await write('1');
    const view = await waitFor(async () => {
      const v = (await app.api<{ counts: { safe: number; peopleSafe: number } }>('GET', `/api/welfare-checks/${check.body.id}`)).body;
      return v.counts.safe === 1 ? v : undefined;
    });
    expect(view.counts.peopleSafe).toBe(3);
  });

  it('says SAFE and is told it is noted, without a new incident', async () => {
    expect(await write('we are safe')).toMatch(/noted that you are safe/);
    await settle(app);
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents')).body.items).toEqual([]);
  });
});
