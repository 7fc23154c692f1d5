import { Router } from 'express';
import { requireRole } from '../auth.ts';
import { pageOfList, wholeListQuery } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

documentRoute({
  method: 'get',
  path: '/api/regions',
  summary: 'The configured regions, in the config file’s order: their ids and display names',
  role: 'viewer',
  tags: ['config'],
  query: wholeListQuery,
});

/** GET /api/regions: what incidents, alerts and welfare checks name by id, with the names staff know them by. */
export function regionRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/regions', requireRole('viewer'), (req, res) => {
    res.json(
      pageOfList(
        deps.config.regions.map((x) => ({ id: x.id, name: x.name })),
        req.query,
      ),
    );
  });
  return r;
}
