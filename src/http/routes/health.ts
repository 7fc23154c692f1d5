import { Router } from 'express';
import { readTransportState } from '../../app/transport-state.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

documentRoute({ method: 'get', path: '/healthz', summary: 'Liveness', role: 'public', tags: ['health'] });
documentRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: Redis and WhatsApp transport state (503 when not ready)',
  role: 'public',
  tags: ['health'],
});

/** Liveness and readiness. /readyz reports Redis and the WhatsApp transport's state. */
export function healthRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    let redis = 'down';
    try {
      redis = (await deps.redis.ping()) === 'PONG' ? 'up' : 'down';
    } catch {
      redis = 'down';
    }
    const unknown = { name: deps.env.TRANSPORT, state: 'unknown' };
    const transport = redis === 'up' ? await readTransportState(deps).catch(() => unknown) : unknown;
    const ready = redis === 'up' && transport.state === 'open';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', redis, transport });
  });
  return r;
}
