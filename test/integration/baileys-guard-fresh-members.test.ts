import type { GroupMetadata } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCellGroups } from '../../src/app/membership-guard.ts';
import type { ChatTransport } from '../../src/transport/chat-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** The cell group as it was: the embassy number and the duty officer. */
const CELL: GroupMetadata = {
  id: CELL_GROUP,
  subject: 'Crisis cell',
  participants: [
    { id: '15550000000@s.whatsapp.net', admin: 'admin' },
    { id: '15550000001@s.whatsapp.net', admin: 'superadmin' },
  ],
} as GroupMetadata;

/**
 * The periodic check is what finds a stranger whose "added" notice never reached the gateway (added
 * while the embassy number was unlinked or the gateway down longer than WhatsApp keeps notices, or
 * the notice's handling failed). It read the member list from the gateway's group cache, kept 24 h
 * and refreshed only by those same notices: a stranger added since the cache was written stayed in
 * the cell group, reading every incident card, unreported, check after check, for up to a day.
 */
describe('the periodic membership check', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();

  const warnings = () =>
    sock.sent
      .filter((s) => s.jid === CELL_GROUP && 'text' in s.content)
      .map((s) => String((s.content as { text: string }).text))
      .filter((t) => t.startsWith('⚠️ Membership guard'));

  /** A stranger added while the gateway was away: WhatsApp lists them, and no notice will ever come. */
  const STRANGER_ON_ARRIVAL = '4915199990000@s.whatsapp.net';

  beforeAll(async () => {
    app = await startTestApp('bl-guard-fresh', {
      options: { transport: sockets.transport },
      config: { membershipGuard: { removeUnknown: false, reconcileEvery: '1h' } },
    });
    const first = await sockets.socket(1);
    first.groups.set(CELL_GROUP, {
      ...CELL,
      participants: [...CELL.participants, { id: STRANGER_ON_ARRIVAL, admin: null }],
    } as GroupMetadata);
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app?.stop());

  it('checks the cell groups as soon as WhatsApp connects, not a whole reconcileEvery (here 1 h) later', async () => {
    await waitFor(async () => warnings().length > 0, 10_000, 'the check on connecting');
    await settle(app);
    expect(warnings()).toEqual([
      '⚠️ Membership guard: +4915199990000 is in "Crisis cell" but not on the staff roster (found by the periodic check). If this is not expected, a group admin must remove them now.',
    ]);
  });

  it('reads the members from WhatsApp, not from a cached list that predates a stranger', async () => {
    sock.groups.set(CELL_GROUP, CELL);
    sock.sent.length = 0;
    // A check while only staff are in the group: nothing to report (and the member list is cached).
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await settle(app);
    expect(warnings()).toEqual([]);

    // A stranger joins; no group-participants.update ever reaches the gateway.
    sock.groups.set(CELL_GROUP, {
      ...CELL,
      participants: [...CELL.participants, { id: '4915112345678@s.whatsapp.net', admin: null }],
    } as GroupMetadata);
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await settle(app);
    expect(warnings()).toEqual([
      '⚠️ Membership guard: +4915112345678 is in "Crisis cell" but not on the staff roster (found by the periodic check). If this is not expected, a group admin must remove them now.',
    ]);
  });
});
