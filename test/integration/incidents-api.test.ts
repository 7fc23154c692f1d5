import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
let viewer: string;
let officer: string;
type Page = { items: Incident[]; nextCursor: string | null };

beforeAll(async () => {
  app = await startTestApp('incidents-api', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
  viewer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Vera Viewer', role: 'viewer' })).body.token;
  officer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Omar Officer', role: 'officer', phone: '+15550000003' })).body
    .token;
});
afterAll(async () => app.stop());

async function open(text: string, reporter: string, extra: Record<string, unknown> = {}): Promise<Incident> {
  const res = await app.api<Incident>('POST', '/api/incidents', { reporter, text, ...extra }, officer);
  expect(res.status).toBe(201);
  return res.body;
}

describe('incident API', () => {
  it('opens incidents for phone callers, lists them by status and severity with cursor pagination', async () => {
    const a = await open('Trapped in the rubble of the hotel', '+33600000001');
    const b = await open('Lost my passport', '+33600000002');
    const c = await open('Lost my id card and passport', '+33600000003', { severity: 'high' });
    expect(a).toMatchObject({ status: 'open', severity: 'critical', category: 'trapped', channel: 'api' });
    expect(c.severity).toBe('high');
    const low = await app.api<Page>('GET', '/api/incidents?severity=low', undefined, viewer);
    expect(low.body.items.map((i) => i.id)).toEqual([b.id]);
    const page1 = await app.api<Page>('GET', '/api/incidents?status=open&limit=2', undefined, viewer);
    expect(page1.body.items.map((i) => i.id)).toEqual([c.id, b.id]);
    expect(page1.body.items[0]?.timeline[0]).toMatchObject({ type: 'reported', channel: 'api' });
    const page2 = await app.api<Page>('GET', `/api/incidents?status=open&limit=2&cursor=${page1.body.nextCursor}`, undefined, viewer);
    expect(page2.body.items.map((i) => i.id)).toEqual([a.id]);
    expect(page2.body.nextCursor).toBeNull();
    // Lighter pages for views that list thousands of incidents: the same incidents, no timelines.
    const light = await app.api<Page>('GET', '/api/incidents?status=open&limit=2&timeline=false', undefined, viewer);
    expect(light.body.items.map((i) => i.id)).toEqual([c.id, b.id]);
    expect(light.body.nextCursor).toBe(page1.body.nextCursor);
    expect(light.body.items[0]).toMatchObject({ id: c.id, severity: 'high', status: 'open', reporter: '+33600000003' });
    expect(light.body.items[0]).not.toHaveProperty('timeline');
    for (const limit of ['0x10', '1e1', '2.5', '-1', '0', '201'])
      expect((await app.api('GET', `/api/incidents?limit=${limit}`, undefined, viewer)).status, `limit=${limit}`).toBe(400);
    const bad = await app.api<{ error: { message: string } }>('GET', '/api/incidents?timeline=no', undefined, viewer);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^query.timeline: /);
  });

  it('changes status, severity and assignee with role checks, an audit entry and the citizen told', async () => {
    const i = await open('My husband was arrested this morning', '+33600000010');
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'acknowledged' }, viewer)).status).toBe(403);
    const acked = await app.api<Incident>('PATCH', `/api/incidents/${i.id}`, { status: 'acknowledged', severity: 'critical' }, officer);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged', severity: 'critical', assignee: '+15550000003' });
    await app.expectMessage('+33600000010', new RegExp(`${i.id} has been seen by consular officer Chloe`));
    const listed = await app.api<Page>('GET', '/api/incidents?status=acknowledged&severity=critical', undefined, viewer);
    expect(listed.body.items.map((x) => x.id)).toContain(i.id);
    const stale = await app.api<Page>('GET', '/api/incidents?status=open&severity=high', undefined, viewer);
    expect(stale.body.items.map((x) => x.id)).not.toContain(i.id);
    const audit = await app.api<{ items: { type: string; actor: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ type: 'incident.acknowledged', actor: 'Omar Officer', subject: i.id }),
    );
  });

  it('refuses illegal transitions and bad input with clear errors, changing nothing', async () => {
    const i = await open('Need advice on leaving the country', '+33600000020');
    const closed = await app.api<{ error: { code: string; message: string } }>(
      'PATCH',
      `/api/incidents/${i.id}`,
      { status: 'closed' },
      officer,
    );
    expect(closed.status).toBe(409);
    expect(closed.body.error).toMatchObject({ code: 'illegal_transition' });
    expect(closed.body.error.message).toMatch(/is open; it cannot become closed/);
    const bad = [
      [{ status: 'exploded' }, 400],
      [{}, 400],
      [{ assignee: '+4915100000000' }, 400],
      [{ region: 'atlantis' }, 400],
      [{ severity: 'high', extra: 1 }, 400],
    ] as const;
    for (const [body, status] of bad) {
      const res = await app.api<{ error: { code: string; message: string } }>('PATCH', `/api/incidents/${i.id}`, body, officer);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.error.message).toBeTruthy();
    }
    expect((await app.api('GET', '/api/incidents/INC-99999', undefined, viewer)).status).toBe(404);
    expect((await app.api('GET', '/api/incidents/nonsense', undefined, viewer)).status).toBe(400);
    expect((await app.api('GET', '/api/incidents?limit=100000', undefined, viewer)).status).toBe(400);
    // A filter the API does not have is refused, not ignored (which would answer with every incident).
    for (const q of ['region=north', 'assignee=%2B15550000001', 'sev=critical']) {
      const res = await app.api<{ error: { message: string } }>('GET', `/api/incidents?${q}`, undefined, viewer);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message, q).toContain(q.split('=')[0]);
    }
    const after = (await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body;
    expect(after.timeline).toHaveLength(1);
    expect(after.status).toBe('open');
  });

  it('adds notes, and resolves with a message the citizen receives', async () => {
    const i = await open('Our friend is missing since the flood', '+33600000030');
    const note = await app.api<Incident>('POST', `/api/incidents/${i.id}/notes`, { text: 'Called the hospitals in the north' }, officer);
    expect(note.status).toBe(201);
    expect(note.body.timeline.at(-1)).toMatchObject({ type: 'note', actor: 'Omar Officer', channel: 'api' });
    expect((await app.api('POST', `/api/incidents/${i.id}/notes`, { text: '   ' }, officer)).status).toBe(400);
    await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'resolved', text: 'Found safe in a shelter' }, officer);
    const told = await app.expectMessage('+33600000030', /has been closed/);
    expect(told.text).toContain('Found safe in a shelter');
    await waitFor(async () => (await app.outbox(CELL_GROUP)).some((m) => m.text.includes(i.id)) || undefined);
  });

  it("does not make an API token's unrostered phone the assignee when it acknowledges", async () => {
    const outsider = (
      await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Hotline Desk', role: 'officer', phone: '+33699999999' })
    ).body.token;
    const i = await open('We need to leave the city, how?', '+33600000032');
    const acked = await app.api<Incident>('PATCH', `/api/incidents/${i.id}`, { status: 'acknowledged' }, outsider);
    expect(acked.status).toBe(200);
    expect(acked.body).toMatchObject({ status: 'acknowledged', assignee: null });
    // A rostered officer's token still takes what it acknowledges.
    const j = await open('We need to leave the city too', '+33600000033');
    expect((await app.api<Incident>('PATCH', `/api/incidents/${j.id}`, { status: 'acknowledged' }, officer)).body.assignee).toBe(
      '+15550000003',
    );
  });

  it('tells the citizen when a resolved report is reopened, and keeps a closed incident closed', async () => {
    const phone = '+33600000031';
    const i = await open('My mother cannot get her medicine', phone);
    await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'resolved', text: 'Pharmacy found' }, officer);
    await app.expectMessage(phone, /has been closed/);
    // The pharmacy was shut after all: the officer reopens. The citizen was told to write a new
    // report if they needed help; now they learn this one is open again.
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'in_progress' }, officer)).status).toBe(200);
    await app.expectMessage(phone, (m) => m.text.includes(i.id) && /reopened/.test(m.text));
    await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'resolved' }, officer);
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'closed' }, officer)).status).toBe(200);
    // Closed is final: no assignment (it would message an officer about a case nobody watches), no re-triage.
    for (const change of [{ assignee: '+15550000003' }, { severity: 'critical' }, { region: 'north' }]) {
      const refused = await app.api<{ error: { code: string; message: string } }>('PATCH', `/api/incidents/${i.id}`, change, officer);
      expect(refused.status, JSON.stringify(change)).toBe(409);
      expect(refused.body.error.message).toMatch(/is closed/);
    }
    // A note can still be added, for the record.
    expect((await app.api('POST', `/api/incidents/${i.id}/notes`, { text: 'Family called to thank us' }, officer)).status).toBe(201);
    const after = (await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body;
    expect(after).toMatchObject({ status: 'closed', severity: i.severity });
  });
});

describe('listing what is still being handled', () => {
  let own: TestApp;
  let token: string;
  beforeAll(async () => {
    own = await startTestApp('incidents-api-active');
    token = (await own.api<{ token: string }>('POST', '/api/tokens', { name: 'Omar Officer', role: 'officer', phone: '+15550000003' })).body
      .token;
  });
  afterAll(async () => own?.stop());

  const report = async (reporter: string, severity: string, ...moves: string[]) => {
    const i = (
      await own.api<Incident>('POST', '/api/incidents', { reporter, text: 'A question about visas for my family', severity }, token)
    ).body;
    for (const status of moves) expect((await own.api('PATCH', `/api/incidents/${i.id}`, { status }, token)).status).toBe(200);
    return i.id;
  };
  const ids = async (q: string) => {
    const res = await own.api<Page>('GET', `/api/incidents?${q}`, undefined, token);
    expect(res.status, q).toBe(200);
    return { ids: res.body.items.map((i) => i.id), next: res.body.nextCursor };
  };

  it('takes status=active (open, acknowledged, in progress) or several statuses and severities, newest first, page by page', async () => {
    const a = await report('+33600000101', 'critical');
    const b = await report('+33600000102', 'high', 'acknowledged');
    const c = await report('+33600000103', 'medium', 'acknowledged', 'in_progress');
    await report('+33600000104', 'critical', 'resolved');
    const e = await report('+33600000105', 'medium');
    const first = await ids('status=active&limit=2');
    expect(first.ids).toEqual([e, c]);
    const second = await ids(`status=active&limit=2&cursor=${first.next}`);
    expect(second).toEqual({ ids: [b, a], next: null });
    expect((await ids('status=active&severity=critical,high')).ids).toEqual([b, a]);
    expect((await ids('status=open,in_progress&timeline=false')).ids).toEqual([e, c, a]);
    expect((await ids('severity=critical,medium')).ids).toHaveLength(4);
    const bad = await own.api<{ error: { message: string } }>('GET', '/api/incidents?status=activ', undefined, token);
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('unknown "activ"; one of open, acknowledged, in_progress, resolved, closed, active');
  });

  it('opens a report at the severity the officer gives, raised only by words that are graver', async () => {
    const open = async (reporter: string, text: string, severity: string) =>
      (await own.api<Incident>('POST', '/api/incidents', { reporter, text, severity }, token)).body.severity;
    expect(await open('+33600000111', 'A question about visas for my family', 'low')).toBe('low');
    expect(await open('+33600000112', 'Trapped under the rubble of the hotel', 'low')).toBe('critical');
    expect(await open('+33600000113', 'Lost my passport in the crowd', 'high')).toBe('high');
  });
});

describe('PATCH with several fields', () => {
  type Err = { error: { code: string; message: string } };
  const get = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;

  it('changes nothing when one of the fields is refused (an illegal move, an unknown assignee)', async () => {
    const i = await open('Lost my passport at the airport', '+33600000040');
    await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'resolved' }, officer);
    const before = await get(i.id);
    const illegal = await app.api<Err>('PATCH', `/api/incidents/${i.id}`, { severity: 'critical', status: 'open' }, officer);
    expect(illegal.status).toBe(409);
    expect(illegal.body.error.code).toBe('illegal_transition');
    const unknown = await app.api<Err>('PATCH', `/api/incidents/${i.id}`, { severity: 'critical', assignee: '+15550009999' }, officer);
    expect(unknown.status).toBe(400);
    const after = await get(i.id);
    expect(after.severity).toBe(before.severity);
    expect(after.timeline).toEqual(before.timeline);
    const audit = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.subject === i.id).map((e) => e.type)).not.toContain('incident.retriaged');
  });

  it('applies a status change sent with the values the incident already has, and keeps the reason given', async () => {
    const i = await open('Lost my passport in the market', '+33600000041');
    const resolved = await app.api<Incident>(
      'PATCH',
      `/api/incidents/${i.id}`,
      { status: 'resolved', severity: i.severity, category: i.category, text: 'Emergency passport issued' },
      officer,
    );
    expect(resolved.status).toBe(200);
    expect(resolved.body.status).toBe('resolved');
    expect(resolved.body.timeline.at(-1)).toMatchObject({ type: 'status', text: 'Emergency passport issued' });
    await app.expectMessage('+33600000041', /Emergency passport issued/);
    const j = await open('Lost my papers on the bus', '+33600000042');
    const raised = await app.api<Incident>('PATCH', `/api/incidents/${j.id}`, { severity: 'high', text: 'Reporter is a minor' }, officer);
    expect(raised.status).toBe(200);
    expect(raised.body.timeline.at(-1)).toMatchObject({ type: 'severity', text: 'Reporter is a minor' });
  });

  it('puts on the record only what a retriage changed, not the values the incident already had', async () => {
    const i = await open('Lost my passport at the station', '+33600000046');
    const changed = await app.api<Incident>('PATCH', `/api/incidents/${i.id}`, { severity: i.severity, category: 'other' }, officer);
    expect(changed.status).toBe(200);
    const audit = await app.api<{ items: { type: string; subject?: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    const retriaged = audit.body.items.filter((e) => e.subject === i.id && e.type === 'incident.retriaged');
    expect(retriaged.map((e) => e.data)).toEqual([{ category: 'other' }]);
  });

  it('takes a region by its name or an alias, as the chat’s /region does, and lists the ids for one it does not know', async () => {
    const i = await open('Lost my passport at the bus station', '+33600000047');
    const byName = await app.api<Incident>('PATCH', `/api/incidents/${i.id}`, { region: 'Northern Province' }, officer);
    expect(byName.status).toBe(200);
    expect(byName.body.region).toBe('north');
    const byAlias = await app.api<Incident>('PATCH', `/api/incidents/${i.id}`, { region: 'damas' }, officer);
    expect(byAlias.body.region).toBe('capital');
    const unknown = await app.api<Err>('PATCH', `/api/incidents/${i.id}`, { region: 'Atlantis' }, officer);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('body.region: unknown region "Atlantis"; regions: north, capital, coast');
  });

  it('puts on the record whom an incident was taken from, by name', async () => {
    const i = await open('Lost my passport at the ferry port', '+33600000048');
    await app.api('PATCH', `/api/incidents/${i.id}`, { assignee: '+15550000001' }, officer);
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { assignee: '+15550000003' }, officer)).status).toBe(200);
    const audit = await app.api<{ items: { type: string; subject?: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    const assigned = audit.body.items.filter((e) => e.subject === i.id && e.type === 'incident.assigned').map((e) => e.data);
    expect(assigned).toEqual([
      { assignee: 'Ana Duty', previous: null },
      { assignee: 'Chloe Officer', previous: 'Ana Duty' },
    ]);
  });

  it('assigns once: the same assignee again is refused as unchanged and the officer is not messaged twice', async () => {
    const i = await open('Lost my passport at the hotel', '+33600000043');
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { assignee: '+15550000001' }, officer)).status).toBe(200);
    const again = await app.api<Err>('PATCH', `/api/incidents/${i.id}`, { assignee: '+15550000001' }, officer);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('unchanged');
    await app.expectMessage('+15550000001', new RegExp(`assigned you ${i.id}`));
    await new Promise((r) => setTimeout(r, 300));
    expect((await app.outbox('+15550000001')).filter((m) => m.text.includes(`assigned you ${i.id}`))).toHaveLength(1);
    expect((await get(i.id)).timeline.filter((t) => t.type === 'assigned')).toHaveLength(1);
  });

  it('refuses to give an incident to rostered staff who may not act on it (a viewer)', async () => {
    const i = await open('Lost my passport near the port', '+33600000044');
    const res = await app.api<Err>('PATCH', `/api/incidents/${i.id}`, { assignee: '+15550000004' }, officer);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Dev Viewer .*cannot act on incidents/);
    expect((await get(i.id)).assignee).toBeNull();
  });

  it('raises the severity an officer gives when a caller who already has an open incident phones again', async () => {
    const first = await open('Lost my passport at the station', '+33600000045');
    expect(first.severity).toBe('low');
    const again = await app.api<Incident>(
      'POST',
      '/api/incidents',
      { reporter: '+33600000045', text: 'Now he says men with guns are outside his door', severity: 'critical' },
      officer,
    );
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.id);
    expect(again.body.severity).toBe('critical');
    expect((await get(first.id)).timeline.map((t) => t.type)).toEqual(['reported', 'details', 'severity']);
  });
});

describe('a change made on the dashboard, as the cell group reads it', () => {
  const said = (id: string, what: RegExp) => app.expectMessage(CELL_GROUP, (m) => m.text.includes(id) && what.test(m.text));

  it('says an incident resolved straight from open was resolved, not acknowledged; taken and started is "acknowledged and in progress"', async () => {
    const i = await open('Lost my passport at the station', '+33600000060');
    expect((await app.api('PATCH', `/api/incidents/${i.id}`, { status: 'resolved', text: 'Found at the station' }, officer)).status).toBe(
      200,
    );
    const resolved = await said(i.id, /resolved \(Omar Officer, via the dashboard\/API\)/);
    expect(resolved.text).toBe(`✔️ ${i.id} resolved (Omar Officer, via the dashboard/API); the reporter has been told.`);
    const j = await open('My husband was detained at the border', '+33600000061');
    expect((await app.api('PATCH', `/api/incidents/${j.id}`, { status: 'in_progress' }, officer)).status).toBe(200);
    await said(j.id, /^👍 .* acknowledged and in progress \(Omar Officer, via the dashboard\/API\)/);
    await settle(app);
    const cell = (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`${i.id} acknowledged`));
    expect(cell).toEqual([]);
  });

  it('says a new category and region, so the card there is not taken for current', async () => {
    const i = await open('Lost my passport', '+33600000062');
    const res = await app.api('PATCH', `/api/incidents/${i.id}`, { category: 'arrest_detention', region: 'coast' }, officer);
    expect(res.status).toBe(200);
    const line = await said(i.id, /category is now/);
    expect(line.text).toBe(
      `${i.id} category is now arrest detention, region is now Coastal Province (Omar Officer, via the dashboard/API).`,
    );
  });

  it('refuses a reason with nothing visible in it, and takes an assignee written "1 555 000 0001"', async () => {
    const i = await open('Lost my passport on the bus', '+33600000063');
    for (const text of ['   ', '\u200B', '\u0000']) {
      const res = await app.api<{ error: { message: string } }>('PATCH', `/api/incidents/${i.id}`, { status: 'resolved', text }, officer);
      expect(res.status, JSON.stringify(text)).toBe(400);
      expect(res.body.error.message).toMatch(/the reason needs some visible text/);
    }
    expect((await app.api<Incident>('GET', `/api/incidents/${i.id}`)).body.status).toBe('open');
    const given = await app.api<Incident>('PATCH', `/api/incidents/${i.id}`, { assignee: '1 555 000 0001' }, officer);
    expect(given.status).toBe(200);
    expect(given.body.assignee).toBe('+15550000001');
  });
});
