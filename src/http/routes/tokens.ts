import { Router } from 'express';
import { z } from 'zod';
import { ROLES } from '../../config/schema.ts';
import { durationMs, parseDuration } from '../../domain/duration.ts';
import { ConflictError, NotFoundError } from '../../domain/errors.ts';
import { holderKey, isBootstrapHolder } from '../../store/token-store.ts';
import { requireRole } from '../auth.ts';
import { keyedListQuery, pageAfterKey, phoneAsTyped, validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';

import { documentRoute } from '../route-docs.ts';

/** The longest a minted token may be given to live. */
const MAX_LIFETIME_MS = 365 * 86_400_000;

/**
 * Control characters (a newline, NUL) and direction overrides in a name: shown in chat ("— Ana"),
 * a name with a line break forges the lines after it, and U+202E writes "admin" backwards.
 */
const UNSHOWABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

export const createTokenBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine((n) => !UNSHOWABLE.test(n), 'must be one line of text, without control or text-direction override characters')
    // A name of invisible characters alone (a zero-width space) would act, approve and be audited as nobody anyone can read.
    .refine((n) => /[^\s\p{Cf}]/u.test(n), 'must hold some visible text'),
  role: z.enum(ROLES),
  /** The holder's phone, as people write it ("+1 555 000 0001"): their roster entry, for chat-linked actions. */
  phone: phoneAsTyped.optional(),
  /** How long the token works ("12h", "30d"; at most a year); without it, until revoked. */
  expiresIn: z
    .string()
    .refine((d) => (parseDuration(d) ?? 0) > 0, 'must be a duration such as "12h" or "30d" (s, m, h or d)')
    .refine((d) => (parseDuration(d) ?? 0) <= MAX_LIFETIME_MS, 'must be at most a year ("365d")')
    .optional(),
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
documentRoute({
  method: 'get',
  path: '/api/tokens',
  summary: 'Who holds API tokens (names and roles, never the tokens)',
  role: 'admin',
  tags: ['auth'],
  query: keyedListQuery,
});
documentRoute({
  method: 'delete',
  path: '/api/tokens/:name',
  summary: 'Revoke every token of a person (e.g. taken off the roster)',
  role: 'admin',
  tags: ['auth'],
});
documentRoute({ method: 'get', path: '/api/me', summary: 'Who the token speaks for', role: 'viewer', tags: ['auth'] });

/** POST /api/tokens: an admin mints a role token (shown once). */
export function tokenRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.post('/api/tokens', requireRole('admin'), async (req, res) => {
    const body = validate(createTokenBody, req.body);
    if (isBootstrapHolder(body.name)) {
      throw new ConflictError(
        'reserved_name',
        `"${body.name}" is the name of the bootstrap ADMIN_TOKEN holder; mint this token under the person's own name`,
      );
    }
    const { expiresIn, ...holder } = body;
    const { token, principal } = await deps.tokens.mint({
      ...holder,
      ...(expiresIn ? { expiresAt: new Date(deps.now() + durationMs(expiresIn)).toISOString() } : {}),
    });
    await deps.audit.append({
      type: 'token.created',
      actor: req.principal?.name ?? 'unknown',
      subject: principal.name,
      data: { role: principal.role, ...(principal.expiresAt ? { expiresAt: principal.expiresAt } : {}) },
    });
    res
      .status(201)
      .json({ token, name: principal.name, role: principal.role, ...(principal.expiresAt ? { expiresAt: principal.expiresAt } : {}) });
  });
  r.get('/api/tokens', requireRole('admin'), async (req, res) => {
    res.json(pageAfterKey(await deps.tokens.list(), req.query, (p) => holderKey(p.name)));
  });
  r.delete('/api/tokens/:name', requireRole('admin'), async (req, res) => {
    const name = validate(createTokenBody.shape.name, req.params.name, 'path.name');
    const revoked = await deps.tokens.revoke(name);
    if (revoked === 0) throw new NotFoundError('token holder', name);
    await deps.audit.append({ type: 'token.revoked', actor: req.principal?.name ?? 'unknown', subject: name, data: { tokens: revoked } });
    res.json({ name, revoked });
  });
  r.get('/api/me', (req, res) => {
    res.json(req.principal);
  });
  return r;
}
