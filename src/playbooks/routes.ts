import { Router } from 'express';
import { z } from 'zod';
import type { CoreDeps } from '../app/deps.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { canonicalId } from '../domain/record-id.ts';
import { requireRole } from '../http/auth.ts';
import { pageOfList, queryInt, validate, wholeListQuery } from '../http/errors.ts';
import { documentRoute } from '../http/route-docs.ts';
import type { PlaybookRunner } from './runner.ts';
import { playbookSummary, runView } from './views.ts';

export const startRunBody = z.strictObject({
  params: z.record(z.string(), z.union([z.string().max(500), z.number(), z.boolean()])).default({}),
  exercise: z.boolean().default(false),
});
export const listRunsQuery = z.strictObject({
  limit: queryInt(1, 200).default(50),
  cursor: z
    .string()
    .regex(/^(RUN-\d{4,}|\d{1,16})$/i, 'must be the nextCursor of the previous page')
    .transform((c) => c.toUpperCase())
    .optional(),
  /** `true`: only the runs still going (running or waiting), newest first, all of them on one page. */
  active: z.enum(['true', 'false']).default('false'),
});

documentRoute({
  method: 'get',
  path: '/api/playbooks',
  summary: 'The playbook library',
  role: 'viewer',
  tags: ['playbooks'],
  query: wholeListQuery,
});
documentRoute({
  method: 'get',
  path: '/api/playbooks/:id',
  summary: 'One playbook with its parameters and steps',
  role: 'viewer',
  tags: ['playbooks'],
});
documentRoute({
  method: 'post',
  path: '/api/playbooks/:id/runs',
  summary: 'Start a run of a playbook (exercise: true for a drill that messages staff only)',
  role: 'officer',
  tags: ['playbooks'],
  body: startRunBody,
  status: 201,
});
documentRoute({
  method: 'get',
  path: '/api/runs',
  summary: 'Playbook runs, newest first; active=true lists only the runs still going, all of them',
  role: 'viewer',
  tags: ['playbooks'],
  query: listRunsQuery,
});
documentRoute({
  method: 'get',
  path: '/api/runs/:id',
  summary: 'A playbook run with each step’s state and times',
  role: 'viewer',
  tags: ['playbooks'],
});
documentRoute({
  method: 'post',
  path: '/api/runs/:id/stop',
  summary: 'Stop a run and cancel its pending steps',
  role: 'officer',
  tags: ['playbooks'],
});

documentRoute({
  method: 'post',
  path: '/api/runs/:id/attention/clear',
  summary: 'Clear a run’s attention flag once the duty officers dealt with it (audited with the reason it had)',
  role: 'duty_officer',
  tags: ['playbooks'],
  conflicts: 'no_attention: the run is not flagged',
});

/** The playbook and run routes of the admin API. */
export function playbookRoutes(deps: CoreDeps, runner: PlaybookRunner): Router {
  const r = Router();
  r.get('/api/playbooks', requireRole('viewer'), (req, res) => {
    res.json(pageOfList([...runner.library.values()].map(playbookSummary), req.query));
  });
  r.get('/api/playbooks/:id', requireRole('viewer'), (req, res) => {
    res.json(playbookSummary(runner.playbook(String(req.params.id))));
  });
  r.post('/api/playbooks/:id/runs', requireRole('officer'), async (req, res) => {
    const body = validate(startRunBody, req.body ?? {});
    const key = req.get('idempotency-key');
    const run = await runner.start(String(req.params.id), body.params, body.exercise, {
      name: req.principal?.name ?? 'api',
      ...(req.principal?.phone ? { phone: req.principal.phone } : {}),
      // Keys over 200 characters are refused before this (src/http/idempotency.ts): the whole key counts.
      ...(key ? { origin: `api:${req.principal?.name}:${key}` } : {}),
    });
    res.status(201).json({ id: run.id, status: run.status, exercise: run.exercise });
  });
  r.get('/api/runs', requireRole('viewer'), async (req, res) => {
    const q = validate(listRunsQuery, req.query, 'query');
    if (q.active === 'true') {
      // However many newer runs there are, a run still going is never out of reach on the dashboard.
      const active = (await Promise.all((await runner.store.activeIds()).map((id) => runner.store.get(id)))).filter((x) => x !== undefined);
      res.json({ items: active.sort((a, b) => Number(b.id.slice(4)) - Number(a.id.slice(4))), nextCursor: null });
      return;
    }
    const page = await runner.store.page(q.limit, q.cursor);
    if (!page) throw new ValidationError('query.cursor: must be the nextCursor of the previous page');
    const runs = (await Promise.all(page.ids.map((id) => runner.store.get(id)))).filter((x) => x !== undefined);
    res.json({ items: runs, nextCursor: page.nextCursor });
  });
  r.get('/api/runs/:id', requireRole('viewer'), async (req, res) => {
    const run = await runner.store.get(canonicalId(String(req.params.id)));
    if (!run) throw new NotFoundError('run', String(req.params.id));
    res.json(await runView(deps, runner, run));
  });
  r.post('/api/runs/:id/attention/clear', requireRole('duty_officer'), async (req, res) => {
    const id = canonicalId(String(req.params.id));
    const reason = await runner.clearAttention(id, req.principal?.name ?? 'api');
    res.json({ id, cleared: reason });
  });
  r.post('/api/runs/:id/stop', requireRole('officer'), async (req, res) => {
    const id = canonicalId(String(req.params.id));
    // As the cell's stop notice: what was cancelled, what may still finish, and what goes on (`live`).
    const told = await runner.stopAndTell(id, req.principal?.name ?? 'api');
    res.json({ id, status: 'stopped', ...told });
  });
  return r;
}
