import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { apiAndGateway, killChild, startHeldWorker } from '../fakes/held-worker.ts';
import { CELL_GROUP, settle, type TestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/**
 * A citizen writes where they hide, then DELETE. The worker handling the first message dies, so
 * the DELETE is handled first (the dead worker's message comes back only once its lock runs out).
 * Their words and number must not come back after they were told their data was erased.
 */
const prefix = uniquePrefix('erase-crash');
let api: TestApp;
let child: ChildProcess | undefined;

const startWorker = (hold: 'before' | 'none') => startHeldWorker(prefix, { CHILD_HOLD: hold });
const kill = killChild;

let stop: (worker?: ChildProcess) => Promise<void>;

beforeAll(async () => {
  ({ api, stop } = await apiAndGateway('erase-crash', prefix));
});
afterAll(async () => stop(child));

describe('DELETE handled before a message a dead worker held back', () => {
  it('erases that message too: no report with their words, no answer after "erased"', async () => {
    const phone = '+33612340077';
    const { redis } = api.deps;
    const words = 'My name is Marie Dupont, we hide at the Hotel Cham, room 412';
    await redis.set(`${prefix}:test:hold`, '1');
    child = await startWorker('before');
    await api.say(phone, words, { id: 'WA-ERASE-1' });
    await waitFor(async () => Number(await redis.get(`${prefix}:test:held`)) >= 1 || undefined, 20_000, 'the message in flight');
    await kill(child);
    // Its lock outlives the worker (30 s by default): meanwhile the citizen sends DELETE.
    const lock = `${prefix}:inbound:${jobIdFor('m', 'WA-ERASE-1')}:lock`;
    await redis.pexpire(lock, 60_000);
    await redis.del(`${prefix}:test:hold`);
    child = await startWorker('none');
    await api.say(phone, 'DELETE', { id: 'WA-ERASE-2' });
    await api.expectMessage(phone, /erased/);
    // The lock runs out: the held message is taken back and handled now, after the erasure.
    await redis.del(lock);
    await waitFor(
      async () => (await api.queues.inbound.getJob(jobIdFor('m', 'WA-ERASE-1')))?.finishedOn || undefined,
      20_000,
      'the held message handled',
    );
    await settle(api);
    expect((await api.outbox(phone)).map((m) => m.text)).toEqual([expect.stringMatching(/^Your personal data has been erased/)]);
    const incidents = (await api.api<{ items: Incident[] }>('GET', '/api/incidents?limit=100')).body.items;
    expect(incidents.filter((i) => i.reporter === phone)).toEqual([]);
    expect(JSON.stringify(incidents)).not.toContain('Hotel Cham');
    expect((await api.outbox(CELL_GROUP)).filter((m) => m.text.includes(phone) || m.text.includes('Hotel Cham'))).toEqual([]);
    const audit = await api.api<{ items: { type: string; subject: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'message.erased_unread').map((e) => e.subject)).toEqual(['WA-ERASE-1']);
  }, 60_000);
});
