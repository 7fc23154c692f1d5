import { type GroupMetadata, proto } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import { disappearingChanged } from '../../src/app/disappearing-messages.ts';
import { createChatContext } from '../../src/chat/chat-context.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, outboxDown, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const CELL: GroupMetadata = {
  id: CELL_GROUP,
  subject: 'Crisis cell',
  participants: [
    { id: '15550000000@s.whatsapp.net', admin: 'admin' },
    { id: '15550000001@s.whatsapp.net', admin: 'superadmin' },
    { id: '15550000003@s.whatsapp.net', admin: null },
  ],
} as GroupMetadata;

/** What Baileys 7 upserts for a group's <ephemeral expiration="…"/> or <not_ephemeral/> notification (Socket/messages-recv). */
const setting = (id: string, remoteJid: string, seconds: number) =>
  waMessage({
    id,
    remoteJid,
    participant: `${STAFF.officer.slice(1)}@s.whatsapp.net`,
    message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING, ephemeralExpiration: seconds } },
  });

/**
 * Disappearing messages turned on in the crisis-cell group: every incident card, checklist and
 * approval request would vanish from every phone. The cell and the duty officers are told what it
 * costs, and the audit trail keeps it; turning it off again is said too. Elsewhere, nothing is said.
 */
describe('disappearing messages in a cell group', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();
  const texts = (jid: string) =>
    sock.sent.filter((s) => s.jid === jid && 'text' in s.content).map((s) => String((s.content as { text: string }).text));
  const dutyJid = `${STAFF.duty.slice(1)}@s.whatsapp.net`;

  beforeAll(async () => {
    app = await startTestApp('baileys-disappearing', { options: { transport: sockets.transport } });
    (await sockets.socket(1)).groups.set(CELL_GROUP, CELL);
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app?.stop());

  it('turned on: the cell and the duty officers are told once, by whom and for how long; the audit keeps it', async () => {
    sock.upsert([setting('WA-EPH-ON', CELL_GROUP, 86_400)]);
    sock.upsert([setting('WA-EPH-ON', CELL_GROUP, 86_400)]);
    const warning = await waitFor(async () => texts(CELL_GROUP).find((t) => /disappearing messages/.test(t)), 15_000, 'the warning');
    expect(warning).toMatch(/Chloe Officer turned on disappearing messages in "Crisis cell": messages vanish after 24 hours/);
    expect(warning).toMatch(/Disappearing messages → Off/);
    await waitFor(async () => texts(dutyJid).find((t) => /turned on disappearing messages/.test(t)), 15_000, 'the duty officer told');
    await settle(app);
    expect(texts(CELL_GROUP).filter((t) => /turned on disappearing/.test(t))).toHaveLength(1);
    expect(texts(dutyJid).filter((t) => /turned on disappearing/.test(t))).toHaveLength(1);
    const audit = await app.api<{ items: { type: string; subject?: string; actor: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?order=newest&limit=50',
    );
    expect(audit.body.items.find((e) => e.type === 'group.disappearing')).toMatchObject({
      actor: 'Chloe Officer',
      subject: CELL_GROUP,
      data: { seconds: 86_400 },
    });
    // No incident, no card: it is nobody's report.
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents')).body.items).toHaveLength(0);
  });

  it('a job retried after its send failed writes its audit entry once', async () => {
    const down = outboxDown(app.deps);
    const attempt = (deps: CoreDeps) => {
      const ctx = createChatContext(deps, {
        id: 'WA-EPH-RETRY',
        chat: { kind: 'group', id: CELL_GROUP },
        from: { phone: STAFF.officer },
        disappearing: { seconds: 604_800 },
        fromMe: false,
        at: Date.now(),
      });
      ctx.sender = { phone: STAFF.officer, roles: ['officer'], actor: 'Chloe Officer' };
      return disappearingChanged(ctx);
    };
    await expect(attempt(down)).rejects.toThrow('outbox down');
    expect(await attempt(app.deps)).toBe(true);
    const audit = await app.api<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/audit?order=newest&limit=50');
    expect(audit.body.items.filter((e) => e.type === 'group.disappearing' && e.data.seconds === 604_800)).toHaveLength(1);
  });

  it('turned off: said in the cell', async () => {
    sock.upsert([setting('WA-EPH-OFF', CELL_GROUP, 0)]);
    await waitFor(async () => texts(CELL_GROUP).find((t) => /turned disappearing messages off/.test(t)), 15_000, 'the notice');
  });

  it('in a group the bot does not serve, or a chat with a citizen: nothing is said', async () => {
    const before = sock.sent.length;
    sock.upsert([setting('WA-EPH-FAMILY', '120363999999999999@g.us', 604_800)]);
    sock.upsert([
      waMessage({
        id: 'WA-EPH-DM',
        remoteJid: '33612345678@s.whatsapp.net',
        message: { protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING, ephemeralExpiration: 604_800 } },
      }),
    ]);
    sock.upsert([
      waMessage({ id: 'WA-EPH-AFTER', remoteJid: '33612345678@s.whatsapp.net', message: { conversation: 'our building collapsed, help' } }),
    ]);
    await waitFor(async () => texts('33612345678@s.whatsapp.net').find((t) => /INC-\d{4}/.test(t)), 15_000, 'the report after');
    await settle(app);
    const said = sock.sent.slice(before).map((s) => JSON.stringify(s.content));
    expect(said.filter((t) => /disappearing/i.test(t))).toEqual([]);
    expect(texts('33612345678@s.whatsapp.net')).toHaveLength(1);
  });
});
