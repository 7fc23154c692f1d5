import { type GroupMetadata, proto } from '@whiskeysockets/baileys';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { AuditLog } from '../../src/store/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { BaileysTransport, whatsappIdFor } from '../../src/transport/baileys/baileys-transport.ts';
import { recentAlerts } from '../../src/transport/baileys/staff-alert.ts';
import {
  type ConnectionState,
  type DeliveryUpdate,
  type InboundMessage,
  type MembershipChange,
  type RefusedSend,
  TransportError,
} from '../../src/transport/chat-transport.ts';
import { encryptPollVote, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { cleanPrefix, REDIS_URL, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const GROUP = '120363000000000001@g.us';
let redis: Redis;
const prefixes: string[] = [];
const running: BaileysTransport[] = [];

beforeAll(() => {
  redis = new Redis(REDIS_URL);
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((t) => t.stop()));
});
afterAll(async () => {
  await Promise.all(prefixes.map(cleanPrefix));
  await redis.quit();
});

/**
 * A Baileys transport on a fake socket, reporting into arrays. `takesRefused` plays the app that
 * queues a refused message again (the gateway role does).
 */
async function gateway(opts: { pairingNumber?: string; takesRefused?: boolean } = {}) {
  const { takesRefused = true, ...options } = opts;
  const prefix = uniquePrefix('bl-tr');
  prefixes.push(prefix);
  const keys = redisKeys(prefix);
  const sockets = fakeSocketFactory();
  const got = {
    messages: [] as InboundMessage[],
    deliveries: [] as DeliveryUpdate[],
    memberships: [] as MembershipChange[],
    refused: [] as RefusedSend[],
  };
  const states: { state: ConnectionState; detail?: Record<string, unknown> }[] = [];
  const transport = new BaileysTransport({
    redis,
    keys,
    log: createLogger('silent'),
    audit: new AuditLog(redis, keys),
    socketFactory: sockets.factory,
    lease: false,
    backoff: { baseMs: 5, maxMs: 20, replacedMs: 5 },
    printQr: false,
    restrictionPollMs: 20,
    ...options,
  });
  running.push(transport);
  await transport.start({
    message: async (m) => void got.messages.push(m),
    delivery: async (d) => void got.deliveries.push(d),
    membership: async (c) => void got.memberships.push(c),
    connection: (state, detail) => void states.push({ state, ...(detail ? { detail } : {}) }),
    ...(takesRefused
      ? {
          refused: async (r: RefusedSend) => {
            got.refused.push(r);
            return true;
          },
        }
      : {}),
  });
  const sock = await sockets.socket(1);
  const lastState = () => states.at(-1)?.state;
  return { transport, keys, sockets, sock, got, states, lastState };
}

describe('Baileys adapter: inbound', () => {
  it('queues every notified message of a batch, learns LIDs, sends read receipts, skips own messages', async () => {
    const g = await gateway();
    g.sock.open();
    g.sock.upsert([
      waMessage({
        id: 'IN1',
        remoteJid: '123456789012345@lid',
        remoteJidAlt: '33612345678@s.whatsapp.net',
        message: { conversation: 'help' },
      }),
      waMessage({ id: 'IN2', remoteJid: GROUP, participant: '15550000001@s.whatsapp.net', message: { conversation: '/sitrep' } }),
      waMessage({ id: 'OWN', remoteJid: '33612345678@s.whatsapp.net', fromMe: true, message: { conversation: 'our reply' } }),
    ]);
    await waitFor(async () => g.got.messages.length === 2 && g.sock.read.length === 2);
    expect(g.got.messages.map((m) => m.id)).toEqual(['IN1', 'IN2']);
    expect(await redis.hget(g.keys.lidToPhone, '123456789012345@lid')).toBe('+33612345678');

    g.sock.emitEvent('lid-mapping.update', { lid: '555666777888999@lid', pn: '4915112345678@s.whatsapp.net' });
    await waitFor(async () => (await redis.hget(g.keys.lidToPhone, '555666777888999@lid')) === '+4915112345678');
  });

  it('queues the messages WhatsApp held while the gateway was offline (Baileys 7 replays them as "append")', async () => {
    const g = await gateway();
    g.sock.open();
    // Baileys 7 rc14 tags a stanza carrying the `offline` attribute 'append' (messages-recv: upsertMessage(msg,
    // node.attrs.offline ? 'append' : 'notify')); history sync comes on messaging-history.set, never here.
    g.sock.upsert(
      [
        waMessage({
          id: 'OFF1',
          remoteJid: '33611111111@s.whatsapp.net',
          message: { conversation: 'we are trapped on the 3rd floor' },
          at: 1_790_000_000,
        }),
        waMessage({ id: 'ECHO', remoteJid: '33611111111@s.whatsapp.net', fromMe: true, message: { conversation: 'our reply' } }),
        waMessage({
          id: 'OFF2',
          remoteJid: GROUP,
          participant: '15550000001@s.whatsapp.net',
          message: { reactionMessage: { key: { id: '3EB0CARD', remoteJid: GROUP, fromMe: true }, text: '👍' } },
        }),
      ],
      'append',
    );
    await waitFor(async () => g.got.messages.length === 2);
    expect(g.got.messages.map((m) => m.id)).toEqual(['OFF1', 'OFF2']);
    expect(g.got.messages[0]).toMatchObject({ text: 'we are trapped on the 3rd floor', at: 1_790_000_000_000 });
    expect(g.got.messages[1]?.reaction).toEqual({ messageId: '3EB0CARD', emoji: '👍' });
  });

  it('one message that cannot be handled does not drop the rest of its batch', async () => {
    const g = await gateway();
    g.sock.open();
    const broken = waMessage({ id: 'BAD', remoteJid: '33611111111@s.whatsapp.net', message: { conversation: 'x' } });
    Object.defineProperty(broken, 'message', {
      get() {
        throw new Error('corrupt message');
      },
    });
    g.sock.upsert([broken, waMessage({ id: 'GOOD', remoteJid: '33622222222@s.whatsapp.net', message: { conversation: 'help' } })]);
    await waitFor(async () => g.got.messages.length === 1);
    expect(g.got.messages.map((m) => m.id)).toEqual(['GOOD']);
  });

  it('maps v7 group-participants.update objects to a membership change and refreshes the group cache', async () => {
    const g = await gateway();
    g.sock.open();
    g.sock.groups.set(GROUP, { id: GROUP, subject: 'Crisis cell', owner: undefined, participants: [] } as GroupMetadata);
    g.sock.emitEvent('group-participants.update', {
      id: GROUP,
      author: '15550000002@s.whatsapp.net',
      participants: [{ id: '111222333444555@lid', phoneNumber: '4915112345678@s.whatsapp.net' }],
      action: 'add',
    });
    await waitFor(async () => g.got.memberships.length === 1);
    expect(g.got.memberships[0]).toMatchObject({
      groupId: GROUP,
      action: 'add',
      participants: [{ phone: '+4915112345678', lid: '111222333444555@lid' }],
      by: { phone: '+15550000002' },
    });
    await waitFor(async () => (await g.sock.config.cachedGroupMetadata?.(GROUP))?.subject === 'Crisis cell');
    g.sock.emitEvent('groups.update', [{ id: GROUP, subject: 'Renamed' }]);
    await waitFor(async () => (await g.sock.config.cachedGroupMetadata?.(GROUP)) === undefined);
  });
});

describe('Baileys adapter: outbound', () => {
  it('sends text with mentions under an id derived from the idempotency key; a retry is not sent twice', async () => {
    const g = await gateway();
    await expect(
      g.transport.send({ to: { kind: 'group', id: GROUP }, text: 'x', idempotencyKey: 'early', kind: 'reply' }),
    ).rejects.toMatchObject({
      code: 'not_connected',
      retryable: true,
    });
    g.sock.open();
    await waitFor(async () => g.transport.state() === 'open');
    const msg = {
      to: { kind: 'group' as const, id: GROUP },
      text: 'Incident INC-7 @Ana',
      mentions: ['+15550000001'],
      idempotencyKey: 'card:INC-7',
      kind: 'card',
    };
    const first = await g.transport.send(msg);
    const again = await g.transport.send(msg);
    expect(first).toEqual({ messageId: whatsappIdFor('card:INC-7'), duplicate: false });
    expect(again).toEqual({ messageId: first.messageId, duplicate: true });
    expect(g.sock.sent).toHaveLength(1);
    expect(g.sock.sent[0]).toMatchObject({
      jid: GROUP,
      content: { text: 'Incident INC-7 @Ana', mentions: ['15550000001@s.whatsapp.net'] },
      options: { messageId: first.messageId },
    });
    const stored = await g.sock.config.getMessage?.({ id: first.messageId, remoteJid: GROUP, fromMe: true });
    expect(stored?.extendedTextMessage?.text).toBe('Incident INC-7 @Ana');
  });

  it('reacts to and quotes an inbound group message with its participant, and sends polls', async () => {
    const g = await gateway();
    g.sock.open();
    g.sock.upsert([
      waMessage({ id: 'Q1', remoteJid: GROUP, participant: '15550000003@s.whatsapp.net', message: { conversation: '/ack 7' } }),
    ]);
    await waitFor(async () => g.got.messages.length === 1);
    await g.transport.send({
      to: { kind: 'group', id: GROUP },
      reaction: { messageId: 'Q1', emoji: '✅' },
      idempotencyKey: 'r1',
      kind: 'reaction',
    });
    await g.transport.send({ to: { kind: 'group', id: GROUP }, text: 'Acknowledged', replyTo: 'Q1', idempotencyKey: 'r2', kind: 'reply' });
    await g.transport.send({
      to: { kind: 'dm', phone: '+33612345678' },
      poll: { question: 'Are you safe?', options: ['SAFE', 'HELP'] },
      idempotencyKey: 'w1',
      kind: 'welfare',
    });
    const [react, reply, poll] = g.sock.sent;
    expect(react?.content).toEqual({
      react: { text: '✅', key: { remoteJid: GROUP, id: 'Q1', fromMe: false, participant: '15550000003@s.whatsapp.net' } },
    });
    expect(reply?.options?.quoted?.key).toMatchObject({ id: 'Q1', participant: '15550000003@s.whatsapp.net' });
    expect(poll).toMatchObject({
      jid: '33612345678@s.whatsapp.net',
      content: { poll: { name: 'Are you safe?', values: ['SAFE', 'HELP'], selectableCount: 1 } },
    });
  });

  it('turns a vote on our welfare poll into a message whose text is the chosen option', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.transport.state() === 'open');
    const poll = await g.transport.send({
      to: { kind: 'dm', phone: '+33612345678' },
      poll: { question: 'Are you safe?', options: ['SAFE', 'HELP'] },
      idempotencyKey: 'welfare:1:+33612345678',
      kind: 'welfare',
    });
    const stored = await g.transport.store.getSent(poll.messageId);
    const secret = stored?.messageContextInfo?.messageSecret as Uint8Array;
    const vote = encryptPollVote({
      secret,
      pollId: poll.messageId,
      creatorJid: '15550000000@s.whatsapp.net',
      voterJid: '33612345678@s.whatsapp.net',
      options: ['HELP'],
    });
    g.sock.upsert([
      waMessage({
        id: 'VOTE1',
        remoteJid: '123456789012345@lid',
        remoteJidAlt: '33612345678@s.whatsapp.net',
        message: {
          pollUpdateMessage: {
            pollCreationMessageKey: { id: poll.messageId, remoteJid: '33612345678@s.whatsapp.net', fromMe: true },
            vote,
          },
        },
      }),
    ]);
    await waitFor(async () => g.got.messages.find((m) => m.id === 'VOTE1'));
    expect(g.got.messages.find((m) => m.id === 'VOTE1')).toMatchObject({
      text: 'HELP',
      replyTo: poll.messageId,
      from: { phone: '+33612345678', lid: '123456789012345@lid' },
    });
  });

  it('a failing WhatsApp send is a retryable TransportError', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.transport.state() === 'open');
    g.sock.failSend = new Error('socket hang up');
    const err = await g.transport
      .send({ to: { kind: 'dm', phone: '+33612345678' }, text: 'x', idempotencyKey: 'f1', kind: 'reply' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err).toMatchObject({ code: 'send_failed', retryable: true });
  });
});

describe('Baileys adapter: delivery and restriction', () => {
  it('maps message status updates and receipts to delivery states', async () => {
    const g = await gateway();
    g.sock.open();
    g.sock.emitEvent('messages.update', [
      { key: { id: 'M1', remoteJid: GROUP, fromMe: true }, update: { status: 2 } },
      { key: { id: 'M1', remoteJid: GROUP, fromMe: true }, update: { status: 3 } },
      { key: { id: 'THEIRS', remoteJid: GROUP, fromMe: false }, update: { status: 3 } },
    ]);
    g.sock.emitEvent('message-receipt.update', [
      { key: { id: 'M1', remoteJid: GROUP, fromMe: true }, receipt: { userJid: 'x', readTimestamp: 1_790_000_100 } },
    ]);
    await waitFor(async () => g.got.deliveries.length === 3);
    expect(g.got.deliveries.map((d) => d.state).sort()).toEqual(['delivered', 'read', 'sent']);
    expect(g.got.deliveries.every((d) => d.messageId === 'M1')).toBe(true);
  });

  it('a message WhatsApp reports failed names whom it was for (a phone, a LID), not a group', async () => {
    const g = await gateway();
    g.sock.open();
    const failed = (id: string, remoteJid: string) => ({
      key: proto.MessageKey.fromObject({ id, remoteJid, fromMe: true }),
      update: { status: proto.WebMessageInfo.Status.ERROR, messageStubParameters: ['479'] },
    });
    g.sock.emitEvent('messages.update', [
      failed('F1', '33612340000@s.whatsapp.net'),
      failed('F2', '98765432101234@lid'),
      failed('F3', GROUP),
    ]);
    await waitFor(async () => g.got.deliveries.length === 3);
    expect(g.got.deliveries).toEqual([
      expect.objectContaining({ messageId: 'F1', state: 'failed', error: '479', to: '+33612340000' }),
      expect.objectContaining({ messageId: 'F2', state: 'failed', error: '479', to: '98765432101234@lid' }),
      expect.objectContaining({ messageId: 'F3', state: 'failed', error: '479' }),
    ]);
    expect(g.got.deliveries[2]).not.toHaveProperty('to');
  });

  it('error 463 holds new chats only: the cell group and people who wrote to us still get messages, the refused one is handed back', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    // A citizen who wrote to the embassy gave it their trusted-contact token (stored by Baileys' own code).
    await g.sock.trustedContact({ phone: '+33611111111', lid: '111111111111111@lid' });
    const dm = (phone: string, key: string) => ({
      to: { kind: 'dm' as const, phone },
      text: `alert ${key}`,
      idempotencyKey: key,
      kind: 'alert',
    });

    // An alert to a citizen who never wrote goes out; WhatsApp answers it with 463.
    const cold = await g.transport.send(dm('+33622222222', 'alert:ALR-0001:+33622222222'));
    g.sock.refuse463(cold.messageId, '33622222222@s.whatsapp.net');
    await waitFor(async () => g.got.refused.length === 1);
    expect(g.got.refused).toEqual([{ messageId: cold.messageId, idempotencyKey: 'alert:ALR-0001:+33622222222', reason: '463' }]);
    // Not failed: it is sent again once WhatsApp lets the number start chats.
    expect(g.got.deliveries).toEqual([]);
    expect(g.lastState()).toBe('open');
    expect(g.states.at(-1)?.detail).toMatchObject({ restricted: 'error_463', holding: 'new_chats' });
    expect((await recentAlerts(redis, g.keys))[0]).toMatchObject({ code: 'account_restricted' });
    expect((await recentAlerts(redis, g.keys))[0]?.message).toMatch(/posts in the cell groups still go out/);

    // Still sent: a card to the cell group, a reply to the citizen who wrote.
    await g.transport.send({ to: { kind: 'group', id: GROUP }, text: 'New incident INC-1', idempotencyKey: 'card:INC-1', kind: 'card' });
    await g.transport.send(dm('+33611111111', 'reply:1'));
    // Held: a first message to someone who never wrote, and the refused alert (not a duplicate: it never arrived).
    for (const msg of [dm('+33633333333', 'alert:ALR-0001:+33633333333'), dm('+33622222222', 'alert:ALR-0001:+33622222222')]) {
      const err = await g.transport.send(msg).catch((e) => e);
      expect(err).toBeInstanceOf(TransportError);
      expect(err).toMatchObject({ code: 'held', retryable: true });
      expect(err.holdUntil).toBeGreaterThan(Date.now() + 23 * 3600_000);
    }
    expect(g.sock.sent.map((s) => s.jid)).toEqual(['33622222222@s.whatsapp.net', GROUP, '33611111111@s.whatsapp.net']);
    // WhatsApp Web offers no new group while the account may not start chats.
    expect(await g.transport.holdFor({ kind: 'group', id: GROUP }, { newGroup: true })).toMatchObject({ reason: 'error_463' });

    // An admin lifts it: the refused alert goes out, under the id WhatsApp refused.
    await redis.del(g.keys.waRestricted);
    await waitFor(async () => g.states.at(-1)?.detail?.restricted === undefined);
    expect(await g.transport.send(dm('+33622222222', 'alert:ALR-0001:+33622222222'))).toEqual({
      messageId: cold.messageId,
      duplicate: false,
    });
    expect(g.sock.sent.filter((s) => s.options?.messageId === cold.messageId)).toHaveLength(2);
  });

  it('a contact WhatsApp refuses despite the token it gave is held too until the restriction lifts', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    await g.sock.trustedContact({ phone: '+33644444444' });
    await g.transport.restrict('reachout_timelock', Date.now() + 3600_000);
    const first = await g.transport.send({ to: { kind: 'dm', phone: '+33644444444' }, text: 'a', idempotencyKey: 'r:1', kind: 'reply' });
    g.sock.refuse463(first.messageId, '33644444444@s.whatsapp.net');
    await waitFor(async () => g.got.refused.length === 1);
    const err = await g.transport
      .send({ to: { kind: 'dm', phone: '+33644444444' }, text: 'b', idempotencyKey: 'r:2', kind: 'reply' })
      .catch((e) => e);
    expect(err).toMatchObject({ code: 'held' });
    // The time lock's end (WhatsApp's word) stays the end: a 463 says less.
    expect(g.transport.sendRestriction()).toMatchObject({ reason: 'reachout_timelock' });
    expect(g.sock.sent).toHaveLength(1);
  });

  it('without an app to take it back, a refused message is reported failed', async () => {
    const g = await gateway({ takesRefused: false });
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    const sent = await g.transport.send({ to: { kind: 'dm', phone: '+33655555555' }, text: 'x', idempotencyKey: 'k463', kind: 'alert' });
    g.sock.refuse463(sent.messageId, '33655555555@s.whatsapp.net');
    await waitFor(async () => g.got.deliveries.length === 1 && g.states.at(-1)?.detail?.restricted === 'error_463');
    expect(g.got.deliveries).toEqual([
      expect.objectContaining({ messageId: sent.messageId, state: 'failed', error: '463', to: '+33655555555' }),
    ]);
    // The connection stays open: the restriction holds new chats, not the chats the number has.
    expect(g.lastState()).toBe('open');
  });

  it('a reach-out time lock holds new chats until the end WhatsApp gives, and WhatsApp lifting it lets them go', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    const ends = new Date(Date.now() + 6 * 3600_000);
    // What Baileys emits for <notification> NotificationUserReachoutTimelockUpdate (Socket/messages-recv).
    g.sock.emitEvent('connection.update', {
      reachoutTimeLock: { isActive: true, timeEnforcementEnds: ends, enforcementType: 'RESTRICT_ALL_COMPANIONS' as never },
    });
    await waitFor(async () => g.states.at(-1)?.detail?.restricted === 'reachout_timelock');
    expect(g.states.at(-1)).toEqual({
      state: 'open',
      detail: { restricted: 'reachout_timelock', until: ends.toISOString(), holding: 'new_chats' },
    });
    expect(await g.transport.holdFor({ kind: 'dm', phone: '+33666666666' })).toEqual({
      reason: 'reachout_timelock',
      until: ends.getTime(),
    });
    expect(await g.transport.holdFor({ kind: 'group', id: GROUP })).toBeUndefined();

    g.sock.emitEvent('connection.update', { reachoutTimeLock: { isActive: false, enforcementType: 'DEFAULT' as never } });
    await waitFor(async () => g.states.at(-1)?.detail?.restricted === undefined);
    expect(await redis.exists(g.keys.waRestricted)).toBe(0);
    await g.transport.send({ to: { kind: 'dm', phone: '+33666666666' }, text: 'x', idempotencyKey: 'after-lock', kind: 'alert' });
    expect(g.sock.sent).toHaveLength(1);
  });

  it('message capping at CAPPED holds new chats until the cycle ends, and lifts when the cap is no longer reached', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    const end = Math.floor(Date.now() / 1000) + 3600;
    g.sock.emitEvent('message-capping.update', { capping_status: 'CAPPED' as never, cycle_end_timestamp: String(end) });
    await waitFor(async () => g.states.at(-1)?.detail?.restricted === 'message_capping');
    expect(g.transport.state()).toBe('open');
    expect(JSON.parse((await redis.get(g.keys.waRestricted)) ?? '{}')).toMatchObject({ reason: 'message_capping', until: end * 1000 });
    expect(await g.transport.holdFor({ kind: 'dm', phone: '+33677777777' })).toEqual({ reason: 'message_capping', until: end * 1000 });
    g.sock.emitEvent('message-capping.update', { capping_status: 'NONE' as never, cycle_end_timestamp: String(end + 7 * 86400) });
    await waitFor(async () => g.states.at(-1)?.detail?.restricted === undefined);
    expect(await g.transport.holdFor({ kind: 'dm', phone: '+33677777777' })).toBeUndefined();
  });

  it('a time lock and the new-chat cap overlap: each lifts only itself, and the cap says nothing of a 463', async () => {
    const g = await gateway();
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    const restricted = () => g.transport.sendRestriction();
    const lock = (isActive: boolean, ends?: Date) =>
      g.sock.emitEvent('connection.update', {
        reachoutTimeLock: { isActive, ...(ends ? { timeEnforcementEnds: ends } : {}), enforcementType: 'RESTRICT_ALL_COMPANIONS' as never },
      });
    const cap = (status: string, end: number) =>
      g.sock.emitEvent('message-capping.update', { capping_status: status as never, cycle_end_timestamp: String(Math.floor(end / 1000)) });

    // A 463 with no lock known: the cap falling below its limit does not lift it.
    const sent = await g.transport.send({ to: { kind: 'dm', phone: '+33688888888' }, text: 'x', idempotencyKey: 'k:1', kind: 'alert' });
    g.sock.refuse463(sent.messageId, '33688888888@s.whatsapp.net');
    await waitFor(async () => restricted()?.reason === 'error_463');
    const since = restricted()?.since;
    await g.transport.unrestrict('message_capping'); // what a cap update below CAPPED does
    expect(restricted()?.reason).toBe('error_463');

    // The lock explains the 463; the cap, ending later, overlaps it: one restriction, one start.
    const lockEnds = new Date(Date.now() + 2 * 3600_000);
    const capEnds = Math.floor((Date.now() + 5 * 3600_000) / 1000) * 1000;
    lock(true, lockEnds);
    await waitFor(async () => restricted()?.reason === 'reachout_timelock');
    cap('CAPPED', capEnds);
    await waitFor(async () => restricted()?.reason === 'message_capping');
    expect(restricted()).toEqual({ reason: 'message_capping', since, until: capEnds });
    // The lock ends: the cap still holds new chats.
    lock(false);
    await waitFor(
      async () => restricted()?.until === capEnds && !JSON.parse((await redis.get(g.keys.waRestricted)) ?? '{}').sources?.reachout_timelock,
    );
    expect(await g.transport.holdFor({ kind: 'dm', phone: '+33699999999' })).toEqual({ reason: 'message_capping', until: capEnds });
    // The cap falls below its limit: nothing is left.
    cap('FIRST_WARNING', capEnds);
    await waitFor(async () => g.states.at(-1)?.detail?.restricted === undefined);
    expect(restricted()).toBeUndefined();
    expect(await redis.exists(g.keys.waRestricted)).toBe(0);
  });
});

describe('Baileys adapter: pairing and reconnect policy', () => {
  it('keeps the QR for the admin API while waiting for pairing, and requests a pairing code when configured', async () => {
    const g = await gateway({ pairingNumber: '+15550000000' });
    g.sock.emitEvent('connection.update', { qr: '2@abc,def,ghi' });
    await waitFor(async () => g.lastState() === 'waiting_for_pairing');
    expect(await redis.get(g.keys.waQr)).toBe('2@abc,def,ghi');
    await waitFor(async () => (await redis.get(g.keys.waPairingCode)) === 'ABCD1234');
    expect(g.sock.pairingRequests).toEqual(['15550000000']);
    g.sock.open();
    await waitFor(async () => (await redis.exists(g.keys.waQr)) === 0);
  });

  it('515 restarts at once; other closes back off and reconnect; reopening resets the backoff', async () => {
    const g = await gateway();
    g.sock.close(515);
    const second = await g.sockets.socket(2);
    second.close(408);
    await waitFor(async () => g.lastState() === 'closed');
    expect(g.states.at(-1)?.detail).toMatchObject({ attempt: 1, statusCode: 408 });
    const third = await g.sockets.socket(3);
    third.close(503);
    const fourth = await g.sockets.socket(4);
    expect(g.states.filter((s) => s.detail?.attempt === 2)).toHaveLength(1);
    fourth.open();
    await waitFor(async () => g.lastState() === 'open');
    fourth.close(428);
    await g.sockets.socket(5);
    expect(g.states.filter((s) => s.detail?.statusCode === 428)[0]?.detail?.attempt).toBe(1);
  });

  it('401 logged out clears the session, alerts staff and opens a fresh socket for re-pairing', async () => {
    const g = await gateway();
    g.sock.config.auth.creds.registered = true;
    g.sock.emitEvent('creds.update', { registered: true });
    await waitFor(async () => (await redis.exists(g.keys.waCreds)) === 1);
    g.sock.close(401);
    const fresh = await g.sockets.socket(2);
    expect(fresh.config.auth.creds.registered).toBe(false);
    expect(g.states.some((s) => s.state === 'logged_out')).toBe(true);
    expect(await redis.exists(g.keys.waCreds)).toBe(0);
    expect((await recentAlerts(redis, g.keys))[0]?.code).toBe('logged_out');
  });

  it.each([402, 403, 406])('%i (WhatsApp refuses the account) stops reconnecting, keeps the session and alerts staff', async (status) => {
    const g = await gateway();
    g.sock.emitEvent('creds.update', { registered: true });
    await waitFor(async () => (await redis.exists(g.keys.waCreds)) === 1);
    g.sock.open();
    await waitFor(async () => g.lastState() === 'open');
    // What Baileys does on <failure reason="403"/>: end(new Boom('Connection Failure', { statusCode: 403 })).
    g.sock.close(status);
    await waitFor(async () => (await recentAlerts(redis, g.keys))[0]?.code === 'account_refused');
    expect((await recentAlerts(redis, g.keys))[0]?.message).toMatch(/stopped reconnecting/);
    expect(g.lastState()).toBe('closed');
    expect(g.states.at(-1)?.detail).toMatchObject({ statusCode: status });
    expect(await redis.exists(g.keys.waCreds)).toBe(1);
    expect(g.states.some((s) => s.detail?.reconnectInMs !== undefined)).toBe(false);
    expect(g.sockets.sockets).toHaveLength(1);
  });

  it('440 replaced retries once after a long pause, then stops instead of looping', async () => {
    const g = await gateway();
    g.sock.close(440);
    const second = await g.sockets.socket(2);
    second.close(440);
    await waitFor(async () => (await recentAlerts(redis, g.keys)).length === 2);
    const alerts = await recentAlerts(redis, g.keys);
    expect(alerts[0]?.message).toMatch(/stopped reconnecting/);
    expect(g.lastState()).toBe('closed');
    expect(g.states.at(-1)?.detail).toEqual({ reason: 'replaced' });
    expect(g.sockets.sockets).toHaveLength(2);
  });
});
