import { SEVERITIES, STATUSES } from '../src/domain/incident.ts';
import { IncidentStore } from '../src/store/incident-store.ts';
import { redisKeys } from '../src/store/keys.ts';
import { createRedis } from '../src/store/redis.ts';
import { cleanPrefix, uniquePrefix } from '../test/fakes/test-app.ts';

/** Lists incidents by status and severity among `n` stored ones: the indexes keep a page cheap. */
export async function benchIncidentList(
  n = 100_000,
): Promise<{ incidents: number; seedSeconds: number; listP50Ms: number; listP99Ms: number }> {
  const prefix = uniquePrefix('bench-list');
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const store = new IncidentStore(redis, redisKeys(prefix));
  const channel = `${prefix}:events`;
  const t0 = performance.now();
  for (let start = 0; start < n; start += 2000) {
    await Promise.all(
      Array.from({ length: Math.min(2000, n - start) }, (_, j) => {
        const i = start + j;
        const at = new Date().toISOString();
        const entry = { at, actor: 'reporter', channel: 'chat' as const, type: 'reported' as const, text: 'seed' };
        return store.intake(
          {
            severity: SEVERITIES[i % 4] ?? 'low',
            category: 'other',
            region: 'north',
            reporter: `+3371${String(i).padStart(7, '0')}`,
            assignee: null,
            language: 'en',
            summary: 'seed',
            location: null,
            channel: 'chat',
            links: {},
          },
          { opening: entry, followUp: entry },
          `seed-${i}`,
          at,
          { channel },
        );
      }),
    );
  }
  const seedSeconds = (performance.now() - t0) / 1000;
  const times: number[] = [];
  for (let i = 0; i < 400; i++) {
    const status = STATUSES[i % 2];
    const severity = SEVERITIES[i % 4];
    const t = performance.now();
    const page = await store.list({ status, severity, limit: 50 });
    await store.list({ status, severity, limit: 50, ...(page.nextCursor ? { cursor: Number(page.nextCursor) } : {}) });
    times.push((performance.now() - t) / 2);
  }
  times.sort((a, b) => a - b);
  await redis.quit();
  await cleanPrefix(prefix);
  return { incidents: n, seedSeconds, listP50Ms: times[200] ?? 0, listP99Ms: times[396] ?? 0 };
}
