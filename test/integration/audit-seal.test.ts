// The audit trail is hash-chained in Redis, so whoever can write to Redis could rewrite it whole and
// re-hash it. The sitrep publishes the chain's head in the cell groups (out of Redis's reach); a
// rewritten trail no longer holds it.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

interface Verification {
  ok: boolean;
  entries: number;
  firstBroken?: { id: string; reason: string };
  seal?: { found: boolean; id?: string; entries?: number };
}

describe('the audit seal in the sitrep', () => {
  let app: TestApp;
  let seal = '';
  let sealedEntries = 0;

  beforeAll(async () => {
    app = await startTestApp('audit-seal');
    await app.say('+33612610001', 'Our house collapsed in Latakia, my father is trapped');
    const card = await app.expectMessage(CELL_GROUP, /New incident (INC-\d+)/);
    const id = /INC-\d+/.exec(card.text)?.[0];
    await app.say(STAFF.duty, `/ack ${id}`, { group: CELL_GROUP });
    await settle(app);
    expect((await app.api<{ status: string }>('GET', `/api/incidents/${id}`)).body.status).toBe('acknowledged');
  });
  afterAll(async () => app.stop());

  it('the sitrep ends with the seal of the trail as it stands', async () => {
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, /^📊 SITREP/);
    const m = /🔏 Audit seal ([0-9a-f]{16}) \((\d+) entries\)/.exec(sitrep.text);
    expect(m).not.toBeNull();
    seal = m?.[1] as string;
    sealedEntries = Number(m?.[2]);
    expect(sealedEntries).toBeGreaterThan(3);
    await settle(app);
    const v = (await app.api<Verification>('GET', `/api/audit/verify?seal=${seal.toUpperCase()}`)).body;
    expect(v.ok).toBe(true);
    expect(v.seal).toMatchObject({ found: true, entries: sealedEntries });
    expect(v.entries).toBeGreaterThanOrEqual(sealedEntries);
  });

  it('refuses a seal that is not one, naming the parameter', async () => {
    const bad = await app.api<{ error: { message: string } }>('GET', '/api/audit/verify?seal=3fa9-c2d1');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/seal.*16 hex digits/);
  });

  it('a trail rewritten and re-hashed in Redis still chains, but no longer holds the seal', async () => {
    const { redis, keys } = app.deps;
    const rows = await redis.xrange(keys.audit, '-', '+');
    const field = (f: string[], name: string) => f[f.indexOf(name) + 1] as string;
    // The attacker changes who acknowledged the incident, then re-hashes everything after it.
    const bodies = rows.map(([, f]) => field(f, 'body').replace('"actor":"Ana Duty"', '"actor":"Ben Consul"'));
    expect(bodies.join()).not.toBe(rows.map(([, f]) => field(f, 'body')).join());
    let prev = '0'.repeat(64);
    const tx = redis.multi().del(keys.audit);
    for (const body of bodies) {
      const hash = createHash('sha256').update(prev).update('\n').update(body).digest('hex');
      tx.xadd(keys.audit, '*', 'body', body, 'prev', prev, 'hash', hash);
      prev = hash;
    }
    await tx.set(keys.auditHead, prev).exec();

    // On its own the chain verifies: a hash chain alone cannot see a rewrite by a Redis writer.
    expect((await app.api<Verification>('GET', '/api/audit/verify')).body.ok).toBe(true);
    const v = (await app.api<Verification>('GET', `/api/audit/verify?seal=${seal}`)).body;
    expect(v.ok).toBe(false);
    expect(v.seal).toEqual({ found: false });
    expect(v.firstBroken?.reason).toMatch(new RegExp(`no entry has the sealed hash ${seal}: the trail was rewritten`));
  });
});
