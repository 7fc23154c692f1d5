import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '../../src/store/keys.ts';
import { type Principal, TokenStore } from '../../src/store/token-store.ts';
import { ADMIN_TOKEN, cleanPrefix, REDIS_URL, startTestApp, type TestApp, uniquePrefix } from '../fakes/test-app.ts';

type ErrorBody = { error: { code: string; message: string } };

describe('admin API skeleton', () => {
  let app: TestApp;
  let redis: Redis;
  beforeAll(async () => {
    app = await startTestApp('api');
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    await redis.quit();
    await app.stop();
  });

  /** Raw request, for cases the helper cannot express (no token, raw bodies). */
  const raw = (path: string, init: RequestInit = {}) => fetch(app.url + path, init);

  it('serves /healthz without a token and reports Redis and the transport on /readyz', async () => {
    const health = await raw('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await raw('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', redis: 'up', transport: { name: 'simulator', state: 'open' } });
  });

  it('refuses a request without a token or with a wrong one (401, error shape)', async () => {
    const none = await raw('/api/audit');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: 'missing bearer token' } });
    const wrong = await app.api<ErrorBody>('GET', '/api/audit', undefined, 'cc_not-a-real-token');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    const sim = await raw('/sim/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(sim.status).toBe(401);
  });

  it('lets an admin mint role tokens that work with their role, stored only as hashes', async () => {
    const minted = await app.api<{ token: string; role: string }>('POST', '/api/tokens', { name: 'Dev Viewer', role: 'viewer' });
    expect(minted.status).toBe(201);
    const viewer = minted.body.token;
    expect(viewer).toMatch(/^cc_/);
    // Minted by name alone, for a name on the roster: the token is that person's, phone included.
    expect((await app.api('GET', '/api/me', undefined, viewer)).body).toEqual({
      name: 'Dev Viewer',
      role: 'viewer',
      phone: '+15550000004',
    });
    // A viewer may not read the audit trail (duty officers and above) nor mint tokens.
    const audit = await app.api<ErrorBody>('GET', '/api/audit', undefined, viewer);
    expect(audit.status).toBe(403);
    expect(audit.body.error.code).toBe('forbidden');
    const mint = await app.api<ErrorBody>('POST', '/api/tokens', { name: 'Eve', role: 'admin' }, viewer);
    expect(mint.status).toBe(403);
    expect(mint.body.error).toEqual({ code: 'forbidden', message: 'this action needs the admin role' });

    const duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Ana Duty', role: 'duty_officer' })).body.token;
    expect((await app.api('GET', '/api/audit', undefined, duty)).status).toBe(200);

    const stored = await redis.hgetall(app.deps.keys.tokens);
    const dump = JSON.stringify(stored) + JSON.stringify(await redis.keys(`${app.prefix}:*`));
    for (const clear of [viewer, duty, ADMIN_TOKEN]) expect(dump).not.toContain(clear);
    expect(Object.keys(stored).every((k) => /^[0-9a-f]{64}$/.test(k))).toBe(true);

    const trail = await app.api<{ items: { type: string; actor: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    expect(trail.body.items).toContainEqual(expect.objectContaining({ type: 'token.created', actor: 'admin', subject: 'Dev Viewer' }));
  });

  it('names the configured regions for any signed-in role, and for nobody else', async () => {
    const viewer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Region Viewer', role: 'viewer' })).body.token;
    const regions = await app.api<{ items: { id: string; name: string }[] }>('GET', '/api/regions', undefined, viewer);
    expect(regions.status).toBe(200);
    expect(regions.body.items).toEqual([
      { id: 'north', name: 'Northern Province' },
      { id: 'capital', name: 'Capital District' },
      { id: 'coast', name: 'Coastal Province' },
    ]);
    expect((await raw('/api/regions')).status).toBe(401);
  });

  it('validates the token request: unknown role, bad phone, extra field', async () => {
    for (const body of [
      { name: 'X', role: 'boss' },
      { name: 'X', role: 'viewer', phone: '0612' },
      { name: 'X', role: 'viewer', admin: true },
      {},
    ]) {
      const res = await app.api<ErrorBody & { error: { details?: unknown } }>('POST', '/api/tokens', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.message).toMatch(/^body/);
    }
  });

  it('takes a token holder’s phone as people write it, and keeps it in E.164', async () => {
    const minted = await app.api<{ token: string }>('POST', '/api/tokens', {
      name: 'Chloe Officer',
      role: 'officer',
      phone: '+1 555 000 0003',
    });
    expect(minted.status).toBe(201);
    expect((await app.api('GET', '/api/me', undefined, minted.body.token)).body).toEqual({
      name: 'Chloe Officer',
      role: 'officer',
      phone: '+15550000003',
    });
  });

  it('answers invalid JSON with 400 invalid_json and an oversized body with 413', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const bad = await raw('/api/tokens', { method: 'POST', headers, body: '{"name": "x", ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: 'invalid_json', message: 'request body is not valid JSON' } });
    const big = await raw('/api/tokens', { method: 'POST', headers, body: JSON.stringify({ name: 'x'.repeat(200_000), role: 'viewer' }) });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: { code: 'payload_too_large', message: 'request body is too large' } });
    // JSON sent without its Content-Type is not read: the answer says what to send.
    const plain = await raw('/api/tokens', {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ name: 'x', role: 'viewer' }),
    });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as ErrorBody).error.message).toBe(
      'body: missing; send a JSON object with the header Content-Type: application/json',
    );
  });

  it('answers an unknown route with the 404 error shape', async () => {
    const res = await app.api<ErrorBody>('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'no route for GET /api/nothing-here' } });
    const outside = await raw('/nothing');
    expect(outside.status).toBe(404);
    expect((await outside.json()).error.code).toBe('not_found');
  });

  it('sends helmet security headers and no x-powered-by', async () => {
    const res = await raw('/healthz');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('strict-transport-security')).toBeTruthy();
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('never shows a stack trace in an error body', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const bodies = await Promise.all([
      raw('/api/tokens', { method: 'POST', headers, body: '{' }),
      raw('/api/tokens', { method: 'POST', headers, body: JSON.stringify({ name: 'x'.repeat(200_000) }) }),
      raw('/api/tokens', { method: 'POST', headers, body: JSON.stringify({ role: 'x' }) }),
      raw('/api/audit?limit=abc', { headers }),
      raw('/sim/messages', { method: 'POST', headers, body: JSON.stringify({ from: 'nobody' }) }),
      raw('/sim/groups/nope@g.us/participants', {
        method: 'POST',
        headers,
        body: JSON.stringify({ action: 'add', participants: ['+15550000001'] }),
      }),
      raw('/api/audit', { headers: { authorization: 'Bearer x' } }),
    ]);
    for (const res of bodies) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      const text = await res.text();
      expect(JSON.parse(text)).toHaveProperty('error.code');
      expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.ts\b|stack/);
    }
  });

  it('serves the simulator page', async () => {
    const res = await raw('/sim');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('<html');
  });
});

describe('bootstrap admin token', () => {
  const prefix = uniquePrefix('bootstrap');
  afterAll(async () => cleanPrefix(prefix));

  it('keeps one bootstrap slot: a changed ADMIN_TOKEN or a regenerated token revokes the previous one', async () => {
    const redis = new Redis(REDIS_URL);
    const tokens = new TokenStore(redis, redisKeys(prefix));
    const minted = await tokens.create({ name: 'Ana Duty', role: 'duty_officer' });
    await tokens.adopt('first-admin-token-0001', { name: 'admin', role: 'admin' });
    await tokens.adopt('first-admin-token-0001', { name: 'admin', role: 'admin' });
    expect(await tokens.verify('first-admin-token-0001')).toEqual({ name: 'admin', role: 'admin' });
    await tokens.adopt('second-admin-token-002', { name: 'admin', role: 'admin' });
    expect(await tokens.verify('first-admin-token-0001')).toBeUndefined();
    const generated = await tokens.rotateBootstrap();
    expect(await tokens.verify('second-admin-token-002')).toBeUndefined();
    expect(await tokens.verify(generated)).toEqual({ name: 'bootstrap-admin', role: 'admin' });
    expect(await tokens.verify(minted)).toEqual({ name: 'Ana Duty', role: 'duty_officer' });
    await redis.quit();
  });
});

describe('revoking a token holder', () => {
  const prefix = uniquePrefix('revoke-race');
  afterAll(async () => cleanPrefix(prefix));

  it('also revokes a token minted for the same person while the revoke was under way', async () => {
    const redis = new Redis(REDIS_URL);
    const keys = redisKeys(prefix);
    const officer = new TokenStore(redis, keys);
    const before = await officer.create({ name: 'Ana Duty', role: 'duty_officer' });
    let minted: string | undefined;
    /** Another admin mints a token for Ana right after the revoke has read the tokens (once). */
    class MintWhileRevoking extends TokenStore {
      protected override async readTokens(conn: Redis): Promise<Record<string, Principal>> {
        const all = await super.readTokens(conn);
        minted ??= await officer.create({ name: 'Ana Duty', role: 'duty_officer' });
        return all;
      }
    }
    const admin = new MintWhileRevoking(redis, keys);
    expect(await admin.revoke('ana duty')).toBe(2);
    expect(minted).toBeDefined();
    expect(await admin.verify(before)).toBeUndefined();
    expect(await admin.verify(minted ?? '')).toBeUndefined();
    await redis.quit();
  });
});
