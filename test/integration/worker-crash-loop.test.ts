import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { apiAndGateway, killChild, startHeldWorker } from '../fakes/held-worker.ts';
import { CELL_GROUP, settle, type TestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/**
 * Workers killed (kill -9) with citizens' messages in flight, twice in a row: a crash loop during a
 * flood (a container killed for its memory, a deploy followed by a crash). Each message must still
 * end in exactly one report, one card and one answer. The messages come in through the API process;
 * a gateway process sends the answers; the worker is a child process that is killed. The waits are
 * long: on a loaded machine a child process takes many seconds to compile and start (a full run
 * beside two other busy processes once missed 30 s).
 */
const COUNT = 12;
const phones = Array.from({ length: COUNT }, (_, i) => `+3361700${String(i).padStart(4, '0')}`);
const prefix = uniquePrefix('crash-loop');
/** Every report gets its own card (no digest), so each can be counted. */
const config = { digest: { maxCardsPerWindow: 50, window: '1h' } };
let api: TestApp;
let child: ChildProcess | undefined;

const startWorker = () => startHeldWorker(prefix, { CHILD_CONFIG: JSON.stringify(config) });
const kill = killChild;
const held = async () => Number((await api.deps.redis.get(`${prefix}:test:held`)) ?? 0);

let stop: (worker?: ChildProcess) => Promise<void>;

beforeAll(async () => {
  ({ api, stop } = await apiAndGateway('crash-loop', prefix, config));
});
afterAll(async () => stop(child));

describe('a worker killed twice with messages in flight', () => {
  it('answers each message once, each citizen with one report holding both their messages, also when WhatsApp delivers them again', async () => {
    await api.deps.redis.set(`${prefix}:test:hold`, '1');
    child = await startWorker();
    // Each citizen reports, then adds a detail (handled after the report: it waits for it, in flight too).
    const said = phones.flatMap((phone, i) => [
      { phone, id: `WA-LOOP-${i}-1`, text: `Report ${i}: my brother is injured, we are near the hospital` },
      { phone, id: `WA-LOOP-${i}-2`, text: `He is bleeding a lot, please hurry (${i})` },
    ]);
    for (const m of said) await api.say(m.phone, m.text, { id: m.id });
    // Every message's report is stored, and its answer not yet queued: the worker dies.
    await waitFor(async () => (await held()) >= COUNT || undefined, 60_000, 'every message in flight');
    await kill(child);
    // A new worker takes the messages back; it dies with them in flight too.
    child = await startWorker();
    // Every first message is held again, unless the new worker took a citizen's second message first
    // (jobs a dead worker held go back to the queue in no set order, and order holds within one
    // process only: README): that one joins the stored report, is answered, and is not held. So: the
    // queue is empty, and the held count has stopped rising above the first worker's.
    let last = -1;
    let still = 0;
    await waitFor(
      async () => {
        const now = await held();
        const c = await api.queues.inbound.getJobCounts('waiting', 'delayed', 'prioritized');
        still = now === last ? still + 1 : 0;
        last = now;
        return (
          now >= 2 * COUNT || (now > COUNT && (c.waiting ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0 && still >= 40) || undefined
        );
      },
      60_000,
      'every message in flight again',
    );
    await kill(child);
    // The third one is let through.
    await api.deps.redis.del(`${prefix}:test:hold`);
    child = await startWorker();
    const handled = async () => {
      const c = await api.queues.inbound.getJobCounts('completed', 'failed');
      return (c.completed ?? 0) + (c.failed ?? 0) >= said.length || undefined;
    };
    await waitFor(handled, 60_000, 'every message handled').catch(async (err) => {
      const failed = await api.queues.inbound.getFailed();
      throw new Error(`${err.message}; inbound jobs failed: ${failed.map((j) => j.failedReason).join(', ')}`);
    });
    // WhatsApp delivers every message again (the gateway had not confirmed them before the crash).
    for (const m of said) await api.say(m.phone, m.text, { id: m.id });
    const states = ['completed', 'waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;
    expect((await api.queues.inbound.getJobs([...states])).filter((j) => j.name === 'message')).toHaveLength(said.length);
    await waitFor(
      async () => (await Promise.all(phones.map((p) => api.outbox(p)))).every((a) => a.length >= 2) || undefined,
      15_000,
      'every citizen answered',
    );
    await settle(api);
    for (const phone of phones) {
      const texts = (await api.outbox(phone)).map((m) => m.text);
      expect(
        texts.filter((t) => /Reference: INC-/.test(t)),
        phone,
      ).toHaveLength(1);
      expect(
        texts.filter((t) => /Added to your report/.test(t)),
        phone,
      ).toHaveLength(1);
      expect(texts, phone).toHaveLength(2);
    }
    const incidents = (await api.api<{ items: Incident[] }>('GET', '/api/incidents?limit=100')).body.items;
    for (const phone of phones) {
      const mine = incidents.filter((i) => i.reporter === phone);
      expect(mine, phone).toHaveLength(1);
      const fromReporter = mine[0]?.timeline.filter((e) => e.actor === 'reporter');
      expect(
        fromReporter?.map((e) => e.type),
        phone,
      ).toEqual(['reported', 'details']);
    }
    const cards = (await api.outbox(CELL_GROUP)).filter((m) => m.kind === 'card');
    const cardsOf = (id: string) => cards.filter((m) => new RegExp(`${id}\\b`).test(m.text)).length;
    expect(incidents.map((i) => cardsOf(i.id))).toEqual(incidents.map(() => 1));
    expect((await api.queues.inbound.getJobCounts('failed')).failed).toBe(0);
  }, 240_000);
});
