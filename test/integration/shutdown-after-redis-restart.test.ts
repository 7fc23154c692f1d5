import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../fakes/private-redis.ts';
import { startTestApp, waitFor } from '../fakes/test-app.ts';

/** A private Redis, so this test can stop it without touching the shared one. */
const redis = new PrivateRedis('shutdown');
const startRedis = () => redis.start();
const stopRedis = () => redis.stop();

beforeAll(async () => {
  await startRedis();
});
afterAll(async () => {
  await redis.remove();
});

describe('shutdown while the workers wait to reconnect to Redis', () => {
  it('finishes: a worker whose blocking connection is between reconnect attempts still closes', async () => {
    const app = await startTestApp('shutdown', { env: { REDIS_URL: redis.url }, config: { cellGroups: [] } });
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
