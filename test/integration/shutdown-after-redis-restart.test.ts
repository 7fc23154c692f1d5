import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '../../src/store/redis.ts';
import { freePort } from '../fakes/spawn-main.ts';
import { startTestApp, waitFor } from '../fakes/test-app.ts';

/** A private Redis, so this test can stop it without touching the shared one. */
const dir = mkdtempSync(join(tmpdir(), 'cc-shutdown-'));
let port = 0;
let server: ChildProcess | undefined;

async function startRedis(): Promise<void> {
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], {
    stdio: 'ignore',
  });
  await waitFor(async () => (await redisAnswers(`redis://127.0.0.1:${port}`, 200)) || undefined, 10_000, 'redis-server');
}

async function stopRedis(): Promise<void> {
  const s = server;
  if (!s || s.exitCode !== null) return;
  await new Promise<void>((done) => {
    s.once('exit', () => done());
    s.kill('SIGTERM');
  });
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
});
afterAll(async () => {
  await stopRedis();
  rmSync(dir, { recursive: true, force: true });
});

describe('shutdown while the workers wait to reconnect to Redis', () => {
  it('finishes: a worker whose blocking connection is between reconnect attempts still closes', async () => {
    const app = await startTestApp('shutdown', { env: { REDIS_URL: `redis://127.0.0.1:${port}` }, config: { cellGroups: [] } });
    await stopRedis();
    // Every connection is now between reconnect attempts (Redis refuses them at once).
    await waitFor(async () => app.deps.queueConnection.status === 'reconnecting' || undefined);
    const closing = app.close();
    // Once the HTTP server is closed, close() has already asked every worker to close.
    await waitFor(async () =>
      fetch(app.url).then(
        () => false,
        () => true,
      ),
    );
    await startRedis(); // the connections' own quit needs Redis back
    await closing; // before the fix: never resolved (the test timed out)
    expect(app.deps.queueConnection.status).toBe('end');
  }, 60_000);
});
