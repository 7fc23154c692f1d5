import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateRedis } from '../fakes/private-redis.ts';
import { settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** A private Redis with AOF, so this test can stop and restart it without touching the shared one. */
const redis = new PrivateRedis('aof', ['--appendfsync', 'always']);
const startRedis = () => redis.start();
const stopRedis = () => redis.stop();
let app: TestApp;

beforeAll(async () => {
  await startRedis();
  app = await startTestApp('redis-restart', { env: { REDIS_URL: redis.url }, config: { cellGroups: [] } });
});
afterAll(async () => {
  await app.stop();
  await redis.remove();
});

const phone = (i: number) => `+3361900${String(i).padStart(4, '0')}`;
const acks = async (i: number) => (await app.outbox(phone(i))).filter((m) => /Reference: INC-\d{4}/.test(m.text));

describe('a Redis restart (AOF on)', () => {
  it('loses no report and answers each citizen once, including reports that arrived while Redis was down', async () => {
    for (let i = 0; i < 10; i++) await app.say(phone(i), `Report ${i}: our house collapsed, my father is injured`);
    await waitFor(async () => (await acks(9)).length === 1 || undefined);
    await stopRedis();
    // WhatsApp keeps delivering while Redis is down: the intake waits for Redis instead of failing.
    const during = Array.from({ length: 10 }, (_, k) => app.say(phone(10 + k), `Report ${10 + k}: trapped in the basement`));
    await new Promise((r) => setTimeout(r, 500));
    await startRedis();
    await Promise.all(during);
    for (let i = 0; i < 20; i++) await waitFor(async () => (await acks(i)).length >= 1 || undefined, 20_000, `the answer to citizen ${i}`);
    await settle(app);
    for (let i = 0; i < 20; i++) expect(await acks(i), `citizen ${i}`).toHaveLength(1);
    const listed = await app.api<{ items: unknown[] }>('GET', '/api/incidents?limit=100');
    expect(listed.body.items).toHaveLength(20);
    expect((await app.api<{ ok: boolean }>('GET', '/api/audit/verify')).body.ok).toBe(true);
  });
});
