import type { WACallEvent } from '@whiskeysockets/baileys';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { AuditLog } from '../../src/store/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { BaileysTransport } from '../../src/transport/baileys/baileys-transport.ts';
import type { InboundMessage, MissedCall } from '../../src/transport/chat-transport.ts';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { cleanPrefix, REDIS_URL, uniquePrefix, waitFor } from '../fakes/test-app.ts';

let redis: Redis;
const prefixes: string[] = [];
const running: BaileysTransport[] = [];
beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});
afterAll(async () => {
  await Promise.all(prefixes.map(cleanPrefix));
  await redis.quit();
});

/** A gateway on its own Redis prefix, or on `prefix` (the same number's session: a restarted gateway). */
async function gateway(prefix = uniquePrefix('bl-calls')) {
  if (!prefixes.includes(prefix)) prefixes.push(prefix);
  const keys = redisKeys(prefix);
  const sockets = fakeSocketFactory();
  const calls: MissedCall[] = [];
  const messages: InboundMessage[] = [];
  const transport = new BaileysTransport({
    redis,
    keys,
    log: createLogger('silent'),
    audit: new AuditLog(redis, keys),
    socketFactory: sockets.factory,
    lease: false,
    backoff: { baseMs: 5, maxMs: 20, replacedMs: 5 },
    printQr: false,
  });
  running.push(transport);
  await transport.start({ message: async (m) => void messages.push(m), missedCall: async (c) => void calls.push(c) });
  const sock = await sockets.socket(1);
  sock.open();
  return { sock, calls, messages, prefix, transport };
}

/** A call event as Baileys 7 builds it from a <call> node (Socket/messages-recv: handleCall). */
const call = (o: Partial<WACallEvent> & Pick<WACallEvent, 'id' | 'status'>): WACallEvent => ({
  chatId: '33612345678@s.whatsapp.net',
  from: '33612345678@s.whatsapp.net',
  date: new Date(1_790_000_000_000),
  offline: false,
  isVideo: false,
  isGroup: false,
  ...o,
});

/**
 * Rings out one last call and waits until it is reported: the gateway reads each call event's Redis
 * record in the order they came, so every call before it has been reported (or not) by then.
 */
async function settleCalls(g: { sock: { emitEvent: (e: 'call', c: WACallEvent[]) => void }; calls: { id: string }[] }) {
  g.sock.emitEvent('call', [call({ id: 'C-LAST', status: 'timeout', from: '33699999999@s.whatsapp.net' })]);
  await waitFor(async () => g.calls.some((c) => c.id === 'C-LAST') || undefined);
  g.calls.splice(
    g.calls.findIndex((c) => c.id === 'C-LAST'),
    1,
  );
}

describe('Baileys adapter: calls to the embassy number', () => {
  it('reports a call that rang out, was declined on the phone, or was hung up on, once; an answered call is not', async () => {
    const g = await gateway();
    g.sock.emitEvent('call', [call({ id: 'C-TIMEOUT', status: 'offer' })]);
    g.sock.emitEvent('call', [call({ id: 'C-TIMEOUT', status: 'ringing' })]);
    g.sock.emitEvent('call', [call({ id: 'C-TIMEOUT', status: 'timeout' })]);
    g.sock.emitEvent('call', [call({ id: 'C-ANSWERED', status: 'offer', from: '33611111111@s.whatsapp.net' })]);
    g.sock.emitEvent('call', [call({ id: 'C-ANSWERED', status: 'accept', from: '33611111111@s.whatsapp.net' })]);
    g.sock.emitEvent('call', [call({ id: 'C-ANSWERED', status: 'terminate', from: '33611111111@s.whatsapp.net' })]);
    g.sock.emitEvent('call', [call({ id: 'C-REJECT', status: 'reject', from: '33622222222@s.whatsapp.net', isVideo: true })]);
    g.sock.emitEvent('call', [call({ id: 'C-HANGUP', status: 'terminate', from: '33633333333@s.whatsapp.net' })]);
    await settleCalls(g);
    expect(g.calls).toEqual([
      { id: 'C-TIMEOUT', from: { phone: '+33612345678' }, at: 1_790_000_000_000, video: false },
      { id: 'C-REJECT', from: { phone: '+33622222222' }, at: 1_790_000_000_000, video: true },
      { id: 'C-HANGUP', from: { phone: '+33633333333' }, at: 1_790_000_000_000, video: false },
    ]);
    expect(g.messages).toEqual([]);
  });

  it('does not report a call answered before the gateway restarted and ended after it', async () => {
    const before = await gateway();
    const caller = '33612000001@s.whatsapp.net';
    before.sock.emitEvent('call', [call({ id: 'C-SPANS-RESTART', status: 'offer', from: caller })]);
    before.sock.emitEvent('call', [call({ id: 'C-SPANS-RESTART', status: 'accept', from: caller })]);
    // The accept is seen once it is kept: a call that ends on this gateway is not reported.
    before.sock.emitEvent('call', [call({ id: 'C-BEFORE', status: 'accept', from: caller })]);
    before.sock.emitEvent('call', [call({ id: 'C-BEFORE', status: 'terminate', from: caller })]);
    before.sock.emitEvent('call', [call({ id: 'C-BEFORE-MISSED', status: 'timeout', from: caller })]);
    await waitFor(async () => before.calls.length >= 1 || undefined);
    // The gateway process restarts (deploy, crash): a new transport and socket on the same session.
    await before.transport.stop();
    const after = await gateway(before.prefix);
    after.sock.emitEvent('call', [call({ id: 'C-SPANS-RESTART', status: 'terminate', from: caller })]);
    after.sock.emitEvent('call', [call({ id: 'C-AFTER-MISSED', status: 'timeout', from: '33612000002@s.whatsapp.net' })]);
    // Call events are handled in the order they came: once the later call is reported, the first is settled.
    await waitFor(async () => after.calls.length >= 1 || undefined);
    expect(before.calls.map((c) => c.id)).toEqual(['C-BEFORE-MISSED']);
    expect(after.calls.map((c) => [c.id, c.from])).toEqual([['C-AFTER-MISSED', { phone: '+33612000002' }]]);
  });

  it('reports a call made while the gateway was offline, and a caller WhatsApp shows by LID with their number; ignores group calls and the embassy itself', async () => {
    const g = await gateway();
    g.sock.emitEvent('call', [call({ id: 'C-OFFLINE', status: 'offer', offline: true, from: '33644444444@s.whatsapp.net' })]);
    g.sock.emitEvent('call', [
      call({
        id: 'C-LID',
        status: 'timeout',
        from: '123456789012345@lid',
        chatId: '123456789012345@lid',
        callerPn: '33655555555@s.whatsapp.net',
      }),
    ]);
    g.sock.emitEvent('call', [call({ id: 'C-GROUP', status: 'timeout', isGroup: true, groupJid: '120363000000000009@g.us' })]);
    g.sock.emitEvent('call', [call({ id: 'C-SELF', status: 'timeout', from: '15550000000:3@s.whatsapp.net' })]);
    await settleCalls(g);
    expect(g.calls.map((c) => [c.id, c.from])).toEqual([
      ['C-OFFLINE', { phone: '+33644444444' }],
      ['C-LID', { phone: '+33655555555', lid: '123456789012345@lid' }],
    ]);
  });
});
