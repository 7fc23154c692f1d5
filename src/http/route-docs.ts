import type { z } from 'zod';
import type { Role } from '../domain/roster.ts';

/** Documentation of one HTTP route, from the same zod schemas that validate it (feeds /api/openapi.json). */
export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** Express-style path, e.g. /api/incidents/:id. */
  path: string;
  summary: string;
  /** The least role that may call it; 'public' for no authentication. */
  role: Role | 'public';
  tags: string[];
  body?: z.ZodType;
  query?: z.ZodType;
  /** When the route answers 409: the codes it uses and what they mean. */
  conflicts?: string;
  /** Status of the success response (default 200). */
  status?: number;
  /** Content type of the success response when not JSON (e.g. text/html, image/png); several when the request chooses. */
  produces?: string | string[];
}

const docs = new Map<string, RouteDoc>();

/** Registers a route's documentation; called next to the route's definition. */
export function documentRoute(doc: RouteDoc): void {
  docs.set(`${doc.method} ${doc.path}`, doc);
}

/** Every documented route. */
export function routeDocs(): RouteDoc[] {
  return [...docs.values()];
}
