import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { jobIdFor, type Queues } from '../../src/queues/queues.ts';
import type { ChatAddress } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * DELETE leaves nothing in Redis that holds the citizen's phone: the record of which alert, welfare
 * question or reminder each message the bot sent them was (kept 90 days, to read delivery receipts
 * and replies) named them, and stayed once their queued job was gone.
 */
const HOUR = 3_600_000;
const ERASED = aCitizen({ phone: '+33700000004', name: 'Eve Erased', region: 'north' });
const STAYS = aCitizen({ phone: '+33700000005', name: 'Sam Stays', region: 'north' });

/** Who WhatsApp refuses new chats to for now (error 463): their messages are held back. */
const held = new Set<string>();
class RestrictedSimulator extends SimulatorTransport {
  holdFor(to: ChatAddress) {
    return to.kind === 'dm' && held.has(to.phone) ? { reason: 'error_463', until: Date.now() + 24 * HOUR } : undefined;
  }
}

/** Every key under the prefix whose name or value holds `needle`, read by type (strings, hashes, sets, zsets, lists, streams). */
async function keysHolding(redis: Redis, prefix: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      let content: unknown;
      if (type === 'string') content = await redis.get(key);
      else if (type === 'hash') content = await redis.hgetall(key);
      else if (type === 'set') content = await redis.smembers(key);
      else if (type === 'zset') content = await redis.zrange(key, '0', '-1');
      else if (type === 'list') content = await redis.lrange(key, 0, -1);
      else if (type === 'stream') content = await redis.xrange(key, '-', '+');
      else if (type === 'none') continue;
      else content = `unread type ${type}`;
      if (key.includes(needle) || JSON.stringify(content).includes(needle)) found.push(`${key} (${type})`);
    }
  } while (cursor !== '0');
  return found.sort();
}

describe('DELETE and the records of the messages the bot sent', () => {
  let app: TestApp;
  let skew = 0;
  beforeAll(async () => {
    app = await startTestApp('erase-sent-records', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
      options: {
        now: () => Date.now() + skew,
        transport: (deps: CoreDeps, queues: Queues) => new RestrictedSimulator(deps.redis, deps.keys, queues.sink()),
      },
    });
    await saveCitizens(app.deps, [ERASED, STAYS]);
  });
  afterAll(async () => app.stop());

  it('after DELETE and its sweep, no key under the prefix holds the phone; the neighbour’s records stay and work', async () => {
    // Two alerts, a welfare check and its reminder reach both citizens.
    for (const text of ['Stay indoors tonight', 'Curfew lifted at 06:00']) {
      const alert = await app.api<{ id: string; status: string }>('POST', '/api/alerts', { audience: { all: true }, text: { en: text } });
      expect(alert.body.status).toBe('sending');
      await app.expectMessage(ERASED.phone, (m) => m.text.includes(text));
    }
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    await app.expectMessage(ERASED.phone, /Are you safe\?/);
    await app.expectMessage(STAYS.phone, /Are you safe\?/);
    await settle(app);
    skew += HOUR + 60_000;
    await (await broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wrem', check.body.id)))?.promote();
    await app.expectMessage(ERASED.phone, /Reminder: the embassy still needs your answer/);
    await app.expectMessage(STAYS.phone, /Reminder: the embassy still needs your answer/);
    await settle(app);
    // A third alert is held back for them (WhatsApp refuses new chats for now), listed under their phone.
    held.add(ERASED.phone);
    await app.api('POST', '/api/alerts', { audience: { all: true }, text: { en: 'Roads north closed' } });
    await app.expectMessage(STAYS.phone, /Roads north closed/);
    await waitFor(async () => (await app.deps.redis.scard(app.deps.keys.outboundHeldTo(ERASED.phone))) === 1);
    held.clear();
    // They forwarded a rumour and were warned: what they were warned of is kept a while, under their phone.
    await app.say(ERASED.phone, 'The embassy says everyone must go to the airport tonight. Share!', { forwarded: true });
    await app.expectMessage(ERASED.phone, /the embassy did not send this message/);
    // The WhatsApp gateway keeps, a day, who each message went to under which key (to send it again
    // after a 463): the simulator keeps none, so it is written here as the Baileys adapter writes it.
    const sentToErased = await app.outbox(ERASED.phone);
    await app.deps.redis.set(app.deps.keys.waSentKey(sentToErased[0]?.id ?? ''), JSON.stringify({ key: 'k', to: ERASED.phone }));
    const digits = ERASED.phone.slice(1);
    // Today's gap, as QA found it: sent:<messageId> => alert:ALR-0002:+33700000004, and the like.
    expect((await keysHolding(app.deps.redis, app.prefix, digits)).some((k) => k.includes(':sent:'))).toBe(true);

    await app.say(ERASED.phone, 'DELETE');
    await app.expectMessage(ERASED.phone, /personal data has been erased/);
    await settle(app);
    // The sweep two minutes later (brought forward here), and its end.
    const [sweep] = (await app.queues.timers.getJobs(['delayed'], 0, -1)).filter((j) => j.name === 'erase-sweep');
    expect(sweep).toBeDefined();
    await sweep?.promote();
    await waitFor(async () => !(await app.queues.timers.getJob(sweep?.id ?? '')) || undefined);
    await settle(app);

    // The simulator's outbox (sim:*) stands for the citizen's own phone, not the embassy's records.
    const left = (await keysHolding(app.deps.redis, app.prefix, digits)).filter((k) => !k.startsWith(`${app.prefix}:sim:`));
    expect(left).toEqual([]);

    // The neighbour's records stay: a reply quoting the alert still names it on the card...
    const alertToStays = (await app.outbox(STAYS.phone)).find((m) => m.text.includes('Stay indoors'));
    await app.say(STAYS.phone, 'is this still valid?', { replyTo: alertToStays?.id });
    await app.expectMessage(CELL_GROUP, (m) => /replying to ALR-0001/.test(m.text));
    // ...and their answer to the welfare question is still counted.
    expect((await keysHolding(app.deps.redis, app.prefix, STAYS.phone.slice(1))).some((k) => k.includes(':sent:'))).toBe(true);
    await app.say(STAYS.phone, '1');
    await app.expectMessage(STAYS.phone, /noted that you are safe/);
    const view = await app.api<WelfareView>('GET', `/api/welfare-checks/${check.body.id}`);
    expect(view.body.counts).toMatchObject({ total: 1, safe: 1, noAnswer: 0 });
  });
});
