import { Router } from 'express';
import { z } from 'zod';
import { cancelBroadcast } from '../../broadcast/alerts.ts';
import { audienceSchema } from '../../broadcast/audience.ts';
import { getWelfareCheck, startWelfareCheck } from '../../broadcast/welfare.ts';
import { closeWelfareCheck } from '../../broadcast/welfare-close.ts';
import { listNonResponders } from '../../broadcast/welfare-follow-up.ts';
import { canonicalId } from '../../domain/record-id.ts';
import { actorOf, requireRole } from '../auth.ts';
import { validate, visibleText } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';
import { authorAndSource, broadcastList, broadcastListQuery } from './alerts.ts';

export const createWelfareCheckBody = z.strictObject({
  audience: audienceSchema,
  text: z.record(z.string().regex(/^[a-z]{2,3}$/, 'must be a language code like en'), visibleText(2_000)).optional(),
  exercise: z.boolean().optional(),
});
/** A welfare check id as staff type it (`WFC-0003`, `wfc-3`), in its canonical form. */
const idParam = z.object({
  id: z
    .string()
    .transform(canonicalId)
    .pipe(z.string().regex(/^WFC-\d{4,}$/, 'must be a welfare check id like WFC-0003')),
});

documentRoute({
  method: 'post',
  path: '/api/welfare-checks',
  summary: 'Ask an audience "are you safe?" (answers 1/SAFE or 2/HELP); text by language, or one string for the default language',
  role: 'duty_officer',
  tags: ['welfare'],
  body: createWelfareCheckBody,
  status: 201,
});
documentRoute({
  method: 'get',
  path: '/api/welfare-checks',
  summary: 'Welfare checks, newest first, with their tallies',
  role: 'viewer',
  tags: ['welfare'],
  query: broadcastListQuery,
});
documentRoute({
  method: 'get',
  path: '/api/welfare-checks/:id',
  summary: 'Tallies of a welfare check, overall and by region',
  role: 'viewer',
  tags: ['welfare'],
});
documentRoute({
  method: 'get',
  path: '/api/welfare-checks/:id/follow-up',
  summary: 'Citizens who have not answered (name, phone, region) for phone follow-up',
  role: 'officer',
  tags: ['welfare'],
});
documentRoute({
  method: 'post',
  path: '/api/welfare-checks/:id/cancel',
  summary: 'Stop a welfare check',
  role: 'duty_officer',
  tags: ['welfare'],
});
documentRoute({
  method: 'post',
  path: '/api/welfare-checks/:id/close',
  summary: 'Close a welfare check: no more reminders or follow-ups, final tally posted to the cell; late answers still count',
  role: 'duty_officer',
  tags: ['welfare'],
});

/**
 * A body whose `text` is one string, as DESIGN.md's `{audience, text?}` reads, with that string as the
 * question in the default language, as `/welfare REGION text` takes it in chat.
 */
function textByLanguage(deps: HttpDeps, body: unknown): unknown {
  if (!body || typeof body !== 'object' || !('text' in body) || typeof body.text !== 'string') return body;
  return { ...body, text: { [deps.config.languages[0] as string]: body.text } };
}

/** What `POST /api/welfare-checks` says of a check that had nobody to ask (and so was closed as it started). */
export function nobodyAskedNote(id: string): string {
  return `Nobody was asked: no registered citizen matches this audience (a welfare check asks registered citizens only), so ${id} was closed at once. Check the audience, or use {"all": true}.`;
}

/** GET|POST /api/welfare-checks, GET /api/welfare-checks/:id (+ /follow-up), POST /api/welfare-checks/:id/cancel|close. */
export function welfareCheckRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.get('/api/welfare-checks', requireRole('viewer'), broadcastList(deps, 'welfare', getWelfareCheck));
  r.post('/api/welfare-checks', requireRole('duty_officer'), async (req, res) => {
    const body = validate(createWelfareCheckBody, textByLanguage(deps, req.body));
    const started = await startWelfareCheck(deps, { ...body, ...authorAndSource(req) });
    // A check that asked nobody is closed already: the caller is told so in words, not left to read `total: 0`.
    const note = started.total === 0 && started.status === 'closed' ? { note: nobodyAskedNote(started.id) } : {};
    res.status(201).json({ ...started, ...note });
  });
  r.get('/api/welfare-checks/:id', requireRole('viewer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    res.json(await getWelfareCheck(deps, id));
  });
  r.get('/api/welfare-checks/:id/follow-up', requireRole('officer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    await getWelfareCheck(deps, id);
    const items = await listNonResponders(deps, id);
    await deps.audit.append({
      type: 'welfare.follow_up_listed',
      actor: req.principal?.name ?? 'unknown',
      subject: id,
      data: { count: items.length },
    });
    res.json({ items, nextCursor: null });
  });
  r.post('/api/welfare-checks/:id/cancel', requireRole('duty_officer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    res.json(await cancelBroadcast(deps, { id, actor: actorOf(req.principal) }));
  });
  r.post('/api/welfare-checks/:id/close', requireRole('duty_officer'), async (req, res) => {
    const { id } = validate(idParam, req.params, 'path');
    res.json(await closeWelfareCheck(deps, { id, actor: actorOf(req.principal), reason: 'officer' }));
  });
  return r;
}
