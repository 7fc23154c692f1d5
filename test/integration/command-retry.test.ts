import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCitizens } from '../../src/citizens/registry.ts';
import type { Incident } from '../../src/domain/incident.ts';
import type { OutboundJob } from '../../src/queues/job-schemas.ts';
import { UPDATE } from '../../src/store/incident-scripts.ts';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { ADMIN_TOKEN, CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * A staff command whose job fails after it changed the incident (Redis gone for a moment while
 * its follow-ups were queued; the same happens to a worker killed there, or to a command Redis ran
 * but whose answer a Redis restart lost) is retried by BullMQ. The retry must finish what the
 * first attempt began: the citizen is told once, the officer is not told their own /ack came "too
 * late", and a note is written once.
 */
let app: TestApp;
let n = 0;

beforeAll(async () => {
  // Every report gets its own card (no digest): the commands reply to it.
  app = await startTestApp('command-retry', {
    config: { digest: { maxCardsPerWindow: 50, window: '1h' }, broadcast: { ratePerSecond: 1000, approvalThreshold: 1 } },
  });
});
afterAll(async () => app.stop());

/** The outbox refuses the first message matching `match` (as during a Redis blip); then sends again. */
function refuseOnce(match: (m: OutboundJob) => boolean): { refused: () => number; restore: () => void } {
  const { outbox } = app.deps;
  const send = outbox.send.bind(outbox);
  let refused = 0;
  outbox.send = async (msg, ...rest) => {
    if (refused === 0 && match(msg)) {
      refused++;
      throw new Error('Connection is closed.');
    }
    return send(msg, ...rest);
  };
  return {
    refused: () => refused,
    restore: () => {
      outbox.send = send;
    },
  };
}

/** A citizen reports; resolves with the incident id and the card posted in the cell group. */
async function report(text: string): Promise<{ phone: string; id: string; card: SimOutboxItem }> {
  const phone = `+3365552${String(++n).padStart(4, '0')}`;
  await app.say(phone, text);
  const id = /INC-\d{4}/.exec((await app.expectMessage(phone, /Reference: INC-\d{4}/)).text)?.[0] as string;
  const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(id));
  return { phone, id, card };
}

const incident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
const to = async (who: string, match: RegExp) => (await app.outbox(who)).filter((m) => match.test(m.text));

/** Runs `act` with the first message matching `match` refused, and waits until the retried job is done. */
async function withFirstAttemptFailing(match: (m: OutboundJob) => boolean, act: () => Promise<unknown>, done: () => Promise<boolean>) {
  const outbox = refuseOnce(match);
  try {
    await act();
    await waitFor(async () => outbox.refused() === 1 || undefined, 10_000, 'the first attempt to fail');
    await waitFor(async () => (await done()) || undefined, 15_000, 'the retried command');
    await settle(app);
  } finally {
    outbox.restore();
  }
}

describe('a staff command retried after it changed the incident', () => {
  it('/ack: the citizen is told once that an officer has their report, and the officer reads the acknowledgement, not "already acknowledged"', async () => {
    const { phone, id } = await report('My husband was arrested at the checkpoint near the airport');
    await withFirstAttemptFailing(
      (m) => m.kind === 'notice',
      () => app.say(STAFF.duty, `/ack ${id}`, { group: CELL_GROUP }),
      async () => (await to(phone, /seen by consular officer Ana/)).length > 0,
    );
    expect(await to(phone, /seen by consular officer Ana/)).toHaveLength(1);
    const cell = (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(id) && m.kind !== 'card').map((m) => m.text);
    expect(cell).toEqual([`👍 Ana Duty acknowledged ${id}; it is with Ana Duty; the reporter has been told.`]);
    const i = await incident(id);
    expect(i).toMatchObject({ status: 'acknowledged', assignee: STAFF.duty });
    expect(i.timeline.filter((e) => e.type === 'status')).toHaveLength(1);
    // Acknowledged: its escalation deadline is gone (the duty officers are not paged for it).
    expect(await app.deps.redis.zscore(app.deps.keys.escalationsDue, `${id}|1`)).toBeNull();
  });

  it('👍 on the card: the citizen is told once', async () => {
    const { phone, id, card } = await report('We are trapped on the third floor, the stairs collapsed');
    await withFirstAttemptFailing(
      (m) => m.kind === 'notice',
      () => app.api('POST', '/sim/reactions', { from: STAFF.officer, group: CELL_GROUP, messageId: card.id, emoji: '👍' }),
      async () => (await to(phone, /seen by consular officer Chloe/)).length > 0,
    );
    expect(await to(phone, /seen by consular officer/)).toHaveLength(1);
    expect(await to(CELL_GROUP, new RegExp(`${id} is already acknowledged`))).toEqual([]);
  });

  it('/resolve with what was done: the citizen gets the closing message once, with those words', async () => {
    const { phone, id } = await report('I lost my passport at the bus station');
    await withFirstAttemptFailing(
      (m) => m.kind === 'notice',
      () => app.say(STAFF.duty, `/resolve ${id} emergency passport ready at the consulate`, { group: CELL_GROUP }),
      async () => (await to(phone, /has been closed by the embassy/)).length > 0,
    );
    const closing = await to(phone, /has been closed by the embassy/);
    expect(closing).toHaveLength(1);
    expect(closing[0]?.text).toContain('emergency passport ready at the consulate');
    expect(await to(CELL_GROUP, new RegExp(`${id} is already resolved`))).toEqual([]);
  });

  it('/assign: the officer it is given to is told once, and the cell reads who has it', async () => {
    const { id } = await report('Our hotel is surrounded, we cannot leave the building');
    await withFirstAttemptFailing(
      (m) => m.kind === 'assignment',
      () => app.say(STAFF.duty, `/assign ${id} Chloe`, { group: CELL_GROUP }),
      async () => (await to(CELL_GROUP, new RegExp(`${id} is now with Chloe Officer`))).length > 0,
    );
    expect(await to(STAFF.officer, new RegExp(`assigned you ${id}`))).toHaveLength(1);
    expect(await to(CELL_GROUP, new RegExp(`${id} is already with`))).toEqual([]);
  });

  it('/reopen: the reporter is told once that their report is open again', async () => {
    const { phone, id } = await report('My passport was stolen on the bus');
    await app.say(STAFF.duty, `/resolve ${id}`, { group: CELL_GROUP });
    await app.expectMessage(phone, /has been closed by the embassy/);
    await withFirstAttemptFailing(
      (m) => m.kind === 'notice' && m.text?.includes('reopened') === true,
      () => app.say(STAFF.duty, `/reopen ${id}`, { group: CELL_GROUP }),
      async () => (await to(CELL_GROUP, new RegExp(`${id} reopened`))).length > 0,
    );
    expect(await to(phone, /reopened/)).toHaveLength(1);
    expect(await to(CELL_GROUP, new RegExp(`${id} is in progress, not resolved`))).toEqual([]);
  });

  it('/note: the note is in the timeline once', async () => {
    const { id } = await report('My mother is missing since the shelling this morning');
    await withFirstAttemptFailing(
      (m) => m.kind === 'confirmation',
      () => app.say(STAFF.officer, `/note ${id} called the Red Crescent, no news yet`, { group: CELL_GROUP }),
      async () => (await to(CELL_GROUP, new RegExp(`Noted on ${id}`))).length > 0,
    );
    const notes = (await incident(id)).timeline.filter((e) => e.type === 'note');
    expect(notes.map((e) => e.text)).toEqual(['called the Red Crescent, no news yet']);
  });

  it('a reply to the card: acknowledged and its words noted, once each', async () => {
    const { phone, id, card } = await report('Our car was stopped by armed men on the coast road');
    await withFirstAttemptFailing(
      (m) => m.kind === 'confirmation',
      () => app.say(STAFF.duty, 'calling him now', { group: CELL_GROUP, replyTo: card.id }),
      async () => (await to(CELL_GROUP, new RegExp(`Reply noted on ${id}`))).length > 0,
    );
    const i = await incident(id);
    expect(i.timeline.filter((e) => e.type === 'note').map((e) => e.text)).toEqual(['calling him now']);
    expect(i.timeline.filter((e) => e.type === 'status')).toHaveLength(1);
    expect(await to(phone, /seen by consular officer Ana/)).toHaveLength(1);
    const confirmation = await to(CELL_GROUP, new RegExp(`Reply noted on ${id}`));
    expect(confirmation).toHaveLength(1);
    expect(confirmation[0]?.text).toContain(`Ana Duty acknowledged ${id}`);
  });
});

describe('an incident change through the API, made twice', () => {
  const patch = (id: string, body: unknown, key?: string) =>
    fetch(`${app.url}/api/incidents/${id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/json',
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: JSON.stringify(body),
    });

  it('a PATCH sent again with its Idempotency-Key (its answer was lost) answers as the first did, and the reporter is told once', async () => {
    const { phone, id } = await report('My daughter is missing since the explosion at the market');
    const body = { status: 'acknowledged', assignee: STAFF.officer };
    const first = await patch(id, body, `ack-${id}`);
    const again = await patch(id, body, `ack-${id}`);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(((await again.json()) as Incident).status).toBe('acknowledged');
    await settle(app);
    expect(await to(phone, /seen by consular officer/)).toHaveLength(1);
    expect(await to(CELL_GROUP, new RegExp(`${id} acknowledged \\(admin, via the dashboard/API\\)`))).toHaveLength(1);
    expect((await incident(id)).timeline.filter((e) => e.type === 'status')).toHaveLength(1);
    // Without the key, a second PATCH is a new request: refused, nothing changed.
    expect((await patch(id, body)).status).toBe(409);
  });

  it('a note POSTed again with its Idempotency-Key is in the timeline once', async () => {
    const { id } = await report('We cannot find our son after the shelling');
    const post = () =>
      fetch(`${app.url}/api/incidents/${id}/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': `note-${id}` },
        body: JSON.stringify({ text: 'hospitals called, none has him' }),
      });
    expect([(await post()).status, (await post()).status]).toEqual([201, 201]);
    expect((await incident(id)).timeline.filter((e) => e.type === 'note')).toHaveLength(1);
  });

  it('a change Redis ran twice (sent again after a restart lost its answer) is made once and the reporter is told', async () => {
    const { phone, id } = await report('Armed men took my brother from the hotel lobby');
    // ioredis sends a command again after a reconnect when its answer never came: here the first run
    // of the incident's compare-and-set is answered by its second, which finds the incident changed.
    const { redis } = app.deps;
    const evalsha = redis.evalsha.bind(redis) as (...args: unknown[]) => Promise<unknown>;
    const updateSha = createHash('sha1').update(UPDATE.source).digest('hex');
    let resent = 0;
    redis.evalsha = (async (...args: unknown[]) => {
      if (args[0] === updateSha && resent++ === 0) await evalsha(...args);
      return evalsha(...args);
    }) as typeof redis.evalsha;
    try {
      const res = await patch(id, { status: 'acknowledged' });
      expect(res.status).toBe(200);
    } finally {
      redis.evalsha = evalsha as typeof redis.evalsha;
    }
    expect(resent).toBe(1);
    await app.expectMessage(phone, /has been seen by/);
    await settle(app);
    expect(await to(phone, /has been seen by/)).toHaveLength(1);
    expect((await incident(id)).timeline.filter((e) => e.type === 'status')).toHaveLength(1);
  });
});

describe('a broadcast command retried after it took effect', () => {
  it('/close: the cell gets the final tally once, and the officer the confirmation, not "already closed by Ana Duty"', async () => {
    const citizen = aCitizen({ region: 'capital' });
    await saveCitizens(app.deps, [citizen]);
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['capital'] } });
    const { id } = check.body;
    await app.expectMessage(citizen.phone, /Are you safe/);
    // The close is recorded; posting its final tally fails the first attempt.
    await withFirstAttemptFailing(
      (m) => m.kind === 'welfare-closed',
      () => app.say(STAFF.duty, `/close ${id}`, { group: CELL_GROUP }),
      async () => (await to(CELL_GROUP, new RegExp(`Welfare check ${id} closed: no reminder`))).length > 0,
    );
    expect(await to(CELL_GROUP, new RegExp(`🔒 Welfare check ${id} closed by Ana Duty`))).toHaveLength(1);
    expect(await to(CELL_GROUP, new RegExp(`${id} was already closed`))).toEqual([]);
  });

  it('/cancel: the officer reads that it is cancelled, not "already cancelled"', async () => {
    const [citizen, other] = [aCitizen({ region: 'north' }), aCitizen({ region: 'north' })];
    await saveCitizens(app.deps, [citizen, other]);
    // Held for approval (two recipients, above the threshold of 1), so nothing goes out before the cancel.
    const alert = await app.api<{ id: string; status: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Convoy leaves at dawn' },
    });
    expect(alert.body.status).toBe('pending_approval');
    const { id } = alert.body;
    await withFirstAttemptFailing(
      (m) => m.kind === 'broadcast-cancelled',
      () => app.say(STAFF.duty, `/cancel ${id}`, { group: CELL_GROUP }),
      async () => (await to(CELL_GROUP, new RegExp(`${id}.*cancelled`))).length > 0,
    );
    expect((await to(CELL_GROUP, new RegExp(`${id}.*cancelled`))).map((m) => m.text)).toEqual([
      `${id} cancelled: nothing more will be sent.`,
    ]);
    expect(await to(citizen.phone, /Convoy/)).toEqual([]);
  });
});

describe('an incident opened through the API, the request sent again', () => {
  it('with its Idempotency-Key: the same incident, one entry in its timeline, one card', async () => {
    const reporter = '+33655558888';
    const open = () =>
      fetch(`${app.url}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'call-4711' },
        body: JSON.stringify({ reporter, text: 'Called the duty line: her husband was detained at the border post' }),
      });
    const first = await open();
    const again = await open();
    expect([first.status, again.status]).toEqual([201, 201]);
    const [a, b] = [(await first.json()) as Incident, (await again.json()) as Incident];
    expect(b.id).toBe(a.id);
    await settle(app);
    expect((await incident(a.id)).timeline.map((e) => e.type)).toEqual(['reported']);
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(a.id))).toHaveLength(1);
  });
});
