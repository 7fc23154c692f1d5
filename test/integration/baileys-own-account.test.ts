import { type BinaryNode, decodeMessageNode, proto, type WAMessage } from '@whiskeysockets/baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMessageQueued } from '../../src/queues/queues.ts';
import { sentByOwnAccount } from '../../src/transport/baileys/inbound-mapper.ts';
import { type FakeBaileysSocket, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, listAllIncidents, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

// The embassy account of the fake socket: its phone JID and its LID (as sock.user gives them).
const ME = { id: '15550000000:7@s.whatsapp.net', lid: '990000000000001:7@lid' };
const OWN_LID = '990000000000001@lid';
const OWN_PN = '15550000000@s.whatsapp.net';

/** A received message whose key is made by Baileys itself from the stanza WhatsApp sends. */
function received(attrs: Record<string, string>, text: string, me = ME): WAMessage {
  const { fullMessage } = decodeMessageNode({ tag: 'message', attrs, content: [] } as BinaryNode, me.id, me.lid);
  return proto.WebMessageInfo.fromObject({ ...fullMessage, message: { conversation: text } }) as WAMessage;
}

describe("the embassy's own WhatsApp messages are never taken for a citizen's", () => {
  it('knows a broadcast list sent from the embassy phone under its LID is its own, though Baileys says fromMe false', () => {
    const own = received(
      {
        id: 'OWN-BL-1',
        from: '1790000000@broadcast',
        participant: OWN_LID,
        participant_pn: OWN_PN,
        addressing_mode: 'lid',
        t: '1790000000',
      },
      'Embassy notice: stay indoors',
    );
    expect(own.key.fromMe).toBe(false); // Baileys 7 compares a broadcast's sender with our phone JID only
    expect(sentByOwnAccount(own.key, ME)).toBe(true);
    // A session that does not know its own LID yet: a LID self-message also comes with fromMe false.
    const self = received({ id: 'OWN-LID-1', from: OWN_LID, t: '1790000000' }, 'note to self', { ...ME, lid: '' });
    expect(self.key.fromMe).toBe(false);
    expect(sentByOwnAccount(self.key, ME)).toBe(true);
    // A citizen's own broadcast list stays theirs.
    const citizen = received(
      {
        id: 'CIT-BL-1',
        from: '1790000000@broadcast',
        participant: '123456789012345@lid',
        participant_pn: '33612345678@s.whatsapp.net',
        addressing_mode: 'lid',
        t: '1790000000',
      },
      'we are safe',
    );
    expect(sentByOwnAccount(citizen.key, ME)).toBe(false);
  });

  describe('on the whole app', () => {
    let app: TestApp;
    let sock: FakeBaileysSocket;
    const sockets = fakeSocketFactory();
    beforeAll(async () => {
      app = await startTestApp('bl-own-account', { options: { transport: sockets.transport } });
      sock = await sockets.openFirst(app.url);
    });
    afterAll(async () => app?.stop());

    it('opens no report and answers nobody for a broadcast the embassy phone sent, while a citizen beside it is answered', async () => {
      const own = received(
        {
          id: 'OWN-BL-2',
          from: '1790000001@broadcast',
          participant: OWN_LID,
          participant_pn: OWN_PN,
          addressing_mode: 'lid',
          t: '1790000000',
        },
        'URGENT: the border crossing is closed, please help anyone trapped',
      );
      const citizen = received({ id: 'CIT-DM-2', from: '33612345670@s.whatsapp.net', t: '1790000000' }, 'we are trapped at the station');
      sock.upsert([own, citizen]);
      await waitFor(async () => sock.sent.find((s) => s.jid === '33612345670@s.whatsapp.net'));
      await settle(app);

      expect(await inboundMessageQueued(app.deps.redis, app.prefix, 'OWN-BL-2')).toBe(false);
      const reporters = (await listAllIncidents(app)).map((i) => i.reporter);
      expect(reporters).toEqual(['+33612345670']);
      expect(sock.sent.filter((s) => s.jid === OWN_PN || s.jid === OWN_LID)).toEqual([]);
      const cards = sock.sent.filter((s) => s.jid === CELL_GROUP && 'text' in s.content);
      expect(cards.map((c) => String((c.content as { text: string }).text)).join('\n')).not.toMatch(/border crossing|\+15550000000/);
    });
  });
});
