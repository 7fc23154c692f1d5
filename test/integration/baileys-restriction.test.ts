import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { type FakeSend, fakeSocketFactory, waMessage } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, cleanPrefix, REDIS_URL, STAFF, startTestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

// WhatsApp restricts the embassy number (error 463, a reach-out time lock, the new-chat cap): it may
// not start chats, and keeps the chats it has (Baileys rc14 Utils/decode-wa-message, SERVER_ERROR_CODES:
// "WhatsApp blocks starting new chats but preserves existing ones"). The whole app over the fake socket.

const jidOf = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;
const textOf = (s: FakeSend) => String((s.content as { text?: string }).text ?? '');

interface AlertView {
  id: string;
  status: string;
  counts: { total: number; queued: number; sent: number; failed: number };
}

async function startApp(name: string) {
  const sockets = fakeSocketFactory();
  const app = await startTestApp(name, { options: { transport: sockets.transport } });
  const sock = await sockets.openFirst(app.url);
  const sentTo = (jid: string, match: RegExp) => sock.sent.filter((s) => s.jid === jid && match.test(textOf(s)));
  const whatsapp = async () => (await app.api<{ held: number; restricted: unknown }>('GET', '/api/whatsapp')).body;
  const alert = async (id: string) => (await app.api<AlertView>('GET', `/api/alerts/${id}`)).body;
  const sendAlert = async (text: string) => {
    const res = await app.api<{ id: string; status: string }>('POST', '/api/alerts', { audience: { all: true }, text: { en: text } });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('sending');
    return res.body.id;
  };
  return { app, sock, sentTo, whatsapp, alert, sendAlert };
}

describe('WhatsApp stops the number from starting chats: the crisis goes on in the chats it has', () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  const warm = aCitizen({ phone: '+33611000001' });
  const cold = aCitizen({ phone: '+33611000002' });
  beforeAll(async () => {
    t = await startApp('bl-restrict');
    await saveCitizens(t.app.deps, [warm, cold]);
  });
  afterAll(async () => t.app.stop());

  it('replies and cell-group posts go out, an alert waits for those who never wrote, and goes to them once when WhatsApp lifts the lock', async () => {
    const { app, sock, sentTo } = t;
    // The warm citizen wrote to the embassy before: their phone gave it their trusted-contact token.
    await sock.trustedContact({ phone: warm.phone, lid: '211000000000001@lid' });
    const ends = new Date(Date.now() + 5 * 3600_000);
    sock.emitEvent('connection.update', {
      reachoutTimeLock: { isActive: true, timeEnforcementEnds: ends, enforcementType: 'RESTRICT_ALL_COMPANIONS' as never },
    });
    // The cell is told in its group what still goes out and what waits.
    const notice = await waitFor(async () => sentTo(CELL_GROUP, /stops the embassy number from starting new chats/)[0]);
    expect(textOf(notice)).toMatch(/Still going out: replies to people who wrote to this number/);
    expect(textOf(notice)).toContain(`${ends.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

    // The warm citizen reports: they get their reference, the cell its card.
    sock.upsert([waMessage({ id: 'WARM-1', remoteJid: jidOf(warm.phone), message: { conversation: 'we are trapped at the airport' } })]);
    await waitFor(async () => sentTo(jidOf(warm.phone), /INC-\d+/)[0]);
    await waitFor(async () => sentTo(CELL_GROUP, /New incident/)[0]);

    // An alert to every registered citizen: the warm one gets it now, the cold one's waits.
    const id = await t.sendAlert('Shelter in place: stay indoors');
    await waitFor(async () => sentTo(jidOf(warm.phone), /Shelter in place/)[0]);
    await waitFor(async () => (await t.whatsapp()).held === 1 || undefined);
    expect(sentTo(jidOf(cold.phone), /Shelter in place/)).toHaveLength(0);
    expect((await t.alert(id)).counts).toMatchObject({ total: 2, sent: 1, queued: 1, failed: 0 });
    // /readyz: connected and sending, with the restriction and what it holds; the metrics say it too.
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).transport).toMatchObject({ state: 'open', restricted: 'reachout_timelock', holding: 'new_chats', held: 1 });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/^cc_whatsapp_new_chats_restricted\{transport="baileys"\} 1$/m);
    expect(metrics).toMatch(/^cc_whatsapp_held_messages\{transport="baileys"\} 1$/m);
    // Staff asking for a sitrep in the group hear it too.
    sock.upsert([
      waMessage({ id: 'SITREP-1', remoteJid: CELL_GROUP, participant: jidOf(STAFF.duty), message: { conversation: '/sitrep' } }),
    ]);
    const sitrep = await waitFor(async () => sentTo(CELL_GROUP, /SITREP/)[0]);
    expect(textOf(sitrep)).toMatch(/WhatsApp: no new chats \(reachout timelock\).*1 message to people who have not written/);

    // WhatsApp lifts the lock: the held alert goes out, once, and the cell is told.
    sock.emitEvent('connection.update', { reachoutTimeLock: { isActive: false, enforcementType: 'DEFAULT' as never } });
    await waitFor(async () => sentTo(jidOf(cold.phone), /Shelter in place/)[0]);
    await waitFor(async () => sentTo(CELL_GROUP, /start chats again: the 1 held message is going out now/)[0]);
    await waitFor(async () => ((await t.alert(id)).counts.sent === 2 ? true : undefined));
    await waitFor(async () => ((await t.whatsapp()).held === 0 ? true : undefined));
    expect(sentTo(jidOf(cold.phone), /Shelter in place/)).toHaveLength(1);
    expect(sentTo(jidOf(warm.phone), /Shelter in place/)).toHaveLength(1);
    expect(sentTo(CELL_GROUP, /stops the embassy number from starting new chats/)).toHaveLength(1);
  });
});

describe('a citizen messages were held for writes to the number during the restriction', () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  const cold = aCitizen({ phone: '+33611000005' });
  const other = aCitizen({ phone: '+33611000006' });
  beforeAll(async () => {
    t = await startApp('bl-restrict-write');
    await saveCitizens(t.app.deps, [cold, other]);
  });
  afterAll(async () => t.app.stop());

  it('gets the held alert at once, with the answer to their message, not after the lift', async () => {
    const { sock, sentTo } = t;
    sock.emitEvent('connection.update', {
      reachoutTimeLock: {
        isActive: true,
        timeEnforcementEnds: new Date(Date.now() + 5 * 3600_000),
        enforcementType: 'RESTRICT_ALL_COMPANIONS' as never,
      },
    });
    await waitFor(async () => sentTo(CELL_GROUP, /stops the embassy number from starting new chats/)[0]);
    const id = await t.sendAlert('Airport closed until further notice');
    await waitFor(async () => ((await t.whatsapp()).held === 2 ? true : undefined));
    // They write: their phone gives the number their trusted-contact token with the message.
    await sock.trustedContact({ phone: cold.phone });
    sock.upsert([
      waMessage({ id: 'COLD-1', remoteJid: jidOf(cold.phone), message: { conversation: 'what is happening at the airport?' } }),
    ]);
    await waitFor(async () => sentTo(jidOf(cold.phone), /Airport closed until further notice/)[0], 10_000, 'the held alert');
    await waitFor(async () => ((await t.whatsapp()).held === 1 ? true : undefined));
    // The one who did not write still waits for the lift.
    expect(sentTo(jidOf(other.phone), /Airport closed/)).toHaveLength(0);
    expect((await t.alert(id)).counts).toMatchObject({ total: 2, sent: 1, queued: 1 });
    sock.emitEvent('connection.update', { reachoutTimeLock: { isActive: false, enforcementType: 'DEFAULT' as never } });
    await waitFor(async () => sentTo(jidOf(other.phone), /Airport closed/)[0]);
    await waitFor(async () => ((await t.alert(id)).counts.sent === 2 ? true : undefined));
    expect(sentTo(jidOf(cold.phone), /Airport closed/)).toHaveLength(1);
  });
});

describe('an alert WhatsApp refuses with error 463', () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  const citizen = aCitizen({ phone: '+33611000003' });
  beforeAll(async () => {
    t = await startApp('bl-463');
    await saveCitizens(t.app.deps, [citizen]);
  });
  afterAll(async () => t.app.stop());

  it('is held, not failed, counts as still to send (the alert sending again), and is sent again once, under the same id, when the restriction is lifted', async () => {
    const { app, sock, sentTo } = t;
    const id = await t.sendAlert('Evacuation flights from Friday');
    const first = await waitFor(async () => sentTo(jidOf(citizen.phone), /Evacuation flights/)[0]);
    await waitFor(async () => ((await t.alert(id)).status === 'sent' ? true : undefined), 10_000, 'the alert sent to all');
    sock.refuse463(first.options?.messageId as string, jidOf(citizen.phone));

    await waitFor(async () => sentTo(CELL_GROUP, /stops the embassy number from starting new chats \(error 463\)/)[0]);
    await waitFor(async () => ((await t.whatsapp()).held === 1 ? true : undefined));
    // It did not reach the citizen: the alert is not "sent to all" while it waits.
    expect(await t.alert(id)).toMatchObject({ status: 'sending', counts: { sent: 0, queued: 1, failed: 0 } });
    expect(sentTo(jidOf(citizen.phone), /Evacuation flights/)).toHaveLength(1);

    // An admin who saw WhatsApp lift it resumes sending from the API.
    expect((await app.api('DELETE', '/api/whatsapp/restriction')).body).toEqual({ lifted: true });
    const again = await waitFor(async () => sentTo(jidOf(citizen.phone), /Evacuation flights/)[1]);
    expect(again.options?.messageId).toBe(first.options?.messageId);
    await waitFor(async () => sentTo(CELL_GROUP, /start chats again: the 1 held message is going out now/)[0]);
    await waitFor(async () => ((await t.whatsapp()).held === 0 ? true : undefined));
    expect(sentTo(jidOf(citizen.phone), /Evacuation flights/)).toHaveLength(2);
    await waitFor(async () => ((await t.alert(id)).status === 'sent' ? true : undefined), 10_000, 'the alert sent to all again');
    expect((await t.alert(id)).counts).toMatchObject({ sent: 1, queued: 0, failed: 0 });
    expect((await app.queues.outbound.getJobCounts('failed')).failed).toBe(0);
    // The audit trail says why the alert completed twice.
    const audit = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    const trail = audit.body.items.filter((e) => e.subject === id && /^alert\.(completed|sending_again)$/.test(e.type)).map((e) => e.type);
    expect(trail).toEqual(['alert.completed', 'alert.sending_again', 'alert.completed']);
  });
});

describe('an alert whose 463 is handled before Baileys returns from its send', () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  const citizen = aCitizen({ phone: '+33611000005' });
  beforeAll(async () => {
    t = await startApp('bl-463-early');
    await saveCitizens(t.app.deps, [citizen]);
  });
  afterAll(async () => t.app.stop());

  // Baileys' sendMessage returns only once it has written the send's session keys (to Redis, here):
  // WhatsApp's 463 ack can be handled before that, before the gateway has recorded the send.
  it('is still held, not failed, and sent again once when the restriction is lifted', async () => {
    const { app, sock, sentTo } = t;
    sock.duringSend = (s) => {
      if (s.jid !== jidOf(citizen.phone)) return;
      sock.duringSend = undefined;
      sock.refuse463(s.options?.messageId as string, s.jid);
    };
    const id = await t.sendAlert('Shelter at the embassy compound');
    const first = await waitFor(async () => sentTo(jidOf(citizen.phone), /Shelter at the embassy/)[0]);
    await waitFor(async () => sentTo(CELL_GROUP, /stops the embassy number from starting new chats \(error 463\)/)[0]);
    await waitFor(async () => ((await t.whatsapp()).held === 1 ? true : undefined), 10_000, 'the refused alert held');
    expect(await t.alert(id)).toMatchObject({ status: 'sending', counts: { sent: 0, queued: 1, failed: 0 } });

    expect((await app.api('DELETE', '/api/whatsapp/restriction')).body).toEqual({ lifted: true });
    const again = await waitFor(async () => sentTo(jidOf(citizen.phone), /Shelter at the embassy/)[1], 10_000, 'the alert sent again');
    expect(again.options?.messageId).toBe(first.options?.messageId);
    await waitFor(async () => ((await t.whatsapp()).held === 0 ? true : undefined));
    expect(sentTo(jidOf(citizen.phone), /Shelter at the embassy/)).toHaveLength(2);
    await waitFor(async () => ((await t.alert(id)).status === 'sent' ? true : undefined), 10_000, 'the alert sent to all again');
    expect((await t.alert(id)).counts).toMatchObject({ sent: 1, queued: 0, failed: 0 });
  });
});

describe('a gateway that starts after the restriction ended', () => {
  it('sends, once, what the gateway before it held, and tells the cell', async () => {
    const prefix = uniquePrefix('bl-restart');
    const citizen = aCitizen({ phone: '+33611000004' });
    const redis = new Redis(REDIS_URL);
    const first = fakeSocketFactory();
    const before = await startTestApp('bl-restart', { prefix, options: { transport: first.transport } });
    let closed = false;
    try {
      await first.openFirst(before.url);
      await saveCitizens(before.deps, [citizen]);
      first.latest().emitEvent('connection.update', {
        reachoutTimeLock: {
          isActive: true,
          timeEnforcementEnds: new Date(Date.now() + 3 * 3600_000),
          enforcementType: 'RESTRICT_ALL_COMPANIONS' as never,
        },
      });
      await waitFor(async () => (await before.api<{ restricted: unknown }>('GET', '/api/whatsapp')).body.restricted ?? undefined);
      await before.api('POST', '/api/alerts', { audience: { all: true }, text: { en: 'Roadblocks on the coast road' } });
      await waitFor(async () => ((await before.api<{ held: number }>('GET', '/api/whatsapp')).body.held === 1 ? true : undefined));
      await before.close();
      closed = true;
      // WhatsApp lifted it while no gateway ran (an admin could have, too).
      await redis.del(redisKeys(prefix).waRestricted);

      const second = fakeSocketFactory();
      const after = await startTestApp('bl-restart', { prefix, options: { transport: second.transport } });
      try {
        const sock = await second.openFirst(after.url);
        const alerts = () => sock.sent.filter((s) => s.jid === jidOf(citizen.phone) && /Roadblocks/.test(textOf(s)));
        await waitFor(async () => alerts()[0]);
        await waitFor(async () => sock.sent.find((s) => s.jid === CELL_GROUP && /the 1 held message is going out now/.test(textOf(s))));
        await waitFor(async () => ((await after.api<{ held: number }>('GET', '/api/whatsapp')).body.held === 0 ? true : undefined));
        expect(alerts()).toHaveLength(1);
      } finally {
        await after.close();
      }
    } finally {
      if (!closed) await before.close();
      await redis.quit();
      await cleanPrefix(prefix);
    }
  });
});
