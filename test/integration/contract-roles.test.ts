import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startMain, waitForHttp } from '../fakes/spawn-main.ts';
import { ADMIN_TOKEN, cleanPrefix, REDIS_URL, startTestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/** ROLE=gateway and ROLE=worker, started as `npm start` starts them: they serve no HTTP. */
describe('a process without HTTP', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix('roles');
  afterAll(async () => cleanPrefix(prefix));

  for (const role of ['worker', 'gateway'] as const) {
    it(`ROLE=${role} says on its output that it is running and in which role, and stops cleanly`, async () => {
      const proc = startMain({ REDIS_URL, KEY_PREFIX: prefix, ROLE: role, ADMIN_TOKEN });
      try {
        const line = await waitFor(
          async () =>
            proc.stdout().match(/crisis-cell is running \(([a-z]+), simulator\)[^\n]*/)?.[0] ?? (proc.child.exitCode !== null && 'exited'),
          20_000,
          `ROLE=${role} to say it is running`,
        );
        expect(line, proc.stderr()).toContain(`(${role}, simulator)`);
        expect(line).toContain('no HTTP');
      } finally {
        proc.child.kill('SIGTERM');
      }
      expect(await proc.exited).toBe(0);
    });
  }
});

describe('the API with WhatsApp (TRANSPORT=baileys) and no ADMIN_TOKEN', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix('roles-token');
  afterAll(async () => cleanPrefix(prefix));

  it('says that it has no admin token and how to set one, instead of printing none silently', async () => {
    const port = await freePort();
    const proc = startMain({ REDIS_URL, KEY_PREFIX: prefix, ROLE: 'api', TRANSPORT: 'baileys', PORT: String(port), HOST: '127.0.0.1' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, proc);
      const banner = await waitFor(async () => (proc.stdout().includes('API docs') ? proc.stdout() : undefined));
      expect(banner).toContain('crisis-cell is running (api, baileys)');
      expect(banner).toMatch(/Admin token: none \(set ADMIN_TOKEN/);
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
  });

  it('ends the ADMIN_TOKEN of an earlier start once it is unset; minted tokens go on', async () => {
    const shared = uniquePrefix('roles-unset');
    const first = await startTestApp('roles-unset', { prefix: shared, env: { ROLE: 'api', TRANSPORT: 'baileys' } });
    const minted = (await first.api<{ token: string }>('POST', '/api/tokens', { name: 'Ben Consul', role: 'admin' })).body.token;
    await first.close();
    const port = await freePort();
    const proc = startMain({ REDIS_URL, KEY_PREFIX: shared, ROLE: 'api', TRANSPORT: 'baileys', PORT: String(port), HOST: '127.0.0.1' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, proc);
      const get = (path: string, token: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('/api/me', ADMIN_TOKEN)).status).toBe(401);
      expect((await get('/api/me', minted)).status).toBe(200);
      const audit = (await (await get('/api/audit?limit=1000', minted)).json()) as {
        items: { type: string; actor: string; data: Record<string, unknown> }[];
      };
      expect(audit.items.filter((e) => e.type === 'token.revoked').map((e) => [e.actor, e.data.reason])).toEqual([
        ['system', 'admin_token_unset'],
      ]);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await cleanPrefix(shared);
    }
  });
});
