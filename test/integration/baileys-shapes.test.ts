import { generateForwardMessageContent, proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBaileysSocket, fakeSocketFactory, upload, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** Through the wire format, as Baileys decodes what a phone sent. */
const wire = (m: WAMessage) => proto.WebMessageInfo.decode(proto.WebMessageInfo.encode(m).finish()) as WAMessage;

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

  it('takes in a very long message (a pasted list of the people stranded with the citizen), cut to what the queue holds', async () => {
    const jid = '33697000002@s.whatsapp.net';
    const names = Array.from({ length: 700 }, (_, i) => `${i + 1}. Stranded person ${i + 1}, passport 12AB${String(i).padStart(5, '0')}`);
    const text = `We are ${names.length} people stuck at the north border post, no water:\n${names.join('\n')}`;
    expect(text.length).toBeGreaterThan(30_000);
    sock.upsert([wire(waMessage({ id: 'WA-LONG-1', remoteJid: jid, message: { extendedTextMessage: { text } } }))]);
    await waitFor(async () => sock.sent.find((s) => s.jid === jid && /Reference: INC-/.test(JSON.stringify(s.content))), 15_000, 'a reply');
    const card = await waitFor(async () =>
      sock.sent.find((s) => s.jid === CELL_GROUP && /New incident[\s\S]*stuck at the north border post/.test(JSON.stringify(s.content))),
    );
    expect(card).toBeTruthy();
    const incidents = await app.api<{ items: { id: string; reporter: string }[] }>('GET', '/api/incidents?limit=100');
    const id = incidents.body.items.find((i) => i.reporter === '+33697000002')?.id;
    const incident = await app.api<{ timeline: { text?: string }[] }>('GET', `/api/incidents/${id}`);
    const words = incident.body.timeline[0]?.text ?? '';
    expect(words.startsWith(text.slice(0, 9_000))).toBe(true);
    // The officers see that it was cut, and how long it was.
    expect(words).toMatch(new RegExp(`cut: the message had ${text.length} characters`));
  });

  it('runs a command an officer addresses to the bot with an @mention first, by phone or (in a LID group) by LID', async () => {
    const officer = `${STAFF.duty.slice(1)}@s.whatsapp.net`;
    const mentionFirst = (id: string, at: string, jid: string, command: string) =>
      wire(
        waMessage({
          id,
          remoteJid: CELL_GROUP,
          participant: officer,
          message: { extendedTextMessage: { text: `@${at} ${command}`, contextInfo: { mentionedJid: [jid] } } },
        }),
      );
    // The fake socket's account: 15550000000 (phone), 990000000000001 (LID).
    sock.upsert([mentionFirst('WA-AT-1', '15550000000', '15550000000@s.whatsapp.net', '/sitrep')]);
    await waitFor(async () => sock.sent.find((s) => s.jid === CELL_GROUP && s.options?.quoted?.key.id === 'WA-AT-1'), 15_000, 'an answer');
    const sitrep = sock.sent.find((s) => s.jid === CELL_GROUP && s.options?.quoted?.key.id === 'WA-AT-1');
    expect(JSON.stringify(sitrep?.content)).toMatch(/SITREP/);

    sock.upsert([mentionFirst('WA-AT-2', '990000000000001', '990000000000001@lid', '/help')]);
    await waitFor(async () => sock.sent.find((s) => s.jid === CELL_GROUP && s.options?.quoted?.key.id === 'WA-AT-2'), 15_000, 'an answer');
    const help = sock.sent.find((s) => s.jid === CELL_GROUP && s.options?.quoted?.key.id === 'WA-AT-2');
    expect(JSON.stringify(help?.content)).toMatch(/\/sitrep/);
  });
});
