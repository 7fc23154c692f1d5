import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../fakes/test-app.ts';

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
});
