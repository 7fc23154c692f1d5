import { fileURLToPath } from 'node:url';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { wellFormed } from '../domain/text-normalise.ts';
import { authenticate } from './auth.ts';
import { errorHandler, notFoundRoute } from './errors.ts';
import type { HttpDeps } from './http-deps.ts';
import { idempotencyKeys } from './idempotency.ts';
import { auditRoutes } from './routes/audit.ts';
import { healthRoutes } from './routes/health.ts';
import { regionRoutes } from './routes/regions.ts';
import { simulatorRoutes } from './routes/simulator.ts';
import { tokenRoutes } from './routes/tokens.ts';

/** Extra route groups mounted under the authenticated /api (added by feature modules). */
export type ApiRoutes = (deps: HttpDeps) => Router;

/**
 * A request's path as logged: no query string (phones in `?to=`), and no person's name where the
 * path holds one (`DELETE /api/tokens/Ana%20Duty` is logged as `/api/tokens/:name`).
 */
export function loggedPath(url: string | undefined): string | undefined {
  return url?.split('?')[0]?.replace(/^(\/api\/tokens\/)[^/]+/, '$1:name');
}

/** Builds the Express app: security headers, request logs, JSON limit, auth, routes, errors. */
export function createHttpApp(deps: HttpDeps, apiRoutes: ApiRoutes[] = [], publicRoutes: ApiRoutes[] = []): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(helmet({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'data:', 'https:'] } } }));
  app.use(
    pinoHttp({
      logger: deps.log,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url?.startsWith('/assets/') === true },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      serializers: { req: (req) => ({ method: req.method, url: loggedPath(req.url) }), res: (res) => ({ statusCode: res.statusCode }) },
    }),
  );
  // Half an emoji (`"\ud83d"`) is no text: taken as U+FFFD, as a UTF-8 decoder would, never stored as is (Redis's Lua JSON refuses it).
  app.use(express.json({ limit: '100kb', reviver: (_key, value) => (typeof value === 'string' ? wellFormed(value) : value) }));
  app.use('/assets', express.static(fileURLToPath(new URL('./public/', import.meta.url)), { maxAge: '1h', index: false }));
  app.use(healthRoutes(deps));
  if (deps.simulator) app.use(simulatorRoutes(deps, deps.simulator));
  for (const routes of publicRoutes) app.use(routes(deps));
  app.use('/api', authenticate(deps.tokens, deps.roster));
  app.use('/api', idempotencyKeys(deps));
  app.use(tokenRoutes(deps));
  app.use(auditRoutes(deps));
  app.use(regionRoutes(deps));
  for (const routes of apiRoutes) app.use(routes(deps));
  app.use(notFoundRoute);
  app.use(errorHandler(deps.log, deps.audit));
  return app;
}
