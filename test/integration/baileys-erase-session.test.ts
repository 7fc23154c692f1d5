// A citizen's DELETE erases their phone everywhere, Baileys' own LID mapping in the WhatsApp session
// included (in Redis, where the session lives, and in the running gateway's memory); the pairs of the
// staff and of the embassy number stay, even when a member of staff sends DELETE.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepAfterErasure } from '../../src/citizens/erase.ts';
import { LID_MAPPING } from '../../src/transport/baileys/session-lids.ts';
import { type FakeBaileysSocket, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const CITIZEN_PN = '33612345001@s.whatsapp.net';
const CITIZEN_LID = '204181337700001@lid';
/** An older LID of the same citizen, that only Baileys knew. */
const CITIZEN_OLD_LID = '204181337700002@lid';
/** The officer (+15550000003), writing from their own phone. */
const OFFICER_PN = '15550000003@s.whatsapp.net';
const OFFICER_LID = '301000000000003@lid';
/** The embassy number (+15550000000) and its LID. */
const OWN_PN = '15550000000@s.whatsapp.net';
const OWN_LID = '990000000000001@lid';
/** Another citizen, who sends DELETE while the gateway is cut off from Redis for a moment. */
const OTHER_PN = '33612345002@s.whatsapp.net';
const OTHER_LID = '204181337700003@lid';

describe('DELETE and the WhatsApp session’s LID mapping', () => {
  let app: TestApp;
  let sock: FakeBaileysSocket;
  const sockets = fakeSocketFactory();
  let n = 0;
  const textsTo = (jid: string) =>
    sock.sent.filter((s) => s.jid === jid && 'text' in s.content).map((s) => String((s.content as { text: string }).text));
  /** Someone writes from their LID with their phone alongside, as Baileys 7 delivers it; resolves with the answer. */
  const write = async (lid: string, pn: string, text: string): Promise<string> => {
    const before = textsTo(pn).length;
    sock.upsert([waMessage({ id: `WA-ERASE-${++n}`, remoteJid: lid, remoteJidAlt: pn, message: { conversation: text } })]);
    return waitFor(async () => textsTo(pn)[before], 10_000, `the answer to “${text}”`);
  };
  /** The session's LID mapping as stored in Redis (field → user part). */
  const stored = async () => {
    const raw = await app.deps.redis.hgetall(app.deps.keys.waKeys(LID_MAPPING));
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, JSON.parse(v) as string]));
  };
  const mapping = () => sock.signalRepository.lidMapping;

  beforeAll(async () => {
    app = await startTestApp('bl-erase-session', { options: { transport: sockets.transport } });
    sock = await sockets.openFirst(app.url);
    // What Baileys learnt on its own (message keys, usync answers): the citizen under two LIDs, the
    // officer, the embassy number.
    await sock.baileysLearns(CITIZEN_OLD_LID, CITIZEN_PN);
    await sock.baileysLearns(CITIZEN_LID, CITIZEN_PN);
    await sock.baileysLearns(OFFICER_LID, OFFICER_PN);
    await sock.baileysLearns(OWN_LID, OWN_PN);
  });
  afterAll(async () => app.stop());

  it('takes the citizen’s pairs out of the session in Redis and in the gateway’s memory; the staff’s and the embassy’s stay', async () => {
    await write(CITIZEN_LID, CITIZEN_PN, 'Our street is flooded, we need help');
    await settle(app);
    expect(await mapping().getPNForLID(CITIZEN_OLD_LID)).toBe('33612345001:0@s.whatsapp.net');
    expect(await stored()).toMatchObject({ '33612345001': '204181337700001', '204181337700002_reverse': '33612345001' });
    // The key of their message is kept to quote it (its chat: their LID, their number beside it).
    const messageKeys = async () =>
      Promise.all([
        app.deps.redis.exists(app.deps.keys.waMessageKey(`WA-ERASE-${n}`)),
        app.deps.redis.exists(app.deps.keys.waMessageKeysOf('+33612345001')),
      ]);
    expect(await messageKeys()).toEqual([1, 1]);

    expect(await write(CITIZEN_LID, CITIZEN_PN, 'DELETE')).toMatch(/has been erased/);
    await settle(app);
    expect(await messageKeys()).toEqual([0, 0]);

    const left = await stored();
    expect(
      Object.entries(left).filter(([k, v]) => k.includes('33612345001') || v.includes('33612345001') || k.startsWith('2041813377')),
    ).toEqual([]);
    expect(left).toEqual({
      '15550000003': '301000000000003',
      '301000000000003_reverse': '15550000003',
      '15550000000': '990000000000001',
      '990000000000001_reverse': '15550000000',
    });
    // The running gateway forgot them too: its socket's mapping answers from Redis again.
    await expect.poll(() => mapping().getPNForLID(CITIZEN_LID)).toBeNull();
    expect(await mapping().getPNForLID(CITIZEN_OLD_LID)).toBeNull();
    expect(await mapping().getPNForLID(OFFICER_LID)).toBe('15550000003:0@s.whatsapp.net');
    expect(await mapping().getPNForLID(OWN_LID)).toBe('15550000000:0@s.whatsapp.net');
  });

  it('erases again the pair that sending the answer taught the session (the sweep after the DELETE)', async () => {
    // Baileys looks up the LID of a phone it sends to, and keeps WhatsApp's answer.
    await sock.baileysLearns(CITIZEN_LID, CITIZEN_PN);
    expect(await stored()).toMatchObject({ '33612345001': '204181337700001' });
    await sweepAfterErasure(app.deps, ['+33612345001', CITIZEN_LID]);
    expect(Object.keys(await stored()).filter((k) => k.includes('33612345001') || k.startsWith('2041813377'))).toEqual([]);
    await expect.poll(() => mapping().getPNForLID(CITIZEN_LID)).toBeNull();
  });

  it('keeps the pairs of a member of staff who sends DELETE', async () => {
    expect(await write(OFFICER_LID, OFFICER_PN, 'DELETE')).toMatch(/has been erased/);
    await settle(app);
    expect(await stored()).toMatchObject({ '15550000003': '301000000000003', '301000000000003_reverse': '15550000003' });
    expect(await app.deps.redis.hget(app.deps.keys.lidToPhone, OFFICER_LID)).toBe(STAFF.officer);
    expect(await mapping().getPNForLID(OFFICER_LID)).toBe('15550000003:0@s.whatsapp.net');
  });

  it('forgets the pairs a DELETE erased while the gateway’s listener was cut off from Redis, once it is back', async () => {
    await sock.baileysLearns(OTHER_LID, OTHER_PN);
    expect(await mapping().getPNForLID(OTHER_LID)).toBe('33612345002:0@s.whatsapp.net');
    // The gateway's connection that hears erasures drops (a network blip, a Redis failover): what is
    // said on the channel meanwhile never reaches it.
    const listener = (app.transport as unknown as { erasures: Redis }).erasures;
    listener.disconnect();
    await sweepAfterErasure(app.deps, ['+33612345002', OTHER_LID]);
    expect(Object.keys(await stored()).filter((k) => k.includes('33612345002') || k.startsWith('204181337700003'))).toEqual([]);
    await listener.connect();
    await expect.poll(() => mapping().getPNForLID(OTHER_LID)).toBeNull();
    // Back on the channel: the next erasure is heard as before.
    await sock.baileysLearns(OTHER_LID, OTHER_PN);
    expect(await mapping().getPNForLID(OTHER_LID)).toBe('33612345002:0@s.whatsapp.net');
    await sweepAfterErasure(app.deps, ['+33612345002', OTHER_LID]);
    await expect.poll(() => mapping().getPNForLID(OTHER_LID)).toBeNull();
  });
});
