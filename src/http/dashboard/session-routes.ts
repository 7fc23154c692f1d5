import { Router } from 'express';
import { z } from 'zod';
import { AppError } from '../../domain/errors.ts';
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

/** Sign-in and sign-out: the token goes into an HttpOnly, SameSite=Strict cookie, never the URL. */
export function sessionRoutes(deps: HttpDeps): Router {
  const r = Router();
  r.post('/dashboard/session', async (req, res) => {
    const { token } = validate(signInBody, req.body);
    const principal = await deps.tokens.verify(token);
    if (!principal) {
      await deps.audit.append({ type: 'dashboard.sign_in_refused', actor: 'unknown', data: {} });
      throw new AppError('unauthorized', 'this token is not valid', 401);
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
