import { generateForwardMessageContent, proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** Through the wire format, as Baileys decodes what a phone sent. */
const wire = (m: WAMessage) => proto.WebMessageInfo.decode(proto.WebMessageInfo.encode(m).finish()) as WAMessage;

/** The media fields a phone's upload gives a photo or document (what a Forward reuses). */
const upload = (n: number) => ({
  url: `https://mmg.whatsapp.net/v/t62.7118-24/${n}.enc`,
  mediaKey: Buffer.alloc(32, n),
  fileSha256: Buffer.alloc(32, n + 1),
  fileEncSha256: Buffer.alloc(32, n + 2),
  directPath: `/v/t62.7118-24/${n}.enc`,
});

describe('what citizens really send on WhatsApp reaches the cell (Baileys adapter, real protos)', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();
  const forwardsOf = (id: string) =>
    sock.sent.filter((s) => s.jid === CELL_GROUP && 'forward' in s.content && (s.content.forward as WAMessage).key?.id === id);

  beforeAll(async () => {
    app = await startTestApp('bl-shapes', { options: { transport: sockets.transport } });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('forwards a captioned photo (in a disappearing chat) and a document with a caption to the cell, after the card', async () => {
    const jid = '33697000001@s.whatsapp.net';
    const photo = {
      ephemeralMessage: {
        message: { imageMessage: { ...upload(3), mimetype: 'image/jpeg', caption: 'the bridge on the north road is down' } },
      },
    };
    sock.upsert([wire(waMessage({ id: 'WA-CAP-PHOTO', remoteJid: jid, message: photo }))]);
    const forwarded = await waitFor(async () => forwardsOf('WA-CAP-PHOTO')[0], 15_000, 'the captioned photo forwarded to the cell');
    const card = sock.sent.findIndex(
      (s) =>
        s.jid === CELL_GROUP &&
        'text' in s.content &&
        /New incident[\s\S]*the bridge on the north road is down/.test(String(s.content.text)),
    );
    expect(card).toBeGreaterThanOrEqual(0);
    expect(card).toBeLessThan(sock.sent.indexOf(forwarded));
    const message = generateForwardMessageContent((forwarded.content as { forward: WAMessage }).forward, false);
    expect(message.imageMessage?.mediaKey).toEqual(Buffer.alloc(32, 3));

    // The same citizen then sends a scan of their passport, with a caption (WhatsApp wraps it).
    const scan = {
      documentWithCaptionMessage: {
        message: {
          documentMessage: {
            ...upload(9),
            mimetype: 'application/pdf',
            fileName: 'passport.pdf',
            caption: 'my passport, I lost the original',
          },
        },
      },
    };
    sock.upsert([wire(waMessage({ id: 'WA-CAP-DOC', remoteJid: jid, message: scan }))]);
    const doc = await waitFor(async () => forwardsOf('WA-CAP-DOC')[0], 15_000, 'the captioned document forwarded to the cell');
    expect(generateForwardMessageContent((doc.content as { forward: WAMessage }).forward, false).documentMessage?.fileName).toBe(
      'passport.pdf',
    );
    await settle(app);
    expect(forwardsOf('WA-CAP-PHOTO')).toHaveLength(1);
    expect(forwardsOf('WA-CAP-DOC')).toHaveLength(1);
  });
});
