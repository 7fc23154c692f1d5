import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postDigest } from '../../src/app/incidents/cards.ts';
import { escalateDue, postEscalationDigest } from '../../src/app/incidents/escalation.ts';
import { acknowledge } from '../../src/app/incidents/lifecycle.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;

/** Waits, if need be, until early in a clock-aligned window of `ms`, so a burst falls in one window. */
async function earlyInWindow(ms: number): Promise<void> {
  const into = Date.now() % ms;
  if (into > ms / 5) await new Promise((r) => setTimeout(r, ms - into + 100));
}

describe('an escalation digest at 3 a.m.', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-digest', {
      config: {
        digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '12s' },
        escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1h' },
      },
    });
  });
  afterAll(async () => app.stop());

  it('leaves out an incident acknowledged while it waited for the digest, and does not tell the duty officers of a page they never got', async () => {
    await earlyInWindow(12_000);
    const phones = ['+33695000001', '+33695000002', '+33695000003'];
    for (const [n, phone] of phones.entries()) await app.say(phone, `SOS trapped under rubble, building ${n}`);
    const ids = await Promise.all(phones.map(async (p) => incidentIdIn((await app.expectMessage(p, /Reference/)).text)));
    // All three passed their deadline: one gets its own notice, two wait for the escalation digest.
    await waitFor(async () => {
      const levels = await Promise.all(
        ids.map(async (id) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body.escalationLevel),
      );
      return levels.every((l) => l === 1) || undefined;
    });
    const single = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'escalation' && /UNACKNOWLEDGED/.test(m.text));
    expect(single).toHaveLength(1);
    const waiting = ids.filter((id) => !single[0]?.text.includes(id));
    expect(waiting).toHaveLength(2);
    const [taken, still] = waiting as [string, string];
    // Its page waits for the digest at the end of the window: the admins' deadline counts from then,
    // never before the duty officers were paged.
    const escalatedAt = Date.parse(
      (await app.api<Incident>('GET', `/api/incidents/${still}`)).body.timeline.find((e) => e.type === 'escalated')?.at as string,
    );
    const digestAt = (Math.floor(escalatedAt / 12_000) + 1) * 12_000;
    const second = Number(await app.deps.redis.zscore(app.deps.keys.escalationsDue, `${still}|2`));
    expect(second).toBeGreaterThanOrEqual(digestAt + 3_600_000 - 1_000);
    // Chloe takes one of them before the digest goes out.
    await app.say(STAFF.officer, `/ack ${taken}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`👍 Chloe Officer acknowledged ${taken}`));
    const digest = await app.expectMessage(CELL_GROUP, (m) => /reached (its|their) deadline unacknowledged/.test(m.text), 20_000);
    expect(digest.text).toMatch(/^⏰ 1 incident reached its deadline unacknowledged/);
    expect(digest.text).toContain(still);
    expect(digest.text).not.toContain(taken);
    const toDuty = await app.outbox(STAFF.duty);
    const paged = toDuty.filter((m) => m.kind === 'escalation');
    expect(paged.some((m) => m.text.includes(taken))).toBe(false);
    // Ana was never paged about it: no "which you were paged about" for a page she never had.
    expect(toDuty.some((m) => m.text.startsWith(`✅ ${taken}`))).toBe(false);
  }, 60_000);
});

describe('an acknowledgement as the deadline fires', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-race', {
      config: {
        digest: { maxCardsPerWindow: 1000, window: '1m' },
        escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1h' },
      },
    });
  });
  afterAll(async () => app.stop());

  it('does not page anyone about an incident taken while its escalation was being recorded', async () => {
    // Chloe's /ack lands right after the escalation recorded itself, before its notices were sent.
    const audit = app.deps.audit;
    const append = audit.append.bind(audit);
    let taken: Promise<unknown> | undefined;
    audit.append = async (entry) => {
      const written = await append(entry);
      if (entry.type === 'incident.escalated' && !taken) {
        taken = acknowledge(app.deps, {
          id: String(entry.subject),
          actor: { name: 'Chloe Officer', phone: STAFF.officer },
          channel: 'chat',
        });
        await taken;
      }
      return written;
    };
    await app.say('+33695000011', 'SOS my brother is trapped under the rubble');
    const id = incidentIdIn((await app.expectMessage('+33695000011', /Reference/)).text);
    await app.expectMessage('+33695000011', /has been seen/);
    audit.append = append;
    // A later report escalates: by then the first escalation has long finished.
    await app.say('+33695000012', 'SOS trapped in a collapsed house');
    const later = incidentIdIn((await app.expectMessage('+33695000012', /Reference/)).text);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(later));
    const stale = [...(await app.outbox(CELL_GROUP)), ...(await app.outbox(STAFF.duty)), ...(await app.outbox(STAFF.admin))].filter(
      (m) => m.kind === 'escalation' && m.text.includes(id),
    );
    expect(stale).toEqual([]);
  });

  it('does not page about a report its citizen erased, when an officer then raises it', async () => {
    await app.say('+33695000031', 'I need a new passport');
    const id = incidentIdIn((await app.expectMessage('+33695000031', /Reference/)).text);
    await app.say('+33695000031', 'DELETE');
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`🗑️ ${id}`) && m.text.includes('no longer escalated'));
    await app.say(STAFF.duty, `/severity ${id} critical`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.text === `${id} severity is now critical.`);
    // A later report escalates: by then the erased one's critical deadline has long passed too.
    await app.say('+33695000032', 'SOS trapped in a collapsed house with my mother');
    const later = incidentIdIn((await app.expectMessage('+33695000032', /Reference/)).text);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(later));
    const pages = [...(await app.outbox(CELL_GROUP)), ...(await app.outbox(STAFF.duty))].filter(
      (m) => m.kind === 'escalation' && m.text.includes(id),
    );
    expect(pages).toEqual([]);
  });

  it('pages the officer an unacknowledged incident was given to, and the page says who has it', async () => {
    // A passport question (4 h to acknowledge), given to Chloe; then the caller says he is held.
    await app.say('+33695000021', 'I need a new passport');
    const id = incidentIdIn((await app.expectMessage('+33695000021', /Reference/)).text);
    await app.say(STAFF.duty, `/assign ${id} Chloe`, { group: CELL_GROUP });
    await app.expectMessage(STAFF.officer, (m) => m.kind === 'assignment' && m.text.includes(id));
    await app.say(STAFF.duty, `/severity ${id} critical`, { group: CELL_GROUP });
    const page = await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id));
    expect(page.text).toContain('Given to Chloe Officer, who has not acknowledged it');
    const chloe = await app.expectMessage(STAFF.officer, (m) => m.kind === 'escalation' && m.text.includes(id));
    expect(chloe.text).toContain('Given to Chloe Officer, who has not acknowledged it');
    // Ana takes it: Chloe, paged too, learns it is taken and still hers, in one notice (not "Nothing
    // more to do on that page" beside "It is still yours"); Ben, paged as a duty officer, that it is taken.
    const before = (await app.outbox(STAFF.officer)).length;
    await app.say(STAFF.duty, `/ack ${id}`, { group: CELL_GROUP });
    const ben = await app.expectMessage(STAFF.admin, (m) => m.text.startsWith(`✅ ${id}`));
    expect(ben.text).toContain('was taken by Ana Duty');
    await app.expectMessage(STAFF.officer, (m) => m.text.includes(`acknowledged ${id}, which is with you`));
    await settle(app);
    expect((await app.outbox(STAFF.officer)).slice(before).map((m) => m.text)).toEqual([
      `👍 Ana Duty acknowledged ${id}, which is with you: the reporter has been told. It is still yours.`,
    ]);
  });
});

describe('an incident raised to critical after it was taken', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-raised', {
      config: { escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1h' } },
    });
  });
  afterAll(async () => app.stop());

  it('tells the officer who has it and the cell group, when raised from a DM or the dashboard', async () => {
    await app.say('+33695000041', 'I need a new passport, I am stuck at the border post');
    const id = incidentIdIn((await app.expectMessage('+33695000041', /Reference/)).text);
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage('+33695000041', /has been seen/);
    // Ana, on the phone with the citizen from home, raises it in her DM with the embassy number.
    await app.say(STAFF.duty, `/severity ${id} critical`);
    await app.expectMessage(STAFF.duty, (m) => m.text === `${id} severity is now critical.`);
    const cell = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`${id} severity is now critical`));
    expect(cell.text).toBe(`${id} severity is now critical. (Ana Duty, in a direct message)`);
    const chloe = await app.expectMessage(STAFF.officer, (m) => m.text.includes(`${id}`) && m.text.includes('CRITICAL'));
    expect(chloe.text).toMatch(new RegExp(`^🔺 Ana Duty raised ${id}, which is with you, to CRITICAL`));
    // On the dashboard: the group hears of it too, and Chloe again.
    const res = await app.api('PATCH', `/api/incidents/${id}`, { severity: 'high' });
    expect(res.status).toBe(200);
    await app.expectMessage(CELL_GROUP, (m) => m.text === `${id} severity is now high (admin, via the dashboard/API).`);
  });
});

describe('acknowledged on the dashboard by a token with no phone', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-unnamed');
  });
  afterAll(async () => app.stop());

  it('tells a French or Arabic reporter in their own words, with no English "on duty" in the middle', async () => {
    await app.say('+33695000061', "J'ai perdu mon passeport à Damas, je suis bloqué à l'hôtel");
    const fr = incidentIdIn((await app.expectMessage('+33695000061', /INC-\d{4}/)).text);
    await app.say('+33695000062', 'فقدت جواز سفري في دمشق وأنا عالق في الفندق');
    const ar = incidentIdIn((await app.expectMessage('+33695000062', /INC-\d{4}/)).text);
    for (const id of [fr, ar]) expect((await app.api('PATCH', `/api/incidents/${id}`, { status: 'acknowledged' })).status).toBe(200);
    const toFr = await app.expectMessage('+33695000061', (m) => m.kind === 'notice' && m.text.includes(fr));
    expect(toFr.text).toBe(`👀 Votre signalement ${fr} a été pris en charge par un agent consulaire. Nous vous contacterons.`);
    const toAr = await app.expectMessage('+33695000062', (m) => m.kind === 'notice' && m.text.includes(ar));
    expect(toAr.text).not.toMatch(/on duty/);
    // Asked where it stands, the French reporter hears the same.
    await app.say('+33695000061', '?');
    const status = await app.expectMessage('+33695000061', (m) => m.text.includes("s'occupe de votre signalement"));
    expect(status.text).not.toMatch(/on duty/);
  });
});

describe('/resolve with words', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-resolve');
  });
  afterAll(async () => app.stop());

  it('says in the confirmation that the words went to the reporter, as they read them', async () => {
    await app.say('+33695000071', 'Lost my passport in Damascus, I fly on Friday');
    const id = incidentIdIn((await app.expectMessage('+33695000071', /Reference/)).text);
    await app.say(STAFF.duty, `/resolve ${id} emergency passport ready at the consulate`, { group: CELL_GROUP });
    const confirmed = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✔️ ${id} resolved`));
    expect(confirmed.text).toBe(
      `✔️ ${id} resolved; the reporter has been told, with the words “emergency passport ready at the consulate”.`,
    );
    const told = await app.expectMessage('+33695000071', (m) => m.kind === 'notice');
    expect(told.text).toContain('“emergency passport ready at the consulate”');
  });
});

describe('the second call, to the admins', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-second', {
      config: { escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1s' } },
    });
  });
  afterAll(async () => app.stop());

  it('says it is the second call and who was paged first, so an admin who is also a duty officer does not get the same page twice', async () => {
    await app.say('+33695000081', 'SOS my son is trapped under the collapsed school');
    const id = incidentIdIn((await app.expectMessage('+33695000081', /Reference/)).text);
    await waitFor(async () => ((await app.api<Incident>('GET', `/api/incidents/${id}`)).body.escalationLevel === 2 ? true : undefined));
    // Ben Consul is an admin and a duty officer: paged at both levels.
    const pages = await waitFor(async () => {
      const all = (await app.outbox(STAFF.admin)).filter((m) => m.kind === 'escalation' && m.text.includes(id));
      return all.length === 2 ? all : undefined;
    });
    expect(pages[0]?.text).not.toBe(pages[1]?.text);
    expect(pages[1]?.text).toMatch(
      /🔁 Second call: the duty officers \(Ana Duty, Ben Consul\) were paged \d+ s ago and nobody has taken it\./,
    );
    expect(pages[0]?.text).not.toMatch(/Second call/);
  });

  it('tells those it paged that an incident resolved straight away was resolved, not "taken (resolved)"', async () => {
    await app.say('+33695000082', 'SOS gunmen outside our hotel room');
    const id = incidentIdIn((await app.expectMessage('+33695000082', /Reference/)).text);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(id));
    await app.say(STAFF.officer, `/resolve ${id} police on site, family safe`, { group: CELL_GROUP });
    const told = await app.expectMessage(STAFF.duty, (m) => m.text.startsWith(`✅ ${id}`));
    expect(told.text).toBe(`✅ ${id}, which you were paged about, was resolved by Chloe Officer. Nothing more to do on that page.`);
    // Ana's 👍 or "ok" in answer is no act on the incident: no refusal to take it, no note "ok".
    const before = (await app.outbox(STAFF.duty)).length;
    await app.api('POST', '/sim/reactions', { from: STAFF.duty, messageId: told.id, emoji: '👍' });
    await app.say(STAFF.duty, 'ok', { replyTo: told.id });
    await settle(app);
    expect((await app.outbox(STAFF.duty)).slice(before).map((m) => m.text)).not.toContain(
      `${id} is resolved; it cannot become acknowledged`,
    );
    const incident = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    expect(incident.timeline.filter((e) => e.type === 'note')).toEqual([]);
    expect(incident.status).toBe('resolved');
  });

  it('/incidents marks the incidents whose duty officers and admins were already paged', async () => {
    await app.say('+33695000084', 'SOS the militia is at our door');
    const id = incidentIdIn((await app.expectMessage('+33695000084', /Reference/)).text);
    await waitFor(async () => ((await app.api<Incident>('GET', `/api/incidents/${id}`)).body.escalationLevel === 2 ? true : undefined));
    await app.say(STAFF.viewer, '/incidents open', { group: CELL_GROUP });
    const list = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'list' && m.text.includes(id));
    expect(list.text.split('\n').find((l) => l.includes(id))).toMatch(/ · ⏰ escalated to admins · /);
  });

  it('takes the incident when a duty officer replies to the page in their DM, as a reply to the card does in the group', async () => {
    await app.say('+33695000083', 'SOS armed men broke into our building');
    const id = incidentIdIn((await app.expectMessage('+33695000083', /Reference/)).text);
    const page = await app.expectMessage(STAFF.admin, (m) => m.kind === 'escalation' && m.text.includes(id));
    // "Reply 👍 to this card": Ben, half awake, answers the page.
    await app.say(STAFF.admin, 'on it, calling them now', { replyTo: page.id });
    const answer = await app.expectMessage(STAFF.admin, (m) => m.kind === 'confirmation' && m.text.includes(id));
    expect(answer.text).toBe(
      `👍 Ben Consul acknowledged ${id}; it is with Ben Consul; the reporter has been told.\n📝 Reply noted on ${id}.`,
    );
    const incident = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    expect(incident.status).toBe('acknowledged');
    expect(incident.timeline.some((e) => e.type === 'note' && e.text === 'on it, calling them now')).toBe(true);
    await app.expectMessage('+33695000083', /has been seen by consular officer Ben/);
    // The cell group, which saw the card re-posted as unacknowledged, learns who took it.
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.text.startsWith(`👍 Ben Consul acknowledged ${id}`) && m.text.endsWith('(Ben Consul, in a direct message)'),
    );
    expect((await app.outbox(STAFF.admin)).some((m) => /Staff commands start with/.test(m.text))).toBe(false);
  });
});

describe('the second call with no admin on the roster', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-no-admin', {
      config: {
        escalation: { ackDeadline: { critical: '1s', high: '1h', medium: '1h', low: '4h' }, secondDeadline: '1s' },
        staff: [
          { name: 'Ana Duty', phone: STAFF.duty, roles: ['duty_officer', 'officer'] },
          { name: 'Chloe Officer', phone: STAFF.officer, roles: ['officer'] },
        ],
      },
    });
  });
  afterAll(async () => app.stop());

  it('pages the duty officers again, saying so, and the timeline says whom it called (and GET /readyz warns)', async () => {
    await app.say('+33695000086', 'SOS my father is trapped under rubble');
    const id = incidentIdIn((await app.expectMessage('+33695000086', /Reference/)).text);
    const pages = await waitFor(async () => {
      const all = (await app.outbox(STAFF.duty)).filter((m) => m.kind === 'escalation' && m.text.includes(id));
      return all.length === 2 ? all : undefined;
    });
    expect(pages[1]?.text).toMatch(
      /🔁 Second call: the duty officers \(Ana Duty\) were paged \d+ s ago and nobody has taken it\. No admin is on the roster: the duty officers are paged again\./,
    );
    const incident = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
    expect(incident.timeline.filter((e) => e.type === 'escalated').map((e) => e.text?.replace(/after .*?:/, 'after …:'))).toEqual([
      'not acknowledged after …: escalated to the duty officers',
      'not acknowledged after …: second call: no admin on the roster, the duty officers paged again',
    ]);
    expect(incident.timeline.some((e) => e.text?.includes('admins'))).toBe(false);
    const readyz = (await app.api<{ warnings?: { code: string }[] }>('GET', '/readyz')).body;
    expect(readyz.warnings?.map((w) => w.code)).toContain('no_admin');
    // Chloe takes it: Ana, paged twice, is told once.
    await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
    await app.expectMessage(STAFF.duty, (m) => m.text.startsWith(`✅ ${id}, which you were paged about, was taken by Chloe Officer`));
    await settle(app);
    expect((await app.outbox(STAFF.duty)).filter((m) => m.text.startsWith(`✅ ${id}`))).toHaveLength(1);
  });
});

describe('an incident handed from one officer to another', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-handover');
  });
  afterAll(async () => app.stop());

  it('tells the officer who had it that it is no longer theirs', async () => {
    await app.say('+33695000091', 'My wife has not come home since the protest this afternoon');
    const id = incidentIdIn((await app.expectMessage('+33695000091', /Reference/)).text);
    await app.say(STAFF.duty, `/assign ${id} Chloe`, { group: CELL_GROUP });
    await app.expectMessage(STAFF.officer, (m) => m.kind === 'assignment' && m.text.includes(id));
    // Ben, in another chat, gives it to Ana instead: Chloe must not get up to call the family too.
    await app.say(STAFF.admin, `/assign ${id} Ana`);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'assignment' && m.text.includes(id));
    const off = await app.expectMessage(STAFF.officer, (m) => m.text.startsWith(`📌 ${id}`));
    expect(off.text).toBe(`📌 ${id} is no longer yours: Ben Consul gave it to Ana Duty. Nothing more to do on it unless Ana Duty asks.`);
  });
});

describe('an incident that reaches its deadline while the escalation digest is being written', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-late', { config: { digest: { maxCardsPerWindow: 1000, window: '2s' } } });
  });
  afterAll(async () => app.stop());

  it('is paged in the next digest, not left waiting for one nobody schedules', async () => {
    await app.say('+33695000101', 'We need information about flights home');
    const first = incidentIdIn((await app.expectMessage('+33695000101', /Reference/)).text);
    await app.say('+33695000102', 'Our car broke down on the coast road, we are stuck');
    const late = incidentIdIn((await app.expectMessage('+33695000102', /Reference/)).text);
    const { redis, keys, outbox } = app.deps;
    const pending = keys.escalationPending(1);
    await redis.zadd(pending, 3e13 + Date.now(), `${first}|1`);
    // As the digest is queued, the second incident's escalation finds this window's digest scheduled.
    const send = outbox.send.bind(outbox);
    outbox.send = async (...args: Parameters<typeof send>) => {
      if (args[0].kind === 'escalation') await redis.zadd(pending, 3e13 + Date.now(), `${late}|1`);
      return send(...args);
    };
    try {
      await postEscalationDigest(app.deps, { level: 1, bucket: Math.floor(Date.now() / 2_000) });
    } finally {
      outbox.send = send;
    }
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'escalation' && m.text.includes(first));
    const next = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'escalation' && m.text.includes(late));
    expect(next.text).toMatch(/^⏰ 1 incident reached its deadline unacknowledged/);
    expect(await redis.zcard(pending)).toBe(0);
  });

  it('goes to the officer a listed incident was given to, as a single page does', async () => {
    await app.say('+33695000103', 'Our son did not come back from the market');
    const given = incidentIdIn((await app.expectMessage('+33695000103', /Reference/)).text);
    await app.say(STAFF.duty, `/assign ${given} Chloe`, { group: CELL_GROUP });
    await app.expectMessage(STAFF.officer, (m) => m.kind === 'assignment' && m.text.includes(given));
    await app.deps.redis.zadd(app.deps.keys.escalationPending(1), 1e13 + Date.now(), `${given}|1`);
    await postEscalationDigest(app.deps, { level: 1, bucket: Math.floor(Date.now() / 2_000) });
    const digest = await app.expectMessage(STAFF.officer, (m) => m.kind === 'escalation' && m.text.includes(given));
    expect(digest.text).toMatch(/^⏰ 1 incident reached its deadline unacknowledged: duty officers paged\./);
    expect(digest.text).toContain('Chloe Officer');
  });

  it('pages an officer given an incident the digest counts but does not list, by its id', async () => {
    const { redis, keys } = app.deps;
    const phones = Array.from({ length: 41 }, (_, n) => `+336951${String(n).padStart(5, '0')}`);
    for (const phone of phones) await app.say(phone, 'Our papers were stolen at the hotel');
    const ids = await Promise.all(phones.map(async (p) => incidentIdIn((await app.expectMessage(p, /Reference/)).text)));
    const given = ids.at(-1) as string;
    await app.say(STAFF.duty, `/assign ${given} Chloe`, { group: CELL_GROUP });
    await app.expectMessage(STAFF.officer, (m) => m.kind === 'assignment' && m.text.includes(given));
    // Forty wait before it: the digest lists them and counts it among "…and 1 more".
    await redis.zadd(keys.escalationPending(1), ...ids.flatMap((id, n) => [2e13 + n, `${id}|1`]));
    await postEscalationDigest(app.deps, { level: 1, bucket: Math.floor(Date.now() / 2_000) });
    const digest = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'escalation' && m.text.includes(ids[0] as string));
    expect(digest.text).toContain('…and 1 more');
    expect(digest.text).not.toContain(given);
    const page = await app.expectMessage(STAFF.officer, (m) => m.kind === 'escalation' && m.text.includes(given));
    expect(page.text).toBe(
      `⏰ An incident given to you reached its deadline unacknowledged: ${given}. Send /incident ID for one, /ack ID to take it.`,
    );
  });
});

describe('a report that arrives while the card digest is being written', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-late-card', { config: { digest: { maxCardsPerWindow: 1000, window: '2s' } } });
  });
  afterAll(async () => app.stop());

  it('is listed in the next digest, not left waiting for one nobody schedules', async () => {
    await app.say('+33695000111', 'We need information about flights home');
    const first = incidentIdIn((await app.expectMessage('+33695000111', /Reference/)).text);
    await app.say('+33695000112', 'Our car broke down on the coast road, we are stuck');
    const late = incidentIdIn((await app.expectMessage('+33695000112', /Reference/)).text);
    const { redis, keys, outbox } = app.deps;
    await redis.zadd(keys.digestPending, 3e12 + 1, first);
    const send = outbox.send.bind(outbox);
    outbox.send = async (...args: Parameters<typeof send>) => {
      if (args[0].kind === 'digest') await redis.zadd(keys.digestPending, 3e12 + 2, late);
      return send(...args);
    };
    try {
      await postDigest(app.deps, { bucket: Math.floor(Date.now() / 2_000) });
    } finally {
      outbox.send = send;
    }
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest' && m.text.includes(first));
    const next = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'digest' && m.text.includes(late));
    expect(next.text).toMatch(/^📋 Digest: 1 new incident arrived faster than single cards/);
  });
});

describe('several incidents overdue at once', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-order', {
      config: { digest: { maxCardsPerWindow: 1, maxCriticalCardsPerWindow: 1, window: '1m' } },
    });
  });
  afterAll(async () => app.stop());

  it('pages the critical one first, even when a low one passed its deadline earlier', async () => {
    // The worker was down: a passport question and a trapped family both passed their deadlines,
    // the passport question first. The window has room for one page; the rest wait for a digest.
    await app.say('+33695000051', 'I need a new passport, mine expired');
    const low = incidentIdIn((await app.expectMessage('+33695000051', /Reference/)).text);
    await app.say('+33695000052', 'SOS we are trapped under the rubble with the children');
    const critical = incidentIdIn((await app.expectMessage('+33695000052', /Reference/)).text);
    const { redis, keys } = app.deps;
    await redis.zadd(keys.escalationsDue, Date.now() - 2_000, `${low}|1`, Date.now() - 1_000, `${critical}|1`);
    await escalateDue(app.deps);
    const page = await app.expectMessage(STAFF.duty, (m) => m.kind === 'escalation' && m.text.includes(critical));
    expect(page.text).toMatch(/UNACKNOWLEDGED/);
    // The passport question waits for the escalation digest at the end of the window.
    expect(await redis.zscore(keys.escalationPending(1), `${low}|1`)).not.toBeNull();
    expect(await redis.zscore(keys.escalationPending(1), `${critical}|1`)).toBeNull();
  });
});

describe('an old incident read on a phone', () => {
  let app: TestApp;
  let skew = 0;
  beforeAll(async () => {
    app = await startTestApp('escalation-night-old', { options: { now: () => Date.now() + skew } });
  });
  afterAll(async () => app.stop());

  it('says how long it has waited in days and hours, not thousands of minutes, and in which zone its times are', async () => {
    await app.say('+33695000031', 'I need a new passport, mine was stolen');
    const id = incidentIdIn((await app.expectMessage('+33695000031', /Reference/)).text);
    const created = (await app.api<Incident>('GET', `/api/incidents/${id}`)).body.createdAt;
    // Three days and two hours later, the night officer looks at the queue.
    skew = (3 * 24 + 2) * 3_600_000 + 10 * 60_000;
    await app.say(STAFF.duty, '/incidents', { group: CELL_GROUP });
    const list = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'list');
    const line = list.text.split('\n').find((l) => l.includes(id));
    expect(line).toMatch(/ · 3 d 2 h$/);
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'sitrep');
    expect(sitrep.text).toContain('Oldest waits 3 d 2 h.');
    await app.say(STAFF.duty, `/incident ${id}`, { group: CELL_GROUP });
    const detail = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'detail');
    // Reported three days ago: the time alone would read as today's; and it is UTC, not local time.
    const day = new Date(created).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
    expect(detail.text).toContain(`Timeline (UTC):\n  ${day} ${created.slice(11, 16)} reporter: reported`);
  });
});
