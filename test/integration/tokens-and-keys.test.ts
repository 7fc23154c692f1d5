import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInRefusals } from '../../src/http/dashboard/session-routes.ts';
import { ADMIN_TOKEN, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('tokens-keys', { config: { cellGroups: [] } });
});
afterAll(async () => app.stop());

const mint = async (name: string, role: string) => (await app.api<{ token: string }>('POST', '/api/tokens', { name, role })).body.token;

describe('API tokens', () => {
  it('lists holders without secrets, and revokes every token of a person', async () => {
    const first = await mint('Vera Viewer', 'viewer');
    const second = await mint('Vera Viewer', 'viewer');
    const list = await app.api<{ items: { name: string; role: string; tokens: number }[] }>('GET', '/api/tokens');
    expect(list.body.items).toContainEqual({ name: 'Vera Viewer', role: 'viewer', tokens: 2 });
    expect(JSON.stringify(list.body)).not.toContain(first);
    expect((await app.api('GET', '/api/tokens', undefined, first)).status).toBe(403);
    expect((await app.api('DELETE', '/api/tokens/Vera%20Viewer', undefined, first)).status).toBe(403);
    const revoked = await app.api<{ revoked: number }>('DELETE', '/api/tokens/Vera%20Viewer');
    expect(revoked.body.revoked).toBe(2);
    expect((await app.api('GET', '/api/incidents', undefined, first)).status).toBe(401);
    expect((await app.api('GET', '/api/incidents', undefined, second)).status).toBe(401);
    expect((await app.api('DELETE', '/api/tokens/Nobody')).status).toBe(404);
    const audit = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items).toContainEqual(expect.objectContaining({ type: 'token.revoked', subject: 'Vera Viewer' }));
  });
});

describe('the list of token holders, paged while admins mint and revoke', () => {
  type Page = { items: { name: string }[]; nextCursor: string | null };
  const names = (p: Page) => p.items.map((t) => t.name);
  async function rest(cursor: string | null): Promise<string[]> {
    const seen: string[] = [];
    while (cursor) {
      const page = (await app.api<Page>('GET', `/api/tokens?limit=3&cursor=${cursor}`)).body;
      seen.push(...names(page));
      cursor = page.nextCursor;
    }
    return seen;
  }

  it('lists every holder once: a revoke between pages skips nobody, a mint sorting earlier repeats nobody', async () => {
    for (const name of ['Aaron A', 'Bella B', 'Carl C', 'Dina D', 'Ezra E', 'Fay F']) await mint(`${name} paged`, 'viewer');
    const listed = async () => names((await app.api<Page>('GET', '/api/tokens')).body);

    const first = (await app.api<Page>('GET', '/api/tokens?limit=3')).body;
    await app.api('DELETE', `/api/tokens/${encodeURIComponent(names(first)[0] as string)}`);
    const afterRevoke = [...names(first), ...(await rest(first.nextCursor))];
    expect((await listed()).filter((n) => !afterRevoke.includes(n))).toEqual([]);

    const again = (await app.api<Page>('GET', '/api/tokens?limit=3')).body;
    await mint('Aa Early paged', 'viewer');
    const afterMint = [...names(again), ...(await rest(again.nextCursor))];
    expect(afterMint.length).toBe(new Set(afterMint).size);
    expect((await listed()).filter((n) => !afterMint.includes(n))).toEqual(['Aa Early paged']);

    expect((await app.api('GET', '/api/tokens?cursor=not%20a%20cursor')).status).toBe(400);
    expect((await app.api('GET', '/api/tokens?limit=3&cursor=3')).status).toBe(400);
    expect((await app.api('GET', '/api/tokens?cursor=')).status).toBe(200);
  });
});

describe('a token whose role is below the route’s', () => {
  type Audit = { items: { type: string; actor: string; subject?: string; data: Record<string, unknown> }[] };

  it('is refused with 403, changes nothing, and the refusal is on the audit trail', async () => {
    const viewer = await mint('Vic Viewer', 'viewer');
    const officer = await mint('Olga Officer', 'officer');
    const opened = await app.api<{ id: string; status: string }>('POST', '/api/incidents', {
      text: 'phoned in: trapped',
      reporter: '+33612300077',
    });
    expect(opened.status).toBe(201);
    const id = opened.body.id;

    const resolve = await app.api<{ error: { code: string; message: string } }>(
      'PATCH',
      `/api/incidents/${id}`,
      { status: 'resolved' },
      viewer,
    );
    expect(resolve.status).toBe(403);
    expect(resolve.body.error).toEqual({ code: 'forbidden', message: 'this action needs the officer role' });
    expect((await app.api('POST', '/api/tokens', { name: 'Olga Officer', role: 'admin' }, officer)).status).toBe(403);
    expect((await app.api('GET', '/api/audit', undefined, officer)).status).toBe(403);
    expect((await app.api('GET', '/admin/queues', undefined, officer)).status).toBe(403);

    expect((await app.api<{ status: string }>('GET', `/api/incidents/${id}`, undefined, viewer)).body.status).toBe('open');
    expect(
      (await app.api<{ items: { name: string }[] }>('GET', '/api/tokens')).body.items.filter((h) => h.name === 'Olga Officer'),
    ).toEqual([expect.objectContaining({ role: 'officer', tokens: 1 })]);
    const audit = await app.api<Audit>('GET', '/api/audit?limit=1000');
    expect(
      audit.body.items
        .filter((e) => e.type === 'api.refused' && ['Vic Viewer', 'Olga Officer'].includes(e.actor))
        .map((e) => [e.actor, e.subject, e.data]),
    ).toEqual([
      ['Vic Viewer', `PATCH /api/incidents/${id}`, { reason: 'missing_role', role: 'viewer', needs: 'officer' }],
      ['Olga Officer', 'POST /api/tokens', { reason: 'missing_role', role: 'officer', needs: 'admin' }],
      ['Olga Officer', 'GET /api/audit', { reason: 'missing_role', role: 'officer', needs: 'duty_officer' }],
      ['Olga Officer', 'GET /admin/queues', { reason: 'missing_role', role: 'officer', needs: 'admin' }],
    ]);
  });
});

describe('token holder names', () => {
  type Holders = { items: { name: string; role: string; tokens: number }[] };

  it('are one person whatever their case or spacing: listed once, revoked together', async () => {
    const first = await mint('Rui Duty', 'duty_officer');
    const second = await app.api<{ token: string; name: string }>('POST', '/api/tokens', { name: '  rui DUTY ', role: 'duty_officer' });
    expect(second.status).toBe(201);
    expect(second.body.name).toBe('Rui Duty');
    expect((await app.api<{ name: string }>('GET', '/api/me', undefined, second.body.token)).body.name).toBe('Rui Duty');
    const list = await app.api<Holders>('GET', '/api/tokens');
    expect(list.body.items.filter((h) => h.name.toLowerCase().includes('rui'))).toEqual([
      { name: 'Rui Duty', role: 'duty_officer', tokens: 2 },
    ]);
    const revoked = await app.api<{ revoked: number }>('DELETE', `/api/tokens/${encodeURIComponent(' rui duty ')}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked).toBe(2);
    expect((await app.api('GET', '/api/incidents', undefined, first)).status).toBe(401);
    expect((await app.api('GET', '/api/incidents', undefined, second.body.token)).status).toBe(401);
  });

  it('are listed with the highest role they hold: a viewer given an admin token shows as admin', async () => {
    await mint('Mia Viewer', 'viewer');
    await mint('mia viewer', 'admin');
    await mint('Mia Viewer', 'officer');
    const list = await app.api<Holders>('GET', '/api/tokens');
    expect(list.body.items.filter((h) => h.name === 'Mia Viewer')).toEqual([{ name: 'Mia Viewer', role: 'admin', tokens: 3 }]);
  });

  it("refuses to mint a token under the bootstrap ADMIN_TOKEN holder's name", async () => {
    for (const name of ['admin', ' Admin ', 'BOOTSTRAP-ADMIN']) {
      const res = await app.api<{ error: { code: string; message: string } }>('POST', '/api/tokens', { name, role: 'viewer' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('reserved_name');
      expect(res.body.error.message).toContain('ADMIN_TOKEN');
    }
    expect((await app.api('GET', '/api/me', undefined, ADMIN_TOKEN)).status).toBe(200);
    const list = await app.api<Holders>('GET', '/api/tokens');
    expect(list.body.items.filter((h) => h.name === 'admin')).toEqual([{ name: 'admin', role: 'admin', tokens: 1 }]);
  });
});

describe('dashboard session cookie', () => {
  it('answers 401, not a server error, to a malformed cookie', async () => {
    const res = await fetch(`${app.url}/api/me`, { headers: { cookie: 'cc_session=%E0%A4%A' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
  });

  it('keeps a flood of wrong tokens from flooding the audit trail: refusals are counted, not written one by one', async () => {
    type Audit = { items: { type: string; actor: string; data: Record<string, unknown> }[] };
    const signIn = (token: string) =>
      fetch(`${app.url}/dashboard/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    for (let i = 0; i < 30; i++) expect((await signIn(`cc_guess_${i}_abcdefghijkl`)).status).toBe(401);
    const ok = await signIn(ADMIN_TOKEN);
    expect(ok.status).toBe(200);
    const audit = await app.api<Audit>('GET', '/api/audit?limit=1000');
    const refusals = audit.body.items.filter((e) => e.type === 'dashboard.sign_in_refused');
    expect(refusals).toEqual([expect.objectContaining({ actor: 'unknown', data: { attempts: 1 } })]);
    expect(audit.body.items.filter((e) => e.type === 'dashboard.signed_in')).toHaveLength(1);
  });

  it('still records every refused sign-in, in one entry per window with their count', async () => {
    const appended: { type: string; data?: Record<string, unknown> }[] = [];
    const refused = signInRefusals(
      {
        append: async (e) => {
          appended.push(e);
        },
      },
      app.deps.log,
      20,
    );
    for (let i = 0; i < 5; i++) await refused();
    expect(appended).toEqual([{ type: 'dashboard.sign_in_refused', actor: 'unknown', data: { attempts: 1 } }]);
    await waitFor(async () => appended.length === 2);
    expect(appended[1]).toEqual({ type: 'dashboard.sign_in_refused', actor: 'unknown', data: { attempts: 4 } });
  });
});

describe('Idempotency-Key', () => {
  it('belongs to its caller: two officers using the same key create two alerts, one officer retrying gets one', async () => {
    const ana = await mint('Ana Duty', 'duty_officer');
    const ben = await mint('Ben Consul', 'duty_officer');
    const post = async (token: string) => {
      const res = await fetch(`${app.url}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'shared-key-1' },
        body: JSON.stringify({ audience: { regions: ['north'] }, text: { en: 'Stay indoors.' } }),
      });
      expect(res.status).toBeLessThan(300);
      return ((await res.json()) as { id: string }).id;
    };
    const a1 = await post(ana);
    const a2 = await post(ana);
    const b1 = await post(ben);
    expect(a2).toBe(a1);
    expect(b1).not.toBe(a1);
  });

  it('tells apart two playbook-run keys that share their first 100 characters', async () => {
    // Each key its own magnitude: the same run twice at once is refused (run_active) whatever the key.
    const start = async (key: string) => {
      const res = await fetch(`${app.url}/api/playbooks/earthquake/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ params: { region: 'north', magnitude: key.slice(-1) }, exercise: true }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const stem = `drill-${'x'.repeat(100)}`;
    const first = await start(`${stem}-a`);
    expect(await start(`${stem}-a`)).toBe(first);
    expect(await start(`${stem}-b`)).not.toBe(first);
  });

  it('refuses the same key with a different request (422) instead of answering with the first alert', async () => {
    const cleo = await mint('Cleo Consul', 'duty_officer');
    const post = async (key: string, body: unknown) => {
      const res = await fetch(`${app.url}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cleo}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { id?: string; error?: { code: string; message: string } } };
    };
    const stay = { audience: { regions: ['north'] }, text: { en: 'Stay indoors.' } };
    const clear = { audience: { regions: ['north'] }, text: { en: 'All clear: you may go out.' } };
    const first = await post('cleo-1', stay);
    expect(first.status).toBe(201);
    const other = await post('cleo-1', clear);
    expect(other.status).toBe(422);
    expect(other.body.error?.code).toBe('idempotency_key_reused');
    expect((await post('cleo-1', stay)).body.id).toBe(first.body.id);
    const alerts = await app.api<{ items: { id: string; author?: unknown }[] }>('GET', '/api/alerts?limit=100');
    const texts = JSON.stringify(alerts.body.items);
    expect(texts).not.toContain('All clear');
  });

  it('refuses a key too long to keep instead of ignoring it (a retry would send the alert twice)', async () => {
    const dora = await mint('Dora Duty', 'duty_officer');
    const body = JSON.stringify({ audience: { regions: ['north'] }, text: { en: 'Curfew at 8pm.' } });
    const res = await fetch(`${app.url}/api/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${dora}`, 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(201) },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_idempotency_key');
  });

  it('frees a key whose request was refused as bad input, so the corrected request can use it', async () => {
    const eli = await mint('Eli Officer', 'duty_officer');
    const post = async (body: unknown) =>
      fetch(`${app.url}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${eli}`, 'content-type': 'application/json', 'idempotency-key': 'eli-1' },
        body: JSON.stringify(body),
      });
    expect((await post({ audience: { regions: ['nowhere'] }, text: { en: 'Stay indoors.' } })).status).toBe(400);
    expect((await post({ audience: { regions: ['north'] }, text: { en: 'Stay indoors.' } })).status).toBe(201);
  });
});
