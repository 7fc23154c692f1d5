import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigest } from '../../src/app/incidents/cards.ts';
import { escalateDue } from '../../src/app/incidents/escalation.ts';
import { openIncident } from '../../src/app/incidents/open-incident.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, outboxDown, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * Work that fails halfway (Redis or the outbox briefly unreachable) is retried by BullMQ. These
 * tests run the first attempt with an outbox that refuses, then the retry with the real one, and
 * check that nothing the cell or the citizen should have seen is lost, and nothing is shown twice.
 */
let app: TestApp;
const HOUR = 3_600_000;

const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
const report = (reporter: string, text: string, sourceMessageId: string) =>
  ({ reporter, text, channel: 'chat', language: 'en', sourceMessageId }) as const;

beforeAll(async () => {
  app = await startTestApp('resilience', {
    config: {
      // Deadlines and digests far off: the tests run them by hand, at a time of their choosing.
      escalation: { ackDeadline: { critical: '1h', high: '1h', medium: '2h', low: '4h' }, secondDeadline: '1h' },
      digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '1h' },
    },
  });
});
afterAll(async () => app.stop());

describe('work retried after a failure midway', () => {
  it('posts the card of a report whose first intake stored it and then failed, once', async () => {
    await app.deps.redis.del(app.deps.keys.digestCards);
    const input = report('+33655550001', 'My brother was arrested at a checkpoint', 'resilience-intake-1');
    await expect(openIncident(outboxDown(app.deps), input)).rejects.toThrow('outbox down');
    const first = await openIncident(app.deps, input);
    expect(first).toMatchObject({ created: true, duplicate: true });
    const cards = async () => (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'card' && m.text.includes(first.id));
    await waitFor(async () => (await cards()).length === 1 || undefined);
    // Another retry (or WhatsApp delivering the message again) shows nothing twice.
    await openIncident(app.deps, input);
    await settle(app);
    expect(await cards()).toHaveLength(1);
    const incident = await getIncident(first.id);
    expect(incident.timeline.filter((e) => e.type === 'reported')).toHaveLength(1);
    const audit = await app.api<{ items: { type: string; subject: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    const opened = audit.body.items.filter((e) => e.type === 'incident.opened' && e.subject === first.id);
    expect(opened.some((e) => e.data.retried === true)).toBe(true);
  });

  it('tells the cell what a citizen added when the first attempt failed after storing it', async () => {
    // A report the group has seen (its card): what is added to one still waiting for the digest waits with it.
    await app.deps.redis.del(app.deps.keys.digestCards);
    const opened = await openIncident(app.deps, report('+33655550002', 'We are hiding in the embassy district', 'resilience-follow-1'));
    const more = report('+33655550002', 'Now there is shooting in our street', 'resilience-follow-2');
    await expect(openIncident(outboxDown(app.deps), more)).rejects.toThrow('outbox down');
    await openIncident(app.deps, more);
    const update = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'update' && m.text.includes('shooting in our street'));
    expect(update.text).toContain(opened.id);
    expect((await getIncident(opened.id)).timeline.filter((e) => e.text?.includes('shooting'))).toHaveLength(1);
  });

  it('tells the officer holding a report that a follow-up raised it when the first attempt failed after raising it, once', async () => {
    const opened = await openIncident(app.deps, report('+33655550013', 'Our car was stolen near the market', 'resilience-raise-1'));
    await app.say(STAFF.officer, `/ack ${opened.id}`, { group: CELL_GROUP });
    await waitFor(async () => (await getIncident(opened.id)).status === 'acknowledged' || undefined);
    const worse = report('+33655550013', 'they shot my husband, he is not breathing', 'resilience-raise-2');
    await expect(openIncident(outboxDown(app.deps), worse)).rejects.toThrow('outbox down');
    expect((await getIncident(opened.id)).severity).toBe('critical');
    await openIncident(app.deps, worse);
    await openIncident(app.deps, worse);
    await app.expectMessage(STAFF.officer, (m) => m.text.includes(`The reporter of ${opened.id}, which is with you, wrote again`));
    await settle(app);
    expect((await app.outbox(STAFF.officer)).filter((m) => m.text.includes(`The reporter of ${opened.id}`))).toHaveLength(1);
  });

  it('keeps a digest’s incidents when its post fails, and lists every one on the retry', async () => {
    const { keys, redis } = app.deps;
    await redis.del(keys.digestCards, keys.digestPending);
    const ids: string[] = [];
    for (const [i, text] of ['Where do I renew my passport?', 'Is the airport open?', 'Lost my ID card at the hotel'].entries()) {
      ids.push((await openIncident(app.deps, report(`+3365555010${i}`, text, `resilience-digest-${i}`))).id);
    }
    // The first gets its card; the other two wait for the window's digest.
    expect(await redis.zcard(keys.digestPending)).toBe(2);
    const bucket = Math.floor(Date.now() / HOUR);
    await expect(postDigest(outboxDown(app.deps), { bucket })).rejects.toThrow('outbox down');
    await postDigest(app.deps, { bucket });
    const digest = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest');
    expect(digest.text).toContain('2 new incidents');
    for (const id of ids.slice(1)) expect(digest.text).toContain(id);
    // Posted: nothing is left waiting for another digest.
    expect(await redis.exists(keys.digestPending, keys.digestPosting(bucket))).toBe(0);
  });

  it('pages the duty officers when the escalation’s first attempt recorded it and then failed', async () => {
    // Only this test's incident is due, and the window has room for its notice.
    await app.deps.redis.del(app.deps.keys.escalationsDue, app.deps.keys.escalationPosts);
    const { id } = await openIncident(app.deps, report('+33655550003', 'My father is trapped under rubble', 'resilience-esc-1'));
    const later = () => Date.now() + 2 * HOUR;
    await escalateDue(outboxDown(app.deps, later)); // the failure is logged, not thrown
    expect((await getIncident(id)).escalationLevel).toBe(1);
    expect(await app.deps.redis.zscore(app.deps.keys.escalationsDue, `${id}|1`)).not.toBeNull();
    // The claim runs out; the sweep takes it up again.
    await escalateDue({ ...app.deps, now: () => later() + 31_000 });
    const page = await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id));
    expect(page.text).toMatch(/UNACKNOWLEDGED/);
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'escalation' && m.text.includes(id));
    const incident = await getIncident(id);
    expect(incident.timeline.filter((e) => e.type === 'escalated')).toHaveLength(1);
    expect(await app.deps.redis.zscore(app.deps.keys.escalationsDue, `${id}|1`)).toBeNull();
    // Its second deadline (admins) is set, once.
    expect(await app.deps.redis.zscore(app.deps.keys.escalationsDue, `${id}|2`)).not.toBeNull();
  });

  it('escalates the other incidents when one of them cannot be read', async () => {
    const { keys, redis } = app.deps;
    await redis.del(keys.escalationsDue, keys.escalationPosts);
    const bad = await openIncident(app.deps, report('+33655550004', 'Gunmen at the hotel, we are locked in', 'resilience-bad-1'));
    const good = await openIncident(app.deps, report('+33655550005', 'Trapped in the basement after the quake', 'resilience-bad-2'));
    // The damaged incident comes first in the due set.
    await redis.zadd(keys.escalationsDue, Date.now() - 1000, `${bad.id}|1`);
    await redis.hset(keys.incident(bad.id), 'location', '{not json');
    await escalateDue({ ...app.deps, now: () => Date.now() + 2 * HOUR });
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(good.id));
    // The damaged one is kept for the sweep to try again, not dropped.
    expect(await redis.zscore(keys.escalationsDue, `${bad.id}|1`)).not.toBeNull();
    await redis.zrem(keys.escalationsDue, `${bad.id}|1`);
  });
});
