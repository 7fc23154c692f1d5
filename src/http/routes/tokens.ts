import { Router } from 'express';
import { z } from 'zod';
import { e164, ROLES } from '../../config/schema.ts';
import { requireRole } from '../auth.ts';
import { validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';

import { documentRoute } from '../route-docs.ts';

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  phone: e164.optional(),
});

documentRoute({
  method: 'post',
  path: '/api/tokens',
  summary: 'Mint an API token for a person and role (shown once, stored hashed)',
  role: 'admin',
  tags: ['auth'],
  body: createTokenBody,
  status: 201,
});
documentRoute({ method: 'get', path: '/api/me', summary: 'Who the token speaks for', role: 'viewer', tags: ['auth'] });

/** POST /api/tokens: an admin mints a role token (shown once). */
export function tokenRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.post('/api/tokens', requireRole('admin'), async (req, res) => {
    const body = validate(createTokenBody, req.body);
    const token = await deps.tokens.create(body);
    await deps.audit.append({
      type: 'token.created',
      actor: req.principal?.name ?? 'unknown',
      subject: body.name,
      data: { role: body.role },
    });
    res.status(201).json({ token, name: body.name, role: body.role });
  });
  r.get('/api/me', (req, res) => {
    res.json(req.principal);
  });
  return r;
}
