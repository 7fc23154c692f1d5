import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../fakes/private-redis.ts';
import { freePort } from '../fakes/spawn-main.ts';
import { startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** A private Redis, so this test can make it a replica (read-only) and stop it without touching the shared one. */
const redis = new PrivateRedis('readyz');
const startRedis = () => redis.start();
const stopRedis = () => redis.stop();
let admin: Redis;
let app: TestApp;

const readyz = async () => {
  const res = await fetch(`${app.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  await startRedis();
  admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  admin.on('error', () => {}); // it reconnects by itself after the restart below
  app = await startTestApp('readyz', { env: { REDIS_URL: redis.url }, config: { cellGroups: [] } });
});
// A bound on the app's stop, in case a close ever hangs again after the Redis restart above (it
// did, until createRedis ended a connection disconnected while reconnecting: see
// shutdown-after-redis-restart.test.ts); the test is about /readyz.
afterAll(async () => {
  const stopped = await Promise.race([
    app.stop().then(() => true),
    new Promise<boolean>((done) => setTimeout(() => done(false), 20_000).unref()),
  ]);
  if (!stopped) process.stderr.write('readyz test: the app had not stopped after 20 s; going on without it\n');
  admin.disconnect();
  await redis.remove();
}, 60_000);

describe('/readyz', () => {
  it('is not ready while Redis answers PING but refuses writes (a replica), and ready again once it takes them', async () => {
    expect(await readyz()).toMatchObject({ status: 200, body: { status: 'ready', redis: 'up' } });
    // A failed-over primary demoted to a replica: PING still answers, every write is refused.
    await admin.call('REPLICAOF', '127.0.0.1', String(await freePort()));
    expect(await admin.ping()).toBe('PONG');
    expect(await readyz()).toMatchObject({ status: 503, body: { status: 'not_ready', redis: 'read_only', refusal: 'READONLY' } });
    await admin.call('REPLICAOF', 'NO', 'ONE');
    await waitFor(async () => (await readyz()).status === 200 || undefined);
  });

  it('answers "down" while Redis is stopped instead of waiting for it to come back', async () => {
    await stopRedis();
    expect(await readyz()).toMatchObject({ status: 503, body: { status: 'not_ready', redis: 'down' } });
    await startRedis();
    await waitFor(async () => (await readyz()).status === 200 || undefined, 20_000, 'ready after the restart');
  });
});
