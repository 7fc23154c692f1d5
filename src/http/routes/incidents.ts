import { randomUUID } from 'node:crypto';
import { type Request, Router } from 'express';
import { z } from 'zod';
import { addNote, messageReporter, updateIncident } from '../../app/incidents/lifecycle.ts';
import { openIncident } from '../../app/incidents/open-incident.ts';
import { incidentStore } from '../../app/incidents/shared.ts';
import { matchRegion } from '../../citizens/registry.ts';
import { e164 } from '../../config/schema.ts';
import { NotFoundError, ValidationError } from '../../domain/errors.ts';
import { ACTIVE_STATUSES, CATEGORIES, parseIncidentId, SEVERITIES, SEVERITY_RANK, STATUSES } from '../../domain/incident.ts';
import { actorOf, requireRole } from '../auth.ts';
import { noQuery, oneOrMore, phoneAsTyped, queryInt, validate, visibleText } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';
import { authorAndSource } from './alerts.ts';
import { exportIncidents } from './incident-export.ts';

const listQuery = z.strictObject({
  status: oneOrMore(STATUSES, { active: ACTIVE_STATUSES })
    .optional()
    .describe('A status, `active` (open, acknowledged, in progress), or several separated by commas'),
  severity: oneOrMore(SEVERITIES).optional().describe('A severity, or several separated by commas'),
  limit: queryInt(1, 200).default(50),
  cursor: z.string().regex(/^\d+$/, 'must be the nextCursor of the previous page').optional(),
  /** Only the incidents the HELP answers to this welfare check went into (WFC-0003). */
  welfareCheck: z
    .string()
    .regex(/^WFC-\d{4,}$/, 'must be a welfare check id like WFC-0003')
    .optional(),
  /** `false` leaves each incident's timeline out (a board listing thousands of incidents needs none). */
  timeline: z.enum(['true', 'false']).default('true'),
});
const patchBody = z
  .strictObject({
    status: z.enum(STATUSES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    category: z.enum(CATEGORIES).optional(),
    region: z.string().min(1).max(64).optional(),
    /** A phone as people write it ("+1 555 000 0003", "15550000003") is taken in its E.164 form. */
    assignee: phoneAsTyped.nullable().optional(),
    /** Why, for the timeline (e.g. what was done when resolving). */
    text: visibleText(4000, 'the reason needs some visible text').optional(),
  })
  .refine((b) => Object.keys(b).some((k) => k !== 'text'), 'give at least one of status, severity, category, region, assignee');
/**
 * A configured region's id from what a caller sent: its id, or its name or an alias as the chat's
 * /region takes them ("Northern Province", "nord"); else a 400 that lists the ids.
 */
function regionId(deps: HttpDeps, typed: string): string {
  const id = deps.config.regions.some((r) => r.id === typed) ? typed : matchRegion(deps, typed);
  if (!id) throw new ValidationError(`body.region: unknown region "${typed}"; regions: ${deps.config.regions.map((r) => r.id).join(', ')}`);
  return id;
}

const noteBody = z.strictObject({ text: visibleText(4000, 'a note needs some text') });
const createBody = z.strictObject({
  reporter: e164,
  text: visibleText(4000, 'the report needs some text'),
  severity: z.enum(SEVERITIES).optional(),
  category: z.enum(CATEGORIES).optional(),
  region: z.string().min(1).max(64).optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/)
    .optional(),
  location: z
    .strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180), name: z.string().max(200).optional() })
    .optional(),
});

const tags = ['incidents'];
documentRoute({
  method: 'get',
  path: '/api/incidents',
  summary: "List incidents, newest first, by status and severity, or those a welfare check's HELP answers opened (welfareCheck=WFC-0003)",
  role: 'viewer',
  tags,
  query: listQuery,
});
documentRoute({
  method: 'post',
  path: '/api/incidents',
  summary:
    'Open an incident on behalf of a citizen (e.g. a phone call). With an Idempotency-Key, a retried request opens or adds nothing twice and answers with the same incident',
  role: 'officer',
  tags,
  body: createBody,
  status: 201,
});
documentRoute({
  method: 'get',
  path: '/api/incidents/counts',
  summary: 'How many incidents there are, by status and severity: {byStatus: {open: {critical: 2, ...}, ...}}',
  role: 'viewer',
  tags,
});
documentRoute({ method: 'get', path: '/api/incidents/:id', summary: 'One incident with its timeline', role: 'viewer', tags });
documentRoute({
  method: 'patch',
  path: '/api/incidents/:id',
  summary:
    'Change status, severity, category, region or assignee. With an Idempotency-Key, a retried request changes nothing twice and answers as the first did (the reporter told once)',
  role: 'officer',
  tags,
  body: patchBody,
  conflicts:
    'Nothing was changed: illegal_transition (the status cannot move there), unchanged (it already has those values), own_report (staff who reported it cannot take, close or be given their own report), busy (changed by someone else meanwhile; retry)',
});
documentRoute({
  method: 'post',
  path: '/api/incidents/:id/notes',
  summary: "Add a note to an incident's timeline. With an Idempotency-Key, a retried request adds it once",
  role: 'officer',
  tags,
  body: noteBody,
  conflicts: 'busy: the incident was being changed by someone else; retry',
  status: 201,
});

const messageBody = z.strictObject({ text: visibleText(2000, 'the message needs some text') });
documentRoute({
  method: 'post',
  path: '/api/incidents/:id/messages',
  summary:
    'Write to the citizen who reported, from the embassy number (framed in their language; their answer joins the report). With an Idempotency-Key, a retried request sends nothing twice',
  role: 'officer',
  tags,
  body: messageBody,
  conflicts: 'no_reporter: nobody to write to (the reporter erased their data); busy: retry',
  status: 201,
});

function idParam(raw: string | string[] | undefined): string {
  const id = parseIncidentId(String(raw ?? ''));
  if (!id) throw new ValidationError('path.id: must be an incident id like INC-0042');
  return id;
}

/**
 * The request key of a change made through the API: the caller's Idempotency-Key (a retried request
 * is the same change), else one of its own (Redis running a change twice, sent again after a
 * restart, is still one change).
 */
function changeKey(req: Request): string {
  return authorAndSource(req).source ?? `api:${randomUUID()}`;
}

/** The incident routes of the admin API. */
export function incidentRoutes(deps: HttpDeps): Router {
  const r = Router();
  const store = incidentStore(deps);
  r.get('/api/incidents', requireRole('viewer'), async (req, res) => {
    const q = validate(listQuery, req.query, 'query');
    const query = {
      limit: q.limit,
      ...(q.status ? { status: q.status } : {}),
      ...(q.severity ? { severity: q.severity } : {}),
      ...(q.cursor ? { cursor: Number(q.cursor) } : {}),
      ...(q.welfareCheck ? { welfareCheck: q.welfareCheck } : {}),
    };
    res.json(q.timeline === 'false' ? await store.listWithoutTimeline(query) : await store.list(query));
  });
  r.post('/api/incidents', requireRole('officer'), async (req, res) => {
    const b = { ...validate(createBody, req.body) };
    if (b.region) b.region = regionId(deps, b.region);
    // The citizen's answers are written in this language: one the embassy does not serve reads as English.
    if (b.language && !deps.config.languages.includes(b.language))
      throw new ValidationError(
        `body.language: "${b.language}" is not a configured language; configured: ${deps.config.languages.join(', ')}`,
      );
    // Every answer and /reply would go to the embassy's own WhatsApp number.
    if (b.reporter === deps.config.embassy.number) throw new ValidationError("body.reporter: is the embassy's own number, not a citizen's");
    // With an Idempotency-Key, a retried request (a lost answer) finds the report already taken in: nothing is added twice.
    const { source } = authorAndSource(req);
    const result = await openIncident(deps, { ...b, channel: 'api', ...(source ? { sourceMessageId: source } : {}) });
    let incident = await store.get(result.id);
    // The caller's report joined their open incident: the officer's judgement still counts, upwards only.
    if (incident && !result.created && !result.duplicate) {
      const raise = b.severity && SEVERITY_RANK[b.severity] < SEVERITY_RANK[incident.severity] ? { severity: b.severity } : {};
      const place = b.region && !incident.region ? { region: b.region } : {};
      if (raise.severity || place.region) {
        incident = await updateIncident(deps, { id: incident.id, actor: actorOf(req.principal), channel: 'api', ...raise, ...place });
      }
    }
    res.status(result.created ? 201 : 200).json(incident);
  });
  r.get('/api/incidents/counts', requireRole('viewer'), async (req, res) => {
    validate(noQuery, req.query, 'query');
    res.json({ byStatus: await store.counts(STATUSES, SEVERITIES) });
  });
  // Before /:id, which would take "export" for an incident id. Officers up: it takes citizens'
  // phones and words out of the system in bulk (a viewer reads them a page at a time).
  r.get('/api/incidents/export', requireRole('officer'), (req, res) => exportIncidents(deps, store, req, res));
  r.get('/api/incidents/:id', requireRole('viewer'), async (req, res) => {
    const id = idParam(req.params.id);
    const incident = await store.get(id);
    if (!incident) throw new NotFoundError('incident', id);
    res.json(incident);
  });
  r.patch('/api/incidents/:id', requireRole('officer'), async (req, res) => {
    const id = idParam(req.params.id);
    const b = { ...validate(patchBody, req.body) };
    if (b.region) b.region = regionId(deps, b.region);
    res.json(await updateIncident(deps, { ...b, id, actor: actorOf(req.principal), channel: 'api', key: changeKey(req) }));
  });
  r.post('/api/incidents/:id/notes', requireRole('officer'), async (req, res) => {
    const id = idParam(req.params.id);
    const b = validate(noteBody, req.body);
    res.status(201).json(await addNote(deps, { id, text: b.text, actor: actorOf(req.principal), channel: 'api', key: changeKey(req) }));
  });
  r.post('/api/incidents/:id/messages', requireRole('officer'), async (req, res) => {
    const id = idParam(req.params.id);
    const b = validate(messageBody, req.body);
    const { author, source } = authorAndSource(req);
    res.status(201).json(await messageReporter(deps, { id, text: b.text, actor: author, channel: 'api', key: source ?? changeKey(req) }));
  });
  return r;
}
