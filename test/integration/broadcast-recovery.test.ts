import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import { createBroadcast, startSending } from '../../src/broadcast/alerts.ts';
import { loadRecord } from '../../src/broadcast/broadcast-store.ts';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

let next = 1;
async function citizen(deps: CoreDeps, over: Partial<Citizen> = {}): Promise<string> {
  const phone = `+3361300${String(next++).padStart(4, '0')}`;
  await saveCitizens(deps, [aCitizen({ phone, name: 'R', region: 'coast', ...over })]);
  return phone;
}

/** Broadcasts interrupted by a crash (between their steps) resume on retry; none is sent twice or skipped. */
describe('broadcasts interrupted by a crash', () => {
  let app: TestApp;
  const author = { name: 'Crashed Author' };
  const post = async (path: string, body: unknown, key: string) => {
    const res = await fetch(app.url + path, {
      method: 'POST',
      headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id: string; status: string } };
  };
  const received = async (phone: string, match: RegExp) => (await app.outbox(phone)).filter((m) => match.test(m.text));

  beforeAll(async () => {
    app = await startTestApp('bc-recovery', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 50, welfareReminderAfter: '1h', welfareFollowUpAfter: '2h' } },
    });
  });
  afterAll(async () => app.stop());

  it('an alert saved but not yet sending when the process died is sent when the same request is retried', async () => {
    const phone = await citizen(app.deps, { region: 'north' });
    const audience = { regions: ['north'] };
    const text = { en: 'Crash-resumed alert one.' };
    await createBroadcast(app.deps, 'alert', { author, audience, text, source: 'api:resume-1' });
    const res = await post('/api/alerts', { audience, text }, 'resume-1');
    expect(res.status).toBe(201);
    await app.expectMessage(phone, /Crash-resumed alert one/);
    await settle(app);
    expect(await received(phone, /Crash-resumed alert one/)).toHaveLength(1);
  });

  it('an alert whose source was claimed but whose record was never saved is sent once, however often it is retried', async () => {
    const phone = await citizen(app.deps, { region: 'capital' });
    await app.deps.redis.hset(app.deps.keys.alertsBySource, 'api:resume-2', 'ALR-0900');
    const body = { audience: { regions: ['capital'] }, text: { en: 'Crash-resumed alert two.' } };
    const first = await post('/api/alerts', body, 'resume-2');
    await app.expectMessage(phone, /Crash-resumed alert two/);
    const second = await post('/api/alerts', body, 'resume-2');
    expect(second.body.id).toBe(first.body.id);
    await settle(app);
    expect(await received(phone, /Crash-resumed alert two/)).toHaveLength(1);
  });

  it('two requests with the same key at the same moment make one alert, sent once', async () => {
    const phone = await citizen(app.deps, { region: 'north' });
    const body = { audience: { regions: ['north'] }, text: { en: 'Double-clicked alert.' } };
    const [a, b] = await Promise.all([post('/api/alerts', body, 'twice-1'), post('/api/alerts', body, 'twice-1')]);
    expect(a.body.id).toBe(b.body.id);
    await app.expectMessage(phone, /Double-clicked alert/);
    await settle(app);
    expect(await received(phone, /Double-clicked alert/)).toHaveLength(1);
  });

  it('a welfare check saved but not yet sending when the process died is sent when retried', async () => {
    const phone = await citizen(app.deps, { region: 'capital' });
    const audience = { regions: ['capital'] };
    await createBroadcast(app.deps, 'welfare', { author, audience, text: {}, source: 'api:resume-3' });
    const res = await post('/api/welfare-checks', { audience }, 'resume-3');
    expect(res.status).toBe(201);
    await app.expectMessage(phone, new RegExp(`${res.body.id}`));
  });

  it('an alert approved just before the process died is sent when the approval is retried', async () => {
    const phone = await citizen(app.deps, { region: 'coast' });
    const r = await createBroadcast(app.deps, 'alert', {
      author,
      audience: { regions: ['coast'] },
      text: { en: 'Approved then crashed.' },
    });
    // Crashed after the approval was recorded, before sending started.
    await app.deps.redis.hset(app.deps.keys.alert(r.id), 'status', 'approved', 'approvedBy', 'Eli');
    const token = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Eli', role: 'duty_officer' })).body.token;
    const retried = await app.api<{ status: string }>('POST', `/api/alerts/${r.id}/approve`, undefined, token);
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('sending');
    await app.expectMessage(phone, /Approved then crashed/);
  });

  it('a restarted worker takes on, with no retry from anyone, the alerts a crash left half-started; one needing approval waits for it', async () => {
    const saved = await citizen(app.deps, { region: 'north' });
    const approved = await citizen(app.deps, { region: 'capital' });
    const stalled = await citizen(app.deps, { region: 'coast' });
    await createBroadcast(app.deps, 'alert', {
      author,
      audience: { regions: ['north'] },
      text: { en: 'Saved then crashed.' },
    });
    const ok = await createBroadcast(app.deps, 'alert', { author, audience: { regions: ['capital'] }, text: { en: 'Approved, crashed.' } });
    await app.deps.redis.hset(app.deps.keys.alert(ok.id), 'status', 'approved', 'approvedBy', 'Eli');
    // Sending, but its fan-out job was never queued.
    const half = await createBroadcast(app.deps, 'alert', {
      author,
      audience: { regions: ['coast'] },
      text: { en: 'Started, no fan-out.' },
    });
    await app.deps.redis.hset(app.deps.keys.alert(half.id), 'status', 'sending');
    await app.deps.redis.zadd(app.deps.keys.alertsActive, half.createdAt, half.id);
    // Above the threshold of 50: it must never go out without a second officer.
    await saveCitizens(
      app.deps,
      Array.from({ length: 51 }, (_, i) => aCitizen({ phone: `+3361399${String(i).padStart(4, '0')}`, region: 'north' })),
    );
    const big = await createBroadcast(app.deps, 'alert', {
      author,
      audience: { regions: ['north'] },
      text: { en: 'Big, needs approval.' },
    });
    expect(big.total).toBeGreaterThan(50);
    // The process restarts: a second app on the same keys.
    const restarted = await startTestApp('bc-recovery-restart', {
      prefix: app.prefix,
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 50, welfareReminderAfter: '1h', welfareFollowUpAfter: '2h' } },
    });
    try {
      await app.expectMessage(saved, /Saved then crashed/);
      await app.expectMessage(approved, /Approved, crashed/);
      await app.expectMessage(stalled, /Started, no fan-out/);
      await settle(restarted);
      for (const [phone, text] of [
        [saved, /Saved then crashed/],
        [approved, /Approved, crashed/],
        [stalled, /Started, no fan-out/],
      ] as const)
        expect(await received(phone, text)).toHaveLength(1);
      expect((await loadRecord(app.deps, big.id))?.status).toBe('pending_approval');
      expect(await received(saved, /Big, needs approval/)).toHaveLength(0);
    } finally {
      await restarted.close();
    }
  });

  it('a cancel that lands between the approval and the start of sending wins: nothing is sent', async () => {
    const phone = await citizen(app.deps, { region: 'north' });
    const r = await createBroadcast(app.deps, 'alert', {
      author,
      audience: { regions: ['north'] },
      text: { en: 'Cancelled in the race.' },
    });
    await app.deps.redis.hset(app.deps.keys.alert(r.id), 'status', 'pending_approval');
    const cancel = await app.api('POST', `/api/alerts/${r.id}/cancel`);
    expect(cancel.status).toBe(200);
    await startSending(app.deps, r); // the approver's request, already past its check, goes on
    await settle(app);
    expect((await loadRecord(app.deps, r.id))?.status).toBe('cancelled');
    expect(await received(phone, /Cancelled in the race/)).toHaveLength(0);
  });
});
