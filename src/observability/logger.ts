import { pino, type Logger } from 'pino';

/** Paths holding personal data (phones, names, message text); never logged in clear. */
export const REDACT_PATHS = [
  'phone',
  '*.phone',
  'from',
  '*.from',
  'to',
  '*.to',
  'text',
  '*.text',
  'name',
  '*.name',
  'reporter',
  '*.reporter',
  'participants',
  '*.participants',
  'pushName',
  '*.pushName',
  'location',
  '*.location',
  'body',
  '*.body',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

/** Builds the process logger: JSON lines, personal data redacted. */
export function createLogger(level: string, base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { service: 'crisis-cell', ...base },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  });
}

export type { Logger };
