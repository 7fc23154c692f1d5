// A citizen whose number WhatsApp hides (a LID-only sender) reports: the cell must not mistake
// their LID for a phone number to call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const HIDDEN = '204181337709876@lid';

describe('the card of a report from a hidden number', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();
  const textsTo = (jid: string) =>
    sockets
      .latest()
      .sent.filter((s) => s.jid === jid && 'text' in s.content)
      .map((s) => String((s.content as { text: string }).text));

  beforeAll(async () => {
    app = await startTestApp('hidden-card', { options: { transport: sockets.transport } });
    (await sockets.socket(1)).open();
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
  });
  afterAll(async () => app.stop());

  it('says the number is hidden and cannot be called, on the card and in /incident', async () => {
    sockets
      .latest()
      .upsert([
        waMessage({ id: 'WA-HID-1', remoteJid: HIDDEN, message: { conversation: 'armed men are at our door in Aleppo, we are hiding' } }),
      ]);
    const card = await waitFor(async () => textsTo(CELL_GROUP).find((t) => /New incident INC-\d{4}/.test(t)), 10_000, 'the card');
    expect(card).toContain(`Reporter: number hidden by WhatsApp (${HIDDEN}), cannot be called`);
    const id = /INC-\d{4}/.exec(card)?.[0] as string;
    const [incident] = (await app.api<{ items: { reporter: string }[] }>('GET', '/api/incidents')).body.items;
    // The API keeps the LID itself: the bot still writes to the citizen there.
    expect(incident?.reporter).toBe(HIDDEN);
    expect(textsTo(HIDDEN)[0]).toMatch(new RegExp(`We have your report\\. Reference: ${id}`));
    sockets.latest().upsert([
      waMessage({
        id: 'WA-HID-2',
        remoteJid: CELL_GROUP,
        participant: '15550000003@s.whatsapp.net',
        message: { conversation: `/incident ${id}` },
      }),
    ]);
    const details = await waitFor(async () => textsTo(CELL_GROUP).find((t) => t.startsWith(`${id} · open`)), 10_000, '/incident');
    expect(details).toContain(`Reporter: number hidden by WhatsApp (${HIDDEN}), cannot be called (en)`);
  });
});
