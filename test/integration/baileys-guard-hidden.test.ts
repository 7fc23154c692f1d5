import type { GroupMetadata } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCellGroups } from '../../src/app/membership-guard.ts';
import type { ChatTransport } from '../../src/transport/chat-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const OWN_LID = '990000000000001@lid';
/** The officer (+15550000003) as WhatsApp lists them in the cell group: by LID only. */
const OFFICER_LID = '301000000000003@lid';
/** The viewer (+15550000004): a pair Baileys learns on its own, after the gateway started. */
const VIEWER_LID = '301000000000004@lid';
/** A member nobody can put a number to. */
const HIDDEN_LID = '777000000000001@lid';
const HIDDEN_LID_2 = '777000000000002@lid';
const STRANGER = '+4915112345678';
/** The duty officer's DM, where membership warnings also go. */
const DUTY_JID = '15550000001@s.whatsapp.net';

type Audit = { items: { type: string; subject: string | null; data: Record<string, unknown> }[] };

/**
 * Cell groups where WhatsApp shows members by LID (hidden-number id) only. A rostered officer so
 * listed must be known as that officer (never reported, never removed, their commands taken); a
 * member whose number cannot be found is reported as such, and left to a group admin, never removed
 * by the bot; a stranger whose number is known is still removed.
 */
describe('the membership guard and members WhatsApp shows by LID only', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();

  const textsTo = (jid: string) =>
    sock.sent.filter((s) => s.jid === jid && 'text' in s.content).map((s) => String((s.content as { text: string }).text));
  const warnings = () => textsTo(CELL_GROUP).filter((t) => t.startsWith('⚠️ Membership guard'));
  const audit = async () => (await app.api<Audit>('GET', '/api/audit?limit=1000')).body.items;
  /** Waits until the worker handled `n` membership changes, and everything they caused was sent. */
  const handled = async (n: number) => {
    await waitFor(async () => (await audit()).filter((e) => e.type === 'group.membership').length >= n || undefined, 10_000, 'the change');
    await settle(app);
  };

  beforeAll(async () => {
    app = await startTestApp('bl-guard-hidden', {
      options: { transport: sockets.transport },
      config: { membershipGuard: { removeUnknown: true, reconcileEvery: '1h' } },
    });
    sock = await sockets.socket(1);
    // WhatsApp knows the officer's LID (usync); nobody knows HIDDEN_LID's number.
    sock.usyncLids.set('15550000003@s.whatsapp.net', OFFICER_LID);
    sock.groups.set(CELL_GROUP, {
      id: CELL_GROUP,
      subject: 'Crisis cell',
      participants: [
        { id: OWN_LID, admin: 'admin' },
        { id: '15550000001@s.whatsapp.net', admin: 'superadmin' },
        { id: OFFICER_LID, admin: null },
        { id: HIDDEN_LID, admin: null },
        { id: '4915112345678@s.whatsapp.net', admin: null },
      ],
    } as GroupMetadata);
    sock.open();
    await waitFor(async () => (await fetch(`${app.url}/readyz`)).status === 200);
  });
  afterAll(async () => app?.stop());

  it('learns the officer behind their LID once connected; the check reports only the others', async () => {
    await waitFor(async () => (await app.deps.redis.hget(app.deps.keys.lidToPhone, OFFICER_LID)) === STAFF.officer || undefined);
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await waitFor(async () => sock.removed.length > 0 || undefined, 10_000, 'the removal');
    await settle(app);
    // WhatsApp was asked about the officer once: the check found the answer in Baileys' mapping.
    expect(sock.usyncQueries.filter((q) => q.includes('15550000003@s.whatsapp.net'))).toHaveLength(1);

    const said = warnings();
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(
      `${STRANGER} is in "Crisis cell" but not on the staff roster (found by the periodic check). They are being removed automatically.`,
    );
    expect(said[0]).toContain(
      `a member of "Crisis cell" shows only WhatsApp's hidden-number id ${HIDDEN_LID} (found by the periodic check). The bot cannot see their number, so it cannot tell whether they are on the staff roster, and does not remove them. A group admin must check who it is`,
    );
    expect(said[0]).not.toContain(OFFICER_LID);
    expect(said[0]).not.toContain(STAFF.officer);
    expect(textsTo(DUTY_JID).filter((t) => t.includes(HIDDEN_LID))).toHaveLength(1);
    // Only the stranger whose number is known is removed: the officer and the hidden member stay.
    expect(sock.removed).toEqual([{ jid: CELL_GROUP, participants: ['4915112345678@s.whatsapp.net'] }]);

    const unknown = (await audit()).filter((e) => e.type === 'membership.unknown');
    expect(
      unknown
        .map((e) => ({ removal: e.data.removal, numberHidden: e.data.numberHidden }))
        .sort((a, b) => Number(a.removal) - Number(b.removal)),
    ).toEqual([
      { removal: false, numberHidden: true },
      { removal: true, numberHidden: undefined },
    ]);
    expect(JSON.stringify(unknown)).not.toContain(HIDDEN_LID);
  });

  it('takes a command from the officer writing under their LID alone', async () => {
    const before = textsTo(OFFICER_LID).length;
    sock.upsert([waMessage({ id: 'WA-OFFICER-HELP', remoteJid: OFFICER_LID, message: { conversation: '/help' } })]);
    const answer = await waitFor(async () => textsTo(OFFICER_LID)[before], 10_000, 'the answer to /help');
    expect(answer).not.toContain('only for rostered embassy staff');
    expect(answer).toContain('/sitrep');
  });

  it('does not report the officer added back under their LID alone', async () => {
    const before = warnings().length;
    sock.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: OFFICER_LID }],
      action: 'add',
    });
    await handled(1);
    expect(warnings()).toHaveLength(before);
    expect(sock.removed).toHaveLength(1);
  });

  it('does not report a rostered member whose LID only Baileys learnt, and remembers it', async () => {
    await sock.baileysLearns(VIEWER_LID, '15550000004@s.whatsapp.net');
    const before = warnings().length;
    sock.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: VIEWER_LID }],
      action: 'add',
    });
    await handled(2);
    expect(warnings()).toHaveLength(before);
    expect(sock.removed).toHaveLength(1);
    expect(await app.deps.redis.hget(app.deps.keys.lidToPhone, VIEWER_LID)).toBe(STAFF.viewer);
  });

  it('reports a member added under a LID nobody can resolve, and leaves them to a group admin', async () => {
    const before = warnings().length;
    sock.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: HIDDEN_LID_2 }],
      action: 'add',
    });
    await handled(3);
    const said = warnings().slice(before);
    expect(said).toEqual([
      `⚠️ Membership guard: a member of "Crisis cell" shows only WhatsApp's hidden-number id ${HIDDEN_LID_2} (just added). The bot cannot see their number, so it cannot tell whether they are on the staff roster, and does not remove them. A group admin must check who it is (group info → members) and remove them if they should not be there.`,
    ]);
    expect(textsTo(DUTY_JID).filter((t) => t.includes(HIDDEN_LID_2))).toHaveLength(1);
    expect(sock.removed).toHaveLength(1);
  });

  it('still removes a stranger whose number WhatsApp shows, added alongside a hidden member', async () => {
    const before = warnings().length;
    const group = sock.groups.get(CELL_GROUP) as GroupMetadata;
    sock.groups.set(CELL_GROUP, {
      ...group,
      participants: [
        ...group.participants,
        { id: '777000000000003@lid', phoneNumber: '4915199999999@s.whatsapp.net', admin: null },
        { id: '777000000000004@lid', admin: null },
      ],
    });
    sock.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: '777000000000003@lid', phoneNumber: '4915199999999@s.whatsapp.net' }, { id: '777000000000004@lid' }],
      action: 'add',
    });
    await waitFor(async () => sock.removed.length > 1 || undefined, 10_000, 'the second removal');
    await handled(4);
    // The group lists them by LID: they are removed by it (WhatsApp does not act on their phone JID there).
    expect(sock.removed[1]).toEqual({ jid: CELL_GROUP, participants: ['777000000000003@lid'] });
    const said = warnings().slice(before);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(
      '+4915199999999 is in "Crisis cell" but not on the staff roster (just added). They are being removed automatically.',
    );
    expect(said[0]).toContain('a member of "Crisis cell" shows only WhatsApp\'s hidden-number id 777000000000004@lid (just added)');
  });
});
