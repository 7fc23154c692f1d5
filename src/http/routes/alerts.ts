import { type Request, type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { approveAlert, cancelBroadcast, createAlert, getAlert } from '../../broadcast/alerts.ts';
import { type Actor, audienceSchema } from '../../broadcast/audience.ts';
import { type BroadcastKind, broadcastKeys } from '../../broadcast/broadcast-store.ts';
import { ValidationError } from '../../domain/errors.ts';
import { canonicalId } from '../../domain/record-id.ts';
import { pageAfterMember } from '../../store/member-page.ts';
import { actorOf, requireRole } from '../auth.ts';
import { queryInt, validate, visibleText } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

export const createAlertBody = z.strictObject({
  audience: audienceSchema,
  text: z.record(z.string().regex(/^[a-z]{2,3}$/, 'must be a language code like en'), visibleText(4_000)),
  exercise: z.boolean().optional(),
});
/** An alert id as staff type it (`ALR-0007`, `alr-7`), in its canonical form. */
const idParam = z.object({
  id: z
    .string()
    .transform(canonicalId)
    .pipe(z.string().regex(/^ALR-\d{4,}$/, 'must be an alert id like ALR-0007')),
});
/**
 * A page of a newest-first list of broadcasts; the cursor is the id of the last item of the
 * previous page (a number, the position of the next item, is the cursor of earlier versions).
 */
export const broadcastListQuery = z.strictObject({
  limit: queryInt(1, 100).default(20),
  cursor: z
    .string()
    .regex(/^((ALR|WFC)-\d{4,}|\d{1,9})$/i, 'must be the nextCursor of the previous page')
    .transform((c) => c.toUpperCase())
    .optional(),
});

/**
 * Ids of one page of a newest-first sorted set, with the cursor of the next page (null at the end):
 * an alert created while someone pages shifts nothing, so no item is listed twice.
 */
async function pageOfIds(
  deps: HttpDeps,
  key: string,
  q: z.infer<typeof broadcastListQuery>,
): Promise<{ ids: string[]; nextCursor: string | null }> {
  if (q.cursor && /^\d+$/.test(q.cursor)) {
    const start = Number(q.cursor);
    const ids = await deps.redis.zrevrange(key, start, start + q.limit);
    return { ids: ids.slice(0, q.limit), nextCursor: ids.length > q.limit ? (ids[q.limit - 1] ?? null) : null };
  }
  const page = await pageAfterMember(deps.redis, key, q.limit, q.cursor);
  if (!page) throw new ValidationError('query.cursor: must be the nextCursor of the previous page');
  return page;
}

documentRoute({
  method: 'post',
  path: '/api/alerts',
  summary:
    'Create a consular alert (waits for approval above broadcast.approvalThreshold); `note` says in words when its audience holds nobody (`total: 0`)',
  role: 'officer',
  tags: ['alerts'],
  body: createAlertBody,
  status: 201,
});
documentRoute({
  method: 'get',
  path: '/api/alerts',
  summary: 'Alerts, newest first, with status, author and delivery counts (the approval queue is those pending_approval)',
  role: 'viewer',
  tags: ['alerts'],
  query: broadcastListQuery,
});
documentRoute({
  method: 'post',
  path: '/api/alerts/:id/approve',
  summary: 'Approve a pending alert (not its author)',
  role: 'duty_officer',
  tags: ['alerts'],
});
documentRoute({
  method: 'post',
  path: '/api/alerts/:id/cancel',
  summary: 'Cancel an alert; queued messages are not sent',
  role: 'duty_officer',
  tags: ['alerts'],
});
documentRoute({
  method: 'get',
  path: '/api/alerts/:id',
  summary: 'An alert, its verification code and delivery counts',
  role: 'viewer',
  tags: ['alerts'],
});

/**
 * The author of a creating request, and its source: an `Idempotency-Key` header, scoped to the
 * caller (two people's keys never collide), makes a retried POST return what the first one created.
 */
export function authorAndSource(req: Request): { author: Actor; source?: string } {
  const key = req.get('idempotency-key');
  return {
    author: actorOf(req.principal),
    ...(key && key.length <= 200 ? { source: `api:${req.principal?.name ?? 'unknown'}:${key}` } : {}),
  };
}

/** GET handler of one page of broadcasts of a kind, newest first, each as `view` shows it (one gone meanwhile is left out). */
export function broadcastList<T>(deps: HttpDeps, kind: BroadcastKind, view: (deps: HttpDeps, id: string) => Promise<T>): RequestHandler {
  return async (req, res) => {
    const q = validate(broadcastListQuery, req.query, 'query');
    const page = await pageOfIds(deps, broadcastKeys(deps, kind).all, q);
    const items = await Promise.all(page.ids.map((id) => view(deps, id).catch(() => undefined)));
    res.json({ items: items.filter((x) => x !== undefined), nextCursor: page.nextCursor });
  };
}

/** What `POST /api/alerts` says of an alert whose audience holds nobody (it is created, and sends nothing). */
export function nobodyReachedNote(
  id: string,
  body: { audience: { reporters?: boolean | undefined }; exercise?: boolean | undefined },
): string {
  // An exercise goes to the rostered staff only, whatever its audience.
  if (body.exercise) return `Nobody will receive ${id}: an exercise goes to the rostered staff only, and the roster lists nobody.`;
  const who = body.audience.reporters
    ? 'no registered citizen or recent reporter matches this audience'
    : 'no registered citizen matches this audience (who reported from there without registering is included only with "reporters": true)';
  return `Nobody will receive ${id}: ${who}. Check the audience, or use {"all": true}.`;
}

/** GET|POST /api/alerts, POST /api/alerts/:id/approve|cancel, GET /api/alerts/:id. */
export function alertRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/alerts', requireRole('viewer'), broadcastList(deps, 'alert', getAlert));
  r.post('/api/alerts', requireRole('officer'), async (req, res) => {
    const body = validate(createAlertBody, req.body);
    const created = await createAlert(deps, { ...body, ...authorAndSource(req) });
    // `/alert` in chat warns that nobody will receive it; the API said "sending" and left the caller to read `total: 0`.
    const note = created.total === 0 ? { note: nobodyReachedNote(created.id, body) } : {};
    res.status(201).json({ ...created, ...note });
  });
  r.post('/api/alerts/:id/approve', requireRole('duty_officer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    res.json(await approveAlert(deps, { id, approver: actorOf(req.principal) }));
  });
  r.post('/api/alerts/:id/cancel', requireRole('duty_officer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    res.json(await cancelBroadcast(deps, { id, actor: actorOf(req.principal) }));
  });
  r.get('/api/alerts/:id', requireRole('viewer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    res.json(await getAlert(deps, id));
  });
  return r;
}
