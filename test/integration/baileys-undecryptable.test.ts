import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaseUndecryptable, UNDECRYPTABLE_GRACE_MS } from '../../src/app/undecryptable.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** The placeholder Baileys 7 upserts when it cannot decrypt a message (decode-wa-message.ts). */
function ciphertextStub(id: string, remoteJid: string, reason = 'No session record', participant?: string): WAMessage {
  return proto.WebMessageInfo.fromObject({
    key: { id, remoteJid, fromMe: false, ...(participant ? { participant } : {}) },
    messageStubType: proto.WebMessageInfo.StubType.CIPHERTEXT,
    messageStubParameters: [reason],
    messageTimestamp: 1_790_000_000,
  }) as WAMessage;
}

describe('a WhatsApp message the gateway cannot decrypt', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  let clock = Date.now();
  const sockets = fakeSocketFactory();
  const later = async () => {
    clock += UNDECRYPTABLE_GRACE_MS + 1_000;
    await chaseUndecryptable(app.deps);
    await settle(app);
  };
  const sentTo = (jid: string) => sock.sent.filter((s) => s.jid === jid);
  const auditOf = async (id: string) =>
    (
      await app.api<{ items: { type: string; subject?: string; actor: string; data: Record<string, unknown> }[] }>(
        'GET',
        '/api/audit?limit=500',
      )
    ).body.items.filter((e) => e.type === 'message.undecryptable' && e.subject === id);

  beforeAll(async () => {
    app = await startTestApp('bl-undecrypt', {
      options: {
        now: () => clock,
        transport: sockets.transport,
      },
    });
    sock = await sockets.openFirst(app.url);
  });
  afterAll(async () => app.stop());

  it('handles the real message when it follows the placeholder, and alerts nobody', async () => {
    const jid = '33611111111@s.whatsapp.net';
    sock.upsert([ciphertextStub('WA-RETRY-1', jid)]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-RETRY-1'))) === 1);
    sock.upsert([waMessage({ id: 'WA-RETRY-1', remoteJid: jid, message: { conversation: 'flooding in our street, 3 people trapped' } })]);
    await waitFor(async () => sentTo(jid).find((s) => /Reference: INC-/.test(JSON.stringify(s.content))));
    await later();
    const incidents = await app.api<{ items: { reporter: string }[] }>('GET', '/api/incidents');
    expect(incidents.body.items.filter((i) => i.reporter === '+33611111111')).toHaveLength(1);
    expect(sentTo(jid).filter((s) => /send it again/.test(JSON.stringify(s.content)))).toHaveLength(0);
    expect(sentTo(CELL_GROUP).filter((s) => /could not be read/.test(JSON.stringify(s.content)))).toHaveLength(0);
    expect(await auditOf('WA-RETRY-1')).toHaveLength(0);
  });

  it('alerts nobody when the real message reached the queue without the gateway seeing it follow (replayed from its spool)', async () => {
    const jid = '33611111112@s.whatsapp.net';
    sock.upsert([ciphertextStub('WA-SPOOLED-1', jid)]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-SPOOLED-1'))) === 1);
    // What the spool replay does once Redis answers again: straight to the inbound queue.
    await app.queues.receive({
      id: 'WA-SPOOLED-1',
      chat: { kind: 'dm', phone: '+33611111112' },
      from: { phone: '+33611111112' },
      text: 'the bridge collapsed, we are cut off with two children',
      fromMe: false,
      at: clock,
    });
    await waitFor(async () => sentTo(jid).find((s) => /Reference: INC-/.test(JSON.stringify(s.content))));
    await later();
    expect(sentTo(jid).filter((s) => /send it again/.test(JSON.stringify(s.content)))).toHaveLength(0);
    expect(sentTo(CELL_GROUP).filter((s) => JSON.stringify(s.content).includes('A message from +33611111112'))).toHaveLength(0);
    expect(await auditOf('WA-SPOOLED-1')).toHaveLength(0);
    expect(await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-SPOOLED-1'))).toBe(0);
  });

  it('tells the cell group and asks the citizen to resend, once, when the real message never comes', async () => {
    const jid = '33622222222@s.whatsapp.net';
    sock.upsert([ciphertextStub('WA-LOST-1', jid, 'Invalid PreKey ID')]);
    sock.upsert([ciphertextStub('WA-LOST-1', jid, 'Invalid PreKey ID')]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-LOST-1'))) === 1);
    await chaseUndecryptable(app.deps);
    await settle(app);
    expect(sentTo(jid)).toHaveLength(0);
    await later();
    await later();
    sock.upsert([ciphertextStub('WA-LOST-1', jid, 'Invalid PreKey ID')]);
    await later();
    const alerts = sentTo(CELL_GROUP).filter((s) => JSON.stringify(s.content).includes('A message from +33622222222 could not be read'));
    expect(alerts).toHaveLength(1);
    const asks = sentTo(jid);
    expect(asks).toHaveLength(1);
    expect(JSON.stringify(asks[0]?.content)).toMatch(/send it again/);
    const audit = await auditOf('WA-LOST-1');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toMatch(/^citizen:/);
    expect(JSON.stringify(audit[0])).not.toContain('33622222222');
  });

  it('asks a rostered officer by DM instead of alerting the cell group', async () => {
    const jid = `${STAFF.officer.slice(1)}@s.whatsapp.net`;
    sock.upsert([ciphertextStub('WA-STAFF-1', jid)]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-STAFF-1'))) === 1);
    await later();
    expect(sentTo(jid).filter((s) => /could not be read/.test(JSON.stringify(s.content)))).toHaveLength(1);
    expect(sentTo(CELL_GROUP).filter((s) => JSON.stringify(s.content).includes(STAFF.officer))).toHaveLength(0);
  });

  it('in a group the bot does not serve, tells nobody; in the cell group, tells the cell', async () => {
    // Someone added the embassy number to their family's group: a missing sender key is common there.
    const family = '120363999999999999@g.us';
    const stranger = '4915100001111@s.whatsapp.net';
    const officer = `${STAFF.officer.slice(1)}@s.whatsapp.net`;
    const noKey = 'No SenderKeyRecord found for decryption';
    const askedBefore = sentTo(officer).length;
    sock.upsert([ciphertextStub('WA-FAM-1', family, noKey, stranger), ciphertextStub('WA-FAM-2', family, noKey, officer)]);
    sock.upsert([ciphertextStub('WA-CELL-1', CELL_GROUP, noKey, stranger)]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-CELL-1'))) === 1);
    await later();
    const said = (jid: string) => sentTo(jid).map((s) => JSON.stringify(s.content));
    expect(said(CELL_GROUP).filter((t) => t.includes(family))).toEqual([]);
    expect(said(officer).slice(askedBefore)).toEqual([]);
    expect(said(CELL_GROUP).filter((t) => t.includes(`+4915100001111 in group ${CELL_GROUP}`))).toHaveLength(1);
    expect(await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-FAM-1'))).toBe(0);
  });

  it('tells the cell and the citizen that a "view once" photo cannot be opened, so they send it as an ordinary one', async () => {
    // What Baileys 7 upserts for <unavailable type="view_once"/> (decode-wa-message.ts): no content, no stub.
    const jid = '33697000011@s.whatsapp.net';
    const stub = proto.WebMessageInfo.fromObject({
      key: { id: 'WA-VIEWONCE-1', remoteJid: jid, fromMe: false },
      messageTimestamp: 1_790_000_000,
      pushName: 'Rania',
      broadcast: false,
    }) as WAMessage;
    Object.assign(stub.key, { remoteJidAlt: '123456789000011@lid', addressingMode: 'pn', isViewOnce: true });
    sock.upsert([stub]);
    await waitFor(async () => (await app.deps.redis.exists(app.deps.keys.waUndecryptable('WA-VIEWONCE-1'))) === 1);
    await later();
    const alerts = sentTo(CELL_GROUP).filter((s) => JSON.stringify(s.content).includes('A message from +33697000011'));
    expect(alerts).toHaveLength(1);
    expect(JSON.stringify(alerts[0]?.content)).toMatch(/\\"view once\\" photo, video or voice note.*ordinary one/);
    const asks = sentTo(jid);
    expect(asks).toHaveLength(1);
    expect(JSON.stringify(asks[0]?.content)).toMatch(/cannot open \\"view once\\".*send it again as an ordinary one/);
    expect((await auditOf('WA-VIEWONCE-1'))[0]?.data).toMatchObject({ reason: 'view once' });
  });
});
