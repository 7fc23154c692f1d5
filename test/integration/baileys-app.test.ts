import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/queues/queues.ts';
import { whatsappIdFor } from '../../src/transport/baileys/baileys-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { ADMIN_TOKEN, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

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
