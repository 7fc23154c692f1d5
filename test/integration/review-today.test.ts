import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { postDigest } from '../../src/app/incidents/cards.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { answersAfter, CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** Broadcast settings of the welfare tests: checks go out at once, reminders never within a test. */
const WELFARE_BROADCAST = { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' };

const A = '+33678100001';
const B = '+33678100002';

describe('review of the day', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('review-today', {
      config: { broadcast: WELFARE_BROADCAST },
    });
    const c = (phone: string, name: string, language: string) => aCitizen({ phone, name, household: 2, language });
    await saveCitizens(app.deps, [c(A, 'Alan Hurt', 'en'), c(B, 'Berthe Blessée', 'fr')]);
  });
  afterAll(async () => app.stop());

  it('a SAFE answer that describes an emergency ("1 but my husband is injured") counts as HELP, not safe', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(res.status).toBe(201);
    await app.expectMessage(A, /Are you safe/);
    await app.expectMessage(B, /Êtes-vous en sécurité/);
    await settle(app);
    await app.say(A, '1 but my husband is injured and bleeding');
    await app.say(B, 'Oui mais il y a un incendie chez nous');
    await settle(app);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${res.body.id}`)).body;
    expect(v.counts).toMatchObject({ total: 2, safe: 0, help: 2 });
    const cards = (await app.outbox(CELL_GROUP)).filter((m) => /New incident/.test(m.text));
    expect(cards.map((m) => m.text)).toEqual([
      expect.stringMatching(/CRITICAL[\s\S]*answered HELP[\s\S]*injured/),
      expect.stringMatching(/CRITICAL[\s\S]*answered HELP[\s\S]*incendie/),
    ]);
  });
});

describe('a SAFE answer that says the citizen is leaving, or lost a passport', () => {
  let app: TestApp;
  const C = '+33678100003';
  const D = '+33678100004';
  beforeAll(async () => {
    app = await startTestApp('review-today-leaving', {
      config: { broadcast: WELFARE_BROADCAST },
    });
    await saveCitizens(app.deps, [
      aCitizen({ phone: C, name: 'Claire Départ', household: 3, language: 'fr' }),
      aCitizen({ phone: D, name: 'Dana Lost', household: 1, language: 'en' }),
    ]);
  });
  afterAll(async () => app.stop());

  it('counts them safe, and their words still reach the cell as a tracked report', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(res.status).toBe(201);
    await app.expectMessage(C, /Êtes-vous en sécurité/);
    await app.expectMessage(D, /Are you safe/);
    await settle(app);
    await app.say(C, '1, on part maintenant vers la frontière');
    await app.say(D, '1 but I lost my passport in the hotel');
    await settle(app);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${res.body.id}`)).body;
    expect(v.counts).toMatchObject({ total: 2, safe: 2, help: 0 });
    await app.expectMessage(C, /Référence : INC-\d+/);
    await app.expectMessage(D, /Reference: INC-\d+/);
    const cards = (await app.outbox(CELL_GROUP)).filter((m) => /New incident/.test(m.text)).map((m) => m.text);
    expect(cards).toEqual(expect.arrayContaining([expect.stringMatching(/frontière/), expect.stringMatching(/lost my passport/)]));
    expect(cards.some((t) => /answered HELP/.test(t))).toBe(false);
  });
});

describe('a digest retried after it was queued', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('review-today-digest', {
      config: { digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '1h' } },
    });
  });
  afterAll(async () => app.stop());

  it('posts the incidents it first took once, and leaves a report that arrived since to the next digest', async () => {
    const { deps } = app;
    const bucket = Math.floor(deps.now() / 3_600_000);
    await app.say('+33678200001', 'Need information about flights, family 1');
    await app.expectMessage(CELL_GROUP, /New incident/);
    await app.say('+33678200002', 'Need information about flights, family 2');
    await settle(app);
    expect(await deps.redis.zcard(deps.keys.digestPending)).toBe(1);
    // The first attempt queues the digest, then loses Redis before it can forget what it posted.
    const posting = deps.keys.digestPosting(bucket);
    const del = deps.redis.del.bind(deps.redis);
    const spy = vi
      .spyOn(deps.redis, 'del')
      .mockImplementation(((...keys: string[]) =>
        keys[0] === posting ? Promise.reject(new Error('Redis went away')) : del(...keys)) as never);
    await expect(postDigest(deps, { bucket })).rejects.toThrow(/went away/);
    spy.mockRestore();
    // A critical report arrives before the retry: it sorts first in any digest that takes it.
    await app.say('+33678200003', 'SOS');
    await settle(app);
    await postDigest(deps, { bucket });
    await settle(app);
    const digests = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'digest');
    expect(digests).toHaveLength(1);
    expect(digests[0]?.text).toMatch(/Digest: 1 new incident arrived/);
    expect(await deps.redis.zcard(deps.keys.digestPending)).toBe(1);
  });
});

describe('a follow-up retried after it raised the severity', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('review-today-raise', {
      config: {
        escalation: { ackDeadline: { critical: '5m', high: '15m', medium: '4h', low: '4h' }, secondDeadline: '10m' },
        digest: { maxCardsPerWindow: 1000, window: '1m' },
      },
    });
  });
  afterAll(async () => app.stop());

  it('still brings the escalation forward to the critical deadline', async () => {
    const { deps } = app;
    const citizen = '+33678300001';
    await app.say(citizen, 'Need information about flights');
    const id = /INC-\d{4}/.exec((await app.expectMessage(citizen, /INC-\d{4}/)).text)?.[0] as string;
    await settle(app);
    const member = `${id}|1`;
    expect(Number(await deps.redis.zscore(deps.keys.escalationsDue, member))).toBeGreaterThan(deps.now() + 3_600_000);
    // The first attempt raises the incident to critical, then Redis refuses the new deadline once.
    const evalsha = deps.redis.evalsha.bind(deps.redis);
    let failed = false;
    const spy = vi.spyOn(deps.redis, 'evalsha').mockImplementation(((...args: unknown[]) => {
      if (!failed && args.includes(member) && args.includes('sooner')) {
        failed = true;
        return Promise.reject(new Error('Redis went away'));
      }
      return (evalsha as (...a: unknown[]) => Promise<unknown>)(...args);
    }) as never);
    await app.say(citizen, 'SOS my father is not breathing');
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(id) && /reporter adds/.test(m.text));
    await settle(app);
    spy.mockRestore();
    expect(failed).toBe(true);
    expect((await app.api<{ severity: string }>('GET', `/api/incidents/${id}`)).body.severity).toBe('critical');
    expect(Number(await deps.redis.zscore(deps.keys.escalationsDue, member))).toBeLessThan(deps.now() + 5 * 60_000 + 1_000);
  });
});

/** A citizen's message, and the bot's next answer to them. */
/**
 * Every message the bot answered `phone`, once the queues are idle: a report opened mid-registration
 * gets its answer and the notice that the registration is paused, in either order.
 */
async function answerIn(app: TestApp, phone: string, text: string): Promise<string> {
  const before = (await app.outbox(phone)).length;
  await app.say(phone, text);
  return answersAfter(app, phone, before);
}

describe('REGISTER answers that add people up', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('review-today-register', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
  });
  afterAll(async () => app.stop());

  const answer = (phone: string, text: string) => answerIn(app, phone, text);

  it('"my wife and 2 kids" is asked again, not taken for a household of 2', async () => {
    const phone = '+33678400001';
    for (const text of ['register', 'yes', 'Omar Said', 'Aleppo']) await answer(phone, text);
    expect(await answer(phone, 'my wife and 2 kids')).toMatch(/number of people/);
    expect(await answer(phone, 'me + 3 children')).toMatch(/number of people/);
    expect(await answer(phone, '4')).toMatch(/Which language/);
    await answer(phone, 'english');
    expect((await getCitizen(app.deps, phone))?.household).toBe(4);
  });
});

describe('REGISTER region answers that name a landmark', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('review-today-landmark', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
  });
  afterAll(async () => app.stop());

  const answer = (phone: string, text: string) => answerIn(app, phone, text);

  it('"Damascus, near the hospital" is where the citizen lives, not a medical emergency; an injury still is', async () => {
    const phone = '+33678500001';
    for (const text of ['register', 'yes', 'Rania Haddad']) await answer(phone, text);
    expect(await answer(phone, 'I am in Damascus near the hospital')).toMatch(/How many people/);
    const arabic = '+33678500002';
    for (const text of ['register', 'yes', 'Rami Haddad']) await answer(arabic, text);
    expect(await answer(arabic, 'دمشق قرب المستشفى')).toMatch(/كم عدد الأشخاص|How many people/);
    const hurt = '+33678500003';
    for (const text of ['register', 'yes', 'Samir Haddad']) await answer(hurt, text);
    expect(await answer(hurt, 'Aleppo near the hospital, my son is injured')).toMatch(/INC-\d+/);
    await settle(app);
    const cards = (await app.outbox(CELL_GROUP)).filter((m) => /New incident/.test(m.text));
    expect(cards.map((m) => m.text)).toEqual([expect.stringMatching(/my son is injured/)]);
  });
});
