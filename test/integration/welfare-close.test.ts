import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import { broadcastKeys } from '../../src/broadcast/broadcast-store.ts';
import { advanceRecipient } from '../../src/broadcast/tracking.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { closeWelfareCheck } from '../../src/broadcast/welfare-close.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { auditTrail, CELL_GROUP, outboxDown, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const A = '+33677200001'; // north, household 3, en: answers SAFE before the close
const B = '+33677200002'; // north, household 1, fr: silent, answers HELP after the close
const C = '+33677200003'; // coast, household 2, ar: answers HELP before the close
const D = '+33677200004'; // capital, household 4, en: silent, answers SAFE after the close
const E = '+33677200005'; // capital, household 1, en: reported before the check, silent, SAFE after the close

type Entry = { type: string; actor: string; subject?: string; data?: Record<string, unknown> };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const BROADCAST: ConfigFile['broadcast'] = {
  ratePerSecond: 1000,
  approvalThreshold: 25,
  welfareReminderAfter: '1h',
  welfareFollowUpAfter: '3h',
};

async function welfareCloseApp(
  name: string,
  broadcast: ConfigFile['broadcast'] = BROADCAST,
  prefix?: string,
  now?: () => number,
): Promise<TestApp> {
  return startTestApp(name, { config: { broadcast }, ...(prefix ? { prefix } : {}), ...(now ? { options: { now } } : {}) });
}

const view = async (app: TestApp, id: string) => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
const delayedJob = (app: TestApp, kind: string, id: string) => broadcastQueues(app.deps).broadcast.getJob(jobIdFor(kind, id));
const startCheck = async (app: TestApp, audience: Record<string, unknown> = { all: true }, token?: string) => {
  const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience }, token);
  expect(res.status).toBe(201);
  return res.body.id;
};
const finalTallies = async (app: TestApp, id: string) =>
  (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`🔒 Welfare check ${id} `));
const closedEntries = async (app: TestApp, id: string) =>
  ((await auditTrail(app)).entries as Entry[]).filter((e) => e.subject === id && e.type.startsWith('welfare.close'));

/** Waits until a broadcast-queue job has run, and returns what it returned. */
async function ranJob(app: TestApp, kind: string, id: string): Promise<Record<string, unknown>> {
  await waitFor(async () => (await (await delayedJob(app, kind, id))?.getState()) === 'completed');
  // Read again once completed: a job read before has no return value yet.
  return (await delayedJob(app, kind, id))?.returnvalue as Record<string, unknown>;
}

describe('closing a welfare check', () => {
  let app: TestApp;
  let id: string;
  let reportId: string;
  // The app's clock, moved on to when the reminder is due.
  let skew = 0;

  beforeAll(async () => {
    app = await welfareCloseApp('welfare-close', BROADCAST, undefined, () => Date.now() + skew);
    await saveCitizens(app.deps, [
      aCitizen({ phone: A, name: 'Alice North', region: 'north', household: 3, language: 'en' }),
      aCitizen({ phone: B, name: 'Bruno Nord', region: 'north', household: 1, language: 'fr' }),
      aCitizen({ phone: C, name: 'Camil Sahil', region: 'coast', household: 2, language: 'ar' }),
      aCitizen({ phone: D, name: 'Dora Silent', region: 'capital', household: 4, language: 'en' }),
      aCitizen({ phone: E, name: 'Emil Report', region: 'capital', household: 1, language: 'en' }),
    ]);
    await app.say(E, 'The water is rising in our street');
    reportId = /INC-\d+/.exec((await app.expectMessage(E, /Reference: INC-\d+/)).text)?.[0] as string;
  });
  afterAll(async () => app.stop());

  it('from the cell group: the final tally is posted, and the reminder already queued for the silent never reaches them', async () => {
    id = await startCheck(app);
    for (const p of [A, D, E]) await app.expectMessage(p, /Are you safe\? Reply 1/);
    await app.say(A, '1');
    await app.expectMessage(A, /noted that you are safe \(3 person/);
    await app.say(C, '2');
    await app.expectMessage(C, /طلب المساعدة/);
    await settle(app);
    // Unless set, a check closes by itself 3 days after it started.
    expect((await delayedJob(app, 'wcls', id))?.opts.delay).toBe(3 * DAY);

    // The reminder is due and its messages are queued, but not sent yet, when the officer closes the check.
    await app.queues.outbound.pause();
    skew += HOUR;
    await (await delayedJob(app, 'wrem', id))?.promote();
    expect(await ranJob(app, 'wrem', id)).toEqual({ reminded: 3 });
    await app.say(STAFF.duty, `/close ${id}`, { group: CELL_GROUP });
    await waitFor(async () => (await view(app, id)).status === 'closed');
    await app.queues.outbound.resume();

    const post = await app.expectMessage(CELL_GROUP, new RegExp(`🔒 Welfare check ${id} closed by Ana Duty\\.`));
    expect(post.text).toContain(
      'Final tally: 1 safe (3 people), 1 need help, 3 no answer of 5 — safe/help/silent: north 1/0/1, capital 0/0/2, coast 0/1/0.',
    );
    expect(post.text).toContain(`The 3 who did not answer: GET /api/welfare-checks/${id}/follow-up`);
    await app.expectMessage(CELL_GROUP, new RegExp(`Welfare check ${id} closed: no reminder or follow-up will go out`));
    await settle(app);
    for (const p of [B, D, E])
      expect((await app.outbox(p)).map((m) => m.text)).not.toContainEqual(expect.stringMatching(/Reminder|Rappel/));

    const v = await view(app, id);
    expect(v.status).toBe('closed');
    expect(v.closed).toMatchObject({ by: 'Ana Duty', reason: 'officer' });
    expect(v.closed?.counts).toEqual({ total: 5, safe: 1, help: 1, noAnswer: 3, peopleSafe: 3 });
    expect(v.late).toEqual({ safe: 0, help: 0 });
    // Nothing is left to fire later: no follow-up list, no automatic close.
    expect(await delayedJob(app, 'wfol', id)).toBeUndefined();
    expect(await delayedJob(app, 'wcls', id)).toBeUndefined();
    expect(await closedEntries(app, id)).toEqual([
      expect.objectContaining({ type: 'welfare.closed', actor: 'Ana Duty', data: expect.objectContaining({ reason: 'officer', safe: 1 }) }),
    ]);
    // /sitrep lists the checks still open only.
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, /📊 SITREP/);
    expect(sitrep.text).not.toContain(`Welfare ${id}`);
  });

  it('still takes a SAFE or HELP that comes after the close: HELP opens a critical incident, SAFE is noted, both counted as late', async () => {
    await app.say(D, '1');
    await app.expectMessage(D, /noted that you are safe \(4 person/);
    await app.say(B, '2');
    const help = await app.expectMessage(B, /demande d'aide \(référence INC-\d+\)/);
    await app.say(E, 'we are safe');
    await app.expectMessage(E, /noted that you are safe \(1 person/);
    await settle(app);

    const incidentId = /INC-\d+/.exec(help.text)?.[0] as string;
    const incident = (await app.api<{ severity: string; links: Record<string, string> }>('GET', `/api/incidents/${incidentId}`)).body;
    expect(incident).toMatchObject({ severity: 'critical', links: { welfareCheck: id } });
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.kind === 'card' && m.text.includes(incidentId) && /closed before this answer/.test(m.text),
    );
    // The officer working on E's report learns that they are safe.
    const report = (await app.api<{ timeline: { text?: string }[] }>('GET', `/api/incidents/${reportId}`)).body;
    expect(report.timeline.map((e) => e.text ?? '')).toContainEqual(expect.stringMatching(new RegExp(`${id} .*answered SAFE`)));

    const v = await view(app, id);
    expect(v.counts).toEqual({ total: 5, safe: 3, help: 2, noAnswer: 0, peopleSafe: 8 });
    expect(v.late).toEqual({ safe: 2, help: 1 });
    // The tally the check closed with stays as it was posted.
    expect(v.closed?.counts).toEqual({ total: 5, safe: 1, help: 1, noAnswer: 3, peopleSafe: 3 });
    const followUp = await app.api<{ items: unknown[] }>('GET', `/api/welfare-checks/${id}/follow-up`);
    expect(followUp.body.items).toEqual([]);
  });

  it('keeps no list of whom to remind once closed, even when a question in flight at the close finishes sending after it', async () => {
    const { deps } = app;
    expect(await deps.redis.exists(deps.keys.welfareToRemind(id))).toBe(0);
    // B's question was being handed to WhatsApp as the check closed: its send is recorded afterwards.
    await deps.redis.hdel(broadcastKeys(deps, 'welfare').state(id), B);
    await advanceRecipient(deps, { kind: 'welfare', id, to: B, reminder: false }, 'sent');
    expect(await deps.redis.exists(deps.keys.welfareToRemind(id))).toBe(0);
  });

  it('says so when the check is already closed or unknown, and changes nothing', async () => {
    const before = await view(app, id);
    await app.say(STAFF.duty, `/close ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`${id} was already closed by Ana Duty on .* UTC; nothing changed`));
    const again = await app.api<{ error: { code: string; message: string } }>('POST', `/api/welfare-checks/${id}/close`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_closed', message: expect.stringContaining('already closed by Ana Duty') });

    await app.say(STAFF.duty, '/close WFC-9999', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /welfare check WFC-9999 was not found/);
    expect((await app.api('POST', '/api/welfare-checks/WFC-9999/close')).status).toBe(404);
    await app.say(STAFF.duty, '/close INC-0001', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /An incident is closed with \/resolve/);
    const bad = await app.api<{ error: { message: string } }>('POST', '/api/welfare-checks/yesterday/close');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/welfare check id like WFC-0003/);
    await settle(app);

    expect(await view(app, id)).toEqual(before);
    expect(await finalTallies(app, id)).toHaveLength(1);
    expect((await closedEntries(app, id)).map((e) => e.type)).toEqual(['welfare.closed']);
  });

  it('takes a duty officer, in the group or a DM: an officer is refused in chat (audited) and on the API; a cancelled check has nothing to close', async () => {
    const other = await startCheck(app, { regions: ['north'] });
    await app.say(STAFF.officer, `/close ${other}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /\/close needs the duty_officer role/);
    const officer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Olive Officer', role: 'officer' })).body.token;
    expect((await app.api('POST', `/api/welfare-checks/${other}/close`, undefined, officer)).status).toBe(403);
    const refused = ((await auditTrail(app)).entries as Entry[]).filter((e) => e.type === 'command.refused' && e.subject === '/close');
    expect(refused).toEqual([expect.objectContaining({ actor: 'Chloe Officer', data: { reason: 'missing_role' } })]);
    expect((await view(app, other)).status).not.toBe('closed');
    // A duty officer may close it from a DM too: the final tally is in the answer as well.
    await app.say(STAFF.duty, `/close ${other}`);
    const answer = await app.expectMessage(STAFF.duty, new RegExp(`Welfare check ${other} closed`));
    expect(answer.text).toMatch(/Final tally: 0 safe \(0 people\), 0 need help, 2 no answer of 2 — safe\/help\/silent: north 0\/0\/2\./);

    const third = await startCheck(app, { regions: ['north'] });
    expect((await app.api('POST', `/api/welfare-checks/${third}/cancel`)).status).toBe(200);
    const cancelled = await app.api<{ error: { code: string; message: string } }>('POST', `/api/welfare-checks/${third}/close`);
    expect(cancelled.status).toBe(409);
    expect(cancelled.body.error.message).toBe(`${third} was cancelled: there is nothing to close.`);
    expect((await view(app, third)).status).toBe('cancelled');
  });

  it("takes the check's number alone in the cell group, as /stop 3 takes a run: /close 3 closes WFC-0003", async () => {
    const other = await startCheck(app, { regions: ['north'] });
    const number = String(Number(other.slice('WFC-'.length)));
    await app.say(STAFF.duty, `/close ${number}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`Welfare check ${other} closed: no reminder or follow-up`));
    expect(await finalTallies(app, other)).toHaveLength(1);
    expect((await view(app, other)).closed).toMatchObject({ by: 'Ana Duty', reason: 'officer' });
  });

  it('closes by itself after broadcast.welfareCloseAfter, with its final tally', async () => {
    const other = await startCheck(app, { regions: ['capital'] });
    await waitFor(async () => (await app.outbox(D)).filter((m) => /Are you safe/.test(m.text)).length === 2);
    await (await delayedJob(app, 'wcls', other))?.promote();
    expect(await ranJob(app, 'wcls', other)).toEqual({ closed: true });
    const post = await app.expectMessage(CELL_GROUP, new RegExp(`🔒 Welfare check ${other} closed automatically, 3d after it started\\.`));
    expect(post.text).toContain('Final tally: 0 safe (0 people), 0 need help, 2 no answer of 2');
    expect((await view(app, other)).closed).toMatchObject({ by: 'system', reason: 'expired' });
    expect(await delayedJob(app, 'wrem', other)).toBeUndefined();
    expect(await delayedJob(app, 'wfol', other)).toBeUndefined();
  });
});

describe('a welfare check closed before its questions went out', () => {
  let app: TestApp;
  const people = [aCitizen({ region: 'coast' }), aCitizen({ region: 'coast' }), aCitizen({ region: 'coast' })];
  beforeAll(async () => {
    app = await welfareCloseApp('welfare-close-queued', { ...BROADCAST, welfareCloseAfter: '2d' });
    await saveCitizens(app.deps, people);
  });
  afterAll(async () => app.stop());

  it('asks nobody once closed: the queued questions are not sent and count as cancelled', async () => {
    await app.queues.outbound.pause();
    const id = await startCheck(app);
    expect(await ranJob(app, 'fanout', id)).toEqual({ enqueued: 3 });
    expect((await delayedJob(app, 'wcls', id))?.opts.delay).toBe(2 * DAY);
    const res = await app.api<WelfareView>('POST', `/api/welfare-checks/${id}/close`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'closed', closed: { by: 'admin', reason: 'officer' } });
    await app.queues.outbound.resume();
    await app.expectMessage(CELL_GROUP, new RegExp(`🔒 Welfare check ${id} closed by admin\\.`));
    await settle(app);
    for (const p of people) expect(await app.outbox(p.phone)).toEqual([]);
    expect((await view(app, id)).delivery).toMatchObject({ total: 3, sent: 0, queued: 0, cancelled: 3 });
  });
});

describe('a welfare check whose audience holds nobody', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await welfareCloseApp('welfare-close-nobody');
    await saveCitizens(app.deps, [aCitizen({ region: 'coast' })]);
  });
  afterAll(async () => app.stop());

  it('is closed as it starts: the API says so, the cell is told, it is audited, and nothing is left to remind or follow up', async () => {
    const res = await app.api<{ id: string; total: number; status: string; note?: string }>('POST', '/api/welfare-checks', {
      audience: { regions: ['north'] },
    });
    expect(res.status).toBe(201);
    const id = res.body.id;
    expect(res.body).toEqual({
      id,
      total: 0,
      status: 'closed',
      note: `Nobody was asked: no registered citizen matches this audience (a welfare check asks registered citizens only), so ${id} was closed at once. Check the audience, or use {"all": true}.`,
    });
    const v = await view(app, id);
    expect(v.status).toBe('closed');
    expect(v.closed).toMatchObject({ by: 'system', reason: 'nobody_asked', counts: { total: 0, safe: 0, help: 0, noAnswer: 0 } });
    const post = await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`🔒 Welfare check ${id} `));
    expect(post.text).toBe(
      `🔒 Welfare check ${id} (started by admin) was closed as it started: nobody was asked (no registered citizen in its audience). Nothing was sent and no answer is awaited.`,
    );
    await settle(app);
    for (const kind of ['wrem', 'wfol', 'wcls']) expect(await delayedJob(app, kind, id), kind).toBeUndefined();
    const entries = ((await auditTrail(app)).entries as Entry[]).filter((e) => e.subject === id);
    expect(entries.map((e) => [e.type, e.actor, e.data?.reason])).toEqual([
      ['welfare.started', 'admin', undefined],
      ['welfare.closed', 'system', 'nobody_asked'],
    ]);
    // Closing it again changes nothing, and says why.
    const again = await app.api<{ error: { message: string } }>('POST', `/api/welfare-checks/${id}/close`);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain(`${id} was closed as it started`);
    expect(await finalTallies(app, id)).toHaveLength(1);
  });

  it('a check with someone to ask still opens, with its reminder, follow-up and close queued', async () => {
    const res = await app.api<{ id: string; total: number; status: string; note?: string }>('POST', '/api/welfare-checks', {
      audience: { regions: ['coast'] },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: res.body.id, total: 1, status: 'sending' });
    for (const kind of ['wrem', 'wfol', 'wcls']) expect(await delayedJob(app, kind, res.body.id), kind).toBeDefined();
    await waitFor(async () => (await view(app, res.body.id)).status === 'open');
  });
});

describe('a close cut short before its final tally was posted', () => {
  let app: TestApp | undefined;
  const citizen = aCitizen({ region: 'north' });
  afterAll(async () => app?.stop());

  // A follow-up later than the default close: unless set, the close then comes a day after it.
  const broadcast = { ...BROADCAST, welfareFollowUpAfter: '3d' };

  it('is finished at the next start, once, and nothing more goes out for the check', async () => {
    const first = await welfareCloseApp('welfare-close-restart', broadcast);
    await saveCitizens(first.deps, [citizen]);
    const id = await startCheck(first);
    await first.expectMessage(citizen.phone, /Are you safe/);
    expect((await delayedJob(first, 'wcls', id))?.opts.delay).toBe(4 * DAY);
    // Another check, started by a version that did not close checks by itself: it has no close job.
    const older = await startCheck(first);
    await (await delayedJob(first, 'wcls', older))?.remove();
    await expect(closeWelfareCheck(outboxDown(first.deps), { id, actor: { name: 'Ana Duty' }, reason: 'officer' })).rejects.toThrow(
      'outbox down',
    );
    expect((await view(first, id)).status).toBe('closed');
    await settle(first);
    expect(await finalTallies(first, id)).toEqual([]);
    await first.close();

    const second = await welfareCloseApp('welfare-close-restart', broadcast, first.prefix);
    app = second;
    await second.expectMessage(CELL_GROUP, new RegExp(`🔒 Welfare check ${id} closed by Ana Duty\\.`));
    expect((await closedEntries(second, id)).map((e) => e.type)).toEqual(['welfare.closed', 'welfare.close_resumed']);
    // Nothing of the check is left to fire: no reminder, follow-up or second close.
    const jobs = await broadcastQueues(second.deps).broadcast.getJobs(['delayed', 'waiting', 'prioritized']);
    expect(jobs.filter((j) => j.data.id === id)).toEqual([]);
    await settle(second);
    expect(await finalTallies(second, id)).toHaveLength(1);
    const asked = (await second.outbox(citizen.phone)).filter((m) => m.text.includes(id)).map((m) => m.text);
    expect(asked).toEqual([expect.stringMatching(/Are you safe/)]);
    // The older check now closes by itself too, 4 days after it started.
    const started = Date.parse((await view(second, older)).createdAt);
    const close = await delayedJob(second, 'wcls', older);
    expect(await close?.getState()).toBe('delayed');
    // Counted from when it started, not from the restart.
    expect(close?.opts.delay).toBeLessThan(4 * DAY);
    expect((close?.timestamp ?? 0) + (close?.opts.delay ?? 0)).toBeGreaterThanOrEqual(started + 4 * DAY);
  });
});
