import type { Request, RequestHandler } from 'express';
import type { Actor } from '../domain/actor.ts';
import { AppError, ForbiddenError } from '../domain/errors.ts';
import { hasRole, type Role } from '../domain/roster.ts';
import type { Principal, TokenStore } from '../store/token-store.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Reads the bearer token (or the dashboard's session cookie) and attaches the principal. */
export function authenticate(tokens: TokenStore): RequestHandler {
  return async (req, _res, next) => {
    const token = tokenOf(req);
    if (!token) throw new AppError('unauthorized', 'missing bearer token', 401);
    const principal = await tokens.verify(token);
    if (!principal) throw new AppError('unauthorized', 'invalid token', 401);
    req.principal = principal;
    next();
  };
}

/** A signed-in caller whose token's role is below the route's (the error handler audits it). */
export class MissingRoleError extends ForbiddenError {
  constructor(readonly needs: Role) {
    super(`this action needs the ${needs} role`);
  }
}

/** Refuses the request unless the principal has at least `role`. */
export function requireRole(role: Role): RequestHandler {
  return (req, _res, next) => {
    if (!req.principal || !hasRole([req.principal.role], role)) {
      throw new MissingRoleError(role);
    }
    next();
  };
}

/** The token a request carries: its bearer header, else the dashboard's session cookie. */
export function tokenOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  // The scheme is case-insensitive (RFC 9110): `bearer TOKEN` from a client library is the same token.
  const bearer = header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
  return bearer || readCookie(req.headers.cookie, 'cc_session');
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined; // a malformed cookie is no token (401), not a server error
    }
  }
  return undefined;
}

/** The person a request speaks for. */
export function actorOf(principal: { name: string; phone?: string } | undefined): Actor {
  return { name: principal?.name ?? 'unknown', ...(principal?.phone ? { phone: principal.phone } : {}) };
}
