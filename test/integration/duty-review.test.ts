import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, REDIS_URL, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

// Server-side parts of what a duty officer found on the dashboard: where "N need help" leads, and
// a checklist item ticked off in chat reaching the page live.
describe('a duty officer following up from the dashboard', { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('duty-review', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } } });
    const c = (phone: string, name: string, region: string) => ({
      phone,
      name,
      region,
      household: 1,
      language: 'en',
      registeredAt: 1,
      updatedAt: 1,
      optedOut: false,
    });
    await saveCitizens(app.deps, [
      c('+33688000001', 'Hana North', 'north'),
      c('+33688000002', 'Idris Coast', 'coast'),
      c('+33688000003', 'Jade Safe', 'north'),
    ]);
  });
  afterAll(async () => app?.stop());

  it("lists the incidents a welfare check's HELP answers opened: GET /api/incidents?welfareCheck=", async () => {
    const other = await app.api<Incident>('POST', '/api/incidents', { reporter: '+33688000099', text: 'Road blocked by rubble' });
    expect(other.status).toBe(201);
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(check.status).toBe(201);
    for (const p of ['+33688000001', '+33688000002', '+33688000003']) await app.expectMessage(p, /Are you safe\?/);
    await app.say('+33688000001', 'HELP');
    await app.say('+33688000002', '2');
    await app.say('+33688000003', '1');
    const refs = await Promise.all(
      ['+33688000001', '+33688000002'].map(async (p) => /INC-\d+/.exec((await app.expectMessage(p, /INC-\d+/)).text)?.[0]),
    );
    await settle(app);

    const list = await app.api<{ items: Incident[]; nextCursor: string | null }>(
      'GET',
      `/api/incidents?welfareCheck=${check.body.id}&timeline=false`,
    );
    expect(list.status).toBe(200);
    expect(list.body.items.map((i) => i.id).sort()).toEqual([...refs].sort());
    expect(list.body.items.every((i) => i.severity === 'critical' && i.links?.welfareCheck === check.body.id)).toBe(true);
    expect(list.body.nextCursor).toBeNull();

    // Pages, newest first, and the usual filters on top.
    const first = await app.api<{ items: Incident[]; nextCursor: string | null }>(
      'GET',
      `/api/incidents?welfareCheck=${check.body.id}&limit=1`,
    );
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await app.api<{ items: Incident[]; nextCursor: string | null }>(
      'GET',
      `/api/incidents?welfareCheck=${check.body.id}&limit=1&cursor=${first.body.nextCursor}`,
    );
    expect([first.body.items[0]?.id, second.body.items[0]?.id]).toEqual([...refs].sort().reverse());
    expect(second.body.nextCursor).toBeNull();
    await app.api('PATCH', `/api/incidents/${refs[0]}`, { status: 'acknowledged' });
    const stillOpen = await app.api<{ items: Incident[] }>('GET', `/api/incidents?welfareCheck=${check.body.id}&status=open`);
    expect(stillOpen.body.items.map((i) => i.id)).toEqual([refs[1]]);
    // A full page of the filtered list is its last when nothing older passes the filter: no cursor to an empty page.
    const [older, newer] = [...refs].sort();
    await app.api('PATCH', `/api/incidents/${newer}`, { status: 'acknowledged' });
    await app.api('PATCH', `/api/incidents/${older}`, { status: 'in_progress' });
    const taken = await app.api<{ items: Incident[]; nextCursor: string | null }>(
      'GET',
      `/api/incidents?welfareCheck=${check.body.id}&status=acknowledged&limit=1`,
    );
    expect(taken.body).toMatchObject({ items: [{ id: newer }], nextCursor: null });

    // Other incidents are not in it; an unknown check has none; a malformed one is a clear 400.
    expect((await app.api<{ items: Incident[] }>('GET', '/api/incidents?welfareCheck=WFC-9999')).body.items).toEqual([]);
    const bad = await app.api<{ error: { code: string; message: string } }>('GET', '/api/incidents?welfareCheck=INC-0001');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/welfareCheck: must be a welfare check id/);
    // The unfiltered list is as before.
    const all = await app.api<{ items: Incident[] }>('GET', '/api/incidents');
    expect(all.body.items.map((i) => i.id)).toEqual(expect.arrayContaining([other.body.id, ...refs]));
  });

  it('tells the dashboard at once when a checklist item is ticked off in chat', async () => {
    const sub = new Redis(REDIS_URL);
    const changes: { type: string; id: string }[] = [];
    sub.on('message', (_channel, message) => changes.push(JSON.parse(message)));
    await sub.subscribe(app.deps.keys.events);
    try {
      const started = await app.api<{ id: string }>('POST', '/api/playbooks/earthquake/runs', {
        params: { region: 'north', magnitude: '6.1' },
        exercise: true,
      });
      expect(started.status).toBe(201);
      const runId = started.body.id;
      const task = await app.expectMessage(CELL_GROUP, (m) => m.text.includes('Account for all embassy staff'));
      await settle(app);
      changes.length = 0;
      await app.api('POST', '/sim/reactions', { from: STAFF.duty, messageId: task.id, emoji: '✅', group: CELL_GROUP });
      await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${runId}: "`) && m.text.includes('acknowledged by Ana Duty'));
      await waitFor(async () => changes.some((c) => c.type === 'run.updated' && c.id === runId), 10_000, 'run.updated');
    } finally {
      await sub.quit();
    }
  });
});
