import { readFileSync } from 'node:fs';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import { heldCount } from '../../app/held-sends.ts';
import { readTransportState } from '../../app/transport-state.ts';
import { metricsContentType, scrape } from '../../observability/metrics.ts';
import { authenticate, requireRole } from '../auth.ts';
import type { HttpDeps } from '../http-deps.ts';
import { buildOpenApi } from '../openapi.ts';
import { documentRoute, routeDocs } from '../route-docs.ts';

documentRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: inbound/outbound counts, queue depths, ack latency, send failures, escalations, connection',
  role: 'public',
  tags: ['operations'],
  produces: 'text/plain',
});
documentRoute({
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This OpenAPI 3.1 document',
  role: 'public',
  tags: ['operations'],
});
documentRoute({
  method: 'get',
  path: '/docs',
  summary: 'The API documentation page',
  role: 'public',
  tags: ['operations'],
  produces: 'text/html',
});
documentRoute({
  method: 'get',
  path: '/admin/queues',
  summary: 'The queue view (bull-board): jobs by queue and state, retry and clean',
  role: 'admin',
  tags: ['operations'],
  produces: 'text/html',
});

const docsPage = readFileSync(new URL('./public/docs.html', import.meta.url), 'utf8');
const QUEUE_VIEW = '/admin/queues';

/** Metrics, the OpenAPI document and its page, and bull-board for admins. */
export function opsRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    const text = await scrape({
      queues: deps.queues,
      transportState: async () => {
        const t = await readTransportState(deps);
        return t.state === 'unknown' ? undefined : t;
      },
      heldMessages: () => heldCount(deps),
    });
    res.type(metricsContentType).send(text);
  });
  let document: Record<string, unknown> | undefined;
  r.get('/api/openapi.json', (_req, res) => {
    document ??= buildOpenApi(routeDocs(), {
      title: `crisis-cell admin API (${deps.config.embassy.name})`,
      version: '1',
      description:
        'Incidents, alerts, welfare checks, playbooks and audit of the embassy crisis cell. Errors are `{ "error": { "code", "message" } }`.',
    });
    res.json(document);
  });
  r.get('/docs', (_req, res) => {
    res.type('html').send(docsPage);
  });
  r.use(QUEUE_VIEW, authenticate(deps.tokens, deps.roster), requireRole('admin'), queueView(deps));
  return r;
}

function queueView(deps: HttpDeps) {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_VIEW);
  createBullBoard({
    queues: [deps.queues.inbound, deps.queues.outbound, deps.queues.timers].map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'crisis-cell queues' } },
  });
  return adapter.getRouter();
}
