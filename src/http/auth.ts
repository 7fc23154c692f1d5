import type { Request, RequestHandler } from 'express';
import type { Actor } from '../domain/actor.ts';
import { AppError, ForbiddenError } from '../domain/errors.ts';
import { hasRole, type Role, type Roster } from '../domain/roster.ts';
import { type Principal, rosterPhoneOf, type TokenStore } from '../store/token-store.ts';

declare module 'express-serve-static-core' {
  interface Request {
    principal?: Principal;
  }
}

/** Methods a page of another origin cannot make the browser send with the session cookie (short of a link, which reads). */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * True when a browser sent the request for a page of another origin. SameSite=Strict keeps the
 * cookie from other sites only: another port on the same host or a sibling subdomain is the same
 * site, and its form's POST (no body needed for /approve, /cancel, /stop) came with the officer's
 * session. Browsers say who asked in Sec-Fetch-Site (older ones in Origin); a client that sends
 * neither is no browser acting for a page.
 */
function fromAnotherOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true; // "null" (a sandboxed page, a file) is another origin
  }
}

/**
 * Reads the bearer token (or the dashboard's session cookie) and attaches the principal. A token
 * minted by name only, for a name the roster gives one person, acts as that person, phone included
 * (as the roster's changes already treat it: TokenStore.followRoster): a member of staff cannot
 * resolve their own SOS, or approve their own alert, from the dashboard by leaving the phone out.
 */
export function authenticate(tokens: TokenStore, roster: Roster): RequestHandler {
  return async (req, _res, next) => {
    const token = tokenOf(req);
    if (!token) throw new AppError('unauthorized', 'missing bearer token', 401);
    const { principal, expired } = await tokens.check(token);
    if (!principal) throw new AppError('unauthorized', expired ?? 'invalid token', 401);
    const phone = principal.phone ?? rosterPhoneOf(roster, principal.name);
    req.principal = phone && !principal.phone ? { ...principal, phone } : principal;
    // The session cookie acts only for the dashboard's own pages; a bearer token is never sent by itself.
    if (!bearerOf(req) && !READS.has(req.method) && fromAnotherOrigin(req)) throw new CrossSiteRequestError();
    next();
  };
}

/**
 * True when the dashboard's session cookie, not a bearer token, came with a request a page of another
 * origin made the browser send: for the reads that hand over personal data in bulk (an export), which
 * the dashboard's own page alone may ask for.
 */
export function cookieFromAnotherOrigin(req: Request): boolean {
  return !bearerOf(req) && fromAnotherOrigin(req);
}

/** A page of another origin made a signed-in browser send a change (the error handler audits it). */
export class CrossSiteRequestError extends AppError {
  constructor() {
    super('cross_site_request', 'this request came from a page outside the dashboard; nothing was done', 403);
  }
}

/** A signed-in caller whose token's role is below the route's (the error handler audits it). */
export class MissingRoleError extends ForbiddenError {
  constructor(
    readonly needs: Role,
    message = `this action needs the ${needs} role`,
  ) {
    super(message);
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
  return bearerOf(req) || readCookie(req.headers.cookie, 'cc_session');
}

/** The request's bearer token, if it has one. */
function bearerOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  // The scheme is case-insensitive (RFC 9110): `bearer TOKEN` from a client library is the same token.
  return (header && /^bearer /i.test(header) ? header.slice(7).trim() : undefined) || undefined;
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
