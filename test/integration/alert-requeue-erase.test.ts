import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastRef, forgetRecipient, onBroadcastRequeued } from '../../src/broadcast/tracking.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

interface AlertView {
  status: string;
  counts: { total: number; queued: number; sent: number; cancelled: number };
}

/**
 * A citizen erases their data (DELETE) while the alert WhatsApp refused them (463) is being sent
 * again: the job cannot be taken off the queue (it is in hand), and the send is then skipped for the
 * erased citizen. The alert must still end, not stay "sending" for ever waiting for them.
 */
describe('an alert whose refused message is in hand when its citizen erases their data', () => {
  let app: TestApp;
  const citizen = aCitizen({ phone: '+33611000077' });
  beforeAll(async () => {
    app = await startTestApp('alert-requeue-erase');
    await saveCitizens(app.deps, [citizen]);
  });
  afterAll(async () => app.stop());

  it('counts them as cancelled and ends', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/alerts', { audience: { all: true }, text: { en: 'Curfew from 20:00' } });
    expect(res.status).toBe(201);
    const id = res.body.id;
    const view = async () => (await app.api<AlertView>('GET', `/api/alerts/${id}`)).body;
    await waitFor(async () => ((await view()).status === 'sent' ? true : undefined), 10_000, 'the alert sent');
    // WhatsApp refused it after taking it: queued again, the alert sending again.
    const ref = broadcastRef('alert', id, citizen.phone);
    await onBroadcastRequeued(app.deps, { to: { kind: 'dm', phone: citizen.phone }, idempotencyKey: ref, kind: 'alert', ref });
    expect(await view()).toMatchObject({ status: 'sending', counts: { sent: 0, queued: 1 } });
    // DELETE, with the job in hand (not removable): the citizen leaves the alert.
    await forgetRecipient(app.deps, 'alert', id, citizen.phone);
    expect(await view()).toMatchObject({ status: 'sent', counts: { total: 1, sent: 0, queued: 0, cancelled: 1 } });
  });
});
