import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentStore } from '../../src/app/incidents/shared.ts';
import type { Incident } from '../../src/domain/incident.ts';
import { SCAN_ORDER_MARGIN_MS } from '../../src/store/incident-store.ts';
import type { RedisKeys } from '../../src/store/keys.ts';
import { parseCsv } from '../fakes/csv.ts';
import { ADMIN_TOKEN, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

let app: TestApp;
let viewer: string;
let officer: string;
type ApiError = { error: { code: string; message: string } };
type AuditItems = { items: { type: string; actor: string; data?: Record<string, unknown> }[] };

beforeAll(async () => {
  app = await startTestApp('incident-export', { config: { digest: { maxCardsPerWindow: 1000, window: '1m' } } });
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

/** GET the export as a browser or a script would, raw bytes and all. */
async function download(query: string, token = officer, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/incidents/export?${query}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
}

/** The CSV as records keyed by the header, after checking the BOM. */
async function csv(query: string): Promise<Record<string, string>[]> {
  const { res, bytes, text } = await download(`format=csv&${query}`);
  expect(res.status, text).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="incidents-\d{4}-\d{2}-\d{2}T\d{4}Z\.csv"$/);
  expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const [header, ...rows] = parseCsv(text.slice(1));
  return rows.map((r) => Object.fromEntries((header as string[]).map((h, i) => [h, r[i] as string])));
}

const ids = (rows: Record<string, string>[]) => rows.map((r) => r.id);

describe('incident export', () => {
  let trapped: Incident;
  let arabic: Incident;
  let formula: Incident;
  let quoted: Incident;

  beforeAll(async () => {
    trapped = await open('Trapped in the rubble of the hotel', '+33600000001', { region: 'north', severity: 'critical' });
    arabic = await open('محاصرون في الطابق الثالث، نحتاج إلى مساعدة', '+33600000002', {
      region: 'capital',
      category: 'trapped',
    });
    formula = await open('=HYPERLINK("http://evil.example/x","Click")', '+33600000003', { severity: 'high', category: 'other' });
    quoted = await open('Lost passport, "green" bag, at the airport; -5 °C', '+33600000004', {
      severity: 'medium',
      category: 'lost_documents',
      region: 'coast',
    });
    expect([trapped, arabic, formula, quoted].map((i) => i.severity)).toEqual(['critical', 'critical', 'high', 'medium']);
    expect((await app.api('PATCH', `/api/incidents/${trapped.id}`, { status: 'acknowledged' }, officer)).status).toBe(200);
    expect((await app.api('POST', `/api/incidents/${trapped.id}/notes`, { text: 'Team sent' }, officer)).status).toBe(201);
  });

  it('gives a spreadsheet one row per incident, oldest first: Arabic intact, formulas defused, quotes and commas kept', async () => {
    const rows = await csv('');
    expect(ids(rows)).toEqual([trapped.id, arabic.id, formula.id, quoted.id]);
    const [t, a, f, q] = rows as Record<string, string>[];
    expect(Object.keys(t as object)).toEqual([
      'id',
      'status',
      'severity',
      'category',
      'region',
      'reporter',
      'assignee',
      'created at (UTC)',
      'acknowledged at (UTC)',
      'resolved at (UTC)',
      'seconds to acknowledge',
      'summary',
      'timeline entries',
    ]);
    const acked = (await app.api<Incident>('GET', `/api/incidents/${trapped.id}`)).body;
    expect(t).toMatchObject({
      status: 'acknowledged',
      severity: 'critical',
      category: 'trapped',
      region: 'Northern Province',
      // A phone keeps its + as text in a spreadsheet (which would read it as a number).
      reporter: "'+33600000001",
      assignee: 'Chloe Officer',
      'created at (UTC)': acked.createdAt,
      'acknowledged at (UTC)': acked.acknowledgedAt,
      'resolved at (UTC)': '',
      'seconds to acknowledge': String(Math.round((Date.parse(acked.acknowledgedAt as string) - Date.parse(acked.createdAt)) / 1000)),
      summary: 'Trapped in the rubble of the hotel',
      'timeline entries': String(acked.timeline.length),
    });
    expect(Number(t?.['timeline entries'])).toBeGreaterThanOrEqual(3);
    expect(t?.['created at (UTC)']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(a).toMatchObject({ region: 'Capital District', summary: 'محاصرون في الطابق الثالث، نحتاج إلى مساعدة', assignee: '' });
    expect(f?.summary).toBe('\'=HYPERLINK("http://evil.example/x","Click")');
    expect(f?.region).toBe('');
    expect(q?.summary).toBe('Lost passport, "green" bag, at the airport; -5 °C');
  });

  it('applies the filters: status (active, several), severity, category, region, from and to', async () => {
    expect(ids(await csv('status=acknowledged'))).toEqual([trapped.id]);
    expect(ids(await csv('status=open'))).toEqual([arabic.id, formula.id, quoted.id]);
    expect(ids(await csv('status=active&severity=high,medium'))).toEqual([formula.id, quoted.id]);
    expect(ids(await csv('status=open&severity=critical'))).toEqual([arabic.id]);
    expect(ids(await csv('status=acknowledged,open&severity=critical'))).toEqual([trapped.id, arabic.id]);
    expect(ids(await csv('status=resolved'))).toEqual([]);
    expect(ids(await csv('category=trapped'))).toEqual([trapped.id, arabic.id]);
    expect(ids(await csv('region=coast,capital'))).toEqual([arabic.id, quoted.id]);
    expect(ids(await csv('severity=critical&category=trapped&region=capital'))).toEqual([arabic.id]);
    // from is included, to is not.
    expect(ids(await csv(`from=${arabic.createdAt}&region=capital`))).toEqual([arabic.id]);
    expect(ids(await csv(`to=${arabic.createdAt}&region=capital`))).toEqual([]);
    const day = arabic.createdAt.slice(0, 10);
    const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
    expect(ids(await csv(`from=${day}&to=${next}`))).toHaveLength(4);
    expect(ids(await csv(`from=${next}`))).toEqual([]);
    // The same instant written in another zone.
    const plus3 = new Date(Date.parse(arabic.createdAt) + 3 * 3600_000).toISOString().replace('Z', '+03:00');
    expect(ids(await csv(`from=${encodeURIComponent(plus3)}&region=capital`))).toEqual([arabic.id]);
  });

  it('gives JSON: the incidents with their timelines, the filters and the count', async () => {
    const { res, text } = await download('format=json&severity=critical');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = JSON.parse(text) as { filters: Record<string, unknown>; items: Incident[]; count: number; exportedAt: string };
    expect(body.filters).toEqual({ severity: ['critical'] });
    expect(body.count).toBe(2);
    expect(body.items.map((i) => i.id)).toEqual([trapped.id, arabic.id]);
    expect(body.items[0]).toEqual((await app.api<Incident>('GET', `/api/incidents/${trapped.id}`)).body);
    expect(body.items[0]?.timeline.map((e) => e.type)).toEqual(expect.arrayContaining(['reported', 'status', 'note']));
    expect(body.items[1]?.summary).toBe('محاصرون في الطابق الثالث، نحتاج إلى مساعدة');
    const none = JSON.parse((await download('format=json&status=closed')).text);
    expect(none).toMatchObject({ items: [], count: 0 });
  });

  it('refuses bad filters with a 400 naming the fault, before anything is sent', async () => {
    const cases: [string, RegExp][] = [
      ['format=xlsx', /^query\.format: /],
      ['status=pending', /^query\.status: unknown "pending"; one of open, acknowledged, in_progress, resolved, closed, active/],
      ['status=open,', /^query\.status: unknown ""/],
      ['severity=urgent', /^query\.severity: unknown "urgent"/],
      ['category=fire', /^query\.category: unknown "fire"/],
      ['region=mars', /^query\.region: unknown region "mars"; configured: north, capital, coast$/],
      ['from=yesterday', /^query\.from: must be a day like 2026-11-27 or a time with its zone/],
      ['to=2026-02-30', /^query\.to: must be a day/],
      ['from=2026-11-27T10:00:00', /^query\.from: must be a day/],
      ['from=2026-11-28&to=2026-11-27', /^query\.to: must be later than from/],
      ['from=2026-11-27&to=2026-11-27', /^query\.to: must be later than from/],
      ['limit=10', /^query: unknown parameter "limit"/],
    ];
    for (const [query, message] of cases) {
      const { res, text } = await download(query);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^application\/json/);
      const body = JSON.parse(text) as ApiError;
      expect(body.error.code, query).toBe('invalid_request');
      expect(body.error.message, query).toMatch(message);
    }
    // Empty parameters are ones not given, as in every list.
    expect((await download('format=&status=')).res.status).toBe(200);
  });

  it('is for officers up (a viewer reads reporters a page at a time, not in bulk); the session cookie only from the dashboard itself', async () => {
    expect((await fetch(`${app.url}/api/incidents/export`)).status).toBe(401);
    const refused = await download('format=csv', viewer);
    expect(refused.res.status).toBe(403);
    expect(refused.text).not.toContain(trapped.id);
    const cookie = { cookie: `cc_session=${encodeURIComponent(officer)}` };
    const noBearer = async (headers: Record<string, string>) =>
      fetch(`${app.url}/api/incidents/export`, { headers: { ...cookie, ...headers } });
    const fromDashboard = await noBearer({ 'sec-fetch-site': 'same-origin' });
    expect(fromDashboard.status).toBe(200);
    expect(await fromDashboard.text()).toContain(trapped.id);
    // A link on a page of a sibling subdomain (the same site: SameSite lets the cookie go) downloads nothing.
    const sibling = await noBearer({ 'sec-fetch-site': 'same-site' });
    expect(sibling.status).toBe(403);
    expect(((await sibling.json()) as ApiError).error.code).toBe('cross_site_request');
    const audit = await app.api<AuditItems>('GET', '/api/audit?limit=1000');
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ type: 'api.refused', actor: 'Omar Officer', data: expect.objectContaining({ reason: 'cross_site' }) }),
    );
  });

  it('audits every export: who, the format, the filters and how many incidents left, never a phone or words', async () => {
    await csv('status=open&region=capital,coast');
    const audit = await app.api<AuditItems>('GET', '/api/audit?limit=1000');
    const exports = audit.body.items.filter((e) => e.type === 'incidents.exported');
    expect(exports).toContainEqual(
      expect.objectContaining({
        actor: 'Omar Officer',
        data: { format: 'csv', filters: { status: ['open'], region: ['capital', 'coast'] }, rows: 2, complete: true },
      }),
    );
    // Recorded before the first byte too: an export the process died in is still on the record.
    const started = audit.body.items.filter((e) => e.type === 'incidents.export_started');
    expect(started).toContainEqual(
      expect.objectContaining({
        actor: 'Omar Officer',
        data: { format: 'csv', filters: { status: ['open'], region: ['capital', 'coast'] } },
      }),
    );
    expect(started.length).toBe(exports.length);
    // A HEAD request reads and hands over nothing: no export on the record.
    const head = await fetch(`${app.url}/api/incidents/export?format=csv`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${officer}` },
    });
    expect(head.status).toBe(200);
    const after = await app.api<AuditItems>('GET', '/api/audit?limit=1000');
    expect(after.body.items.filter((e) => e.type === 'incidents.exported')).toHaveLength(exports.length);
    expect(after.body.items.filter((e) => e.type === 'incidents.export_started')).toHaveLength(started.length);
    const all = JSON.stringify(exports);
    expect(all).not.toMatch(/\+336|33600000|Trapped|HYPERLINK/);
  });

  it('shows a reporter who erased their data as erased, their words gone', async () => {
    const citizen = '+33600000099';
    await app.say(citizen, 'My brother is missing since the earthquake');
    const id = /INC-\d{4}/.exec((await app.expectMessage(citizen, /INC-\d{4}/)).text)?.[0] as string;
    const before = (await csv('')).find((r) => r.id === id);
    expect(before).toMatchObject({ reporter: `'${citizen}`, summary: 'My brother is missing since the earthquake' });
    await app.say(citizen, 'DELETE');
    await app.expectMessage(citizen, /has been erased/);
    await settle(app);
    const row = (await csv('')).find((r) => r.id === id);
    expect(row).toMatchObject({ reporter: '[erased]', summary: '[erased]' });
    const json = JSON.parse((await download('format=json')).text) as { items: Incident[] };
    const item = json.items.find((i) => i.id === id);
    expect(item).toMatchObject({ reporter: null, summary: '[erased]' });
    const everything = (await download('format=json', ADMIN_TOKEN)).text + (await download('format=csv', ADMIN_TOKEN)).text;
    expect(everything).not.toContain('33600000099');
    expect(everything).not.toContain('brother is missing');
  });
});

const SEED_START = Date.parse('2026-11-01T00:00:00Z');

/**
 * Writes `n` incidents straight into Redis as intake stores them (an export's paging, without n API
 * calls): one a minute from 1 November, or at `createdAt(seq)`.
 */
async function seedIncidents(target: TestApp, n: number, createdAt = (seq: number) => SEED_START + seq * 60_000): Promise<void> {
  const keys = target.deps.keys as RedisKeys;
  for (let from = 1; from <= n; from += 1000) {
    const multi = target.deps.redis.multi();
    for (let seq = from; seq < Math.min(from + 1000, n + 1); seq++) {
      const id = `INC-${String(seq).padStart(4, '0')}`;
      const status = seq % 3 === 0 ? 'resolved' : 'open';
      const severity = seq % 2 === 0 ? 'high' : 'medium';
      const at = new Date(createdAt(seq)).toISOString();
      multi.hset(keys.incident(id), {
        id,
        seq,
        status,
        severity,
        category: 'other',
        region: 'north',
        reporter: `+3360${String(seq).padStart(7, '0')}`,
        language: 'en',
        summary: `Report number ${seq}`,
        channel: 'api',
        createdAt: at,
        updatedAt: at,
        escalationLevel: 0,
        links: '{}',
      });
      multi.rpush(keys.incidentTimeline(id), JSON.stringify({ at, actor: 'reporter', channel: 'api', type: 'reported' }));
      multi.zadd(keys.incidentsAll, seq, id);
      multi.zadd(keys.incidentsByStatus(status), seq, id);
      multi.zadd(keys.incidentsBySeverity(severity), seq, id);
      multi.zadd(keys.incidentsByStatusSeverity(status, severity), seq, id);
    }
    await multi.exec();
  }
  await target.deps.redis.set(keys.incidentSeq, n);
}

describe('an export larger than one read from Redis', () => {
  let big: TestApp;
  beforeAll(async () => {
    big = await startTestApp('incident-export-big');
    await seedIncidents(big, 1234);
  });
  afterAll(async () => big.stop());

  it('gives every incident once, in order, across the batches it is read in', async () => {
    const res = await fetch(`${big.url}/api/incidents/export?format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const rows = parseCsv((await res.text()).replace(/^\uFEFF/, '')).slice(1);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 1234 }, (_, i) => `INC-${String(i + 1).padStart(4, '0')}`));
    const json = await fetch(`${big.url}/api/incidents/export?format=json&status=open&severity=high`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const body = (await json.json()) as { items: Incident[]; count: number };
    const expected = Array.from({ length: 1234 }, (_, i) => i + 1).filter((s) => s % 3 !== 0 && s % 2 === 0);
    expect(body.count).toBe(expected.length);
    expect(body.items.map((i) => i.seq)).toEqual(expected);
    expect(body.items[0]?.timeline).toHaveLength(1);
  });

  it('fails the download, never ends it cleanly, when Redis fails midway; audited as incomplete', async () => {
    const store = incidentStore(big.deps);
    const scan = store.scan.bind(store);
    store.scan = async function* (q) {
      const batches = scan(q);
      yield (await batches.next()).value ?? [];
      throw new Error('Redis went away');
    };
    try {
      const res = await fetch(`${big.url}/api/incidents/export?format=csv`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
    } finally {
      store.scan = scan;
    }
    const audit = await big.api<AuditItems>('GET', '/api/audit?limit=1000');
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ type: 'incidents.exported', data: { format: 'csv', filters: {}, rows: 500, complete: false } }),
    );
  });
});

describe('an export of a time window', () => {
  let app3: TestApp;
  const n = 3000;
  // One incident a minute, each up to 2m20s early or late: numbered in one order, created (by the
  // clocks of several workers) a little out of it, within the margin the bounded scan allows for.
  const jitter = (seq: number) => (((seq * 37) % 5) - 2) * 70_000;
  const createdAt = (seq: number) => SEED_START + seq * 60_000 + jitter(seq);
  let everything: Record<string, string>[];
  beforeAll(async () => {
    app3 = await startTestApp('incident-export-window');
    await seedIncidents(app3, n, createdAt);
    expect(Math.max(...Array.from({ length: n - 1 }, (_, i) => createdAt(i + 1) - createdAt(i + 2)))).toBeLessThan(SCAN_ORDER_MARGIN_MS);
    everything = await rowsOf('');
    expect(everything).toHaveLength(n);
  });
  afterAll(async () => app3.stop());

  async function rowsOf(query: string): Promise<Record<string, string>[]> {
    const res = await fetch(`${app3.url}/api/incidents/export?format=csv&${query}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const [header, ...rows] = parseCsv((await res.text()).replace(/^\uFEFF/, ''));
    return rows.map((r) => Object.fromEntries((header as string[]).map((h, i) => [h, r[i] as string])));
  }

  /** The rows of the whole export whose creation time is in [from, to): what the window must give. */
  const within = (from: number, to: number, rows = everything) =>
    rows.filter((r) => Date.parse(r['created at (UTC)'] as string) >= from && Date.parse(r['created at (UTC)'] as string) < to);

  it('gives the same rows as the whole export filtered by creation time, incidents created out of order included', async () => {
    const iso = (t: number) => new Date(t).toISOString();
    const hour = 3600_000;
    const windows: [number, number][] = [
      [SEED_START + 13 * hour, SEED_START + 14 * hour],
      [SEED_START + 24 * hour + 7 * 60_000 + 500, SEED_START + 25 * hour + 3 * 60_000],
      [SEED_START, SEED_START + hour],
      [SEED_START + 49 * hour, SEED_START + 51 * hour],
      [SEED_START - 2 * hour, SEED_START - hour],
      [SEED_START + 60 * hour, SEED_START + 61 * hour],
    ];
    for (const [from, to] of windows) {
      const expected = within(from, to);
      const rows = await rowsOf(`from=${iso(from)}&to=${iso(to)}`);
      expect(ids(rows), `${iso(from)}..${iso(to)}`).toEqual(ids(expected));
      expect(rows).toEqual(expected);
    }
    // The hour holds incidents numbered before one created before it, or after one created after it.
    const [from, to] = windows[0] as [number, number];
    const seqs = ids(within(from, to)).map((id) => Number((id as string).slice(4)));
    expect(Array.from({ length: n }, (_, i) => i + 1).filter((s) => createdAt(s) >= from && createdAt(s) < to)).toEqual(seqs);
    expect(seqs.some((s) => createdAt(s + 1) < from)).toBe(true);
    expect(seqs.some((s) => createdAt(s - 1) >= to)).toBe(true);
    // Only from, only to, a day, with a status, in JSON.
    expect(ids(await rowsOf(`from=${iso(SEED_START + 40 * hour)}`))).toEqual(ids(within(SEED_START + 40 * hour, Infinity)));
    expect(ids(await rowsOf(`to=${iso(SEED_START + 3 * hour)}`))).toEqual(ids(within(-Infinity, SEED_START + 3 * hour)));
    expect(ids(await rowsOf('from=2026-11-02&to=2026-11-03'))).toEqual(ids(within(Date.parse('2026-11-02'), Date.parse('2026-11-03'))));
    const open = everything.filter((r) => r.status === 'open');
    expect(ids(await rowsOf(`status=open&from=${iso(from)}&to=${iso(to)}`))).toEqual(ids(within(from, to, open)));
    const json = await fetch(`${app3.url}/api/incidents/export?format=json&from=${iso(from)}&to=${iso(to)}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(((await json.json()) as { items: Incident[] }).items.map((i) => i.id)).toEqual(ids(within(from, to)));
  });

  it('reads the incidents of the window and a few minutes around it, not every incident', async () => {
    const store = incidentStore(app3.deps);
    const scan = store.scan.bind(store);
    let read = 0;
    store.scan = async function* (q) {
      for await (const batch of scan(q)) {
        read += batch.length;
        yield batch;
      }
    };
    try {
      const from = SEED_START + 13 * 3600_000;
      const rows = await rowsOf(`from=${new Date(from).toISOString()}&to=${new Date(from + 3600_000).toISOString()}`);
      expect(rows).toHaveLength(within(from, from + 3600_000).length);
      // The hour's 60 and at most the margin's minutes (and the out-of-order ones) on each side.
      expect(read).toBeGreaterThanOrEqual(rows.length);
      expect(read).toBeLessThanOrEqual(rows.length + 2 * (SCAN_ORDER_MARGIN_MS / 60_000 + 5));
    } finally {
      store.scan = scan;
    }
  });
});
