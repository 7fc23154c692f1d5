import { generateForwardMessageContent, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/queues/queues.ts';
import { whatsappIdFor } from '../../src/transport/baileys/baileys-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { ADMIN_TOKEN, CELL_GROUP, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const CITIZEN_JID = '33612345678@s.whatsapp.net';

describe('the whole app on the Baileys adapter (fake socket)', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();
  const readyz = async () => (await fetch(`${app.url}/readyz`)).status;

  beforeAll(async () => {
    app = await startTestApp('bl-app', {
      options: {
        transport: sockets.transport,
      },
    });
  });
  afterAll(async () => app.stop());

  it('serves the pairing QR as a PNG to admins only, and 404 once paired', async () => {
    const sock = await sockets.socket(1);
    expect((await app.api('GET', '/api/whatsapp/qr')).status).toBe(404);
    sock.emitEvent('connection.update', { qr: '2@pairing-ref,noise,identity,adv' });
    await waitFor(async () => (await app.api<{ pairing: { qrWaiting: boolean } }>('GET', '/api/whatsapp')).body.pairing.qrWaiting);
    const res = await fetch(`${app.url}/api/whatsapp/qr`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    const viewer = await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer' });
    expect((await app.api('GET', '/api/whatsapp/qr', undefined, viewer.body.token)).status).toBe(403);
    const status = await app.api<{ transport: { state: string } }>('GET', '/api/whatsapp', undefined, viewer.body.token);
    expect(status.body.transport.state).toBe('waiting_for_pairing');
    sock.open();
    await waitFor(async () => (await app.api('GET', '/api/whatsapp/qr')).status === 404);
  });

  it('answers a citizen who writes on WhatsApp', async () => {
    const sock = await sockets.socket(1);
    sock.open();
    await waitFor(async () => (await readyz()) === 200);
    sock.upsert([waMessage({ id: 'WA-CITIZEN-1', remoteJid: CITIZEN_JID, message: { conversation: 'hello embassy' } })]);
    await waitFor(async () => sock.sent.find((s) => s.jid === CITIZEN_JID));
    expect(sock.read.map((k) => k.id)).toContain('WA-CITIZEN-1');
  });

  it('forwards a citizen’s voice note to the cell group after its card, as WhatsApp forwards it', async () => {
    const sock = sockets.latest();
    const voice = {
      audioMessage: {
        url: 'https://mmg.whatsapp.net/v/t62.7117-24/voice.enc',
        mimetype: 'audio/ogg; codecs=opus',
        ptt: true,
        seconds: 14,
        mediaKey: Buffer.alloc(32, 7),
        fileSha256: Buffer.alloc(32, 1),
        fileEncSha256: Buffer.alloc(32, 2),
        directPath: '/v/t62.7117-24/voice.enc',
      },
    };
    sock.upsert([waMessage({ id: 'WA-VOICE-1', remoteJid: '33612345679@s.whatsapp.net', message: voice })]);
    const forwarded = await waitFor(async () => sock.sent.find((s) => s.jid === CELL_GROUP && 'forward' in s.content), 15_000);
    // The card went first; the voice note itself follows, with its own media key: the officers can play it.
    const card = sock.sent.findIndex((s) => s.jid === CELL_GROUP && 'text' in s.content && /New incident/.test(String(s.content.text)));
    expect(card).toBeGreaterThanOrEqual(0);
    expect(card).toBeLessThan(sock.sent.indexOf(forwarded));
    const message = generateForwardMessageContent((forwarded.content as { forward: WAMessage }).forward, false);
    expect(message.audioMessage?.mediaKey).toEqual(voice.audioMessage.mediaKey);
    expect(message.audioMessage?.contextInfo?.isForwarded).toBe(true);
    expect(sock.sent.filter((s) => 'forward' in s.content)).toHaveLength(1);

    // DELETE erases the voice note the gateway kept to forward, and its copy of the card (the
    // citizen's number) kept for WhatsApp's retry requests.
    const cardId = sock.sent.find(
      (s) => s.jid === CELL_GROUP && 'text' in s.content && /New incident[\s\S]*Reporter: \+33612345679/.test(String(s.content.text)),
    )?.options?.messageId as string;
    expect(cardId).toBeTruthy();
    expect(await app.deps.redis.exists(app.deps.keys.waMessage(cardId))).toBe(1);
    expect(await app.deps.redis.exists(app.deps.keys.waMedia('WA-VOICE-1'))).toBe(1);
    sock.upsert([waMessage({ id: 'WA-VOICE-2', remoteJid: '33612345679@s.whatsapp.net', message: { conversation: 'DELETE' } })]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waMedia('WA-VOICE-1'))) === 0 || undefined);
    expect(await app.deps.redis.exists(app.deps.keys.waMediaOf('+33612345679'))).toBe(0);
    await waitFor(
      async () => (await app.deps.redis.exists(app.deps.keys.waMessage(cardId))) === 0 || undefined,
      10_000,
      'the card forgotten',
    );
    expect(await app.deps.redis.exists(app.deps.keys.sentRef(cardId))).toBe(0);
  });

  it('holds outbound messages while WhatsApp is disconnected and sends each exactly once after it reconnects', async () => {
    const first = sockets.latest();
    first.close(408);
    const second: FakeBaileysSocket = await sockets.socket(2);
    await waitFor(async () => (await readyz()) === 503);
    const keys = [1, 2, 3, 4, 5].map((i) => `outage-${i}`);
    for (const key of keys) {
      await app.queues.send({ to: { kind: 'dm', phone: '+33612345678' }, text: `update ${key}`, idempotencyKey: key, kind: 'alert' });
    }
    const ids = keys.map(whatsappIdFor);
    for (const key of keys) {
      const job = await app.queues.outbound.getJob(jobIdFor('o', key));
      expect(['waiting', 'prioritized', 'delayed', 'active']).toContain(await job?.getState());
    }
    expect([...first.sent, ...second.sent].filter((s) => ids.includes(s.options?.messageId ?? ''))).toHaveLength(0);

    second.open();
    await waitFor(async () => (await readyz()) === 200);
    await waitFor(
      async () => ids.every((id) => second.sent.some((s) => s.options?.messageId === id)),
      15_000,
      'all held messages to be sent',
    );
    for (const id of ids) expect(second.sent.filter((s) => s.options?.messageId === id)).toHaveLength(1);
    expect((await app.queues.outbound.getJobCounts('failed')).failed).toBe(0);
  });
});
