import { afterAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import type { Queues } from '../../src/queues/queues.ts';
import type { OutboundMessage, SendResult } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { cleanPrefix, settle, startTestApp, type TestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/**
 * A simulator whose first send of each message goes out and then "crashes" before the
 * job completes, as a gateway killed between the platform's ack and BullMQ's completion.
 */
class CrashAfterSend extends SimulatorTransport {
  readonly crashed = new Set<string>();
  override async send(msg: OutboundMessage): Promise<SendResult> {
    const result = await super.send(msg);
    if (!this.crashed.has(msg.idempotencyKey)) {
      this.crashed.add(msg.idempotencyKey);
      throw new Error('gateway crashed after sending');
    }
    return result;
  }
}

describe('outbound idempotency across a crash between send and completion', () => {
  let app: TestApp;
  let transport: CrashAfterSend;
  afterAll(async () => app?.stop());

  it('shows the message once and completes the retried job', async () => {
    // No cell group: the citizen's acknowledgement is the only message sent.
    app = await startTestApp('crash-send', {
      config: { cellGroups: [] },
      options: {
        transport: (deps: CoreDeps, queues: Queues) => {
          transport = new CrashAfterSend(deps.redis, deps.keys, queues.sink());
          return transport;
        },
      },
    });
    await app.say('+33611112222', 'is the airport open?');
    const reply = await app.expectMessage('+33611112222', /./);
    // Wait for the retry (BullMQ backoff), which must find the idempotency key.
    const job = await waitFor(
      async () => {
        const [j] = await app.queues.outbound.getJobs(['completed']);
        return j;
      },
      15_000,
      'the retried outbound job to complete',
    );
    expect(job.attemptsMade).toBe(2);
    expect(job.returnvalue).toEqual({ messageId: reply.id });
    await settle(app);
    expect(await app.outbox('+33611112222')).toHaveLength(1);
    expect(transport.crashed.size).toBe(1);
    const trail = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    expect(trail.body.items.filter((e) => e.type === 'message.out')).toHaveLength(1);
  });
});

describe('inbound dedupe across a restart', () => {
  const prefix = uniquePrefix('restart');
  afterAll(async () => cleanPrefix(prefix));

  it('handles a message redelivered after the app restarted once', async () => {
    const first = await startTestApp('restart', { prefix });
    await first.say('+33633334444', 'we need water', { id: 'WA-REDELIVERED-1' });
    await first.expectMessage('+33633334444', /./);
    await settle(first);
    await first.close();

    const second = await startTestApp('restart', { prefix });
    try {
      await second.say('+33633334444', 'we need water', { id: 'WA-REDELIVERED-1' });
      await second.say('+33633334444', 'and food', { id: 'WA-NEW-2' });
      await second.expectMessage('+33633334444', (m) => m.seq > 1);
      await settle(second);
      expect(await second.outbox('+33633334444')).toHaveLength(2);
      const trail = await second.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
      expect(trail.body.items.filter((e) => e.type === 'message.in').map((e) => e.subject)).toEqual(['WA-REDELIVERED-1', 'WA-NEW-2']);
    } finally {
      await second.close();
    }
  });
});
