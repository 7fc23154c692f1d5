import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

type AlertBody = { id: string; status: string; total: number; note?: string; counts: Record<string, number> };

describe('alerts and welfare checks, as officers and citizens read them', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp('broadcast-polish', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 2 } } });
    await saveCitizens(app.deps, [
      aCitizen({ phone: '+33678100001', region: 'capital', household: 3 }),
      aCitizen({ phone: '+33678100002', region: 'capital', household: 2 }),
      aCitizen({ phone: '+33678100003', region: 'capital', household: 1 }),
      aCitizen({ phone: '+33678100004', region: 'coast', household: 1 }),
    ]);
  });
  afterAll(async () => app.stop());

  it('an alert waiting for its second officer has nothing queued: nothing goes out before the approval', async () => {
    const created = await app.api<AlertBody>('POST', '/api/alerts', { audience: { regions: ['capital'] }, text: { en: 'Curfew at 8pm.' } });
    expect(created.body).toMatchObject({ status: 'pending_approval', total: 3 });
    const pending = (await app.api<AlertBody>('GET', `/api/alerts/${created.body.id}`)).body;
    expect(pending.counts).toMatchObject({ total: 3, queued: 0, sent: 0, failed: 0, cancelled: 0 });
    const listed = (await app.api<{ items: AlertBody[] }>('GET', '/api/alerts')).body.items.find((a) => a.id === created.body.id);
    expect(listed?.counts.queued).toBe(0);
    // Once approved it goes out, and is counted as it does.
    await app.say(STAFF.admin, `/approve ${created.body.id}`, { group: CELL_GROUP });
    await app.expectMessage('+33678100003', /Curfew at 8pm/);
    await settle(app);
    expect((await app.api<AlertBody>('GET', `/api/alerts/${created.body.id}`)).body.counts).toMatchObject({ total: 3, queued: 0, sent: 3 });
  });

  it('an Idempotency-Key sent again returns the first alert and uses up no id: the next alert is the next number', async () => {
    const body = { audience: { regions: ['coast'] }, text: { en: 'Stay away from the port.' } };
    const headers = { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json', 'idempotency-key': 'k-1' };
    const post = async (b: unknown, h: Record<string, string>) =>
      (await (await fetch(`${app.url}/api/alerts`, { method: 'POST', headers: h, body: JSON.stringify(b) })).json()) as AlertBody;
    const first = await post(body, headers);
    const again = await post(body, headers);
    const third = await post(body, headers);
    expect(again.id).toBe(first.id);
    expect(third.id).toBe(first.id);
    const next = await post({ ...body, text: { en: 'The port is open again.' } }, { ...headers, 'idempotency-key': 'k-2' });
    const n = (id: string) => Number(id.slice(4));
    expect(n(next.id)).toBe(n(first.id) + 1);
    const ids = (await app.api<{ items: AlertBody[] }>('GET', '/api/alerts')).body.items.map((a) => n(a.id)).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
  });

  it('an alert whose audience holds nobody says so in the API answer, as /alert says it in chat', async () => {
    const created = await app.api<AlertBody>('POST', '/api/alerts', { audience: { regions: ['north'] }, text: { en: 'Roads closed.' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'sending', total: 0 });
    expect(created.body.note).toBe(
      `Nobody will receive ${created.body.id}: no registered citizen matches this audience (who reported from there without registering is included only with "reporters": true). Check the audience, or use {"all": true}.`,
    );
    const withReporters = await app.api<AlertBody>('POST', '/api/alerts', {
      audience: { regions: ['north'], reporters: true },
      text: { en: 'Roads closed.' },
    });
    expect(withReporters.body.note).toMatch(/^Nobody will receive ALR-\d+: no registered citizen or recent reporter matches this audience/);
    // An alert that reaches someone carries no note.
    const reached = await app.api<AlertBody>('POST', '/api/alerts', { audience: { regions: ['coast'] }, text: { en: 'Tide warning.' } });
    expect(reached.body.total).toBe(1);
    expect(reached.body).not.toHaveProperty('note');
  });

  it('a welfare answer "1 500" is asked again, never tallied as 500 people safe; "1 4" then counts, and /sitrep says "1 person"', async () => {
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['capital'] } });
    const id = check.body.id;
    await app.expectMessage('+33678100001', /Are you safe\? Reply 1/);
    await app.expectMessage('+33678100003', /Are you safe\? Reply 1/);
    await app.say('+33678100001', '1 500');
    await app.expectMessage('+33678100001', /could not read how many people are safe with you.*from 1 to 50/);
    await settle(app);
    const view = async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    expect((await view()).counts).toMatchObject({ safe: 0, noAnswer: 3, peopleSafe: 0 });
    await app.say('+33678100001', '1 4');
    await app.expectMessage('+33678100001', /noted that you are safe \(4 person/);
    await settle(app);
    expect((await view()).counts).toMatchObject({ safe: 1, noAnswer: 2, peopleSafe: 4 });
    // A household of one answers SAFE: one person, in words an officer reads aloud.
    await app.say('+33678100003', '1');
    await app.expectMessage('+33678100003', /noted that you are safe \(1 person/);
    await settle(app);
    // With words around it, the count is for the cell to read: SAFE with the registered household (2), the words filed.
    await app.say('+33678100002', '1 we are 200 at the school gym');
    await app.expectMessage('+33678100002', /INC-\d{4}/);
    await settle(app);
    expect((await view()).counts).toMatchObject({ safe: 3, peopleSafe: 7 });
    await app.say('+33678100002', '2');
    await settle(app);
    await app.say('+33678100001', '2');
    await settle(app);
    await app.say(STAFF.duty, '/sitrep', { group: CELL_GROUP });
    const sitrep = await app.expectMessage(CELL_GROUP, new RegExp(`Welfare ${id}`));
    expect(sitrep.text).toContain('1 safe (1 person), 2 need help, 0 no answer of 3');
    expect(sitrep.text).not.toContain('(1 people)');
  });

  it('tells the cell of a welfare check started from the API or a DM, once; one started in the cell is said there by its answer alone', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['coast'] } });
    expect(res.status).toBe(201);
    const told = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`📋 Welfare check ${res.body.id} `));
    expect(told.text).toBe(
      `📋 Welfare check ${res.body.id} started by admin: 1 recipient(s) asked whether they are safe. Tallies: /sitrep; /close ${res.body.id} to close it.`,
    );
    await app.api('POST', `/api/welfare-checks/${res.body.id}/close`);

    await app.say(STAFF.duty, '/welfare coast', { group: CELL_GROUP });
    const answer = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'welfare-started' && m.text.startsWith('Welfare check'));
    const id = /WFC-\d{4}/.exec(answer.text)?.[0] as string;
    await settle(app);
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith(`📋 Welfare check ${id}`)).map((m) => m.text)).toEqual([]);
    await app.api('POST', `/api/welfare-checks/${id}/close`);
  });
});
