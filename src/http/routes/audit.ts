import { Router } from 'express';
import { z } from 'zod';
import { SEAL_LENGTH } from '../../store/audit-log.ts';
import { requireRole } from '../auth.ts';
import { queryInt, validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

const entryId = z
  .string()
  // Redis stream ids are two 64-bit numbers: 19 digits each always fit, and a longer one is no entry's id.
  .regex(/^(\d{1,19}-\d{1,19}|0)$/, 'must be an audit entry id like 1700000000000-0')
  // `after=0`, as /sim/messages takes it: from the start.
  .transform((id) => (id === '0' ? '0-0' : id))
  .optional();
const pageQuery = z.strictObject({
  after: entryId,
  /** The previous page's nextCursor, as every other list takes it; the same as `after`. */
  cursor: entryId,
  limit: queryInt(1, 1000).default(100),
  /** `newest`: tonight's entries first, each page going further back (the cursor is then the oldest entry shown). */
  order: z.enum(['oldest', 'newest']).default('oldest'),
});

documentRoute({
  method: 'get',
  path: '/api/audit',
  summary: 'Page through the audit trail, oldest first (order=newest: newest first)',
  role: 'duty_officer',
  tags: ['audit'],
  query: pageQuery,
});
const verifyQuery = z.strictObject({
  /** A seal the sitrep published in the cell groups: the trail must still hold the entry it was taken at. */
  seal: z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${SEAL_LENGTH}}$`), `must be the ${SEAL_LENGTH} hex digits of an audit seal, as the sitrep shows it`)
    .transform((v) => v.toLowerCase())
    .optional(),
});

documentRoute({
  method: 'get',
  path: '/api/audit/verify',
  summary: 'Recompute the hash chain and report the first broken link; with seal, also that the trail still holds the sealed entry',
  role: 'duty_officer',
  tags: ['audit'],
  query: verifyQuery,
});

/** The audit trail: pages and chain verification (duty officers and above). */
export function auditRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/audit', requireRole('duty_officer'), async (req, res) => {
    const q = validate(pageQuery, req.query, 'query');
    res.json(await deps.audit.page(q.after ?? q.cursor, q.limit, q.order));
  });
  r.get('/api/audit/verify', requireRole('duty_officer'), async (req, res) => {
    const q = validate(verifyQuery, req.query, 'query');
    res.json(await deps.audit.verify(q.seal));
  });
  return r;
}
