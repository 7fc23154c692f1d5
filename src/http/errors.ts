import type { ErrorRequestHandler, RequestHandler } from 'express';
import { z } from 'zod';
import { e164 } from '../config/schema.ts';
import { AppError, ValidationError } from '../domain/errors.ts';
import { toE164 } from '../domain/roster.ts';
import { charCount, hasVisibleText } from '../domain/text-normalise.ts';
import type { Logger } from '../observability/logger.ts';
import type { AuditLog } from '../store/audit-log.ts';
import { CrossSiteRequestError, MissingRoleError } from './auth.ts';

/**
 * Parses `value` with `schema` or throws a ValidationError naming the field. In a query string, a
 * parameter given empty (`?status=&cursor=`, as a client fills a URL template) is one not given.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(where === 'query' ? withoutEmpty(value) : value);
  // No body at all: almost always JSON sent without its Content-Type, which Express leaves unread.
  if (!result.success && value === undefined && where === 'body')
    throw new ValidationError('body: missing; send a JSON object with the header Content-Type: application/json');
  if (!result.success) {
    const issues = result.error.issues;
    const issue = issues[0];
    const field = issue?.path.length ? `${where}.${issue.path.join('.')}` : where;
    const details = issues.slice(0, MAX_ISSUES).map((i) => ({ path: i.path.join('.'), message: issueMessage(i, where) }));
    if (issues.length > MAX_ISSUES) details.push({ path: '', message: `… and ${issues.length - MAX_ISSUES} more problems` });
    throw new ValidationError(`${field}: ${issue ? issueMessage(issue, where) : 'invalid'}`, details);
  }
  return result.data;
}

/** The problems an error lists at most: a body of 8,000 unknown fields gets a short answer, not all of them back. */
const MAX_ISSUES = 20;
/** The unknown fields an error names at most. */
const MAX_KEYS_NAMED = 5;

/** What is wrong, in a few words: unknown fields are named (the first few of them), never all 8,000. */
function issueMessage(issue: z.core.$ZodIssue, where: string): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const named = issue.keys.slice(0, MAX_KEYS_NAMED).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  const more = issue.keys.length > MAX_KEYS_NAMED ? ` and ${issue.keys.length - MAX_KEYS_NAMED} more` : '';
  const what = where === 'query' ? 'parameter' : 'field';
  return `unknown ${what}${issue.keys.length === 1 ? '' : 's'} ${named.join(', ')}${more}`;
}

/** A query object without its empty parameters. */
function withoutEmpty(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));
}

/**
 * Text a person will read (an alert, a note, a message to a citizen): trimmed, at most `max`
 * characters, and with something to read: not only spaces, control characters or invisible ones
 * (a NUL, a zero-width space), which would go out as a blank message.
 */
export function visibleText(max: number, empty = 'must hold some visible text') {
  return z
    .string()
    .trim()
    .refine((t) => charCount(t) <= max, `must be at most ${max} characters`)
    .refine(hasVisibleText, empty);
}

/** A phone in a body as people write it ("+1 555 000 0003", "15550000003"), taken in its E.164 form (else refused as not E.164). */
export const phoneAsTyped = z.preprocess((v) => (typeof v === 'string' ? (toE164(v) ?? v) : v), e164);

/** Words a filter takes: `values`, or a word standing for several (`active`); several separated by commas. */
export function oneOrMore<T extends string>(values: readonly T[], words: Record<string, readonly T[]> = {}) {
  const known = [...values, ...Object.keys(words)].join(', ');
  return z.string().transform((raw, ctx) => {
    const out = new Set<T>();
    for (const word of raw.split(',').map((w) => w.trim())) {
      const hit = words[word] ?? (values.includes(word as T) ? [word as T] : undefined);
      if (!hit) {
        ctx.addIssue({ code: 'custom', message: `unknown "${word.slice(0, 40)}"; one of ${known} (several separated by commas)` });
        return z.NEVER;
      }
      for (const v of hit) out.add(v);
    }
    return [...out];
  });
}

/**
 * A whole number in a query string, from `min` to `max`: digits only (coercion would also take
 * "0x10", "1e1" or " 12" and answer as if the caller had meant a number).
 */
export function queryInt(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,12}$/, message)
    .transform(Number)
    .pipe(z.number().int().min(min, message).max(max, message));
}

/**
 * The query of a list the API holds whole (the configured regions, the staff roster, the playbook
 * library, the token holders): `limit` and the previous page's `cursor`, like every other list, and
 * nothing else (an unknown filter is a 400, not ignored).
 */
export const wholeListQuery = z.strictObject({
  limit: queryInt(1, 1000).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,6}$/, 'must be the nextCursor of the previous page')
    .optional(),
});

/** The query of a route that takes no parameter: any one given (a filter it does not have) is a 400, not ignored. */
export const noQuery = z.strictObject({});

/** A page of a list held whole, as `{items, nextCursor}`; without `limit`, every item. */
export function pageOfList<T>(items: readonly T[], query: unknown): { items: T[]; nextCursor: string | null } {
  const q = validate(wholeListQuery, query, 'query');
  const start = Number(q.cursor ?? 0);
  const end = q.limit ? start + q.limit : items.length;
  return { items: items.slice(start, end), nextCursor: end < items.length ? String(end) : null };
}

/**
 * The query of a list the API holds whole whose items come and go while it is paged (the token
 * holders): its cursor names the last item given, not a position, so a holder minted or revoked
 * between two pages makes the next one skip or repeat nobody.
 */
export const keyedListQuery = z.strictObject({
  limit: queryInt(1, 1000).optional(),
  cursor: z
    .string()
    // "k" and the key (base64url): a position, as the other whole lists' cursors are, is refused, not misread.
    .regex(/^k[A-Za-z0-9_-]{1,400}$/, 'must be the nextCursor of the previous page')
    .optional(),
});

/** Orders keys as people read them, and identical-looking ones still one way. */
const byKey = (a: string, b: string) => a.localeCompare(b) || (a < b ? -1 : a > b ? 1 : 0);

/** A page of a list held whole, in the order of `keyOf`, after the item the cursor names (see keyedListQuery). */
export function pageAfterKey<T>(
  items: readonly T[],
  query: unknown,
  keyOf: (item: T) => string,
): { items: T[]; nextCursor: string | null } {
  const q = validate(keyedListQuery, query, 'query');
  const after = q.cursor === undefined ? undefined : Buffer.from(q.cursor.slice(1), 'base64url').toString('utf8');
  const sorted = items.map((item) => ({ item, key: keyOf(item) })).sort((a, b) => byKey(a.key, b.key));
  const rest = after === undefined ? sorted : sorted.filter((x) => byKey(x.key, after) > 0);
  const page = q.limit ? rest.slice(0, q.limit) : rest;
  const last = page.at(-1);
  return {
    items: page.map((x) => x.item),
    nextCursor: last && page.length < rest.length ? `k${Buffer.from(last.key, 'utf8').toString('base64url')}` : null,
  };
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'not_found', message: `no route for ${req.method} ${req.path}` } });
};

/** The one error handler: typed errors keep their code; anything else is a 500 with no stack. */
export function errorHandler(log: Logger, audit?: Pick<AuditLog, 'append'>): ErrorRequestHandler {
  return async (err, req, res, _next) => {
    // A token whose role is below the route's, or a page of another origin using an officer's session:
    // refused, and on the record (who, what), as a refused chat command is.
    if ((err instanceof MissingRoleError || err instanceof CrossSiteRequestError) && req.principal && audit) {
      await audit
        .append({
          type: 'api.refused',
          actor: req.principal.name,
          subject: `${req.method} ${req.originalUrl.split('?')[0]?.slice(0, 200)}`,
          data:
            err instanceof MissingRoleError
              ? { reason: 'missing_role', role: req.principal.role, needs: err.needs }
              : { reason: 'cross_site', origin: String(req.headers.origin ?? 'unknown').slice(0, 100) },
        })
        .catch((e: Error) => log.error({ err: e.message }, 'cannot audit a refused API request'));
    }
    const refusal = err instanceof AppError ? err.status : (err?.status ?? err?.statusCode);
    // A refused request created nothing: its Idempotency-Key may be used again (see idempotency.ts).
    if (typeof refusal === 'number' && refusal >= 400 && refusal < 500) {
      await (res.locals.releaseIdempotencyKey as (() => Promise<void>) | undefined)?.().catch(() => undefined);
    }
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
      return;
    }
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status === 413) {
      res.status(413).json({ error: { code: 'payload_too_large', message: 'request body is too large' } });
      return;
    }
    if (status === 400 && err?.type === 'entity.parse.failed') {
      // `null`, `5` or `"text"` is JSON, but no body any route takes: say so rather than call it broken.
      const parsed = jsonShape(err.body);
      if (parsed === 'value')
        res.status(400).json({ error: { code: 'invalid_request', message: 'body: must be a JSON object, not a bare value' } });
      // Valid JSON that body-parser still refused: nested too deep for its reader (thousands of "[[[[").
      else if (parsed === 'object')
        res.status(400).json({ error: { code: 'invalid_json', message: 'request body is nested too deeply to read' } });
      else res.status(400).json({ error: { code: 'invalid_json', message: 'request body is not valid JSON' } });
      return;
    }
    // A body sent as gzip or deflate that does not inflate: zlib's own words ("incorrect header check") say nothing to a client.
    if (status === 400 && typeof err?.code === 'string' && err.code.startsWith('Z_')) {
      res.status(400).json({
        error: { code: 'invalid_body', message: 'request body could not be decompressed as its Content-Encoding says' },
      });
      return;
    }
    if (status === 415) {
      // body-parser's words ("unsupported charset \"LATIN1\"") say what it could not read.
      res.status(415).json({ error: { code: 'unsupported_media_type', message: String(err?.message ?? 'unsupported media type') } });
      return;
    }
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'bad_request', message: String(err?.message ?? 'bad request') } });
      return;
    }
    log.error({ err }, 'unhandled error in request');
    res.status(500).json({ error: { code: 'internal', message: 'internal error; it has been logged' } });
  };
}

/**
 * What `text` is as JSON: a bare value (body-parser's strict mode refuses what is not an object or
 * array), an object or array, or no JSON at all.
 */
function jsonShape(text: unknown): 'value' | 'object' | 'invalid' {
  if (typeof text !== 'string') return 'invalid';
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? 'object' : 'value';
  } catch {
    return 'invalid';
  }
}

export { z };
