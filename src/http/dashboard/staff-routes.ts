import { Router } from 'express';
import { hasRole } from '../../domain/roster.ts';
import { authenticate, requireRole } from '../auth.ts';
import { pageOfList, wholeListQuery } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

documentRoute({
  method: 'get',
  path: '/api/staff',
  summary:
    'The staff roster (config file): names, phones and roles, and whether each may be assigned an incident (the officer role). The dashboard names assignees by it',
  role: 'viewer',
  tags: ['config'],
  query: wholeListQuery,
});

/** GET /api/staff: who an incident's assignee phone is, and whom an incident can be given to. */
export function staffRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/staff', authenticate(deps.tokens, deps.roster), requireRole('viewer'), (req, res) => {
    res.json(
      pageOfList(
        deps.roster.all().map((s) => ({ name: s.name, phone: s.phone, roles: s.roles, assignable: hasRole(s.roles, 'officer') })),
        req.query,
      ),
    );
  });
  return r;
}
