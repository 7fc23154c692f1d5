import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import type { AlertView } from '../../src/broadcast/alerts.ts';
import type { Citizen } from '../../src/citizens/registry.ts';
import { seedCitizens } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** An alert as the cell group reads it: who it goes to, what it says, and that it went out. */
const phone = (n: number) => `+3361210${String(n).padStart(4, '0')}`;

const seed = (deps: CoreDeps, from: number, count: number, over: Partial<Citizen> = {}) => seedCitizens(deps, phone, from, count, over);

describe('alerts drafted and sent', () => {
  let app: TestApp;
  const alertOf = async (id: string) => (await app.api<AlertView>('GET', `/api/alerts/${id}`)).body;
  const tokenFor = async (name: string, role: string) =>
    (await app.api<{ token: string }>('POST', '/api/tokens', { name, role })).body.token;

  beforeAll(async () => {
    app = await startTestApp('alert-drafts');
  });
  afterAll(async () => app.stop());

  it('takes a region named in several words ("Capital District"), or several regions, and sends only the words after them', async () => {
    await seed(app.deps, 300, 30, { region: 'capital' });
    await seed(app.deps, 630, 2, { region: 'coast' });
    await app.say(STAFF.duty, '/alert Capital District Stay indoors tonight.', { group: CELL_GROUP });
    const draft = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'alert-draft' && m.text.includes('Stay indoors tonight'));
    // The second officer reads here the words they approve.
    expect(draft.text).toMatch(/Waiting for a second officer: \/approve ALR-\d+\.[\s\S]*It says:\n“Stay indoors tonight\.”$/);
    const id = /ALR-\d+/.exec(draft.text)?.[0] as string;
    await app.say(STAFF.admin, `/approve ${id}`, { group: CELL_GROUP });
    const got = await app.expectMessage(phone(300), (m) => m.kind === 'alert');
    expect(got.text).toContain('\n\nStay indoors tonight.\n\n');
    expect(got.text).not.toMatch(/District/);
    const view = await alertOf(id);
    expect(view.audience.regions).toEqual(['capital']);

    await app.say(STAFF.duty, '/alert Capital District, coast: Roads to the airport are closed.', { group: CELL_GROUP });
    const both = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'alert-draft' && m.text.includes('Roads to the airport'));
    const second = /ALR-\d+/.exec(both.text)?.[0] as string;
    expect((await alertOf(second)).audience.regions).toEqual(['capital', 'coast']);
    expect(both.text).toContain('“Roads to the airport are closed.”');
    await app.api('POST', `/api/alerts/${second}/cancel`);
    await app.say(STAFF.duty, '/alert north, Hello', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /Unknown region "Hello"/);
  });

  it('tells the cell group of an alert sent or approved from the API, as of one cancelled there', async () => {
    await seed(app.deps, 640, 1, { region: 'coast' });
    const sent = await app.api<{ id: string; status: string }>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { en: 'Ferry services suspended.' },
    });
    expect(sent.body.status).toBe('sending');
    const told = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`📣 Alert ${sent.body.id} sent by admin`));
    expect(told.text).toContain('“Ferry services suspended.”');

    await seed(app.deps, 650, 30, { region: 'north' });
    const big = await app.api<{ id: string; status: string }>(
      'POST',
      '/api/alerts',
      { audience: { regions: ['north'] }, text: { en: 'Curfew from 18:00.' } },
      await tokenFor('Omar', 'officer'),
    );
    expect(big.body.status).toBe('pending_approval');
    await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`Alert ${big.body.id} drafted by Omar`));
    expect((await app.api('POST', `/api/alerts/${big.body.id}/approve`)).status).toBe(200);
    const approved = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✅ Alert ${big.body.id} approved by admin`));
    expect(approved.text).toMatch(/sending to \d+ recipient\(s\)/);
  });
});
