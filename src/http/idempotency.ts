import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../domain/errors.ts';
import type { HttpDeps } from './http-deps.ts';

/** Longest Idempotency-Key accepted (the creating routes scope it to the caller and store it). */
export const MAX_IDEMPOTENCY_KEY = 200;
/** How long a key remembers the request it was first used for. */
const REMEMBER_SECONDS = 7 * 86_400;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Holds an `Idempotency-Key` to the one request it was first sent with, per caller: a retry of
 * the same request goes through (the route returns what the first created); the same key with a
 * different body or route is refused with 422 instead of silently answering with the first
 * request's alert, welfare check or run. A key too long to be kept is refused, not ignored.
 * A request refused as bad input (4xx) frees its key, so the corrected request can use it.
 */
export function idempotencyKeys(deps: HttpDeps): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined || key === '' || req.method === 'GET' || req.method === 'HEAD') return next();
    if (key.length > MAX_IDEMPOTENCY_KEY) {
      throw new AppError('invalid_idempotency_key', `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters`);
    }
    const slot = deps.keys.idempotencyKey(sha256(`${req.principal?.name ?? ''}\n${key}`));
    const fingerprint = sha256(`${req.method} ${req.originalUrl.split('?')[0]}\n${JSON.stringify(req.body ?? null)}`);
    const first = await deps.redis.set(slot, fingerprint, 'EX', REMEMBER_SECONDS, 'NX');
    if (first !== 'OK' && (await deps.redis.get(slot)) !== fingerprint) {
      throw new AppError(
        'idempotency_key_reused',
        'this Idempotency-Key was already used for a different request; send a new key for a new request',
        422,
      );
    }
    // The error handler frees the key before it answers a refusal, so a corrected request sent at once finds it free.
    if (first === 'OK') res.locals.releaseIdempotencyKey = () => freeKey(deps, slot, fingerprint);
    next();
  };
}

/** Deletes the slot if it still holds this request's fingerprint. */
async function freeKey(deps: HttpDeps, slot: string, fingerprint: string): Promise<void> {
  if ((await deps.redis.get(slot)) === fingerprint) await deps.redis.del(slot);
}
