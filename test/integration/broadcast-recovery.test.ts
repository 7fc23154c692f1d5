import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import { createAlert, createBroadcast, startSending } from '../../src/broadcast/alerts.ts';
import { loadRecord } from '../../src/broadcast/broadcast-store.ts';
import { retryStalledFanOuts } from '../../src/broadcast/fanout-retry.ts';
import { resumeInterruptedBroadcasts } from '../../src/broadcast/resume.ts';
import { type Citizen, saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen, seedCitizens } from '../fakes/citizens.ts';
import { ADMIN_TOKEN, auditTrail, CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

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

  it('an alert that needed no approval, started when the process died, is told to the cell by the retried request, once', async () => {
    const phone = await citizen(app.deps, { region: 'coast' });
    const input = { author, audience: { regions: ['coast'] }, text: { en: 'Crash-resumed alert, started.' }, source: 'api:resume-started' };
    const saved = await createBroadcast(app.deps, 'alert', input);
    await startSending(app.deps, saved);
    for (let i = 0; i < 2; i++) expect(await createAlert(app.deps, input)).toMatchObject({ id: saved.id, status: expect.any(String) });
    await app.expectMessage(phone, /Crash-resumed alert, started/);
    await settle(app);
    const told = (await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith(`📣 Alert ${saved.id} sent by Crashed Author`));
    expect(told).toHaveLength(1);
    expect(await received(phone, /Crash-resumed alert, started/)).toHaveLength(1);
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

/**
 * An alert needing approval whose request died after saving it: whoever takes it on (the restarted
 * worker, the sweep, the request retried) asks the cell for a second officer as the request would
 * have, and the trail says once that it was drafted. Only its status was moved: nobody was told.
 */
describe('an alert draft a crash interrupted before it asked for approval', () => {
  let app: TestApp;
  let skew = 0;
  beforeAll(async () => {
    app = await startTestApp('bc-recovery-draft', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 2 } },
      options: { now: () => Date.now() + skew },
    });
    await seedCitizens(app.deps, (n) => `+3361301${String(n).padStart(4, '0')}`, 1, 5, { region: 'north' });
  });
  afterAll(async () => app.stop());

  const told = async (id: string) => (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`Alert ${id} drafted by Chloe Officer`));
  const created = async (id: string) =>
    (await auditTrail(app)).entries.filter((e) => {
      const entry = e as { type: string; subject?: string };
      return entry.type === 'alert.created' && entry.subject === id;
    });
  const input = (source: string) => ({
    author: { name: 'Chloe Officer', phone: STAFF.officer },
    audience: { regions: ['north'], reporters: true },
    text: { en: 'Leave the north by the coast road.' },
    source,
  });

  it('is put up for approval by the restarted worker, the cell asked once, alert.created audited once, however often the request is retried', async () => {
    const draft = await createBroadcast(app.deps, 'alert', input('chat:wamid-crash-1'));
    expect(await resumeInterruptedBroadcasts(app.deps)).toContain(draft.id);
    // The /alert job retried by BullMQ, twice: the same source.
    for (let i = 0; i < 2; i++)
      expect(await createAlert(app.deps, { ...input('chat:wamid-crash-1'), toldInCell: false })).toMatchObject({
        id: draft.id,
        status: 'pending_approval',
      });
    await settle(app);
    const notices = await told(draft.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain(`/approve ${draft.id}`);
    expect(await created(draft.id)).toHaveLength(1);
    expect(await app.deps.redis.zscore(app.deps.keys.alertsActive, draft.id)).not.toBeNull();
  });

  it('is put up for approval by the sweep of a running app, the cell asked once', async () => {
    const draft = await createBroadcast(app.deps, 'alert', input('api:crash-2'));
    skew += 60_000; // past the grace an alert has to start
    expect(await retryStalledFanOuts(app.deps)).toContain(draft.id);
    await settle(app);
    expect(await told(draft.id)).toHaveLength(1);
    expect(await created(draft.id)).toHaveLength(1);
    expect((await loadRecord(app.deps, draft.id))?.status).toBe('pending_approval');
  });

  it('is announced by the retried request when the first died after moving it to the approval queue', async () => {
    const draft = await createBroadcast(app.deps, 'alert', input('api:crash-3'));
    await app.deps.redis.hset(app.deps.keys.alert(draft.id), 'status', 'pending_approval');
    await createAlert(app.deps, input('api:crash-3'));
    await settle(app);
    expect(await told(draft.id)).toHaveLength(1);
    expect(await created(draft.id)).toHaveLength(1);
  });

  it('a POST retried with its Idempotency-Key answers the alert as it is now: cancelled since, not "sending"', async () => {
    const post = async () => {
      const res = await fetch(`${app.url}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'retry-status-1' },
        body: JSON.stringify({ audience: { regions: ['north'] }, text: { en: 'Go to the airport now.' } }),
      });
      return { status: res.status, body: (await res.json()) as { id: string; status: string } };
    };
    const first = await post();
    expect(first.body.status).toBe('pending_approval');
    expect((await app.api('POST', `/api/alerts/${first.body.id}/cancel`)).status).toBe(200);
    // The officer's client timed out on the first POST and sends it again.
    const retried = await post();
    expect(retried).toMatchObject({ status: 201, body: { id: first.body.id, status: 'cancelled' } });
  });
});
