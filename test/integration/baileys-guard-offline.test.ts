import { Boom } from '@hapi/boom';
import type { GroupMetadata } from '@whiskeysockets/baileys';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const STRANGER = '4915112345678@s.whatsapp.net';
/** The cell group: the embassy number is an admin of it, as the membership guard needs. */
const CELL: GroupMetadata = {
  id: CELL_GROUP,
  subject: 'Crisis cell',
  owner: undefined,
  participants: [
    { id: '15550000000@s.whatsapp.net', admin: 'admin' },
    { id: '15550000001@s.whatsapp.net', admin: 'superadmin' },
    { id: STRANGER, admin: null },
  ],
} as GroupMetadata;

/**
 * Someone not on the roster is added to the crisis cell group just as WhatsApp drops (a flaky
 * network): they must be removed as soon as WhatsApp is back, however long it stayed away, not
 * left reading the cell's cards (citizens' names, phones, locations) until the next hourly check.
 */
describe('a stranger added to the cell group while WhatsApp drops', () => {
  let app: TestApp;
  let removals: Queue;
  const sockets = fakeSocketFactory();

  beforeAll(async () => {
    app = await startTestApp('bl-guard-offline', {
      options: { transport: sockets.transport },
      config: { membershipGuard: { removeUnknown: true, reconcileEvery: '1h' } },
    });
    removals = new Queue('group-removals', { connection: app.deps.queueConnection, prefix: app.prefix });
  });
  afterAll(async () => {
    await removals.close();
    await app.stop();
  });

  /** The removal job, once its try number `n` has ended (it is no longer running). */
  const afterTry = (n: number) =>
    waitFor(
      async () => {
        const [job] = await removals.getJobs(['waiting', 'delayed', 'active', 'failed', 'completed', 'prioritized']);
        return job && job.attemptsStarted >= n && (await job.getState()) !== 'active' ? job : undefined;
      },
      10_000,
      `removal try ${n}`,
    );

  it('is removed once WhatsApp is back, however many tries it took meanwhile', async () => {
    const first = await sockets.openFirst(app.url);
    first.groups.set(CELL_GROUP, CELL);
    // The connection goes in the middle of the removal.
    first.groupParticipantsUpdate = async () => {
      throw new Boom('Connection Closed', { statusCode: 428 });
    };
    first.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: STRANGER }],
      action: 'add',
    });
    await afterTry(1);
    first.close(408);
    const second = await sockets.socket(2); // WhatsApp stays away: this socket does not open yet
    // More tries than a removal has (5), their waits skipped.
    for (let n = 2; n <= 8; n++) {
      await removals.promoteJobs();
      const job = await afterTry(n);
      expect(await job.getState(), `after try ${n}`).not.toBe('failed');
    }
    second.groups.set(CELL_GROUP, CELL);
    second.open();
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
    await removals.promoteJobs();
    await waitFor(async () => second.removed.length > 0 || undefined, 10_000, 'the stranger removed');
    expect(second.removed).toEqual([{ jid: CELL_GROUP, participants: [STRANGER] }]);
    const audit = await app.api<{ items: { type: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'membership.removed')).toHaveLength(1);
  });
});
