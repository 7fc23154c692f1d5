/**
 * Typed application errors. Each carries a stable code (shown to API clients and
 * used in chat replies) and an HTTP status; the class decides retry versus give-up
 * in workers: an AppError is the caller's fault and is never retried.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options);
    this.details = options?.details;
  }
  readonly details: unknown;
}

export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(
    /** The kind of record looked for ("incident", "welfare check"). */
    readonly what: string,
    id: string,
  ) {
    super('not_found', `${what} ${id} was not found`, 404);
  }
}

export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message: string) {
    super('forbidden', message, 403);
  }
}

export class ConflictError extends AppError {
  override readonly name = 'ConflictError';
  constructor(code: string, message: string) {
    super(code, message, 409);
  }
}

export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(message: string, details?: unknown) {
    super('invalid_request', message, 400, { details });
  }
}
