import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ConfigFile } from '../../src/config/schema.ts';
import { cleanPrefix, STAFF, startTestApp, type TestApp, uniquePrefix } from '../fakes/test-app.ts';

type Audit = { items: { type: string; actor: string; subject?: string; data: Record<string, unknown> }[] };
const roster = (parse(readFileSync('config/example.yaml', 'utf8')) as ConfigFile).staff;
const apps: TestApp[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  await Promise.all(apps.map((a) => a.close().catch(() => undefined)));
  await Promise.all(prefixes.map(cleanPrefix));
});

/** Starts the app on `prefix` with `staff` as the roster (the process a restart with a new config file gives). */
async function startWith(prefix: string, staff: ConfigFile['staff']): Promise<TestApp> {
  const app = await startTestApp('token-lifetime', { prefix, config: { staff, cellGroups: [] } });
  apps.push(app);
  return app;
}

describe('a token minted with expiresIn', () => {
  it('works until then, is refused after with when it expired, and leaves the list', async () => {
    const prefix = uniquePrefix('token-expiry');
    prefixes.push(prefix);
    const app = await startWith(prefix, roster);
    const minted = await app.api<{ token: string; expiresAt: string }>('POST', '/api/tokens', {
      name: 'Night Relief',
      role: 'officer',
      expiresIn: '2s',
    });
    expect(minted.status).toBe(201);
    const expiresAt = Date.parse(minted.body.expiresAt);
    expect(expiresAt - Date.now()).toBeGreaterThan(0);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(2_000);
    const me = await app.api<{ name: string; expiresAt: string }>('GET', '/api/me', undefined, minted.body.token);
    expect(me.status).toBe(200);
    expect(me.body.expiresAt).toBe(minted.body.expiresAt);
    const listed = await app.api<{ items: { name: string; expiresAt?: string }[] }>('GET', '/api/tokens');
    expect(listed.body.items.find((h) => h.name === 'Night Relief')?.expiresAt).toBe(minted.body.expiresAt);

    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 50));
    const refused = await app.api<{ error: { code: string; message: string } }>('GET', '/api/incidents', undefined, minted.body.token);
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/^this token expired at \d{4}-\d\d-\d\d \d\d:\d\d UTC; ask an admin for a new one$/);
    // The dashboard's sign-in says the same.
    const signIn = await fetch(`${app.url}/dashboard/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: minted.body.token }),
    });
    expect(signIn.status).toBe(401);
    expect(((await signIn.json()) as { error: { message: string } }).error.message).toMatch(/expired at/);
    const after = await app.api<{ items: { name: string }[] }>('GET', '/api/tokens');
    expect(after.body.items.map((h) => h.name)).not.toContain('Night Relief');
    // A token that was never valid is still just "invalid".
    expect((await app.api<{ error: { message: string } }>('GET', '/api/me', undefined, 'cc_nothing')).body.error.message).toBe(
      'invalid token',
    );
  });

  it('refuses a lifetime that is no duration, zero, or over a year, naming the field', async () => {
    const app = apps[0] as TestApp;
    for (const expiresIn of ['soon', '0s', '400d', '12 hours']) {
      const res = await app.api<{ error: { code: string; message: string } }>('POST', '/api/tokens', {
        name: 'X Y',
        role: 'viewer',
        expiresIn,
      });
      expect(res.status, expiresIn).toBe(400);
      expect(res.body.error.message).toContain('body.expiresIn');
    }
    expect((await app.api<{ items: { name: string }[] }>('GET', '/api/tokens')).body.items.map((h) => h.name)).not.toContain('X Y');
  });
});

describe('tokens of staff the roster no longer lists', () => {
  it('stop working at the next start, by phone or by name; others keep theirs', async () => {
    const prefix = uniquePrefix('token-roster');
    prefixes.push(prefix);
    const first = await startWith(prefix, roster);
    const mint = async (body: Record<string, string>) => (await first.api<{ token: string }>('POST', '/api/tokens', body)).body.token;
    const ana = await mint({ name: 'Ana Duty', role: 'duty_officer', phone: STAFF.duty });
    const chloe = await mint({ name: 'Chloe Officer', role: 'officer' });
    const chloeReads = await mint({ name: 'Chloe Officer', role: 'viewer' });
    const partner = await mint({ name: 'Red Crescent liaison', role: 'viewer' });
    const dev = await mint({ name: 'Dev Viewer', role: 'viewer', phone: STAFF.viewer });
    await first.close();

    // The new config file: Ana has left the post, Chloe may now only read.
    const staff = roster
      .filter((s) => s.phone !== STAFF.duty)
      .map((s) => (s.phone === STAFF.officer ? { ...s, roles: ['viewer' as const] } : s));
    const second = await startWith(prefix, staff);
    const status = async (token: string) => (await second.api('GET', '/api/me', undefined, token)).status;
    expect(await status(ana)).toBe(401);
    expect(await status(chloe)).toBe(401);
    expect(await status(chloeReads)).toBe(200);
    expect(await status(partner)).toBe(200);
    expect(await status(dev)).toBe(200);
    expect((await second.api('GET', '/api/me')).status).toBe(200);
    const audit = (await second.api<Audit>('GET', '/api/audit?limit=1000')).body.items.filter((e) => e.type === 'token.revoked');
    expect(audit.map((e) => [e.actor, e.subject, e.data])).toEqual([
      ['system', 'Ana Duty', { tokens: 1, reason: 'off_roster' }],
      ['system', 'Chloe Officer', { tokens: 1, reason: 'role_lowered', role: 'viewer' }],
    ]);
    await second.close();

    // The same roster again: nothing more is taken away.
    const third = await startWith(prefix, staff);
    expect((await third.api('GET', '/api/me', undefined, chloeReads)).status).toBe(200);
    const again = (await third.api<Audit>('GET', '/api/audit?limit=1000')).body.items.filter((e) => e.type === 'token.revoked');
    expect(again).toHaveLength(2);
  });
});
