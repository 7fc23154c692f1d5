import type { WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const RUMOUR = 'The embassy says all citizens must go to the airport tonight at 22:00. Share with everyone!';

describe('WhatsApp\'s "Forwarded" label reaches the app (Baileys adapter, real protos)', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();
  const texts = (jid: string) => sock.sent.filter((s) => s.jid === jid).map((s) => (s.content as { text?: string }).text ?? '');
  const deliver = async (m: WAMessage) => {
    sock.upsert([m]);
    await waitFor(async () => sock.read.some((k) => k.id === m.key.id), 10_000, `message ${m.key.id} to be taken`);
    await settle(app);
  };

  beforeAll(async () => {
    app = await startTestApp('bl-forwarded', { options: { transport: sockets.transport } });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('warns a citizen who forwards a rumour; the same words typed by them are a report', async () => {
    const forwarder = '33630000001@s.whatsapp.net';
    await deliver(
      waMessage({
        id: 'WA-FWD-1',
        remoteJid: forwarder,
        message: { extendedTextMessage: { text: RUMOUR, contextInfo: { isForwarded: true, forwardingScore: 4 } } },
      }),
    );
    await waitFor(async () => texts(forwarder).length > 0 || undefined);
    expect(texts(forwarder)).toEqual([expect.stringMatching(/the embassy did not send this message.*Send NEWS/s)]);

    const writer = '33630000002@s.whatsapp.net';
    await deliver(waMessage({ id: 'WA-TYPED-1', remoteJid: writer, message: { conversation: RUMOUR } }));
    await waitFor(async () => texts(writer).length > 0 || undefined);
    expect(texts(writer)).toEqual([expect.stringMatching(/We have your report/)]);
  });
});
