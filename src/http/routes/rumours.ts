import { Router } from 'express';
import { z } from 'zod';
import { CURSOR_NUMBERS, listRumours, RUMOUR_KINDS, RUMOUR_SORTS } from '../../citizens/rumour-list.ts';
import { parseDuration } from '../../domain/duration.ts';
import { requireRole } from '../auth.ts';
import { queryInt, validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

const isoWithZone = z.iso.datetime({ offset: true });
const SINCE = 'must be a time with its zone like 2026-11-27T22:00:00Z, or how far back from now like 30m, 24h or 7d';
const CURSOR = 'must be the nextCursor of the previous page';

const listQuery = z
  .strictObject({
    since: z
      .string()
      .refine((v) => parseDuration(v) !== undefined || isoWithZone.safeParse(v).success, SINCE)
      .optional()
      .describe(
        'Only the rumours sent at or after this time: 2026-11-27T22:00:00Z, or back from now: 30m, 24h, 7d (default: all kept, 30 days)',
      ),
    kind: z
      .enum(RUMOUR_KINDS)
      .optional()
      .describe(
        'claim (words claiming to come from the embassy), authorities_claim (words claiming only the local authorities: the embassy cannot confirm them, citizens were told to check them on official channels), fake_alert (an alert the embassy did not send), altered_alert (a genuine alert with its words changed)',
      ),
    sort: z
      .enum(RUMOUR_SORTS)
      .default('spread')
      .describe('spread: the most citizens first (then forwards, then the latest); recent: the latest sent first'),
    limit: queryInt(1, 200).default(50),
    cursor: z
      .string()
      .regex(/^(\d{1,15}\.){1,3}[0-9a-f]{16}$/, CURSOR)
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.cursor && q.cursor.split('.').length - 1 !== CURSOR_NUMBERS[q.sort])
      ctx.addIssue({ code: 'custom', path: ['cursor'], message: `${CURSOR} with the same sort (sort=${q.sort} here)` });
  });

documentRoute({
  method: 'get',
  path: '/api/rumours',
  summary:
    'Rumours citizens sent in (forwarded messages claiming to come from the embassy or the local authorities, fake alerts, altered copies of genuine alerts), the most spread first: {items: [{id, text, language, kind, alert, citizens, forwards, firstSeen, lastSeen, incidents, incidentCount}], nextCursor, total}',
  role: 'viewer',
  tags: ['rumours'],
  query: listQuery,
});

/** GET /api/rumours: what is going round, for the duty officer (its words and reach, never who sent it). */
export function rumourRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/rumours', requireRole('viewer'), async (req, res) => {
    const q = validate(listQuery, req.query, 'query');
    const back = q.since === undefined ? undefined : parseDuration(q.since);
    const since = q.since === undefined ? 0 : back !== undefined ? deps.now() - back : Date.parse(q.since);
    res.json(
      await listRumours(deps, {
        since,
        sort: q.sort,
        limit: q.limit,
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      }),
    );
  });
  return r;
}
