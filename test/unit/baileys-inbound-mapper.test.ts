import { proto } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { jidOf, lidPairsOf, toInboundMessage } from '../../src/transport/baileys/inbound-mapper.ts';
import { membershipOf } from '../../src/transport/baileys/socket-events.ts';
import { MAX_INBOUND_TEXT } from '../../src/transport/chat-transport.ts';
import { waMessage } from '../fakes/fake-baileys-socket.ts';

const GROUP = '120363000000000001@g.us';

describe('Baileys inbound mapping', () => {
  it('maps a DM from a phone-number JID', () => {
    const m = toInboundMessage(
      waMessage({ id: 'A1', remoteJid: '33612345678@s.whatsapp.net', pushName: 'Marie', message: { conversation: 'help, flooding' } }),
    );
    expect(m).toEqual({
      id: 'A1',
      chat: { kind: 'dm', phone: '+33612345678' },
      from: { phone: '+33612345678', pushName: 'Marie' },
      text: 'help, flooding',
      fromMe: false,
      at: 1_790_000_000_000,
    });
  });

  it('keeps both LID and phone for a LID-addressed DM with remoteJidAlt, and yields the pair to learn', () => {
    const raw = waMessage({
      id: 'A2',
      remoteJid: '123456789012345@lid',
      remoteJidAlt: '33612345678@s.whatsapp.net',
      message: { conversation: 'hello' },
    });
    const m = toInboundMessage(raw);
    expect(m?.from).toEqual({ phone: '+33612345678', lid: '123456789012345@lid' });
    expect(m?.chat).toEqual({ kind: 'dm', phone: '+33612345678' });
    expect(lidPairsOf(raw.key)).toEqual([{ lid: '123456789012345@lid', phone: '+33612345678' }]);
  });

  it('addresses a DM by LID when WhatsApp hides the phone', () => {
    const m = toInboundMessage(waMessage({ id: 'A3', remoteJid: '123456789012345@lid', message: { conversation: 'hi' } }));
    expect(m?.from).toEqual({ lid: '123456789012345@lid' });
    expect(m?.chat).toEqual({ kind: 'dm', phone: '123456789012345@lid' });
    expect(jidOf(m?.chat ?? { kind: 'dm', phone: '' })).toBe('123456789012345@lid');
  });

  it('maps a group message from a LID participant with participantAlt (device part dropped)', () => {
    const m = toInboundMessage(
      waMessage({
        id: 'G1',
        remoteJid: GROUP,
        participant: '987654321098765:12@lid',
        participantAlt: '15550000001@s.whatsapp.net',
        message: { extendedTextMessage: { text: '/sitrep' } },
      }),
    );
    expect(m?.chat).toEqual({ kind: 'group', id: GROUP });
    expect(m?.from).toEqual({ phone: '+15550000001', lid: '987654321098765@lid' });
    expect(m?.text).toBe('/sitrep');
  });

  it('reads a photo caption, its media type and the quoted message id inside an ephemeral wrapper', () => {
    const m = toInboundMessage(
      waMessage({
        id: 'E1',
        remoteJid: '33612345678@s.whatsapp.net',
        message: {
          ephemeralMessage: {
            message: { imageMessage: { caption: 'the bridge is down', contextInfo: { stanzaId: '3EB0QUOTED' } } },
          },
        },
      }),
    );
    expect(m?.text).toBe('the bridge is down');
    expect(m?.replyTo).toBe('3EB0QUOTED');
    // Captioned or not, a photo is a photo: the cell is forwarded it.
    expect(m?.media).toBe('image');
  });

  it('keeps a document sent with a caption as a document, and an edited caption as words only', () => {
    const jid = '33612345678@s.whatsapp.net';
    const doc = toInboundMessage(
      waMessage({
        id: 'D1',
        remoteJid: jid,
        message: { documentWithCaptionMessage: { message: { documentMessage: { fileName: 'passport.pdf', caption: 'my passport' } } } },
      }),
    );
    expect(doc).toMatchObject({ text: 'my passport', media: 'document' });
    // An edit rewords the caption; the photo itself was the original message's.
    const edit = toInboundMessage(
      waMessage({
        id: 'ED3',
        remoteJid: jid,
        message: {
          protocolMessage: { type: 14, key: { id: 'PHOTO' }, editedMessage: { imageMessage: { caption: 'two injured, not one' } } },
        },
      }),
    );
    expect(edit).toMatchObject({ text: 'two injured, not one', edit: { of: 'PHOTO' } });
    expect(edit).not.toHaveProperty('media');
  });

  it('opens view-once wrappers and reports media without a caption', () => {
    const m = toInboundMessage(
      waMessage({ id: 'V1', remoteJid: '33612345678@s.whatsapp.net', message: { viewOnceMessageV2: { message: { imageMessage: {} } } } }),
    );
    expect(m?.media).toBe('image');
    expect(m?.text).toBeUndefined();
  });

  it('takes the new text of an edited message', () => {
    const m = toInboundMessage(
      waMessage({
        id: 'ED1',
        remoteJid: '33612345678@s.whatsapp.net',
        message: { protocolMessage: { type: 14, key: { id: 'OLD' }, editedMessage: { conversation: 'corrected: 3 people' } } },
      }),
    );
    expect(m?.text).toBe('corrected: 3 people');
    expect(m?.id).toBe('ED1');
    expect(m?.edit).toEqual({ of: 'OLD' });
  });

  it('takes an edit that names no original as a new message, and a delete for everyone as a deletion of its message', () => {
    const jid = '33612345678@s.whatsapp.net';
    const orphan = toInboundMessage(
      waMessage({ id: 'ED2', remoteJid: jid, message: { protocolMessage: { type: 14, editedMessage: { conversation: 'still here' } } } }),
    );
    expect(orphan).toMatchObject({ id: 'ED2', text: 'still here' });
    expect(orphan?.edit).toBeUndefined();
    const revoke = toInboundMessage(
      waMessage({ id: 'RV1', remoteJid: jid, message: { protocolMessage: { type: 0, key: { id: 'GONE' } } } }),
    );
    expect(revoke).toEqual({
      id: 'RV1',
      chat: { kind: 'dm', phone: '+33612345678' },
      from: { phone: '+33612345678' },
      fromMe: false,
      at: 1_790_000_000_000,
      deletion: { of: 'GONE' },
    });
    expect(toInboundMessage(waMessage({ id: 'RV2', remoteJid: jid, message: { protocolMessage: { type: 0 } } }))).toBeUndefined();
  });

  it('cuts a text longer than the inbound queue takes, saying so, without splitting an emoji', () => {
    const text = `${'a'.repeat(9_957)}${'🆘'.repeat(30_000)}`;
    const m = toInboundMessage(waMessage({ id: 'LONG1', remoteJid: '33612345678@s.whatsapp.net', message: { conversation: text } }));
    expect(m?.text?.length).toBeLessThanOrEqual(MAX_INBOUND_TEXT);
    expect(m?.text).toMatch(new RegExp(`^a{9957}(🆘)*\\n… \\[cut: the message had ${text.length} characters\\]$`, 'u'));
    const short = toInboundMessage(
      waMessage({ id: 'SHORT1', remoteJid: '33612345678@s.whatsapp.net', message: { conversation: 'x'.repeat(MAX_INBOUND_TEXT) } }),
    );
    expect(short?.text).toBe('x'.repeat(MAX_INBOUND_TEXT));
  });

  it('reads a text addressed to the bot by an @mention as what follows it, and leaves other mentions alone', () => {
    const me = { id: '15550000000:7@s.whatsapp.net', lid: '990000000000001:7@lid' };
    const said = (text: string, mentionedJid: string[]) =>
      toInboundMessage(
        waMessage({
          id: 'M1',
          remoteJid: GROUP,
          participant: '15550000001@s.whatsapp.net',
          message: { extendedTextMessage: { text, contextInfo: { mentionedJid } } },
        }),
        me,
      )?.text;
    expect(said('@15550000000 /ack INC-0042', ['15550000000@s.whatsapp.net'])).toBe('/ack INC-0042');
    expect(said('@990000000000001, /sitrep', ['990000000000001@lid'])).toBe('/sitrep');
    expect(said('@990000000000001 @15550000000 /help', ['990000000000001@lid', '15550000000@s.whatsapp.net'])).toBe('/help');
    // Someone else addressed, a mention further on, an unmentioned number, the mention alone: as written.
    expect(said('@15550000003 /ack INC-0042', ['15550000003@s.whatsapp.net'])).toBe('@15550000003 /ack INC-0042');
    expect(said('/note INC-0042 told @15550000000', ['15550000000@s.whatsapp.net'])).toBe('/note INC-0042 told @15550000000');
    expect(said('@15550000000 /sitrep', [])).toBe('@15550000000 /sitrep');
    expect(said('@15550000000', ['15550000000@s.whatsapp.net'])).toBe('@15550000000');
  });

  it('maps a location pin', () => {
    const m = toInboundMessage(
      waMessage({
        id: 'L1',
        remoteJid: '33612345678@s.whatsapp.net',
        message: { locationMessage: { degreesLatitude: 36.2, degreesLongitude: 37.15, name: 'Old town' } },
      }),
    );
    expect(m?.location).toEqual({ lat: 36.2, lng: 37.15, name: 'Old town' });
  });

  it("keeps both the name and the street address of a place picked from WhatsApp's list", () => {
    const pin = (locationMessage: proto.Message.ILocationMessage) =>
      toInboundMessage(waMessage({ id: 'L2', remoteJid: '33612345678@s.whatsapp.net', message: { locationMessage } }))?.location;
    const at = { degreesLatitude: 33.5138, degreesLongitude: 36.2765 };
    expect(pin({ ...at, name: 'Four Seasons Hotel', address: 'Shukri Al Quwatli St, Damascus' })?.name).toBe(
      'Four Seasons Hotel, Shukri Al Quwatli St, Damascus',
    );
    expect(pin({ ...at, address: 'Shukri Al Quwatli St, Damascus' })?.name).toBe('Shukri Al Quwatli St, Damascus');
    expect(pin(at)).toEqual({ lat: 33.5138, lng: 36.2765 });
  });

  it('maps a reaction to its target message and ignores a removed reaction', () => {
    const react = (text: string) =>
      toInboundMessage(
        waMessage({
          id: `R-${text}`,
          remoteJid: GROUP,
          participant: '15550000001@s.whatsapp.net',
          message: { reactionMessage: { key: { id: '3EB0CARD', remoteJid: GROUP, fromMe: true }, text } },
        }),
      );
    expect(react('👍')?.reaction).toEqual({ messageId: '3EB0CARD', emoji: '👍' });
    expect(react('')).toBeUndefined();
  });

  it('ignores own messages, status broadcasts and protocol messages', () => {
    expect(
      toInboundMessage(waMessage({ id: 'O1', remoteJid: '33612345678@s.whatsapp.net', fromMe: true, message: { conversation: 'x' } })),
    ).toBeUndefined();
    expect(
      toInboundMessage(
        waMessage({ id: 'S1', remoteJid: 'status@broadcast', participant: '336@s.whatsapp.net', message: { conversation: 'x' } }),
      ),
    ).toBeUndefined();
    expect(
      toInboundMessage(
        waMessage({
          id: 'P1',
          remoteJid: '33612345678@s.whatsapp.net',
          message: { protocolMessage: { type: 3, ephemeralExpiration: 86400 } },
        }),
      ),
    ).toBeUndefined();
  });

  it('keeps a round video message (ptv) as video, with its caption when it has one', () => {
    const ptv = (message: object) => toInboundMessage(waMessage({ id: 'PTV', remoteJid: '33612345678@s.whatsapp.net', message }));
    expect(ptv({ ptvMessage: { seconds: 12 } })?.media).toBe('video');
    expect(ptv({ ephemeralMessage: { message: { ptvMessage: { caption: 'the street now' } } } })).toMatchObject({
      text: 'the street now',
      media: 'video',
    });
  });

  it('keeps the comment a citizen adds to a live location', () => {
    const m = toInboundMessage(
      waMessage({
        id: 'LL1',
        remoteJid: '33612345678@s.whatsapp.net',
        message: { liveLocationMessage: { degreesLatitude: 36.2, degreesLongitude: 37.15, caption: 'we are 4, one injured' } },
      }),
    );
    expect(m?.location).toEqual({ lat: 36.2, lng: 37.15 });
    expect(m?.text).toBe('we are 4, one injured');
  });

  it('turns a shared contact card (one or several) into text with the names and numbers', () => {
    const vcard = (name: string, waid: string, tel: string) =>
      `BEGIN:VCARD\nVERSION:3.0\nN:;${name};;;\nFN:${name}\nTEL;type=CELL;type=VOICE;waid=${waid}:${tel}\nEND:VCARD`;
    const one = toInboundMessage(
      waMessage({
        id: 'C1',
        remoteJid: '33612345678@s.whatsapp.net',
        message: {
          contactMessage: {
            displayName: 'Jean Dupont',
            vcard: vcard('Jean Dupont', '33699887766', '+33 6 99 88 77 66'),
            contextInfo: { stanzaId: '3EB0ASK' },
          },
        },
      }),
    );
    expect(one?.text).toBe('Shared contact: Jean Dupont +33 6 99 88 77 66');
    expect(one?.replyTo).toBe('3EB0ASK');
    const many = toInboundMessage(
      waMessage({
        id: 'C2',
        remoteJid: '33612345678@s.whatsapp.net',
        message: {
          contactsArrayMessage: {
            displayName: '2 contacts',
            contacts: [
              { displayName: 'Jean', vcard: vcard('Jean', '33699887766', '+33 6 99 88 77 66') },
              { displayName: 'Lea', vcard: 'BEGIN:VCARD\nFN:Lea\nEND:VCARD' },
            ],
          },
        },
      }),
    );
    expect(many?.text).toBe('Shared contacts: Jean +33 6 99 88 77 66; Lea');
  });

  it("treats a message from a citizen's broadcast list as a DM from that citizen (status stays ignored)", () => {
    const raw = waMessage({
      id: 'B1',
      remoteJid: '1790000000@broadcast',
      participant: '123456789012345@lid',
      remoteJidAlt: '33612345678@s.whatsapp.net',
      message: { conversation: 'I am safe, at the Hilton' },
    });
    const m = toInboundMessage(raw);
    expect(m?.chat).toEqual({ kind: 'dm', phone: '+33612345678' });
    expect(m?.from).toEqual({ phone: '+33612345678', lid: '123456789012345@lid' });
    expect(lidPairsOf(raw.key)).toContainEqual({ lid: '123456789012345@lid', phone: '+33612345678' });
  });

  it('does not let a member with a hosted JID (business account) join a group unidentified', () => {
    // The participant Baileys 7 builds from a w:gp2 "add" for jid=…@hosted.lid: no phoneNumber (isLidUser is false for it).
    const change = membershipOf({
      id: GROUP,
      author: '987654321098765@lid',
      participants: [{ id: '222333444555666@hosted.lid', phoneNumber: undefined, lid: undefined, admin: null }],
      action: 'add',
    });
    expect(change.participants).toEqual([{ lid: '222333444555666@lid' }]);
    expect(membershipOf({ id: GROUP, author: '', participants: [{ id: '4915112345678@hosted' }], action: 'add' }).participants).toEqual([
      { phone: '+4915112345678' },
    ]);
  });
  it('passes on WhatsApp\'s "Forwarded" label of a text, a photo and a message forwarded many times', () => {
    /** Through the wire format, as Baileys decodes it. */
    const wire = (m: ReturnType<typeof waMessage>) => proto.WebMessageInfo.decode(proto.WebMessageInfo.encode(m).finish()) as typeof m;
    const jid = '33612345678@s.whatsapp.net';
    const text = toInboundMessage(
      wire(
        waMessage({
          id: 'F1',
          remoteJid: jid,
          message: {
            extendedTextMessage: {
              text: 'The embassy says go to the airport tonight',
              contextInfo: { isForwarded: true, forwardingScore: 1 },
            },
          },
        }),
      ),
    );
    expect(text).toMatchObject({ id: 'F1', text: 'The embassy says go to the airport tonight', forwarded: true });
    const photo = toInboundMessage(
      wire(
        waMessage({
          id: 'F2',
          remoteJid: jid,
          message: { ephemeralMessage: { message: { imageMessage: { caption: 'official notice', contextInfo: { isForwarded: true } } } } },
        }),
      ),
    );
    expect(photo).toMatchObject({ text: 'official notice', forwarded: true });
    // "Forwarded many times": WhatsApp may send only the score.
    const many = toInboundMessage(
      wire(
        waMessage({ id: 'F3', remoteJid: jid, message: { extendedTextMessage: { text: 'share!', contextInfo: { forwardingScore: 7 } } } }),
      ),
    );
    expect(many?.forwarded).toBe(true);
  });

  it('does not mark a message typed by the sender, or a reply, as forwarded', () => {
    const jid = '33612345678@s.whatsapp.net';
    expect(
      toInboundMessage(waMessage({ id: 'N1', remoteJid: jid, message: { conversation: 'the embassy says stay' } })),
    ).not.toHaveProperty('forwarded');
    const reply = toInboundMessage(
      waMessage({
        id: 'N2',
        remoteJid: jid,
        message: {
          extendedTextMessage: { text: 'is this true?', contextInfo: { stanzaId: 'Q1', isForwarded: false, forwardingScore: 0 } },
        },
      }),
    );
    expect(reply).toMatchObject({ replyTo: 'Q1' });
    expect(reply).not.toHaveProperty('forwarded');
  });
});
