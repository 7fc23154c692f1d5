import type { GroupMetadata } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileCellGroups } from '../../src/app/membership-guard.ts';
import type { ChatTransport } from '../../src/transport/chat-transport.ts';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** The bot's own LID (the fake socket's sock.user.lid, without its device). */
const OWN_LID = '990000000000001@lid';
const STRANGER_LID = '777000000000001@lid';

/**
 * A cell group whose members WhatsApp lists by LID only (no phone_number on the participant), the
 * bot included: the membership guard must know the bot's own LID is the embassy number, or it warns
 * the cell about "an unidentified member" that is the bot and, removing unknown members, makes the
 * bot remove itself from the crisis cell.
 */
describe('the membership guard in a cell group that lists members by LID only', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();

  beforeAll(async () => {
    app = await startTestApp('bl-guard-self', {
      options: { transport: sockets.transport },
      config: { membershipGuard: { removeUnknown: true, reconcileEvery: '1h' } },
    });
    sock = await sockets.openFirst(app.url);
    // Once open, the gateway knows its own LID stands for the embassy number (one write after "open").
    await waitFor(async () => (await app.deps.redis.hget(app.deps.keys.lidToPhone, OWN_LID)) === '+15550000000' || undefined);
    sock.groups.set(CELL_GROUP, {
      id: CELL_GROUP,
      subject: 'Crisis cell',
      participants: [
        { id: OWN_LID, admin: 'admin' },
        { id: '15550000001@s.whatsapp.net', admin: 'superadmin' },
        { id: STRANGER_LID, admin: null },
      ],
    } as GroupMetadata);
  });
  afterAll(async () => app?.stop());

  const sentTo = (jid: string) =>
    sock.sent.filter((s) => s.jid === jid && 'text' in s.content).map((s) => String((s.content as { text: string }).text));

  const warnings = () => sentTo(CELL_GROUP).filter((t) => t.startsWith('⚠️ Membership guard'));

  // The stranger, known by LID only, is reported and left to a group admin (it could be a rostered
  // officer whose number WhatsApp hides): the guard removes nobody here, least of all the bot.
  it('reports the member found by the periodic check, never the bot itself', async () => {
    await reconcileCellGroups(app.deps, app.transport as ChatTransport);
    await waitFor(async () => warnings().length > 0 || undefined, 10_000, 'the warning');
    await settle(app);
    const said = warnings();
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(STRANGER_LID);
    expect(said[0]).not.toContain(OWN_LID);
    expect(sock.removed).toEqual([]);
  });

  it('does not take the bot, added back to the cell group by an admin, for a stranger', async () => {
    const before = warnings().length;
    sock.emitEvent('group-participants.update', {
      id: CELL_GROUP,
      author: '15550000001@s.whatsapp.net',
      participants: [{ id: OWN_LID }, { id: '777000000000002@lid' }],
      action: 'add',
    });
    await waitFor(async () => warnings().length > before || undefined, 10_000, 'the second warning');
    await settle(app);
    const said = warnings().slice(before);
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('a member of');
    expect(said[0]).not.toContain(OWN_LID);
    expect(sock.removed).toEqual([]);
  });
});
