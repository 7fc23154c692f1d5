import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * The lists of the Admin API, paged as an external client pages them: `{items, nextCursor}`, the
 * nextCursor passed back as `cursor=` until it is null, every item once.
 */
type Page = { items: { id: string }[]; nextCursor: string | null };
type ApiError = { error: { code: string; message: string } };

/** Every id of a list, page by page through its nextCursor. */
async function pageThrough(app: TestApp, path: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await app.api<Page | ApiError>('GET', `${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const page = res.body as Page;
    ids.push(...page.items.map((i) => i.id));
    cursor = page.nextCursor;
    if (!cursor) return ids;
  }
  throw new Error(`${path}: more than 50 pages`);
}

describe('GET /api/runs', () => {
  let app: TestApp;
  beforeAll(async () => {
    // A clock that stays on one minute: runs started together share their start time, as runs
    // started in the same millisecond do.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    app = await startTestApp('contract-runs', { options: { now: () => minute } });
  });
  afterAll(async () => app.stop());

  it('pages every run once through nextCursor, runs started at the same moment included', async () => {
    const started: string[] = [];
    for (let i = 0; i < 5; i++) {
      // Each with its own parameters: the same run twice at once is refused (run_active).
      const res = await app.api<{ id: string }>('POST', '/api/playbooks/earthquake/runs', {
        params: { region: 'north', magnitude: `${5 + i / 10}` },
        exercise: true,
      });
      expect(res.status).toBe(201);
      started.push(res.body.id);
    }
    const all = await pageThrough(app, '/api/runs', 200);
    expect([...all].sort()).toEqual([...started].sort());
    for (const limit of [1, 2, 4]) expect(await pageThrough(app, '/api/runs', limit), `limit=${limit}`).toEqual(all);
  });

  it('finds a run by its id as staff type it (RUN-1, run-0001)', async () => {
    const id = (await app.api<Page>('GET', '/api/runs?limit=1')).body.items[0]?.id as string;
    for (const typed of [`RUN-${Number(id.slice(4))}`, id.toLowerCase()]) {
      const res = await app.api<{ id: string }>('GET', `/api/runs/${typed}`);
      expect(res.status, typed).toBe(200);
      expect(res.body.id).toBe(id);
    }
  });

  it('refuses a cursor that is no nextCursor with a 400 naming it', async () => {
    for (const cursor of ['abc', 'RUN-9999']) {
      const res = await app.api<ApiError>('GET', `/api/runs?cursor=${cursor}`);
      expect(res.status, cursor).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('cursor') });
    }
  });
});

describe('GET /api/alerts and GET /api/welfare-checks', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('contract-broadcasts');
  });
  afterAll(async () => app.stop());

  for (const [path, body] of [
    ['/api/alerts', { audience: { regions: ['north'] }, text: { en: 'Stay indoors' } }],
    ['/api/welfare-checks', { audience: { regions: ['north'] } }],
  ] as const) {
    it(`${path}: lists each item once while new ones are created between pages`, async () => {
      const create = async () => {
        const res = await app.api<{ id: string }>('POST', path, body);
        expect(res.status).toBe(201);
        return res.body.id;
      };
      const older = [await create(), await create(), await create()];
      const first = await app.api<Page>('GET', `${path}?limit=2`);
      expect(first.body.items.map((i) => i.id)).toEqual([older[2], older[1]]);
      const newer = await create(); // at the top: the next page must not shift onto what was seen
      const second = await app.api<Page>('GET', `${path}?limit=2&cursor=${first.body.nextCursor}`);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: older[0] })], nextCursor: null });
      expect(await pageThrough(app, path, 1)).toEqual([newer, ...[...older].reverse()]);
    });
  }

  it('finds an alert or a welfare check by its id as staff type it (alr-7), as GET /api/incidents/inc-7 and /api/runs/run-0007 do', async () => {
    const alert = (await app.api<Page>('GET', '/api/alerts?limit=1')).body.items[0]?.id as string;
    const check = (await app.api<Page>('GET', '/api/welfare-checks?limit=1')).body.items[0]?.id as string;
    for (const [path, id] of [
      ['/api/alerts', alert],
      ['/api/welfare-checks', check],
    ] as const) {
      const typed = `${id.slice(0, 3).toLowerCase()}-${Number(id.slice(4))}`;
      const res = await app.api<{ id: string }>('GET', `${path}/${typed}`);
      expect(res.status, `${path}/${typed}`).toBe(200);
      expect(res.body.id).toBe(id);
    }
  });

  it('refuses a cursor that names no item of the list', async () => {
    for (const [path, cursor] of [
      ['/api/alerts', 'ALR-9999'],
      ['/api/welfare-checks', 'ALR-0001'],
      ['/api/alerts', 'x'],
    ]) {
      const res = await app.api<ApiError>('GET', `${path}?cursor=${cursor}`);
      expect(res.status, `${path} ${cursor}`).toBe(400);
      expect(res.body.error.message).toMatch(/cursor/);
    }
  });
});

describe('every list', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('contract-every-list');
  });
  afterAll(async () => app.stop());

  it('answers {items, nextCursor}, the lists of the configuration included', async () => {
    const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    const paths = ['/api/regions', '/api/staff', '/api/tokens', '/api/rumours', '/api/runs', '/api/playbooks'];
    for (const path of [...paths, `/api/welfare-checks/${check.body.id}/follow-up`]) {
      const res = await app.api<Page>('GET', path);
      expect(res.status, path).toBe(200);
      expect(Array.isArray(res.body.items), path).toBe(true);
      expect(res.body, path).toHaveProperty('nextCursor');
    }
  });

  it('takes a parameter left empty, as the URL templates of DESIGN.md read (?status=&severity=&limit=&cursor=), as not given', async () => {
    for (const path of [
      '/api/incidents?status=&severity=&limit=&cursor=',
      '/api/audit?after=&limit=',
      '/api/alerts?cursor=&limit=',
      '/api/runs?cursor=',
      '/api/rumours?since=&kind=&sort=&limit=&cursor=',
      '/sim/messages?to=&after=',
    ]) {
      const res = await app.api<Page>('GET', path);
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(200);
      expect(Array.isArray(res.body.items), path).toBe(true);
    }
    const bad = await app.api<ApiError>('GET', '/api/incidents?status=&severity=bogus');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/severity/);
  });

  it('reads the audit trail from its start with after=0, as /sim/messages?after=0 reads the outbox', async () => {
    const fromStart = await app.api<Page>('GET', '/api/audit?limit=5');
    const afterZero = await app.api<Page>('GET', '/api/audit?after=0&limit=5');
    expect(afterZero.status, JSON.stringify(afterZero.body)).toBe(200);
    expect(afterZero.body.items.map((e) => e.id)).toEqual(fromStart.body.items.map((e) => e.id));
    expect(afterZero.body.items.length).toBeGreaterThan(0);
  });

  it('pages the lists of the configuration and the token holders by limit and cursor, and refuses a filter they do not have', async () => {
    for (const name of ['Paging One', 'Paging Two']) await app.api('POST', '/api/tokens', { name, role: 'viewer' });
    for (const [path, key] of [
      ['/api/regions', 'id'],
      ['/api/staff', 'phone'],
      ['/api/playbooks', 'id'],
      ['/api/tokens', 'name'],
    ] as const) {
      const all = (await app.api<{ items: Record<string, string>[] }>('GET', path)).body.items.map((i) => i[key]);
      expect(all.length, path).toBeGreaterThan(1);
      const paged: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: Record<string, string>[]; nextCursor: string | null } } = await app.api(
          'GET',
          `${path}?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(res.status, path).toBe(200);
        expect(res.body.items.length, path).toBe(1);
        paged.push(...res.body.items.map((i) => i[key] as string));
        cursor = res.body.nextCursor;
      } while (cursor && paged.length <= all.length);
      expect(paged, path).toEqual(all);
      const unknown = await app.api<ApiError>('GET', `${path}?region=north`);
      expect(unknown.status, path).toBe(400);
      expect(unknown.body.error.message, path).toMatch(/region/);
    }
  });

  it('refuses a filter the citizens summary and the incident counts do not have, rather than answer for everyone', async () => {
    for (const path of ['/api/citizens/summary?region=north', '/api/incidents/counts?region=north']) {
      const res = await app.api<ApiError>('GET', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('region') });
    }
    for (const path of ['/api/citizens/summary', '/api/incidents/counts']) expect((await app.api('GET', path)).status, path).toBe(200);
  });
});
