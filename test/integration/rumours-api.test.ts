import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rumour } from '../../src/citizens/rumour-list.ts';
import { REDIS_URL, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

interface Page {
  items: Rumour[];
  nextCursor: string | null;
  total: number;
}
interface Err {
  error: { code: string; message: string };
}

const HOUR = 3_600_000;
const phone = (n: number) => `+3361700${String(n).padStart(4, '0')}`;

const AIRPORT = 'URGENT!! The embassy says all citizens must go to the airport tonight at 22:00, evacuation flights. Share with everyone!';
const BORDER = 'Government announcement: the northern border crossing opens at dawn, bring your passport. Forward to all!';
const CURFEW = "Officiel : l'ambassade annonce un couvre-feu total dès 18h, personne ne doit sortir. Partagez !";

// What a duty officer reads from GET /api/rumours: what is going round, how far it spread, what it pretends to be.
describe('GET /api/rumours over HTTP, with real Redis and the simulator', () => {
  let app: TestApp;
  let skew = 0;
  let viewer: string;
  let alert: { id: string; code: string };
  let linked: string;
  const list = async (query = '', token?: string) => app.api<Page>('GET', `/api/rumours${query}`, undefined, token);
  const forward = async (from: string, text: string, id?: string) => {
    await app.say(from, text, { forwarded: true, ...(id ? { id } : {}) });
    await settle(app);
  };

  beforeAll(async () => {
    app = await startTestApp('rumours-api', { options: { now: () => Date.now() + skew } });
    viewer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer' })).body.token;
    const created = await app.api<{ id: string; code: string }>('POST', '/api/alerts', {
      audience: { all: true },
      text: { en: 'Stay indoors tonight.' },
    });
    alert = created.body;
  });
  afterAll(async () => app.stop());

  it('lists nothing before anyone forwarded a rumour', async () => {
    const res = await list('', viewer);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null, total: 0 });
  });

  it('lists each rumour once, most spread first, with how many citizens sent it, when, what it is and the reports it reached', async () => {
    // Three hours ago, one citizen forwarded the border rumour.
    skew = -3 * HOUR;
    await forward(phone(1), BORDER);
    skew = 0;
    // Three citizens forward the airport rumour; one of them twice (two messages): 3 citizens, 4 forwards.
    // A message WhatsApp delivers twice counts once.
    await forward(phone(2), AIRPORT, 'WA-AIR-2');
    await forward(phone(2), AIRPORT, 'WA-AIR-2');
    await forward(phone(3), AIRPORT);
    await forward(phone(4), AIRPORT);
    await forward(phone(4), `  ${AIRPORT.toLowerCase()} `);
    // A citizen with a report open forwards the curfew rumour: it joins their report.
    await app.say(phone(5), 'I lost my passport near the old market');
    await settle(app);
    await forward(phone(5), CURFEW);
    linked = (await app.api<{ items: { id: string; reporter: string }[] }>('GET', '/api/incidents')).body.items.find(
      (i) => i.reporter === phone(5),
    )?.id as string;
    // A copy of the genuine alert whose words were changed, forwarded by two citizens.
    const genuine = `OFFICIAL ALERT from the Embassy of Freedonia in Sylvania · ${alert.id}\n\nStay indoors tonight.\n\nVerification code: ${alert.code}. Send NEWS to check an alert is genuine.`;
    const altered = genuine.replace('Stay indoors tonight.', 'Go to the border crossing tonight, buses wait there.');
    await forward(phone(6), altered);
    await forward(phone(7), altered);
    // A forwarded alert the embassy never sent.
    await forward(phone(8), 'OFFICIAL ALERT · ALR-9999\n\nEveryone must leave the capital now.\n\nVerification code: ZZZZ.');

    const res = await list('', viewer);
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(5);
    expect(res.body.nextCursor).toBeNull();
    const items = res.body.items;
    expect(items.map((r) => [r.citizens, r.forwards])).toEqual([
      [3, 4],
      [2, 2],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
    const [airport, altered2] = items;
    expect(airport).toMatchObject({ text: AIRPORT, language: 'en', kind: 'claim', alert: null, incidents: [], incidentCount: 0 });
    expect(Date.parse(airport?.firstSeen as string)).toBeLessThanOrEqual(Date.parse(airport?.lastSeen as string));
    expect(Date.now() - Date.parse(airport?.lastSeen as string)).toBeLessThan(HOUR);
    expect(altered2).toMatchObject({ kind: 'altered_alert', alert: alert.id, incidents: [] });
    expect(altered2?.text).toMatch(/^OFFICIAL ALERT .* Go to the border crossing tonight, buses wait there\./);
    const curfew = items.find((r) => r.text === CURFEW);
    expect(curfew).toMatchObject({ kind: 'claim', language: 'fr', citizens: 1, incidents: [linked], incidentCount: 1 });
    expect(items.find((r) => r.text.includes('ALR-9999'))).toMatchObject({ kind: 'fake_alert', alert: 'ALR-9999' });
    const border = items.find((r) => r.text === BORDER);
    // It claims only the government: it may be genuine, and is no claim to be the embassy.
    expect(border?.kind).toBe('authorities_claim');
    expect(Date.now() - Date.parse(border?.lastSeen as string)).toBeGreaterThan(2 * HOUR);
    // Its words and its reach, never who sent it.
    for (let n = 1; n <= 8; n++) expect(JSON.stringify(res.body)).not.toContain(phone(n).slice(1));
  });

  it('filters by when a rumour was last sent and by kind, and sorts the latest first on request', async () => {
    const lastHour = (await list('?since=1h')).body;
    expect(lastHour.total).toBe(4);
    expect(lastHour.items.map((r) => r.text)).not.toContain(BORDER);
    expect((await list('?since=4h')).body.total).toBe(5);
    const isoHourAgo = new Date(Date.now() - HOUR).toISOString();
    expect((await list(`?since=${encodeURIComponent(isoHourAgo)}`)).body.total).toBe(4);
    expect((await list(`?since=${encodeURIComponent(new Date(Date.now() + HOUR).toISOString())}`)).body.items).toEqual([]);
    const altered = (await list('?kind=altered_alert')).body;
    expect(altered.items.map((r) => [r.kind, r.alert])).toEqual([['altered_alert', alert.id]]);
    const recent = (await list('?sort=recent')).body.items;
    expect(recent.at(0)?.text).toMatch(/ALR-9999/);
    expect(recent.at(-1)?.text).toBe(BORDER);
  });

  it('pages with nextCursor: every rumour once, in order, in either sort', async () => {
    for (const sort of ['spread', 'recent']) {
      const whole = (await list(`?sort=${sort}`)).body.items.map((r) => r.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = (await list(`?sort=${sort}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).body;
        expect(page.items.length).toBeLessThanOrEqual(2);
        expect(page.total).toBe(5);
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual(whole);
    }
  });

  it('tells live dashboards when a rumour is sent again', async () => {
    const sub = new Redis(REDIS_URL);
    const changes: { type: string; id: string }[] = [];
    sub.on('message', (_channel, raw: string) => changes.push(JSON.parse(raw)));
    await sub.subscribe(app.deps.keys.events);
    try {
      await forward(phone(9), AIRPORT);
      const airport = (await list()).body.items[0] as Rumour;
      expect(airport.citizens).toBe(4);
      await waitFor(async () => changes.some((c) => c.type === 'rumour.updated' && c.id === airport.id), 10_000, 'a rumour.updated event');
    } finally {
      await sub.quit();
    }
  });

  it('refuses a bad query with a 400 naming the parameter and what it must be', async () => {
    const bad: [string, RegExp][] = [
      ['?limit=0', /^query\.limit: must be a whole number from 1 to 200/],
      ['?limit=201', /^query\.limit: must be a whole number from 1 to 200/],
      ['?limit=ten', /^query\.limit: must be a whole number from 1 to 200/],
      ['?since=yesterday', /^query\.since: must be a time with its zone like 2026-11-27T22:00:00Z, or how far back from now like 30m/],
      ['?since=2026-11-27T22:00:00', /^query\.since: must be a time with its zone/],
      ['?sort=loudest', /^query\.sort:/],
      ['?kind=gossip', /^query\.kind:/],
      ['?cursor=page2', /^query\.cursor: must be the nextCursor of the previous page$/],
      [
        '?cursor=1764230400000.0123456789abcdef',
        /^query\.cursor: must be the nextCursor of the previous page with the same sort \(sort=spread here\)/,
      ],
      ['?sort=recent&cursor=4.5.1764230400000.0123456789abcdef', /^query\.cursor: .*sort=recent here/],
      ['?status=open', /^query: unknown parameter "status"/],
      ['?limit=5&limit=6', /^query\.limit:/],
    ];
    for (const [query, message] of bad) {
      const res = await app.api<Err>('GET', `/api/rumours${query}`, undefined, viewer);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code, query).toBe('invalid_request');
      expect(res.body.error.message, query).toMatch(message);
    }
    // Refused queries changed nothing.
    expect((await list()).body.total).toBe(5);
  });

  it('needs a valid token, like every other API route', async () => {
    const res = await fetch(`${app.url}/api/rumours`);
    expect(res.status).toBe(401);
    expect((await list('', 'not-a-token')).status).toBe(401);
  });

  it('is described in the OpenAPI document: the role it needs and every query parameter', async () => {
    const { body: doc } = await app.api<{ paths: Record<string, Record<string, Record<string, unknown>>> }>('GET', '/api/openapi.json');
    const op = doc.paths['/api/rumours']?.get as { 'x-required-role': string; parameters: { name: string; schema: { enum?: string[] } }[] };
    expect(op['x-required-role']).toBe('viewer');
    expect(op.parameters.map((p) => p.name)).toEqual(['since', 'kind', 'sort', 'limit', 'cursor']);
    expect(op.parameters.find((p) => p.name === 'kind')?.schema.enum).toEqual([
      'claim',
      'authorities_claim',
      'fake_alert',
      'altered_alert',
    ]);
  });

  it('gives a long chain message as an excerpt of 1,000 characters at most', async () => {
    const long = `The embassy says: ${'evacuation convoy details follow, '.repeat(60)}share!`;
    await forward(phone(10), long);
    const item = (await list('?sort=recent&limit=1')).body.items[0] as Rumour;
    expect(item.text.length).toBeLessThanOrEqual(1_001);
    expect(item.text).toMatch(/^The embassy says: evacuation convoy.*…$/);
  });
});
