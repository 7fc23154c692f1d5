import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express, { Router } from 'express';
import { AppError } from '../../domain/errors.ts';
import { authenticate, tokenOf } from '../auth.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';
import type { EventHub } from './event-hub.ts';

documentRoute({
  method: 'get',
  path: '/dashboard',
  summary: "The duty officer's dashboard (sign-in page when there is no session)",
  role: 'public',
  tags: ['dashboard'],
  produces: 'text/html',
});
documentRoute({
  method: 'get',
  path: '/dashboard/events',
  summary: 'Live changes as Server-Sent Events: `change` events carry {type, id}',
  role: 'viewer',
  tags: ['dashboard'],
  produces: 'text/event-stream',
});

const publicDir = new URL('./public/', import.meta.url).pathname;
const leafletDir = dirname(createRequire(import.meta.url).resolve('leaflet/dist/leaflet.js'));
const page = readFileSync(new URL('./public/index.html', import.meta.url), 'utf8');

/** The dashboard page, its assets (our own origin only, Leaflet included), and the live event stream. */
export function pageRoutes(deps: HttpDeps, hub: () => EventHub | undefined): Router {
  const r = Router();
  r.use('/dashboard/assets', express.static(publicDir, { maxAge: '5m', index: false }));
  r.use('/dashboard/vendor/leaflet', express.static(leafletDir, { maxAge: '1d', index: false }));
  r.get('/dashboard', (_req, res) => {
    res.set('cache-control', 'no-store').type('html').send(page);
  });
  r.get('/dashboard/events', authenticate(deps.tokens, deps.roster), (req, res) => {
    const live = hub();
    if (!live) throw new AppError('unavailable', 'live updates are not running in this process', 503);
    const token = tokenOf(req) as string;
    live.attach(req, res, async () => (await deps.tokens.verify(token)) !== undefined);
  });
  return r;
}
