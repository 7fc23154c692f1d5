import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
import type { Logger } from '../../observability/logger.ts';
import type { AuditLog } from '../../store/audit-log.ts';
import { validate } from '../errors.ts';
import type { HttpDeps } from '../http-deps.ts';
import { documentRoute } from '../route-docs.ts';

/** Name of the dashboard's session cookie; src/http/auth.ts accepts it in place of a bearer token. */
export const SESSION_COOKIE = 'cc_session';
const SESSION_HOURS = 12;

export const signInBody = z.strictObject({
  token: z.string().trim().min(8, 'must be an API token').max(200),
});

documentRoute({
  method: 'post',
  path: '/dashboard/session',
  summary: 'Sign in to the dashboard with an API token (sets the HttpOnly cc_session cookie)',
  role: 'public',
  tags: ['dashboard'],
  body: signInBody,
});
documentRoute({
  method: 'delete',
  path: '/dashboard/session',
  summary: 'Sign out of the dashboard (clears the session cookie)',
  role: 'public',
  tags: ['dashboard'],
  status: 204,
});

/** How often at most a refused sign-in is written to the audit trail: the entry counts the attempts. */
export const SIGN_IN_REFUSAL_WINDOW_MS = 60_000;

/**
 * Records refused sign-ins: the first at once, then at most one entry per `windowMs`, carrying how
 * many attempts it stands for. Anyone who reaches the page can send wrong tokens; one audit entry
 * each let them grow the trail (Redis, under noeviction) without bound and bury the real entries.
 */
export function signInRefusals(audit: Pick<AuditLog, 'append'>, log: Logger, windowMs = SIGN_IN_REFUSAL_WINDOW_MS): () => Promise<void> {
  let pending = 0;
  let last = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const flush = async () => {
    timer = undefined;
    const attempts = pending;
    if (attempts === 0) return;
    pending = 0;
    last = Date.now();
    await audit.append({ type: 'dashboard.sign_in_refused', actor: 'unknown', data: { attempts } });
  };
  return async () => {
    pending += 1;
    const wait = last + windowMs - Date.now();
    if (wait <= 0 && !timer) return flush();
    timer ??= setTimeout(
      () => {
        flush().catch((err: Error) => log.error({ err: err.message }, 'cannot audit refused dashboard sign-ins'));
      },
      Math.max(wait, 0),
    );
    timer.unref();
  };
}

/** Sign-in and sign-out: the token goes into an HttpOnly, SameSite=Strict cookie, never the URL. */
export function sessionRoutes(deps: HttpDeps): Router {
  const r = Router();
  const refused = signInRefusals(deps.audit, deps.log);
  r.post('/dashboard/session', async (req, res) => {
    const { token } = validate(signInBody, req.body);
    const { principal, expired } = await deps.tokens.check(token);
    if (!principal) {
      await refused();
      throw new AppError('unauthorized', expired ?? 'this token is not valid', 401);
    }
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: '/',
      maxAge: SESSION_HOURS * 3600 * 1000,
    });
    await deps.audit.append({ type: 'dashboard.signed_in', actor: principal.name, data: { role: principal.role } });
    res.json({ name: principal.name, role: principal.role, ...(principal.phone ? { phone: principal.phone } : {}) });
  });
  r.delete('/dashboard/session', (req, res) => {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    res.status(204).end();
  });
  return r;
}
