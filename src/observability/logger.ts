import { type Logger, pino } from 'pino';

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
  // WhatsApp's own names for the same things: message text, captions, push names, contact cards.
  'conversation',
  '*.conversation',
  'caption',
  '*.caption',
  'notify',
  '*.notify',
  'verifiedBizName',
  '*.verifiedBizName',
  'displayName',
  '*.displayName',
  'vcard',
  '*.vcard',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

const CENSOR = '[redacted]';
/** The same keys, at any depth (pino's paths only reach one level down). */
const PERSONAL_KEYS = new Set(REDACT_PATHS.filter((p) => /^\w+$/.test(p)));
/**
 * Phones and WhatsApp user ids inside free strings (error messages, log lines, URLs): E.164
 * phones, also written with spaces, dots or dashes (`+33 6 12 34 56 78`) or URL-encoded
 * (`%2B33612345678`), and user ids, also with a device suffix (`33612345678:12@s.whatsapp.net`).
 */
const PHONE_IN_TEXT = /(?:\+|%2B)\d(?:[\s().-]?\d){6,14}\b|\b\d{5,20}(?::\d{1,4})?@(?:s\.whatsapp\.net|c\.us|hosted\.lid|hosted|lid)\b/gi;

/** Replaces phone numbers inside a string. */
export function scrubText(text: string): string {
  return text.replace(PHONE_IN_TEXT, CENSOR);
}

/** Copies `value`, censoring personal keys at any depth and phones inside strings. */
export function scrubPersonalData(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => scrubPersonalData(v, depth + 1));
  if (value instanceof Error) return scrubError(value, depth);
  // WhatsApp protobuf messages and other objects that serialise through toJSON: scrub what they serialise to.
  if (hasToJson(value) && !(value instanceof Date) && !ArrayBuffer.isView(value)) return scrubPersonalData(value.toJSON(), depth + 1);
  // Requests, responses and other class instances are left to pino's serializers.
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = PERSONAL_KEYS.has(k) ? CENSOR : scrubPersonalData(v, depth + 1);
  return out;
}

function hasToJson(value: object): value is { toJSON(): unknown } {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/** A copy of an error of the same class, with phones scrubbed from its message, stack and fields. */
function scrubError(err: Error, depth: number): Error {
  const copy = Object.create(Object.getPrototypeOf(err)) as Error;
  for (const [k, v] of Object.entries(err))
    (copy as unknown as Record<string, unknown>)[k] = PERSONAL_KEYS.has(k) ? CENSOR : scrubPersonalData(v, depth + 1);
  Object.defineProperty(copy, 'message', { value: scrubText(err.message), enumerable: false });
  Object.defineProperty(copy, 'stack', { value: err.stack ? scrubText(err.stack) : undefined, enumerable: false });
  if (err.cause !== undefined) Object.defineProperty(copy, 'cause', { value: scrubPersonalData(err.cause, depth + 1), enumerable: false });
  return copy;
}

/** Builds the process logger: JSON lines, personal data redacted. `destination` is for tests. */
export function createLogger(level: string, base: Record<string, unknown> = {}, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'crisis-cell', ...base },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: { log: (object) => scrubPersonalData(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        // `log.error(err)`: pino would use the raw error message as the line's message.
        const lead = first instanceof Error && typeof rest[0] !== 'string' ? [{ err: first }, scrubText(first.message)] : [first];
        const scrubbed = [...lead, ...rest].map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>;
        return method.apply(this, scrubbed);
      },
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
