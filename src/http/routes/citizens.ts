import { Router } from 'express';
import { registrySummary } from '../../citizens/registry.ts';
import { requireRole } from '../auth.ts';
import { noQuery, validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

documentRoute({
  method: 'get',
  path: '/api/citizens/summary',
  summary: 'Registered citizens: totals, and those alerts reach by region and language',
  role: 'viewer',
  tags: ['citizens'],
});

/** GET /api/citizens/summary. */
export function citizenRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/citizens/summary', requireRole('viewer'), async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json(await registrySummary(deps));
  });
  return r;
}
