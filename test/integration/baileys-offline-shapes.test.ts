import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../../src/domain/incident.ts';
import { type FakeBaileysSocket, fakeSocketFactory, upload, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

interface IncidentView {
  id: string;
  status: string;
  summary: string;
  reporter: string | null;
  timeline: TimelineEntry[];
}

const Type = proto.Message.ProtocolMessage.Type;

/** Stickers and messages as Baileys hands them over after the gateway was offline (real protos). */
describe('stickers, and messages edited while the gateway was offline (Baileys adapter)', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();
  const sentTo = (jid: string) => sock.sent.filter((s) => s.jid === jid);
  const texts = (jid: string) => sentTo(jid).map((s) => (s.content as { text?: string }).text ?? '');
  const incidentsOf = async (phone: string) =>
    (await app.api<{ items: IncidentView[] }>('GET', '/api/incidents?status=open,acknowledged,resolved&limit=100')).body.items.filter(
      (i) => i.reporter === phone,
    );
  /** Upserts messages in one batch; resolves once each was read and the queues are idle. */
  const deliver = async (messages: WAMessage[], type: 'notify' | 'append' = 'notify') => {
    sock.upsert(messages, type);
    for (const m of messages)
      await waitFor(async () => sock.read.some((k) => k.id === m.key.id), 10_000, `message ${m.key.id} to be taken`);
    await settle(app);
  };

  beforeAll(async () => {
    app = await startTestApp('baileys-offline-shapes', { options: { transport: sockets.transport } });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('an animated (Lottie) sticker is read, as a still one is: a thank-you after the report was resolved, no new report', async () => {
    const jid = '33690100001@s.whatsapp.net';
    await deliver([waMessage({ id: 'OFF-REP-1', remoteJid: jid, message: { conversation: 'I lost my passport in the north' } })]);
    const [report] = await incidentsOf('+33690100001');
    expect((await app.api('PATCH', `/api/incidents/${report?.id}`, { status: 'resolved' })).status).toBe(200);
    await settle(app);
    const lottie = { lottieStickerMessage: { message: { stickerMessage: { ...upload(5), mimetype: 'application/was', isLottie: true } } } };
    await deliver([waMessage({ id: 'OFF-LOT-1', remoteJid: jid, message: lottie })]);
    await deliver([waMessage({ id: 'OFF-STK-1', remoteJid: jid, message: { stickerMessage: { ...upload(6), mimetype: 'image/webp' } } })]);
    expect(await incidentsOf('+33690100001')).toHaveLength(1);
    expect(texts(jid).filter((t) => t.includes(report?.id as string) && /closed/.test(t))).toHaveLength(3);
  });

  it('a sticker while the report is open joins it', async () => {
    const jid = '33690100002@s.whatsapp.net';
    await deliver([waMessage({ id: 'OFF-REP-2', remoteJid: jid, message: { conversation: 'Our street is flooded, we are upstairs' } })]);
    await deliver([waMessage({ id: 'OFF-STK-2', remoteJid: jid, message: { stickerMessage: { ...upload(7), mimetype: 'image/webp' } } })]);
    const [report] = await incidentsOf('+33690100002');
    expect(report?.timeline.map((e) => [e.type, e.data?.media])).toEqual([
      ['reported', undefined],
      ['media', 'sticker'],
    ]);
  });

  it('a message written and deleted for everyone while offline: with a report open, the officer sees that it was; without one, nothing opens', async () => {
    const jid = '33690100004@s.whatsapp.net';
    // What Baileys' buffer hands over: the original with its content gone and a REVOKE stub, then the delete itself.
    const revoked = (id: string, of: string) => {
      const stub = waMessage({ id: of, remoteJid: jid, message: { conversation: 'x' } });
      (stub as { message: unknown }).message = null;
      stub.messageStubType = proto.WebMessageInfo.StubType.REVOKE;
      const revoke = waMessage({
        id,
        remoteJid: jid,
        message: { protocolMessage: { type: Type.REVOKE, key: { id: of, remoteJid: jid, fromMe: true } } },
      });
      return [stub, revoke];
    };
    await deliver(revoked('OFF-DEL-1', 'OFF-GONE-1'), 'append');
    expect(await incidentsOf('+33690100004')).toEqual([]);
    await deliver([
      waMessage({ id: 'OFF-REP-4', remoteJid: jid, message: { conversation: 'They came to our house asking for my husband' } }),
    ]);
    const repliesBefore = texts(jid).length;
    await deliver(revoked('OFF-DEL-2', 'OFF-GONE-2'), 'append');
    const [report] = await incidentsOf('+33690100004');
    expect(report?.timeline.at(-1)).toMatchObject({ actor: 'reporter', messageId: 'deleted-unread:OFF-GONE-2' });
    expect(report?.timeline.at(-1)?.text).toContain('deleted for everyone before the embassy could read it');
    await waitFor(
      async () => texts(CELL_GROUP).some((t) => t.includes(`${report?.id} — the reporter adds: “(a message they deleted`)) || undefined,
    );
    expect(texts(jid).length).toBe(repliesBefore);
    await settle(app);
    expect(texts(CELL_GROUP).filter((t) => t.includes(`${report?.id}`) && /deleted/.test(t))).toHaveLength(1);
  });

  it('a photo re-captioned while offline: one report with the new caption, no "edited X to X", no photo forward without its file', async () => {
    const jid = '33690100003@s.whatsapp.net';
    const edited = { imageMessage: { caption: 'the bridge is down, 3 people hurt' } };
    const cardsBefore = sentTo(CELL_GROUP).length;
    // Baileys' event buffer hands over the original already replaced by its edit, then the edit itself.
    await deliver(
      [
        waMessage({ id: 'OFF-PHOTO-1', remoteJid: jid, message: { editedMessage: { message: edited } } }),
        waMessage({
          id: 'OFF-EDIT-1',
          remoteJid: jid,
          message: {
            protocolMessage: { type: Type.MESSAGE_EDIT, key: { id: 'OFF-PHOTO-1', remoteJid: jid, fromMe: true }, editedMessage: edited },
          },
        }),
      ],
      'append',
    );
    const mine = await incidentsOf('+33690100003');
    expect(mine).toHaveLength(1);
    expect(mine[0]?.summary).toBe('the bridge is down, 3 people hurt');
    expect(mine[0]?.timeline.filter((e) => e.type === 'edited')).toEqual([]);
    const cell = sentTo(CELL_GROUP).slice(cardsBefore);
    expect(cell.some((s) => JSON.stringify(s.content).includes('edited their message'))).toBe(false);
    expect(cell.some((s) => JSON.stringify(s.content).includes('editedMessage'))).toBe(false);
    // One answer with the reference, and no ✅ on an edit that changed nothing.
    expect(sentTo(jid).filter((s) => (s.content as { react?: unknown }).react)).toEqual([]);
    expect(texts(jid).filter((t) => /INC-\d{4}/.test(t))).toHaveLength(1);
  });
});
