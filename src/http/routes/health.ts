import { Router } from 'express';
import { heldCount } from '../../app/held-sends.ts';
import { readTransportState, type TransportState } from '../../app/transport-state.ts';
import { configWarnings } from '../../config/warnings.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

documentRoute({ method: 'get', path: '/healthz', summary: 'Liveness', role: 'public', tags: ['health'] });
documentRoute({
  method: 'get',
  path: '/readyz',
  summary:
    'Readiness: Redis (up, down, or read_only when it refuses writes) and WhatsApp transport state (503 when not ready); under a restriction on new chats, how many messages it holds; `warnings` ({code, message}: no_cell_groups, no_staff, no_duty_officer, no_admin, deadline_within_digest, unspoken_language) when the configuration leaves the cell unreachable, which does not make it unready',
  role: 'public',
  tags: ['health'],
});

/** How long /readyz waits for Redis before it answers "down" (commands otherwise wait for a reconnect). */
const REDIS_PROBE_MS = 2_000;

/** Redis as /readyz reports it; `refusal` is the first word of a refused write (READONLY, OOM, MISCONF). */
type RedisReadiness = { redis: 'up' | 'down' } | { redis: 'read_only'; refusal: string };

/**
 * Proves Redis takes writes: a replica, a Redis out of memory under noeviction, or one that failed
 * to persist all answer PING but refuse every incident, job and audit entry.
 */
async function probeRedis(deps: HttpDeps): Promise<RedisReadiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<RedisReadiness>((done) => {
    timer = setTimeout(() => done({ redis: 'down' }), REDIS_PROBE_MS);
  });
  const probe = deps.redis.set(deps.keys.readyProbe, new Date().toISOString(), 'EX', 60).then(
    (): RedisReadiness => ({ redis: 'up' }),
    (err: Error): RedisReadiness => {
      const refusal = /^(READONLY|OOM|MISCONF|NOREPLICAS|NOAUTH)\b/.exec(err.message)?.[1];
      return refusal ? { redis: 'read_only', refusal } : { redis: 'down' };
    },
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness and readiness. /readyz reports Redis and the WhatsApp transport's state, and what the configuration leaves out. */
export function healthRoutes(deps: HttpDeps): Router {
  const r = Router();
  // Not a readiness fault (the bot answers citizens), so never a 503; but a monitor should see it.
  const warnings = configWarnings(deps.config);
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const redis = await probeRedis(deps);
    const unknown: TransportState = { name: deps.env.TRANSPORT, state: 'unknown' };
    const transport = redis.redis === 'down' ? unknown : await readTransportState(deps).catch(() => unknown);
    // Connected but kept from starting chats: ready (replies and cell-group posts go out), and it says so.
    if (transport.restricted) Object.assign(transport, { held: await heldCount(deps).catch(() => undefined) });
    const ready = redis.redis === 'up' && transport.state === 'open';
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not_ready', ...redis, transport, ...(warnings.length ? { warnings } : {}) });
  });
  return r;
}
