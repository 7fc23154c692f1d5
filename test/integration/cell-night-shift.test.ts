import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentStore } from '../../src/app/incidents/shared.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * The crisis cell at 3 a.m.: several tired officers on phones in the cell group, typing fast,
 * replying to cards, acting at the same moment. What each answer says must be what happened.
 */
let app: TestApp;
let n = 0;
/** A fresh citizen phone per report, so tests do not share incidents. */
const citizen = () => `+3361255${String(5000 + n++).padStart(4, '0')}`;
const incidentIdIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;
const getIncident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
const numberOf = (id: string) => String(Number(id.slice(4)));

/** A citizen reports; resolves with the incident's id and its card in the cell group. */
async function report(text: string) {
  const phone = citizen();
  await app.say(phone, text);
  const id = incidentIdIn((await app.expectMessage(phone, /Reference/)).text);
  const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
  return { phone, id, card };
}

/** Sends `text` in the cell group and returns the bot's answer to it. */
async function inGroup(from: string, text: string, extra: Record<string, unknown> = {}) {
  const sent = await app.say(from, text, { group: CELL_GROUP, ...extra });
  return app.expectMessage(CELL_GROUP, (m) => m.replyTo === sent);
}

beforeAll(async () => {
  app = await startTestApp('cell-night-shift', {
    // Every alert waits for a second officer, however few it reaches.
    config: {
      digest: { maxCardsPerWindow: 1000, window: '1m' },
      broadcast: { ratePerSecond: 5, approvalThreshold: 0 },
      staff: [
        { name: 'Ana Duty', phone: STAFF.duty, roles: ['duty_officer', 'officer'] },
        { name: 'Ben Consul', phone: STAFF.admin, roles: ['admin', 'duty_officer'] },
        { name: 'Chloe Officer', phone: STAFF.officer, roles: ['officer'] },
        { name: 'Dev Viewer', phone: STAFF.viewer, roles: ['viewer'] },
        { name: 'Anaïs Field', phone: '+15550000005', roles: ['officer'] },
      ],
    },
  });
});
afterAll(async () => app.stop());

describe('a command replying to a card that starts with a number', () => {
  it('does not act on another incident of that number: nothing is done and the officer is asked which', async () => {
    const other = await report('I lost my passport at the hotel');
    const carded = await report('My father is injured in Aleppo, he cannot walk');
    const answer = await inGroup(STAFF.officer, `/resolve ${numberOf(other.id)} ambulances sent`, { replyTo: carded.card.id });
    expect(answer.kind).toBe('refusal');
    expect(answer.text).toContain(`Nothing done: you replied to ${carded.id}'s card`);
    expect(answer.text).toContain(`/resolve ${carded.id} ${numberOf(other.id)} ambulances sent`);
    await settle(app);
    expect((await getIncident(other.id)).status).toBe('open');
    expect((await getIncident(carded.id)).status).toBe('open');
    // Neither citizen was told anything more than their reference.
    expect((await app.outbox(other.phone)).map((m) => m.kind)).toEqual(['ack']);
    expect((await app.outbox(carded.phone)).map((m) => m.kind)).toEqual(['ack']);

    await inGroup(STAFF.officer, `/note ${numberOf(other.id)} people trapped with him`, { replyTo: carded.card.id });
    await settle(app);
    expect((await getIncident(other.id)).timeline.map((e) => e.type)).toEqual(['reported']);
    expect((await getIncident(carded.id)).timeline.map((e) => e.type)).toEqual(['reported']);
  });

  it('"/ack 7 8" on card 9 suggests commands that take what each says, not "/ack INC-0009 8", which takes INC-0008 too', async () => {
    const a = await report('Shots near our hotel in Damascus, we are hiding');
    const b = await report('Shots near the market in Aleppo, we are hiding');
    const c = await report('Shots near the port in Latakia, we are hiding');
    const answer = await inGroup(STAFF.officer, `/ack ${numberOf(a.id)} ${numberOf(b.id)}`, { replyTo: c.card.id });
    expect(answer.text).toBe(
      `Nothing done: you replied to ${c.id}'s card but wrote "${numberOf(a.id)}", which could be ${a.id}. Send /ack ${c.id} for ${c.id}, or /ack ${a.id} ${b.id} for ${a.id} and ${b.id}.`,
    );
    // The suggestion, sent as a reply to the same card, takes the two it names.
    const taken = await inGroup(STAFF.officer, `/ack ${a.id} ${b.id}`, { replyTo: c.card.id });
    expect(taken.text).toContain(`acknowledged ${a.id}`);
    expect(taken.text).toContain(`acknowledged ${b.id}`);
    expect((await getIncident(c.id)).status).toBe('open');
  });

  it('still takes the card’s own number, and an id written out in full, as the incident meant', async () => {
    const other = await report('My wallet and passport were stolen');
    const carded = await report('Shots near our hotel in Damascus, we are hiding');
    const own = await inGroup(STAFF.officer, `/note ${numberOf(carded.id)} calling the hotel`, { replyTo: carded.card.id });
    expect(own.text).toBe(`📝 Noted on ${carded.id}.`);
    const named = await inGroup(STAFF.officer, `/note ${other.id} police report filed`, { replyTo: carded.card.id });
    expect(named.text).toBe(`📝 Noted on ${other.id}.`);
    expect((await getIncident(carded.id)).timeline.at(-1)).toMatchObject({ type: 'note', text: 'calling the hotel' });
    expect((await getIncident(other.id)).timeline.at(-1)).toMatchObject({ type: 'note', text: 'police report filed' });
  });
});

describe('a command typed in a hurry', () => {
  it('/ack7, the space forgotten, acknowledges INC-0007 as /ack 7 would', async () => {
    const { id, phone } = await report('Our car was hit at a checkpoint, my husband is bleeding');
    const answer = await inGroup(STAFF.officer, `/ack${numberOf(id)}`);
    expect(answer.text).toBe(`👍 Chloe Officer acknowledged ${id}; it is with Chloe Officer; the reporter has been told.`);
    await app.expectMessage(phone, new RegExp(`${id} has been seen`));
  });

  it('"/ ack 7" or "/ack." from staff is answered (nothing done, how to write it), never silently dropped, and audited', async () => {
    const { id } = await report('We are trapped on the roof, the water is rising');
    for (const text of [`/ ack ${numberOf(id)}`, '/ack.', '//ack']) {
      const answer = await inGroup(STAFF.officer, text);
      expect(answer.kind).toBe('refusal');
      expect(answer.text).toBe(
        `Nothing done: "${text}" is not a command I can read. Write the command right after the /, e.g. /ack INC-0042. Send /help for the list.`,
      );
    }
    expect((await getIncident(id)).status).toBe('open');
    const audit = await app.api<{ items: { type: string; actor: string }[] }>('GET', '/api/audit?order=newest&limit=50');
    expect(audit.body.items.filter((e) => e.type === 'command.unreadable' && e.actor === 'Chloe Officer')).toHaveLength(3);
  });
});

describe('ids typed as on a phone keyboard', () => {
  const short = (id: string) => `${id.slice(0, 3).toLowerCase()}-${Number(id.slice(4))}`;

  it('"INC 7" and "#7" name INC-0007 in any incident command', async () => {
    const { id } = await report('My daughter has a high fever and we are stuck at the border');
    expect((await inGroup(STAFF.viewer, `/incident INC ${numberOf(id)}`)).text).toMatch(new RegExp(`^${id} · open`));
    expect((await inGroup(STAFF.officer, `/note inc ${numberOf(id)} called the clinic`)).text).toBe(`📝 Noted on ${id}.`);
    expect((await inGroup(STAFF.officer, `/note #${numberOf(id)} clinic has no doctor`)).text).toBe(`📝 Noted on ${id}.`);
    expect((await getIncident(id)).timeline.slice(-2).map((e) => e.text)).toEqual(['called the clinic', 'clinic has no doctor']);
  });

  it('alr-7, ALR 7, wfc-3 and run-1 find ALR-0007, WFC-0003 and RUN-0001 instead of "was not found"', async () => {
    await report('Gunfire in Aleppo near the old town, we are hiding');
    const draft = await inGroup(STAFF.officer, '/alert north Stay indoors until further notice');
    const alert = /ALR-\d{4}/.exec(draft.text)?.[0] as string;
    expect(draft.text).toContain(`Waiting for a second officer: /approve ${alert}`);
    const approved = await inGroup(STAFF.duty, `/approve ${short(alert)}`);
    expect(approved.text).toBe(`Alert ${alert} approved by Ana Duty; sending now.`);

    const second = /ALR-\d{4}/.exec((await inGroup(STAFF.officer, '/alert north Curfew from 20:00')).text)?.[0] as string;
    const cancelled = await inGroup(STAFF.duty, `/cancel ${second.slice(0, 3)} ${Number(second.slice(4))}`);
    expect(cancelled.text).toBe(`${second} cancelled: nothing more will be sent.`);
    // Said in the cell group, it is not said there a second time.
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith(`🛑 Alert ${second}`))).toEqual([]);
    // Cancelled from a DM, the cell is told.
    const third = /ALR-\d{4}/.exec((await inGroup(STAFF.officer, '/alert north Roads closed tonight')).text)?.[0] as string;
    await app.say(STAFF.duty, `/cancel ${third}`);
    await app.expectMessage(STAFF.duty, new RegExp(`${third} cancelled`));
    const told = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`🛑 Alert ${third}`));
    expect(told.text).toBe(`🛑 Alert ${third} cancelled by Ana Duty before it went out: nobody will receive it.`);

    // A check that asks someone (one asking nobody is closed as it starts).
    await saveCitizens(app.deps, [aCitizen({ region: 'north' })]);
    const check = /WFC-\d{4}/.exec((await inGroup(STAFF.duty, '/welfare north')).text)?.[0] as string;
    const closed = await inGroup(STAFF.duty, `/close ${short(check)}`);
    expect(closed.text).toContain(`Welfare check ${check} closed`);

    await app.say(STAFF.officer, '/run flood region=coast exercise=true', { group: CELL_GROUP });
    const started = await app.expectMessage(CELL_GROUP, (m) => /▶️ RUN-\d{4}: Flood started by Chloe Officer/.test(m.text));
    const run = /RUN-\d{4}/.exec(started.text)?.[0] as string;
    await app.say(STAFF.officer, `/stop ${short(run)}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`⏹ ${run} (Flood) stopped by Chloe Officer`));
  });
});

describe('two officers on the same card at the same moment', () => {
  it('one 👍 acknowledges it, the other is told who has it; the citizen is told once', async () => {
    const { id, phone, card } = await report('My husband was arrested at the checkpoint in Damascus');
    await Promise.all([
      app.api('POST', '/sim/reactions', { from: STAFF.officer, group: CELL_GROUP, messageId: card.id, emoji: '👍' }),
      app.api('POST', '/sim/reactions', { from: STAFF.duty, group: CELL_GROUP, messageId: card.id, emoji: '👍' }),
    ]);
    await settle(app);
    const holder = (await getIncident(id)).assignee === STAFF.officer ? 'Chloe Officer' : 'Ana Duty';
    const answers = (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(id) && m.kind !== 'card');
    expect(answers.map((m) => m.text).sort()).toEqual(
      [
        `👍 ${holder} acknowledged ${id}; it is with ${holder}; the reporter has been told.`,
        `${id} is already acknowledged (with ${holder})`,
      ].sort(),
    );
    expect((await app.outbox(phone)).filter((m) => m.kind === 'notice')).toHaveLength(1);
  });

  it('a 👍 written as a reply to a card someone already took says nothing was done, not "noted"', async () => {
    const { id, card } = await report('I cannot find my son since the explosion at the market');
    await inGroup(STAFF.officer, `/ack ${id}`);
    const late = await inGroup(STAFF.duty, '👍', { replyTo: card.id });
    expect(late.text).toBe(`${id} is already acknowledged (with Chloe Officer): nothing done.`);
    expect((await getIncident(id)).timeline.map((e) => e.type)).toEqual(['reported', 'status', 'assigned']);
    // A reply with words is still noted, and said not taken; the holder's own words are only noted.
    const words = await inGroup(STAFF.duty, 'His school says he left at noon', { replyTo: card.id });
    expect(words.text).toBe(`📝 Reply noted on ${id}, but not taken: ${id} is already acknowledged (with Chloe Officer).`);
    const own = await inGroup(STAFF.officer, 'Calling the school now', { replyTo: card.id });
    expect(own.text).toBe(`📝 Reply noted on ${id}.`);
  });
});

describe('a reply to a card', () => {
  it('that turns it down is noted without taking it, so it is still escalated; one that works on it takes it', async () => {
    const { id, card } = await report('My father is trapped under the rubble in Hama');
    const declined = "Can't take it, I'm in Tripoli tonight. Someone else?";
    const no = await inGroup(STAFF.officer, declined, { replyTo: card.id });
    expect(no.text).toBe(
      `📝 Reply noted on ${id}. Not taken: it still waits for someone (👍 on the card or /ack ${id} takes it), and is escalated if nobody does.`,
    );
    const still = await getIncident(id);
    expect(still.status).toBe('open');
    expect(still.assignee ?? null).toBeNull();
    expect(still.timeline.at(-1)).toMatchObject({ type: 'note', actor: 'Chloe Officer', text: declined });
    expect((await inGroup('+15550000005', 'Pas moi, je suis en congé', { replyTo: card.id })).text).toMatch(/Not taken/);
    expect((await getIncident(id)).status).toBe('open');
    // Working on it, even without reaching anyone yet, takes it.
    const yes = await inGroup(STAFF.duty, "Can't reach him yet, calling the civil defence", { replyTo: card.id });
    expect(yes.text).toMatch(new RegExp(`^👍 Ana Duty acknowledged ${id}`));
    expect((await getIncident(id)).status).toBe('acknowledged');
    // Turned down once taken: noted, nothing more said.
    expect((await inGroup(STAFF.officer, 'Not me either', { replyTo: card.id })).text).toBe(`📝 Reply noted on ${id}.`);
  });
});

describe('/incident read on a phone', () => {
  it('says in its timeline to whom it was assigned and what each status change was, with the words given', async () => {
    const { id } = await report('I lost my passport and my wallet in Damascus');
    await inGroup(STAFF.officer, `/assign ${id} +15550000001`);
    await inGroup(STAFF.officer, `/severity ${id} medium`);
    await inGroup(STAFF.duty, `/resolve ${id} emergency passport issued`);
    const detail = await inGroup(STAFF.viewer, `/incident ${id}`);
    const timeline =
      detail.text
        .split('Timeline (UTC):\n')[1]
        ?.split('\n')
        .map((l) => l.replace(/^ {2}(\d+ \w+ )?\d\d:\d\d /, '')) ?? [];
    expect(timeline).toEqual([
      'reporter: reported — I lost my passport and my wallet in Damascus',
      'Chloe Officer: assigned → Ana Duty',
      'Chloe Officer: severity low → medium',
      'Ana Duty: status open → resolved — emergency passport issued',
    ]);
  });

  it('is about that incident, as its card is: a 👍 on it takes it, and a reply on it takes it and is noted (one that turns it down only noted)', async () => {
    const a = await report('My brother is injured in Aleppo, he cannot walk');
    const detail = await inGroup(STAFF.officer, `/incident ${a.id}`);
    const thumb = await app.api<{ id: string }>('POST', '/sim/reactions', {
      from: STAFF.officer,
      group: CELL_GROUP,
      messageId: detail.id,
      emoji: '👍',
    });
    expect((await app.expectMessage(CELL_GROUP, (m) => m.replyTo === thumb.body.id)).text).toBe(
      `👍 Chloe Officer acknowledged ${a.id}; it is with Chloe Officer; the reporter has been told.`,
    );
    await app.expectMessage(a.phone, new RegExp(`${a.id} has been seen`));

    const b = await report('My sister is injured in Homs, she is bleeding');
    const declined = await inGroup(STAFF.officer, "can't take it, I'm in Tripoli", {
      replyTo: (await inGroup(STAFF.officer, `/incident ${b.id}`)).id,
    });
    expect(declined.text).toMatch(new RegExp(`^📝 Reply noted on ${b.id}\\. Not taken`));
    expect((await getIncident(b.id)).status).toBe('open');
    const onIt = await inGroup(STAFF.duty, 'on it, calling her', { replyTo: (await inGroup(STAFF.duty, `/incident ${b.id}`)).id });
    expect(onIt.text).toBe(
      `👍 Ana Duty acknowledged ${b.id}; it is with Ana Duty; the reporter has been told.\n📝 Reply noted on ${b.id}.`,
    );
    expect((await getIncident(b.id)).timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual([
      "can't take it, I'm in Tripoli",
      'on it, calling her',
    ]);
  });
});

describe('two duty officers approving one alert at the same moment', () => {
  it('one approves it; the other is told who did, not that it was theirs; it goes out once', async () => {
    const { phone } = await report('Explosion near the Aleppo citadel, windows broken, we are scared');
    const id = /ALR-\d{4}/.exec((await inGroup(STAFF.officer, '/alert north Avoid the citadel area tonight')).text)?.[0] as string;
    const [ana, ben] = await Promise.all([
      app.say(STAFF.duty, `/approve ${id}`, { group: CELL_GROUP }),
      app.say(STAFF.admin, `/approve ${id}`, { group: CELL_GROUP }),
    ]);
    const answers = await Promise.all([ana, ben].map((sent) => app.expectMessage(CELL_GROUP, (m) => m.replyTo === sent)));
    const winner = answers.find((m) => m.text.endsWith('; sending now.'));
    const approver = / approved by (.+); sending now\.$/.exec(winner?.text ?? '')?.[1] as string;
    expect(['Ana Duty', 'Ben Consul']).toContain(approver);
    const other = answers.find((m) => m !== winner);
    expect(other?.text).toMatch(
      new RegExp(
        `^(Alert ${id} was already approved by ${approver}; it is sending|${id} is (approved|sending) \\(approved by ${approver}\\))`,
      ),
    );
    await settle(app);
    expect((await app.outbox(phone)).filter((m) => m.kind === 'alert' && m.text.includes(id))).toHaveLength(1);
  });
});

describe('a playbook started and stopped from a breakout group', () => {
  it('is answered in the breakout group, not only in the cell group', async () => {
    await inGroup(STAFF.duty, '/huddle Flood team +15550000003');
    const huddle = await waitForHuddle('Flood team');
    const started = await app.say(STAFF.officer, '/run flood region=coast exercise=true', { group: huddle });
    const answer = await app.expectMessage(huddle, (m) => m.replyTo === started);
    const run = /RUN-\d{4}/.exec(answer.text)?.[0] as string;
    expect(answer.text).toBe(
      `▶️ ${run} started: Flood (exercise). Its steps are posted in the crisis-cell group. Stop it with /stop ${run}.`,
    );
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`▶️ ${run}: Flood started by Chloe Officer`));
    const stop = await app.say(STAFF.officer, `/stop ${run}`, { group: huddle });
    expect((await app.expectMessage(huddle, (m) => m.replyTo === stop)).text).toBe(`⏹ ${run} stopped.`);
  });
});

/** The id of the breakout group the bot created with this subject. */
async function waitForHuddle(subject: string): Promise<string> {
  const welcome = await app.expectMessage('', (m) => m.kind === 'huddle' && m.text.startsWith(`👥 ${subject}`));
  return welcome.to;
}

describe('a guest of a breakout group shown an incident', () => {
  it('answers the /incident there, or 👍 it, without being refused as a stranger or acting on it', async () => {
    const guest = '+33611119999';
    const a = await report('My brother is injured in Aleppo, he cannot walk');
    await inGroup(STAFF.officer, `/huddle Hospital liaison ${guest}`);
    const huddle = await waitForHuddle('Hospital liaison');
    const asked = await app.say(STAFF.officer, `/incident ${a.id}`, { group: huddle });
    const detail = await app.expectMessage(huddle, (m) => m.replyTo === asked);
    const said = await app.say(guest, 'He is with us in ward 3, stable', { group: huddle, replyTo: detail.id });
    await app.api('POST', '/sim/reactions', { from: guest, messageId: detail.id, emoji: '👍', group: huddle });
    await settle(app);
    expect((await app.outbox(huddle)).filter((m) => m.replyTo === said || m.kind === 'refusal')).toEqual([]);
    expect((await getIncident(a.id)).status).toBe('open');
    const audit = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?order=newest&limit=100');
    expect(audit.body.items.filter((e) => e.type === 'command.refused' && e.subject === a.id)).toEqual([]);
  });
});

describe('a welfare check nobody is registered for', () => {
  it('says it reached nobody and why, and that it was closed at once, rather than "sent to 0 recipient(s)"', async () => {
    const answer = await inGroup(STAFF.duty, '/welfare coast Are you safe after the storm?');
    expect(answer.text).toMatch(
      /^⚠️ Welfare check WFC-\d{4} reached nobody: no registered citizen matches this audience \(a welfare check asks registered citizens only\), so it was closed at once\. Check the region, or use \/welfare all\.$/,
    );
  });

  it('is closed as it starts: the cell is told, /sitrep does not list it, and /close says it was closed already', async () => {
    const answer = await inGroup(STAFF.duty, '/welfare coast Is everyone all right?');
    const id = /WFC-\d{4}/.exec(answer.text)?.[0] as string;
    const post = await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`🔒 Welfare check ${id} `));
    expect(post.text).toBe(
      `🔒 Welfare check ${id} (started by Ana Duty) was closed as it started: nobody was asked (no registered citizen in its audience). Nothing was sent and no answer is awaited.`,
    );
    const sitrep = await inGroup(STAFF.duty, '/sitrep');
    expect(sitrep.text).not.toContain(id);
    await app.say(STAFF.duty, `/close ${id}`);
    const refused = await app.expectMessage(STAFF.duty, (m) => m.text.includes(`${id} was closed`));
    expect(refused.text).toMatch(
      new RegExp(
        `^${id} was closed as it started, on \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC: nobody was asked \\(no registered citizen in its audience\\)\\. Nothing changed\\.`,
      ),
    );
  });
});

describe('the audit trail of staff commands', () => {
  type Entry = { type: string; actor: string; subject: string; data: Record<string, unknown> };
  const latest = async (n: number) =>
    (await app.api<{ items: Entry[] }>('GET', `/api/audit?order=newest&limit=${n}`)).body.items.filter((e) =>
      e.type.startsWith('command.'),
    );

  it('records a command that did nothing (refused as already done, unknown, wrongly written), and why', async () => {
    const { id } = await report('The road to the airport is blocked, we need to leave');
    await inGroup(STAFF.officer, `/resolve ${id} left by bus`);
    await inGroup(STAFF.duty, `/resolve ${id}`);
    await inGroup(STAFF.duty, '/reslove 12');
    await inGroup(STAFF.duty, '/note');
    const entries = await latest(60);
    expect(entries.slice(0, 4).map((e) => [e.type, e.actor, e.subject, e.data.reason])).toEqual([
      ['command.failed', 'Ana Duty', '/note', 'usage'],
      ['command.failed', 'Ana Duty', '/reslove', 'unknown_command'],
      ['command.failed', 'Ana Duty', '/resolve', 'unchanged'],
      ['command.run', 'Chloe Officer', '/resolve', undefined],
    ]);
    expect(entries[2]?.data.args).toEqual([id]);
  });

  it('keeps the ids a command named, never the words of a note or a phone', async () => {
    const { id } = await report('My mother is sick in Latakia and needs insulin');
    await inGroup(STAFF.officer, `/note ${id} Jean Dupont brings insulin at 9`);
    await inGroup(STAFF.officer, '/huddle Dupont family +33 6 12 99 88 77');
    const entries = await latest(30);
    expect(entries.find((e) => e.subject === '/note')?.data.args).toEqual([id]);
    expect(entries.find((e) => e.subject === '/huddle')?.data.args).toEqual([]);
    expect(JSON.stringify(entries.map((e) => e.data))).not.toMatch(/Jean|Dupont|\+33|99 ?88 ?77/);
  });
});

describe('/assign by name', () => {
  it('gives the incident to the rostered person named as typed on a phone, and tells them', async () => {
    const { id } = await report('We are stuck at the hotel in Damascus, no water since yesterday');
    expect((await inGroup(STAFF.officer, `/assign ${id} ana duty`)).text).toMatch(new RegExp(`^📌 ${id} is now with Ana Duty\\.`));
    await app.expectMessage(STAFF.duty, new RegExp(`Chloe Officer assigned you ${id}`));
    expect((await inGroup(STAFF.duty, `/assign ${id} Anais`)).text).toMatch(new RegExp(`^📌 ${id} is now with Anaïs Field\\.`));
    expect((await getIncident(id)).assignee).toBe('+15550000005');
  });

  it('tells the officer it was given to when someone else acknowledges it first: still theirs, no longer waiting', async () => {
    const { id } = await report('Our car broke down near the border, we need advice');
    await inGroup(STAFF.duty, `/assign ${id} chloe officer`);
    await app.expectMessage(STAFF.officer, new RegExp(`Ana Duty assigned you ${id}`));
    await inGroup(STAFF.duty, `/ack ${id}`);
    const told = await app.expectMessage(STAFF.officer, (m) => m.text.includes(`acknowledged ${id}`));
    expect(told.text).toBe(`👍 Ana Duty acknowledged ${id}, which is with you: the reporter has been told. It is still yours.`);
    expect((await getIncident(id)).assignee).toBe(STAFF.officer);
  });

  it('asks which when the name fits two people, and names the roster when it fits nobody; nothing changes', async () => {
    const { id } = await report('My passport was taken by the police at the border');
    const two = await inGroup(STAFF.officer, `/assign ${id} Ana`);
    expect(two.text).toBe('"Ana" could be Ana Duty or Anaïs Field: give the full name or the phone.\nUsage: /assign ID +phone|name|me');
    const none = await inGroup(STAFF.officer, `/assign ${id} Zoe`);
    expect(none.text).toMatch(/^Nobody on the staff roster is called "Zoe": give a name as the roster lists it, or a phone\./);
    expect((await getIncident(id)).assignee).toBeNull();
  });
});

describe('/reopen', () => {
  it('reopens a resolved incident and tells the reporter; an incident not resolved is left as it is', async () => {
    const { id, phone } = await report('My son did not come home from the demonstration in Damascus');
    await inGroup(STAFF.officer, `/resolve ${id} found at a friend's house`);
    await app.expectMessage(phone, new RegExp(`${id} has been closed`));
    const reopened = await inGroup(STAFF.duty, `/reopen ${id}`);
    expect(reopened.text).toBe(`🔄 ${id} reopened: in progress again, with Ana Duty; the reporter has been told.`);
    await app.expectMessage(phone, new RegExp(`${id} has been reopened`));
    expect((await getIncident(id)).status).toBe('in_progress');
    const again = await inGroup(STAFF.duty, `/reopen ${id}`);
    expect(again.text).toBe(`${id} is in progress, not resolved: nothing to reopen.`);
  });

  it('tells the officer it is with when another officer reopens it', async () => {
    const { id } = await report('Our son has not come home since yesterday in Damascus');
    await inGroup(STAFF.officer, `/ack ${id}`);
    await inGroup(STAFF.officer, `/resolve ${id} found at his friend's`);
    expect((await inGroup(STAFF.duty, `/reopen ${id}`)).text).toBe(
      `🔄 ${id} reopened: in progress again, with Chloe Officer; the reporter has been told.`,
    );
    const told = await app.expectMessage(STAFF.officer, (m) => m.kind === 'notice' && m.text.includes(`reopened ${id}`));
    expect(told.text).toBe(
      `🔄 Ana Duty reopened ${id}, which is with you: it is in progress again; the reporter has been told. Send /incident ${id} for the timeline.`,
    );
    // Reopened by the officer it is with: nobody is told what they did themselves.
    await inGroup(STAFF.officer, `/resolve ${id} home again`);
    await inGroup(STAFF.officer, `/reopen ${id}`);
    await settle(app);
    expect((await app.outbox(STAFF.officer)).filter((m) => m.text.includes(`reopened ${id}, which is with you`))).toHaveLength(1);
  });
});

describe('a command about one incident given several ids', () => {
  it('"/resolve 1 2" resolves neither and tells no citizen “2”: the officer is told to send one command per incident', async () => {
    const a = await report('I lost my passport at the hotel in Damascus');
    const b = await report('My wallet was stolen near the port');
    const arabic = (id: string) => numberOf(id).replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));
    for (const typed of [
      `${numberOf(a.id)} ${numberOf(b.id)}`,
      `${a.id} ${b.id}`,
      `${numberOf(a.id)},${numberOf(b.id)}`,
      // "and" on an Arabic keyboard, apart or written onto the number; the Arabic comma.
      `${arabic(a.id)} و ${arabic(b.id)}`,
      `${numberOf(a.id)} و${numberOf(b.id)}`,
      `${numberOf(a.id)}، ${numberOf(b.id)}`,
    ]) {
      const answer = await inGroup(STAFF.officer, `/resolve ${typed}`);
      expect(answer.kind).toBe('refusal');
      expect(answer.text).toBe(
        `Nothing done: /resolve is for one incident at a time, and you named ${a.id}, ${b.id}. Send /resolve ${a.id} what was done, then /resolve ${b.id} what was done.`,
      );
    }
    // As a reply to one of their cards, too.
    const onCard = await inGroup(STAFF.officer, `/resolve ${numberOf(a.id)} ${numberOf(b.id)}`, { replyTo: a.card.id });
    expect(onCard.text).toMatch(/^Nothing done: \/resolve is for one incident at a time/);
    const reply = await inGroup(STAFF.officer, `/reply ${a.id} ${numberOf(b.id)}`);
    expect(reply.text).toBe(
      `Nothing done: /reply is for one incident at a time, and you named ${a.id}, ${b.id}. Send /reply ${a.id} text, then /reply ${b.id} text.`,
    );
    await settle(app);
    for (const { id, phone } of [a, b]) {
      expect((await getIncident(id)).status).toBe('open');
      expect((await app.outbox(phone)).map((m) => m.kind)).toEqual(['ack']);
    }
    // Words after the id are still what was done, even when they start with a number.
    expect((await inGroup(STAFF.officer, `/resolve ${a.id} 2 officers went to the hotel`)).text).toBe(
      `✔️ ${a.id} resolved; the reporter has been told, with the words “2 officers went to the hotel”.`,
    );
  });

  it('"/reopen 4 5" and "/progress 4 5" act on neither, and say how to do each', async () => {
    const a = await report('Our son has not come home since yesterday in Damascus');
    const b = await report('Our daughter has not come home since yesterday in Homs');
    for (const { id } of [a, b]) await inGroup(STAFF.officer, `/resolve ${id} found at a friend's`);
    const reopen = await inGroup(STAFF.duty, `/reopen ${numberOf(a.id)} ${numberOf(b.id)}`);
    expect(reopen.text).toBe(
      `Nothing done: /reopen is for one incident at a time, and you named ${a.id}, ${b.id}. Send /reopen ${a.id}, then /reopen ${b.id}.`,
    );
    const progress = await inGroup(STAFF.duty, `/progress ${a.id} and ${b.id}`);
    expect(progress.text).toBe(
      `Nothing done: /progress is for one incident at a time, and you named ${a.id}, ${b.id}. Send /progress ${a.id}, then /progress ${b.id}.`,
    );
    await settle(app);
    for (const { id } of [a, b]) expect((await getIncident(id)).status).toBe('resolved');
  });
});

describe('/incidents filters as staff say them', () => {
  it('"in progress", "in-progress" and "unacknowledged" list those incidents instead of "Unknown filter"', async () => {
    const { id } = await report('Our convoy is stopped at a roadblock north of Aleppo');
    await inGroup(STAFF.officer, `/progress ${id}`);
    for (const words of ['in progress', 'In-Progress', 'inprogress 1']) {
      const list = await inGroup(STAFF.viewer, `/incidents ${words}`);
      expect(list.text).toMatch(/^Incidents \(in_progress\): \d+/);
      expect(list.text).toContain(id);
    }
    const waiting = await inGroup(STAFF.viewer, '/incidents unacknowledged');
    expect(waiting.text).toMatch(/^(Incidents \(open\): \d+|No incidents \(open\)\.)/);
  });
});

describe('a citizen whose message starts with /', () => {
  it('"/sos" or "/my husband is hurt…" is taken as their report, not refused as a staff command', async () => {
    await app.say('+33612559001', '/sos');
    await app.expectMessage('+33612559001', /🆘 Understood: emergency\. Reference INC-\d{4}/);
    await app.say('+33612559002', '/my husband is hurt, we are at the Aleppo bus station');
    const ack = await app.expectMessage('+33612559002', /Reference: INC-\d{4}/);
    const incident = await getIncident(incidentIdIn(ack.text));
    expect(incident.summary).toContain('my husband is hurt');
    // A staff command from a stranger is still refused.
    await app.say('+33612559003', '/resolve 1');
    expect((await app.expectMessage('+33612559003', /only for rostered embassy staff/)).kind).toBe('refusal');
  });
});

describe('an incident whose reporter erased their data', () => {
  it('/ack and /resolve say nobody was told, not "the reporter has been told"', async () => {
    const { id, phone } = await report('Please help, my brother was detained by the police in Damascus');
    await app.say(phone, 'DELETE');
    await app.expectMessage(phone, () => true);
    await settle(app);
    expect((await getIncident(id)).reporter).toBeNull();
    expect((await inGroup(STAFF.officer, `/ack ${id}`)).text).toBe(
      `👍 Chloe Officer acknowledged ${id}; it is with Chloe Officer; nobody was told: the reporter erased their data.`,
    );
    expect((await inGroup(STAFF.officer, `/resolve ${id} released`)).text).toBe(
      `✔️ ${id} resolved; nobody was told: the reporter erased their data.`,
    );
  });
});

describe('re-triage as staff type it', () => {
  it('/region takes a region by name or alias, /category takes "missing person" in two words', async () => {
    const { id } = await report('My cousin has disappeared, nobody has seen him since Friday');
    expect((await inGroup(STAFF.officer, `/region ${id} Damascus`)).text).toBe(`${id} region is now Capital District.`);
    expect((await inGroup(STAFF.officer, `/region ${id} northern province`)).text).toBe(`${id} region is now Northern Province.`);
    expect((await inGroup(STAFF.officer, `/category ${id} arrest detention`)).text).toBe(`${id} category is now arrest_detention.`);
    expect((await inGroup(STAFF.officer, `/category ${id} Missing Person`)).text).toBe(`${id} category is now missing_person.`);
    const wrong = await inGroup(STAFF.officer, `/region ${id} Narnia`);
    expect(wrong.text).toMatch(/^Unknown region "Narnia"\. Regions: north, capital, coast\./);
    expect(await getIncident(id)).toMatchObject({ region: 'north', category: 'missing_person' });
  });
});

describe('a message edited into a command', () => {
  it('"ack 7" edited to "/ack 7" says nothing was done and to send it anew, not that it ran', async () => {
    const { id } = await report('We hear explosions near the airport road, the children are terrified');
    const first = await app.say(STAFF.officer, `ack ${numberOf(id)}`, { group: CELL_GROUP });
    const answer = await inGroup(STAFF.officer, `/ack ${numberOf(id)}`, { edit: { of: first } });
    expect(answer.text).toBe(
      '✏️ Chloe Officer, nothing done: your message was not a command as first written, and an edit is never run. Send /ack … as a new message to run it.',
    );
    expect((await getIncident(id)).status).toBe('open');
  });

  it('a command edited says which command ran as first written', async () => {
    const { id } = await report('Our passports were stolen from the hotel safe');
    const first = await app.say(STAFF.officer, `/note ${id} called the hotel`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.replyTo === first);
    const answer = await inGroup(STAFF.officer, `/ack ${id}`, { edit: { of: first } });
    expect(answer.text).toBe(
      '✏️ Chloe Officer, an edited command is not run again: /note ran (or was refused) as first written. To change it, send the corrected command as a new message.',
    );
  });
});

describe('an incident taken or closed from a direct message to the embassy number', () => {
  it('is told in the cell group too, so nobody takes it a second time', async () => {
    const { id } = await report('My wife went into labour, no ambulance comes, we are in Latakia');
    const dm = await app.say(STAFF.duty, `/ack ${id}`);
    expect((await app.expectMessage(STAFF.duty, (m) => m.replyTo === dm || m.kind === 'confirmation')).text).toBe(
      `👍 Ana Duty acknowledged ${id}; it is with Ana Duty; the reporter has been told.`,
    );
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.text === `👍 Ana Duty acknowledged ${id}; it is with Ana Duty; the reporter has been told. (Ana Duty, in a direct message)`,
    );
    await app.say(STAFF.duty, `/resolve ${id} ambulance arrived`);
    await app.expectMessage(
      CELL_GROUP,
      (m) => m.text === `✔️ ${id} resolved; the reporter has been told, with the words “ambulance arrived”. (Ana Duty, in a direct message)`,
    );
    // Several ids from a DM: the cell groups hear of those taken, not of the refusals.
    const more = await report('Stranded at the airport with two children');
    await app.say(STAFF.officer, `/ack ${id} ${more.id}`);
    const answer = await app.expectMessage(STAFF.officer, (m) => m.kind === 'confirmation' && m.text.includes(more.id));
    expect(answer.text).toContain(`⚠️ ${id} is resolved`);
    await app.expectMessage(
      CELL_GROUP,
      (m) =>
        m.text ===
        `👍 Chloe Officer acknowledged ${more.id}; it is with Chloe Officer; the reporter has been told. (Chloe Officer, in a direct message)`,
    );
    const before = (await app.outbox(CELL_GROUP)).length;
    await app.say(STAFF.duty, `/ack ${id} ${more.id}`);
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'confirmation' && m.text.includes(`⚠️ ${more.id} is already acknowledged`));
    await settle(app);
    expect((await app.outbox(CELL_GROUP)).slice(before).map((m) => m.text)).toEqual([]);
    // Asked in the cell group, it is said there once.
    const other = await report('Stuck at the coast road checkpoint with two children');
    await inGroup(STAFF.officer, `/ack ${other.id}`);
    await settle(app);
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`acknowledged ${other.id}`))).toHaveLength(1);
  });
});

describe('an incident nobody took yet, assigned to an officer', () => {
  it('tells the group it is still unacknowledged, and the assignee how to take it; their 👍 on the DM takes it', async () => {
    const { id, phone } = await report('Two of us are stranded at the Latakia port, the ferry was cancelled');
    expect((await inGroup(STAFF.duty, `/assign ${id} chloe`)).text).toBe(
      `📌 ${id} is now with Chloe Officer. It is not acknowledged yet: the reporter has not been told.`,
    );
    const dm = await app.expectMessage(STAFF.officer, (m) => m.kind === 'assignment' && m.text.includes(id));
    expect(dm.text).toContain(`Nobody has acknowledged it yet: 👍 this message or send /ack ${id} to take it (the reporter is told then).`);
    await app.api('POST', '/sim/reactions', { from: STAFF.officer, messageId: dm.id, emoji: '👍' });
    await app.expectMessage(phone, new RegExp(`${id} has been seen by consular officer Chloe`));
    expect((await getIncident(id)).status).toBe('acknowledged');
  });
});

describe('a resolved incident assigned to an officer', () => {
  it('tells them in the DM that it is resolved, and how to reopen it', async () => {
    const { id } = await report('I lost my passport at the airport in Damascus');
    await inGroup(STAFF.duty, `/resolve ${id} new passport issued`);
    expect((await inGroup(STAFF.duty, `/assign ${id} chloe`)).text).toBe(
      `📌 ${id} is now with Chloe Officer. It is resolved: /reopen ${id} to work on it again.`,
    );
    const dm = await app.expectMessage(STAFF.officer, (m) => m.kind === 'assignment' && m.text.includes(id));
    expect(dm.text.split('\n').at(-1)).toBe(`It is resolved: /reopen ${id} to work on it again.`);
  });
});

describe('an incident change decided on a stale read of its assignee', () => {
  it('is refused, to be decided again: an /ack that read "nobody has it" never overwrites an /assign made meanwhile', async () => {
    const { id } = await report('Our group is stuck at the northern border post, the guards took our passports');
    const store = incidentStore(app.deps);
    const stale = (await store.get(id)) as Incident;
    await inGroup(STAFF.duty, `/assign ${id} ben`);
    // What an /ack that read the incident before the /assign would write: it takes the incident.
    const written = await store.update(stale, { status: 'acknowledged', severity: stale.severity }, { assignee: STAFF.officer }, []);
    expect(written).toBe(false);
    expect((await getIncident(id)).assignee).toBe(STAFF.admin);
  });
});
