import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/store/audit-log.ts';
import { redisKeys } from '../../src/store/keys.ts';
import { cleanPrefix, REDIS_URL, startTestApp, type TestApp, uniquePrefix } from '../fakes/test-app.ts';

interface Verification {
  ok: boolean;
  entries: number;
  firstBroken?: { id: string; reason: string };
}
interface Page {
  items: { id: string; type: string; subject?: string; prev: string; hash: string }[];
  nextCursor: string | null;
}

describe('audit chain: tamper evidence and paging over HTTP', () => {
  let app: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    app = await startTestApp('audit');
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await app.stop();
  });

  /** Starts each test from a fresh chain of `n` entries; returns their stream ids, oldest first. */
  async function freshChain(n: number): Promise<string[]> {
    await redis.del(app.deps.keys.audit, app.deps.keys.auditHead);
    for (let i = 0; i < n; i++) await app.deps.audit.append({ type: 'test.fact', actor: 'system', subject: `fact-${i}` });
    return (await redis.xrange(app.deps.keys.audit, '-', '+')).map(([id]) => id);
  }
  const verify = async () => (await app.api<Verification>('GET', '/api/audit/verify')).body;

  beforeEach(async () => {
    await freshChain(0);
  });

  it('verifies an untouched chain', async () => {
    await freshChain(5);
    expect(await verify()).toEqual({ ok: true, entries: 5 });
  });

  it('detects an edited entry (the stream rewritten with one body changed)', async () => {
    const ids = await freshChain(5);
    const rows = await redis.xrange(app.deps.keys.audit, '-', '+');
    await redis.del(app.deps.keys.audit);
    for (const [id, fields] of rows) {
      const f = [...fields];
      if (id === ids[2]) f[1] = (f[1] as string).replace('fact-2', 'fact-2-edited');
      await redis.xadd(app.deps.keys.audit, id, ...f);
    }
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.firstBroken?.id).toBe(ids[2]);
    expect(v.firstBroken?.reason).toMatch(/edited/);
  });

  it('detects a deleted entry in the middle, at the entry that followed it', async () => {
    const ids = await freshChain(5);
    await redis.xdel(app.deps.keys.audit, ids[1] as string);
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.firstBroken?.id).toBe(ids[2]);
    expect(v.firstBroken?.reason).toMatch(/removed/);
  });

  it('detects that the newest entry was deleted', async () => {
    const ids = await freshChain(4);
    await redis.xdel(app.deps.keys.audit, ids[3] as string);
    const v = await verify();
    expect(v.ok).toBe(false);
    expect(v.firstBroken).toEqual({ id: 'end', reason: expect.stringMatching(/truncated/) });
  });

  it('pages with after, limit and nextCursor, oldest first, without gaps or repeats', async () => {
    const ids = await freshChain(25);
    const seen: string[] = [];
    let after: string | null = null;
    const sizes: number[] = [];
    do {
      const res: { status: number; body: Page } = await app.api<Page>('GET', `/api/audit?limit=10${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      sizes.push(res.body.items.length);
      seen.push(...res.body.items.map((e) => e.id));
      after = res.body.nextCursor;
    } while (after);
    expect(seen).toEqual(ids);
    expect(sizes.slice(0, 3)).toEqual([10, 10, 5]);
    const first = await app.api<Page>('GET', '/api/audit?limit=2');
    expect(first.body.items[1]?.prev).toBe(first.body.items[0]?.hash);
    expect(first.body.items.map((e) => e.subject)).toEqual(['fact-0', 'fact-1']);
  });

  it('refuses a malformed cursor or limit with a clear 400', async () => {
    const bad = await app.api<{ error: { code: string; message: string } }>('GET', '/api/audit?after=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^query.after: /);
    expect((await app.api('GET', '/api/audit?limit=0')).status).toBe(400);
  });
});

describe('audit chain shared by several processes', () => {
  const prefix = uniquePrefix('audit-shared');
  afterAll(async () => cleanPrefix(prefix));

  it('keeps one valid chain when two AuditLog instances append concurrently', async () => {
    const keys = redisKeys(prefix);
    const [r1, r2] = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    const [a, b] = [new AuditLog(r1, keys), new AuditLog(r2, keys)];
    const burst = (log: AuditLog, who: string) =>
      Promise.all(Array.from({ length: 150 }, (_, i) => log.append({ type: 'test.fact', actor: who, subject: `${who}-${i}` })));
    // Interleave: each instance appends in several waves while the other does.
    for (let wave = 0; wave < 3; wave++) await Promise.all([burst(a, `a${wave}`), burst(b, `b${wave}`)]);
    const v = await a.verify();
    expect(v).toEqual({ ok: true, entries: 900 });
    expect(await b.verify()).toEqual(v);
    const actors = new Set((await a.page(undefined, 1000)).items.map((e) => e.actor[0]));
    expect(actors).toEqual(new Set(['a', 'b']));
    await Promise.all([r1.quit(), r2.quit()]);
  });

  it('writes a batch once when Redis ran it but its answer was lost and the command was sent again (a Redis restart)', async () => {
    const keys = redisKeys(`${prefix}-resent`);
    const r = new Redis(REDIS_URL);
    try {
      const log = new AuditLog(r, keys);
      await log.append({ type: 'test.before', actor: 'system' });
      // ioredis sends a command again after a reconnect when its answer never came: the first run
      // appended the batch, the second finds the chain moved on (to the batch's own last hash).
      const evalsha = r.evalsha.bind(r) as (...args: unknown[]) => Promise<unknown>;
      let resent = 0;
      r.evalsha = (async (...args: unknown[]) => {
        if (resent++ === 0) await evalsha(...args);
        return evalsha(...args);
      }) as typeof r.evalsha;
      await log.append({ type: 'incident.acknowledged', actor: 'Ana Duty', subject: 'INC-0042' });
      await log.append({ type: 'test.after', actor: 'system' });
      expect((await log.page(undefined, 10)).items.map((e) => e.type)).toEqual(['test.before', 'incident.acknowledged', 'test.after']);
      expect(await log.verify()).toEqual({ ok: true, entries: 3 });
    } finally {
      await r.quit();
      await cleanPrefix(`${prefix}-resent`);
    }
  });

  it('lets every writer through, in its own order, while three busy instances append for many turns', async () => {
    const keys = redisKeys(`${prefix}-busy`);
    const conns = [new Redis(REDIS_URL), new Redis(REDIS_URL), new Redis(REDIS_URL)];
    const logs = conns.map((c) => new AuditLog(c, keys));
    const TURNS = 1000;
    // A flood's shape: the worker, the gateway and the API each append a few entries at every
    // turn, so whichever wrote last always has more to write. Every batch is a compare-and-set
    // on the head; a writer that keeps losing it must still get through.
    const appendOverTurns = async (log: AuditLog, who: string) => {
      const writes: Promise<void>[] = [];
      for (let turn = 0; turn < TURNS; turn++) {
        for (let i = 0; i < 3; i++) writes.push(log.append({ type: 'test.fact', actor: who, subject: `${who}-${turn}-${i}` }));
        await new Promise((r) => setImmediate(r));
      }
      return Promise.allSettled(writes);
    };
    const outcomes = (await Promise.all(logs.map((log, i) => appendOverTurns(log, `p${i}`)))).flat();
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(await (logs[0] as AuditLog).verify()).toEqual({ ok: true, entries: 9 * TURNS });
    const subjects: (string | undefined)[] = [];
    let after: string | undefined;
    do {
      const page = await (logs[1] as AuditLog).page(after, 1000);
      subjects.push(...page.items.map((e) => e.subject));
      after = page.nextCursor ?? undefined;
    } while (after);
    // Each instance's entries are there once, in the order it appended them.
    for (const who of ['p0', 'p1', 'p2']) {
      const own = subjects.filter((s) => s?.startsWith(`${who}-`));
      const expected = Array.from({ length: TURNS }, (_, t) => [0, 1, 2].map((i) => `${who}-${t}-${i}`)).flat();
      expect(own).toEqual(expected);
    }
    // A fresh instance (a restarted process) continues the same chain.
    const later = new AuditLog(conns[2] as Redis, keys);
    await later.append({ type: 'test.fact', actor: 'later' });
    expect(await later.verify()).toEqual({ ok: true, entries: 9 * TURNS + 1 });
    await Promise.all(conns.map((c) => c.quit()));
    await cleanPrefix(`${prefix}-busy`);
  });
});
