// A call the embassy's phone answered is nobody's business, even when the gateway lost its socket
// between the accept and the end of the call: the caller is not told "we could not take your call"
// and the cell is not told about a missed call.
import type { WACallEvent } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const ANSWERED = '33612000101@s.whatsapp.net';
const MISSED = '33612000102@s.whatsapp.net';

/** A call event as Baileys 7 builds it from a <call> node (Socket/messages-recv: handleCall). */
const call = (id: string, status: WACallEvent['status'], from: string): WACallEvent => ({
  id,
  status,
  from,
  chatId: from,
  date: new Date(1_790_000_000_000),
  offline: false,
  isVideo: false,
  isGroup: false,
});

describe('a call answered while the gateway reconnects', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();
  const textsTo = (jid: string) =>
    sockets.sockets.flatMap((s) =>
      s.sent.filter((m) => m.jid === jid && 'text' in m.content).map((m) => String((m.content as { text: string }).text)),
    );

  beforeAll(async () => {
    app = await startTestApp('bl-call-restart', { options: { transport: sockets.transport } });
    await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('is not reported missed when it ends on the next socket; a call nobody took then still is', async () => {
    const first = await sockets.socket(1);
    first.emitEvent('call', [call('C-ANSWERED', 'offer', ANSWERED)]);
    first.emitEvent('call', [call('C-ANSWERED', 'accept', ANSWERED)]);
    // The connection drops during the call (the same happens to a gateway process that restarts).
    first.close(428);
    const second = await sockets.socket(2);
    second.open();
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
    second.emitEvent('call', [call('C-ANSWERED', 'terminate', ANSWERED)]);
    second.emitEvent('call', [call('C-MISSED', 'timeout', MISSED)]);

    expect(await waitFor(async () => textsTo(MISSED)[0])).toMatch(/^📞 We could not take your call/);
    await waitFor(async () => textsTo(CELL_GROUP).find((t) => t.startsWith('📞') && t.includes('+33612000102')));
    await settle(app);
    expect(textsTo(ANSWERED)).toEqual([]);
    expect(textsTo(CELL_GROUP).filter((t) => t.startsWith('📞') && t.includes('+33612000101'))).toEqual([]);
    const audit = await app.api<{ items: { type: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'call.missed')).toHaveLength(1);
  });
});
