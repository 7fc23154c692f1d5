import { Boom } from '@hapi/boom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '../../src/queues/queues.ts';
import { whatsappIdFor } from '../../src/transport/baileys/baileys-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * A flaky network in the crisis zone: the WhatsApp connection drops again and again while a message
 * is being sent (Baileys: "Connection Closed"), and comes back each time. A drop is no fault of the
 * message: it must not use up the tries that end in giving it up.
 */
describe('WhatsApp dropping the connection mid-send, again and again', () => {
  let app: TestApp;
  const sockets = fakeSocketFactory();
  const readyz = async () => (await fetch(`${app.url}/readyz`)).status;

  beforeAll(async () => {
    app = await startTestApp('bl-flaky', { options: { transport: sockets.transport } });
  });
  afterAll(async () => app.stop());

  it('sends the answer once the connection holds, however many times it dropped mid-send', async () => {
    let sock: FakeBaileysSocket = await sockets.openFirst(app.url);
    const key = 'flaky-answer-1';
    const job = () => app.queues.outbound.getJob(jobIdFor('o', key));
    // More drops than the 10 tries a message has.
    const DROPS = 12;
    sock.failSend = new Boom('Connection Closed', { statusCode: 428 });
    await app.queues.send({
      to: { kind: 'dm', phone: '+33612345678' },
      text: 'Your report INC-0042 is with Ana',
      idempotencyKey: key,
      kind: 'notice',
    });
    for (let drop = 1; drop <= DROPS; drop++) {
      // The send was tried on this connection, and failed with it.
      await waitFor(async () => ((await job())?.attemptsStarted ?? 0) >= drop || undefined, 10_000, `try ${drop}`);
      await waitFor(async () => (await (await job())?.getState()) !== 'active' || undefined, 10_000, `try ${drop} to end`);
      expect(await (await job())?.getState(), `after drop ${drop}`).not.toBe('failed');
      sock.close(428);
      sock = await sockets.socket(drop + 1);
      if (drop < DROPS) sock.failSend = new Boom('Connection Closed', { statusCode: 428 });
      sock.open();
      await waitFor(async () => (await readyz()) === 200);
      // No need to wait for a backoff: the next try is due now.
      await app.queues.outbound.promoteJobs();
    }
    const id = whatsappIdFor(key);
    await waitFor(async () => sock.sent.some((s) => s.options?.messageId === id) || undefined, 15_000, 'the answer sent');
    expect(sock.sent.filter((s) => s.options?.messageId === id)).toHaveLength(1);
    expect((await app.queues.outbound.getJobCounts('failed')).failed).toBe(0);
  });
});
