import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { QUEUE } from '../../src/queues/queues.ts';
import { redisAnswers } from '../../src/store/redis.ts';
import { freePort, runMain, startMain, waitForHttp } from '../fakes/spawn-main.ts';
import { ADMIN_TOKEN, cleanPrefix, REDIS_URL, startTestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'cc-proc-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('embedded Redis', { timeout: 120_000 }, () => {
  it('starts a private redis-server with AOF under DATA_DIR/redis when none answers, and stops it on SIGTERM', async () => {
    const [redisPort, port] = [await freePort(), await freePort()];
    const dataDir = tempDir();
    const url = `redis://127.0.0.1:${redisPort}`;
    const proc = startMain({ REDIS_URL: url, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, proc);
      const redis = new Redis(url);
      expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await redis.config('GET', 'dir')).toEqual(['dir', join(dataDir, 'redis')]);
      await redis.quit();
      expect(existsSync(join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
    } finally {
      proc.child.kill('SIGTERM');
    }
    expect(await proc.exited).toBe(0);
    expect(await redisAnswers(url, 300)).toBe(false);
  });

  it('exits with a message that says how to get Redis when none answers and redis-server is not on PATH', async () => {
    const redisPort = await freePort();
    const res = await runMain({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, DATA_DIR: tempDir() }, '/nonexistent-bin');
    expect(res.code).toBe(3);
    const lines = res.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^crisis-cell: No Redis answers at 127\.0\.0\.1:\d+\..*(install|docker compose)/);
  });
});

describe('npm start, end to end', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix('e2e');
  afterAll(async () => cleanPrefix(prefix));

  it('prints an admin token, serves /sim, /healthz and the API, replies to a citizen, and keeps a valid audit chain', async () => {
    const port = await freePort();
    const proc = startMain({ REDIS_URL, KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${base}/healthz`, proc);
      // The banner is printed just after the server starts listening.
      const token = await waitFor(async () => /Admin token \(new at each start, shown once\): (\S+)/.exec(proc.stdout())?.[1]);
      expect(token).toMatch(/^cc_/);
      expect(proc.stdout()).toContain('/sim');
      expect((await fetch(`${base}/sim`)).status).toBe(200);
      const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const posted = await fetch(`${base}/sim/messages`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ from: '+33655556666', text: 'Is the border open?' }),
      });
      expect(posted.status).toBe(202);
      const reply = await waitFor(async () => {
        const res = await fetch(`${base}/sim/messages?to=%2B33655556666`, { headers: auth });
        return ((await res.json()) as { items: { text: string }[] }).items[0];
      });
      expect(reply.text).toContain('Embassy of Freedonia');
      const verify = await waitFor(async () => {
        const v = (await (await fetch(`${base}/api/audit/verify`, { headers: auth })).json()) as { ok: boolean; entries: number };
        return v.entries >= 3 && v;
      });
      expect(verify.ok).toBe(true);
    } finally {
      proc.child.kill('SIGINT');
    }
    expect(await proc.exited).toBe(0);
  });
});

describe('graceful shutdown', { timeout: 120_000 }, () => {
  const prefix = uniquePrefix('shutdown');
  afterAll(async () => cleanPrefix(prefix));

  it('on SIGTERM finishes or keeps every queued message, leaves no job active, and exits 0; the next start answers each once', async () => {
    const port = await freePort();
    const proc = startMain({ REDIS_URL, KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN, OUTBOUND_RATE: '20' });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, proc);
    const sent = 30;
    for (let i = 0; i < sent; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/sim/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from: `+3361200${String(i).padStart(4, '0')}`, text: `message ${i}`, id: `WA-SHUT-${i}` }),
      });
      expect(res.status).toBe(202);
    }
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);

    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const inbound = new Queue(QUEUE.inbound, { connection, prefix });
    const outbound = new Queue(QUEUE.outbound, { connection, prefix });
    try {
      for (const q of [inbound, outbound]) {
        const counts = await q.getJobCounts('active', 'failed');
        expect(counts).toEqual({ active: 0, failed: 0 });
      }
      const messages = (await inbound.getJobs(['completed', 'waiting', 'prioritized', 'delayed'])).filter((j) => j.name === 'message');
      expect(messages).toHaveLength(sent);
    } finally {
      await Promise.all([inbound.close(), outbound.close()]);
      await connection.quit();
    }

    // What was handed back is done by the next start: every citizen answered once, one report each.
    const again = startMain({ REDIS_URL, KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', ADMIN_TOKEN, OUTBOUND_RATE: '20' });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, again);
      const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
      const answers = async (i: number) => {
        const to = encodeURIComponent(`+3361200${String(i).padStart(4, '0')}`);
        const res = await fetch(`http://127.0.0.1:${port}/sim/messages?to=${to}`, { headers: auth });
        return ((await res.json()) as { items: { text: string }[] }).items;
      };
      await waitFor(
        async () => {
          for (let i = 0; i < sent; i++) if ((await answers(i)).length === 0) return undefined;
          return true;
        },
        30_000,
        'every citizen answered after the restart',
      );
      for (let i = 0; i < sent; i++) expect(await answers(i), `citizen ${i}`).toHaveLength(1);
      const res = await fetch(`http://127.0.0.1:${port}/api/incidents?limit=100&timeline=false`, { headers: auth });
      expect(((await res.json()) as { items: unknown[] }).items).toHaveLength(sent);
    } finally {
      again.child.kill('SIGTERM');
    }
    expect(await again.exited).toBe(0);
  }, 120_000);
});

describe('a second start on a port already taken', { timeout: 120_000 }, () => {
  it('stops with one line naming the port, and leaves the running instance and its admin token as they were', async () => {
    const running = await startTestApp('port-taken');
    const port = new URL(running.url).port;
    // The same Redis and prefix, no ADMIN_TOKEN: the start would make itself a new bootstrap token.
    const second = startMain({ REDIS_URL, KEY_PREFIX: running.prefix, PORT: port, HOST: '127.0.0.1', DATA_DIR: tempDir() });
    try {
      expect(await second.exited).toBe(1);
      expect(second.stderr().trim().split('\n')).toEqual([
        `crisis-cell: failed to start: cannot listen on 127.0.0.1:${port}: the port is already in use (another crisis-cell?); stop it or set PORT`,
      ]);
      expect(second.stdout()).not.toContain('crisis-cell is running');
      expect((await running.api('GET', '/api/me')).status).toBe(200);
    } finally {
      if (second.child.exitCode === null) second.child.kill('SIGKILL');
      await running.stop();
    }
  });
});
