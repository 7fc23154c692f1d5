import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const A = '+33677000001'; // north, household 3, en
const B = '+33677000002'; // north, household 1, fr
const C = '+33677000003'; // coast, household 2, ar
const D = '+33677000004'; // capital, household 4, en: never answers
const E = '+33677000005'; // capital, opted out: never asked

describe('welfare checks', () => {
  let app: TestApp;
  let id: string;
  const view = async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
  // The app's clock, moved on to when the reminder is due.
  let skew = 0;

  beforeAll(async () => {
    app = await startTestApp('welfare', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
      options: { now: () => Date.now() + skew },
    });
    const c = (phone: string, name: string, region: string, household: number, language: string, optedOut = false) => ({
      phone,
      name,
      region,
      household,
      language,
      registeredAt: 1,
      updatedAt: 1,
      optedOut,
    });
    await saveCitizens(app.deps, [
      c(A, 'Alice North', 'north', 3, 'en'),
      c(B, 'Bruno Nord', 'north', 1, 'fr'),
      c(C, 'Camil Sahil', 'coast', 2, 'ar'),
      c(D, 'Dora Silent', 'capital', 4, 'en'),
      c(E, 'Eve Stopped', 'capital', 1, 'en', true),
    ]);
  });
  afterAll(async () => app.stop());

  it('asks an audience "are you safe?" in their language and tallies 1/SAFE and 2/HELP by region', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(res.status).toBe(201);
    id = res.body.id;
    expect(id).toMatch(/^WFC-\d{4}$/);
    await app.expectMessage(A, /Are you safe\? Reply 1/);
    await app.expectMessage(B, /Êtes-vous en sécurité/);
    await app.expectMessage(C, /هل أنت بأمان/);
    await settle(app);
    expect(await app.outbox(E)).toHaveLength(0);

    await app.say(A, '1');
    await app.expectMessage(A, /noted that you are safe \(3 person/);
    await app.say(B, 'Sauf 2');
    await app.expectMessage(B, /en sécurité \(2 personne/);
    await app.say(C, 'مساعدة');
    await app.expectMessage(C, /طلب المساعدة/);
    await settle(app);
    const v = await view();
    expect(v.counts).toEqual({ total: 4, safe: 2, help: 1, noAnswer: 1, peopleSafe: 5 });
    expect(v.byRegion.north).toEqual({ total: 2, safe: 2, help: 0, noAnswer: 0, peopleSafe: 5 });
    expect(v.byRegion.coast).toEqual({ total: 1, safe: 0, help: 1, noAnswer: 0, peopleSafe: 0 });
    expect(v.byRegion.capital).toEqual({ total: 1, safe: 0, help: 0, noAnswer: 1, peopleSafe: 0 });
  });

  it('moves a citizen who changes their answer from one tally to the other', async () => {
    await app.say(A, 'HELP');
    const reply = await app.expectMessage(A, /request for help \(reference INC-\d+\)/);
    await settle(app);
    const incidentId = /INC-\d+/.exec(reply.text)?.[0] as string;
    const incident = await app.api<{ severity: string; links?: Record<string, string> }>('GET', `/api/incidents/${incidentId}`);
    expect(incident.body.severity).toBe('critical');
    expect(incident.body.links?.welfareCheck).toBe(id);
    const v = await view();
    expect(v.counts).toMatchObject({ safe: 1, help: 2, noAnswer: 1, peopleSafe: 2 });
    expect(v.byRegion.north).toMatchObject({ safe: 1, help: 1 });
  });

  it('reminds only the silent, then lists them for phone follow-up in the cell group', async () => {
    skew += 3_600_000;
    await (await broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wrem', id)))?.promote();
    await app.expectMessage(D, /Reminder: the embassy still needs your answer/);
    await settle(app);
    for (const p of [A, B, C, E]) expect((await app.outbox(p)).some((m) => /Reminder/.test(m.text))).toBe(false);
    await (await broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wfol', id)))?.promote();
    const post = await app.expectMessage(CELL_GROUP, new RegExp(`Welfare check ${id}: 1 citizen\\(s\\) have not answered`));
    expect(post.text).toContain('Dora Silent +33677000004 — Capital District, 4 person(s)');
    const list = await app.api<{ items: { phone: string; name: string }[] }>('GET', `/api/welfare-checks/${id}/follow-up`);
    expect(list.body.items).toEqual([{ phone: D, name: 'Dora Silent', region: 'capital', household: 4 }]);
  });

  it('shows the tallies in /sitrep lines and refuses unknown ids and bad bodies', async () => {
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, new RegExp(`Welfare ${id}`));
    expect(sitrep.text).toMatch(/1 safe \(2 people\), 2 need help, 1 no answer of 4/);
    expect(sitrep.text).toMatch(/north 1\/1\/0, capital 0\/0\/1, coast 0\/1\/0/);
    expect((await app.api('GET', '/api/welfare-checks/WFC-9999')).status).toBe(404);
    const bad = await app.api<{ error: { message: string } }>('POST', '/api/welfare-checks', { audience: { regions: ['mars'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/mars/);
  });

  it('does not take "1" as an answer from a citizen who was not asked', async () => {
    await app.say('+33677000099', '1');
    const reply = await app.expectMessage('+33677000099', /./);
    expect(reply.text).not.toMatch(/noted that you are safe/);
  });
});

describe('welfare answers as citizens write them', () => {
  let app: TestApp;
  const P = (n: number) => `+33677100${String(n).padStart(3, '0')}`;

  beforeAll(async () => {
    app = await startTestApp('welfare-answers', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
    });
    const langs = ['ar', 'ar', 'fr', 'en', 'en', 'en', 'ar', 'fr', 'en'];
    await saveCitizens(
      app.deps,
      langs.map((language, i) => aCitizen({ phone: P(i), name: `Citizen ${i}`, household: 2, language })),
    );
  });
  afterAll(async () => app.stop());

  it('tallies answers in Arabic digits, keycaps and with extra words instead of opening incidents', async () => {
    const { id } = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } })).body;
    await settle(app);
    const answers = [
      '١',
      'بخير ٣',
      '1 nous allons bien',
      '1️⃣',
      'Yes, all 4 of us',
      'safe but my son needs help',
      'نعم',
      'oui',
      '1 we are ok but we have no water left',
    ];
    for (const [i, text] of answers.entries()) await app.say(P(i), text);
    await settle(app);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    expect(v.counts).toEqual({ total: 9, safe: 8, help: 1, noAnswer: 0, peopleSafe: 2 + 3 + 2 + 2 + 4 + 2 + 2 + 2 });
    expect(await app.outbox(P(0))).toContainEqual(expect.objectContaining({ text: expect.stringMatching(/سجلنا أنك بأمان/) }));
    expect(await app.outbox(P(5))).toContainEqual(expect.objectContaining({ text: expect.stringMatching(/request for help/) }));
    const cards = (await app.outbox(CELL_GROUP)).filter((m) => /New incident/.test(m.text));
    // A SAFE answer that says more still reaches the cell, as an incident with the citizen's words.
    expect(cards).toHaveLength(2);
    expect(cards.map((m) => m.text)).toEqual(
      expect.arrayContaining([expect.stringMatching(/no water left/), expect.stringMatching(/Welfare check .*HELP/)]),
    );
    const extra = await app.outbox(P(8));
    expect(extra.map((m) => m.text)).toEqual([expect.stringMatching(/Are you safe/), expect.stringMatching(/INC-\d+/)]);
  });

  it('counts the people asked, not the cell groups that also got the question, and refuses text in an unknown language', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true, cellGroups: true } });
    await app.expectMessage(CELL_GROUP, new RegExp(`${res.body.id}[\\s\\S]*Are you safe`));
    await settle(app);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${res.body.id}`)).body;
    expect(v.counts).toEqual({ total: 9, safe: 0, help: 0, noAnswer: 9, peopleSafe: 0 });
    expect(v.byRegion.north?.total).toBe(9);
    expect(v.delivery.total).toBe(10);
    const bad = await app.api<{ error: { message: string } }>('POST', '/api/welfare-checks', {
      audience: { all: true },
      text: { de: 'Sind Sie in Sicherheit?' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown language\(s\): de/);
  });
});

describe('answers to "are you safe?" in people’s own words, on time or late', () => {
  let app: TestApp;
  let id: string;
  const P = (n: number) => `+33677200${String(n).padStart(3, '0')}`;
  const answers: [language: string, text: string][] = [
    ['en', 'not safe'],
    ['fr', 'ça va pas du tout'],
    ['ar', 'مش بخير'],
    ['en', 'we r ok'],
    ['en', 'all good, 4 of us'],
    ['fr', 'nous allons bien merci'],
    ['ar', 'تمام'],
    ['ar', 'kolna mni7in'],
    ['en', 'my son is bleeding'],
  ];

  beforeAll(async () => {
    app = await startTestApp('welfare-own-words', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 }, digest: { maxCardsPerWindow: 1000, window: '1m' } },
    });
    await saveCitizens(
      app.deps,
      [...answers, ['en', 'late'] as const, ['en', 'forwards'] as const, ['en', 'forwards'] as const].map(([language], i) =>
        aCitizen({ phone: P(i), household: 2, language }),
      ),
    );
  });
  afterAll(async () => app.stop());

  it('counts "not safe" as HELP, "we r ok" or "تمام" as SAFE and "my son is bleeding" as HELP, without a report for each "we are fine"', async () => {
    id = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } })).body.id;
    await app.expectMessage(P(answers.length), /Are you safe/);
    await settle(app);
    for (const [i, [, text]] of answers.entries()) await app.say(P(i), text);
    // Someone else's words forwarded ("my sister: we are trapped") are a report, not this citizen's answer.
    await app.say(P(answers.length + 2), 'We are all fine here, don’t worry', { forwarded: true });
    await app.say(P(answers.length + 1), 'From my sister: we are trapped under the rubble in Aleppo', { forwarded: true });
    await settle(app);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    expect(v.counts).toEqual({ total: 12, safe: 5, help: 4, noAnswer: 3, peopleSafe: 2 + 4 + 2 + 2 + 2 });
    // The three who said they are not safe, and the one whose son bleeds, are told help is coming and 112.
    await app.expectMessage(P(0), /request for help \(reference INC-\d+\)[\s\S]*112/);
    await app.expectMessage(P(1), /demande d'aide/);
    await app.expectMessage(P(2), /طلب المساعدة/);
    await app.expectMessage(P(8), /request for help/);
    await app.expectMessage(P(3), /noted that you are safe \(2 person/);
    await app.expectMessage(P(6), /سجلنا أنك بأمان/);
    // The cell gets one critical card per HELP, linked to the check, and the forwarded messages as
    // reports; nothing for those who are fine.
    const cards = (await app.outbox(CELL_GROUP)).filter((m) => /New incident/.test(m.text));
    const forwarded = (c: { text: string }) => /Forwarded by the reporter/.test(c.text);
    expect(cards).toHaveLength(6);
    expect(cards.filter(forwarded)).toHaveLength(2);
    for (const card of cards.filter((c) => !forwarded(c)))
      expect(card.text).toMatch(new RegExp(`CRITICAL[\\s\\S]*Welfare check ${id}: the citizen answered HELP`));
    const linked = await app.api<{ items: unknown[] }>('GET', `/api/incidents?welfareCheck=${id}`);
    expect(linked.body.items).toHaveLength(4);
  });

  it('takes "sorry for the late reply, we are safe, we moved…" after the close as a late SAFE, and the cell reads the move', async () => {
    expect((await app.api('POST', `/api/welfare-checks/${id}/close`)).status).toBe(200);
    await settle(app);
    const late = P(answers.length);
    await app.say(late, 'Sorry for the late reply, we are safe, we moved to my cousin in Latakia');
    await settle(app);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    expect(v.counts).toMatchObject({ safe: 6, noAnswer: 2 });
    expect(v.late).toEqual({ safe: 1, help: 0 });
    await app.expectMessage(CELL_GROUP, (m) => /New incident/.test(m.text) && /moved to my cousin in Latakia/.test(m.text));
  });
});

describe('a welfare check whose citizens move to another region before they answer', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('welfare-moved', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
    });
  });
  afterAll(async () => app.stop());

  it('counts each answer and each erasure in the region the citizen was asked in, so the regions add up to the total', async () => {
    const moved = aCitizen({ region: 'north', household: 3 });
    const silent = aCitizen({ region: 'north' });
    const leaves = aCitizen({ region: 'north' });
    const coast = aCitizen({ region: 'coast' });
    await saveCitizens(app.deps, [moved, silent, leaves, coast]);
    const { id } = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } })).body;
    for (const c of [moved, silent, leaves, coast]) await app.expectMessage(c.phone, /Are you safe\?/);
    // They fled to the coast and updated their registration, then answered.
    await saveCitizens(app.deps, [
      { ...moved, region: 'coast' },
      { ...leaves, region: 'capital' },
    ]);
    await app.say(moved.phone, '1');
    await app.expectMessage(moved.phone, /noted that you are safe \(3 person/);
    await app.say(leaves.phone, 'DELETE');
    await app.expectMessage(leaves.phone, /erased/);
    const v = (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    expect(v.counts).toEqual({ total: 3, safe: 1, help: 0, noAnswer: 2, peopleSafe: 3 });
    // Before: north showed 3 asked and 3 silent, the coast's safe answer had no one asked there to count against.
    expect(v.byRegion.north).toEqual({ total: 2, safe: 1, help: 0, noAnswer: 1, peopleSafe: 3 });
    expect(v.byRegion.coast).toEqual({ total: 1, safe: 0, help: 0, noAnswer: 1, peopleSafe: 0 });
    expect(v.byRegion.capital).toEqual({ total: 0, safe: 0, help: 0, noAnswer: 0, peopleSafe: 0 });
    const silentByRegion = Object.values(v.byRegion).reduce((n, r) => n + r.noAnswer, 0);
    expect(silentByRegion).toBe(v.counts.noAnswer);
    await app.api('POST', `/api/welfare-checks/${id}/close`);
    const tally = await app.expectMessage(CELL_GROUP, new RegExp(`Welfare check ${id} closed`));
    expect(tally.text).toContain('1 safe (3 people), 0 need help, 2 no answer of 3 — safe/help/silent: north 1/0/1, coast 0/0/1');
  });
});

describe('a citizen asked by two welfare checks open at once', () => {
  let app: TestApp;
  const start = async (body: Record<string, unknown>) => (await app.api<{ id: string }>('POST', '/api/welfare-checks', body)).body.id;
  const view = async (id: string) => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;

  beforeAll(async () => {
    app = await startTestApp('welfare-two-checks', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
    });
  });
  afterAll(async () => app.stop());

  it('answers both: the older check no longer counts them silent, reminds them or lists them to call', async () => {
    const safe = aCitizen({ region: 'north', household: 2 });
    const help = aCitizen({ region: 'north' });
    await saveCitizens(app.deps, [safe, help]);
    const everyone = await start({ audience: { all: true } });
    await app.expectMessage(safe.phone, new RegExp(everyone));
    // The next day, an earthquake in the north: the cell asks there again.
    const north = await start({ audience: { regions: ['north'] } });
    await app.expectMessage(safe.phone, new RegExp(north));
    await app.expectMessage(help.phone, new RegExp(north));
    await app.say(safe.phone, '1');
    await app.expectMessage(safe.phone, /noted that you are safe \(2 person/);
    await app.say(help.phone, '2');
    const reply = await app.expectMessage(help.phone, /INC-\d+/);
    const incident = /INC-\d+/.exec(reply.text)?.[0] as string;
    await settle(app);
    // Before: the first check counted them "no answer" however often they answered.
    for (const id of [everyone, north]) expect((await view(id)).counts).toMatchObject({ safe: 1, help: 1, noAnswer: 0, peopleSafe: 2 });
    for (const id of [everyone, north]) {
      const list = await app.api<{ items: { id: string }[] }>('GET', `/api/incidents?welfareCheck=${id}&timeline=false`);
      expect(list.body.items.map((i) => i.id)).toEqual([incident]);
    }
    await (await broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wrem', everyone)))?.promote();
    await (await broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wfol', everyone)))?.promote();
    await app.expectMessage(CELL_GROUP, new RegExp(`Welfare check ${everyone}: every citizen asked has answered`));
    await settle(app);
    for (const c of [safe, help]) expect((await app.outbox(c.phone)).some((m) => /Reminder/.test(m.text))).toBe(false);
  });

  it('a HELP to a real check and a drill at once opens a real incident, not an EXERCISE one', async () => {
    // A duty officer registered as a citizen is asked by a real check, then by a drill.
    await saveCitizens(app.deps, [aCitizen({ phone: STAFF.duty, region: 'capital' })]);
    const real = await start({ audience: { regions: ['capital'] } });
    await app.expectMessage(STAFF.duty, new RegExp(real));
    const drill = await start({ audience: { all: true }, exercise: true });
    await app.expectMessage(STAFF.duty, new RegExp(`EXERCISE.*${drill}`));
    await app.say(STAFF.duty, '2');
    const reply = await app.expectMessage(STAFF.duty, /INC-\d+/);
    const id = /INC-\d+/.exec(reply.text)?.[0] as string;
    const incident = await app.api<{ severity: string; summary: string; links: Record<string, string> }>('GET', `/api/incidents/${id}`);
    expect(incident.body.severity).toBe('critical');
    expect(incident.body.links.welfareCheck).toBe(real);
    expect(incident.body.links.exercise).toBeUndefined();
    expect(incident.body.summary).not.toMatch(/EXERCISE/);
  });
});
