import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertView } from '../../src/broadcast/alerts.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

type Page<T> = { items: T[]; nextCursor: string | null };

// GET /api/alerts and GET /api/welfare-checks: the dashboard's approval queue and welfare list.
describe('lists of alerts and welfare checks', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('broadcast-lists', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 1 } } });
    await saveCitizens(
      app.deps,
      ['+33613000001', '+33613000002'].map((phone) => aCitizen({ phone })),
    );
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('lists alerts newest first, page by page, with their author and counts', async () => {
    const ids: string[] = [];
    for (const text of ['First', 'Second', 'Third']) {
      const created = await app.api<{ id: string; status: string }>('POST', '/api/alerts', { audience: { all: true }, text: { en: text } });
      expect(created.body.status).toBe('pending_approval');
      ids.push(created.body.id);
    }
    const first = await app.api<Page<AlertView>>('GET', '/api/alerts?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    // Nothing is queued before the approval (queued counted the whole audience as if it were going out).
    expect(first.body.items[0]).toMatchObject({ status: 'pending_approval', author: 'admin', counts: { total: 2, queued: 0 } });
    const rest = await app.api<Page<AlertView>>('GET', `/api/alerts?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
  });

  it('lists welfare checks with their tallies', async () => {
    const created = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['north'] } });
    expect(created.status).toBe(201);
    await settle(app);
    const list = await app.api<Page<WelfareView>>('GET', '/api/welfare-checks');
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.items).toEqual([
      expect.objectContaining({ id: created.body.id, counts: expect.objectContaining({ total: 2, noAnswer: 2 }) }),
    ]);
  });

  it('refuses a malformed page query', async () => {
    for (const query of ['limit=0', 'limit=1000', 'cursor=abc']) {
      const res = await app.api<{ error: { code: string } }>('GET', `/api/alerts?${query}`);
      expect(res.status, query).toBe(400);
      expect((await app.api('GET', `/api/welfare-checks?${query}`)).status, query).toBe(400);
    }
  });
});
