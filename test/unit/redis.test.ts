import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.ts';
import { assertRedisUsable, checkAppendOnly, checkEvictionPolicy, createRedis, ensureRedis, redisAnswers } from '../../src/store/redis.ts';
import { freePort } from '../fakes/spawn-main.ts';

function capture() {
  const lines: { level: number; msg: string; policy?: string; appendonly?: string }[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: createLogger('info', {}, stream), lines };
}

describe('Redis start-up checks', () => {
  it('is silent when the server never evicts', async () => {
    const { log, lines } = capture();
    const fake = { config: async () => ['maxmemory-policy', 'noeviction'] } as unknown as Redis;
    expect(await checkEvictionPolicy(fake, log)).toBe('noeviction');
    expect(lines).toEqual([]);
  });

  it('is silent when the server keeps an append-only file', async () => {
    const { log, lines } = capture();
    const fake = { config: async () => ['appendonly', 'yes'] } as unknown as Redis;
    expect(await checkAppendOnly(fake, log)).toBe('yes');
    expect(lines).toEqual([]);
  });

  it('warns when CONFIG is disabled (managed Redis) instead of failing the start', async () => {
    const { log, lines } = capture();
    const fake = {
      config: async () => {
        throw new Error("ERR unknown command 'CONFIG'");
      },
    } as unknown as Redis;
    expect(await checkEvictionPolicy(fake, log)).toBe('unknown');
    expect(lines[0]?.msg).toMatch(/noeviction/);
  });

  describe('against a private redis-server that may evict', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-redis-'));
    let port = 0;
    let server: ReturnType<typeof spawn>;
    let redis: Redis;
    beforeAll(async () => {
      port = await freePort();
      server = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--maxmemory-policy',
          'allkeys-lru',
          '--requirepass',
          'secret',
        ],
        {
          stdio: 'ignore',
        },
      );
      for (let i = 0; i < 100 && !(await redisAnswers(`redis://:secret@127.0.0.1:${port}`, 200)); i++)
        await new Promise((r) => setTimeout(r, 50));
      redis = createRedis(`redis://:secret@127.0.0.1:${port}`);
    });
    afterAll(async () => {
      await redis.quit();
      await new Promise<void>((done) => {
        server.once('exit', () => done());
        server.kill('SIGTERM');
      });
      rmSync(dir, { recursive: true, force: true });
    });

    it('logs an error naming the policy and the fix', async () => {
      const { log, lines } = capture();
      expect(await checkEvictionPolicy(redis, log)).toBe('allkeys-lru');
      expect(lines).toHaveLength(1);
      expect(lines[0]?.level).toBe(50);
      expect(lines[0]?.policy).toBe('allkeys-lru');
      expect(lines[0]?.msg).toContain('Set "maxmemory-policy noeviction"');
    });

    it('logs an error when the server keeps no append-only file (a restart would lose reports)', async () => {
      const { log, lines } = capture();
      expect(await checkAppendOnly(redis, log)).toBe('no');
      expect(lines).toHaveLength(1);
      expect(lines[0]?.level).toBe(50);
      expect(lines[0]?.msg).toContain('Set "appendonly yes"');
    });

    it('counts a server that wants a password as answering, so no second server is started on its port', async () => {
      const { log, lines } = capture();
      expect(await redisAnswers(`redis://127.0.0.1:${port}`)).toBe(true);
      expect(await ensureRedis(`redis://127.0.0.1:${port}`, dir, log)).toBeUndefined();
      expect(lines).toEqual([]);
    });

    it('says a password is needed instead of retrying forever', async () => {
      await expect(assertRedisUsable(`redis://127.0.0.1:${port}`)).rejects.toThrow(
        /^Redis at 127\.0\.0\.1:\d+ refused the connection: NOAUTH .*put the password in REDIS_URL/,
      );
      await expect(assertRedisUsable(`redis://:secret@127.0.0.1:${port}`)).resolves.toBeUndefined();
    });
  });
});
