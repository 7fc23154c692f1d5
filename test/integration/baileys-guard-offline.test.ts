import { Boom } from '@hapi/boom';
import type { GroupMetadata } from '@whiskeysockets/baileys';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
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

  /** The removal job (of `stranger`), once its try number `n` has ended (it is no longer running). */
  const afterTry = (n: number, stranger = '+4915112345678') =>
    waitFor(
      async () => {
        const jobs = await removals.getJobs(['waiting', 'delayed', 'active', 'failed', 'completed', 'prioritized']);
        const job = jobs.find((j) => j.data.phones.includes(stranger));
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

  it('waits for the connection, using up no try, each time a removal times out because WhatsApp dropped', async () => {
    const stranger = '4915199999999@s.whatsapp.net';
    const meta = { ...CELL, participants: [...CELL.participants.slice(0, 2), { id: stranger, admin: null }] } as GroupMetadata;
    /** A connection that is lost during the removal: Baileys fails the query as timed out (408). */
    const dropsDuringRemoval = (s: FakeBaileysSocket) => {
      s.groups.set(CELL_GROUP, meta);
      s.groupParticipantsUpdate = async () => {
        s.close(408);
        throw new Boom('Timed Out', { statusCode: 408 });
      };
    };
    let current = await sockets.socket(2);
    dropsDuringRemoval(current);
    current.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: stranger }],
      action: 'add',
    });
    // A flaky network: WhatsApp comes back, and drops again during each of more tries than a removal has (5).
    for (let n = 1; n <= 7; n++) {
      const job = await afterTry(n, '+4915199999999');
      expect(await job.getState(), `after try ${n}`).not.toBe('failed');
      current = await sockets.socket(n + 2);
      if (n < 7) dropsDuringRemoval(current);
      else current.groups.set(CELL_GROUP, meta);
      current.open();
      await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
      await removals.promoteJobs();
    }
    await waitFor(async () => current.removed.length > 0 || undefined, 10_000, 'the stranger removed');
    expect(current.removed).toEqual([{ jid: CELL_GROUP, participants: [stranger] }]);
    const audit = await app.api<{ items: { type: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'membership.removal_failed')).toEqual([]);
  });
});
