import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/queues/queues.ts';
import { whatsappIdFor } from '../../src/transport/baileys/baileys-transport.ts';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * A gateway starting (a restart, a standby taking over the lease) while WhatsApp is still
 * connecting: the messages waiting to go out must wait in the queue, untouched, until the
 * connection is open. The outbound worker used to start anyway and take each one only to put it
 * back a second later as a dropped send, again and again until the connection opened (or the next
 * 20 s heartbeat paused it): each time one more drop counted against the message, and a share of
 * the send rate went to a gateway that could not send.
 */
describe('a gateway starting while WhatsApp connects', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();

  beforeAll(async () => {
    app = await startTestApp('bl-gw-start', { options: { transport: sockets.transport } });
  });
  afterAll(async () => app.stop());

  it('leaves the outbound queue alone until the connection is open, then sends each message once', async () => {
    const sock = await sockets.socket(1);
    const key = 'waiting-for-whatsapp-1';
    await app.queues.send({
      to: { kind: 'dm', phone: '+33612345678' },
      text: 'Your report INC-0042 is with Ana',
      idempotencyKey: key,
      kind: 'notice',
    });
    const job = () => app.queues.outbound.getJob(jobIdFor('o', key));
    // Long enough for a running worker to take the message many times over (it did within milliseconds).
    await new Promise((r) => setTimeout(r, 500));
    expect(await (await job())?.getState()).toBe('waiting');
    expect((await job())?.attemptsStarted ?? 0).toBe(0);

    sock.open();
    const id = whatsappIdFor(key);
    await waitFor(async () => sock.sent.some((s) => s.options?.messageId === id) || undefined, 10_000, 'the message sent');
    await waitFor(async () => (await (await job())?.getState()) === 'completed' || undefined, 10_000, 'the job completed');
    expect(sock.sent.filter((s) => s.options?.messageId === id)).toHaveLength(1);
    expect((await job())?.data.drops).toBeUndefined();
  });
});
