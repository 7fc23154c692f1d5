// Calls to the admin API with the session cookie (the token never reaches page scripts after sign-in).

/** An API error carrying the server's code and HTTP status. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * How long a call waits for its answer. The server waits for Redis however long it is away: without a
 * limit, an action made then kept its button disabled, and said nothing, for as long as that lasted.
 */
const TIMEOUT_MS = 15_000;

/** What the page does when the API no longer knows the signed-in person (see onSignedOut). */
let signedOut = () => {};

/**
 * `fn` is called when the API answers 401 to the signed-in page: the token was revoked, or the
 * 12-hour session cookie expired while the page stayed open.
 */
export function onSignedOut(fn) {
  signedOut = fn;
}

/**
 * Calls the API. `idempotencyKey` (see newKey) makes a creating POST sent twice (a retry after a lost
 * answer) create one alert, welfare check or run: the API answers the second with the first.
 * `timeoutMs` gives a call known to take long (verifying the whole audit chain) more than TIMEOUT_MS.
 */
export async function api(method, path, body, { idempotencyKey, timeoutMs = TIMEOUT_MS } = {}) {
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // Said in words: the toast read "Failed to fetch", or nothing ever came (the button stayed disabled).
    if (err?.name === 'TimeoutError')
      throw new ApiError(
        0,
        'timeout',
        `No answer from the server within ${timeoutMs / 1000} s. It may still have been done: look again before trying once more.`,
      );
    throw new ApiError(0, 'unreachable', 'The server cannot be reached: check the connection, then try again.');
  }
  if (res.status === 204) return {};
  if (res.status === 401 && path !== '/dashboard/session') signedOut();
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    // A proxy's page instead of our JSON error (a 502 while the server restarts): not a bare "HTTP 502".
    const fallback = res.status >= 500 ? `The server could not answer (HTTP ${res.status}): try again in a moment.` : `HTTP ${res.status}`;
    throw new ApiError(res.status, data.error?.code ?? 'http_error', data.error?.message ?? fallback);
  }
  return data;
}

/** A fresh Idempotency-Key (crypto.randomUUID needs HTTPS; the dashboard is also served over plain HTTP). */
export function newKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The Idempotency-Key of a form's request: the same while the request is the same (sent again after a
 * lost answer, it creates nothing new), a new one once it succeeded or the officer changed what it says.
 */
export function keyFor(holder, body) {
  const text = JSON.stringify(body);
  if (holder.sent !== text) {
    holder.sent = text;
    holder.key = newKey();
  }
  return holder.key;
}

/** Like api(), but a missing route or item (404) resolves to undefined: a feature not deployed yet. */
export async function optional(method, path) {
  try {
    return await api(method, path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined;
    throw err;
  }
}

const RANK = { viewer: 0, officer: 1, duty_officer: 2, admin: 3 };
let required = new Map();
let bodies = new Map();
let myRole = 'viewer';
let myName = '';
let myPhone = '';

/** The signed-in person's name (the acting person in the audit log and approvals). */
export const myself = () => myName;
/** The signed-in person's phone when their token has one (for "assign to me"). */
export const myPhoneNumber = () => myPhone;

/** Learns from the OpenAPI document which role each route needs, so the page only offers what the API allows. */
export async function loadPermissions(role, name, phone) {
  myRole = role;
  myName = name;
  myPhone = phone ?? '';
  const [doc, regions, roster] = await Promise.all([
    api('GET', '/api/openapi.json'),
    api('GET', '/api/regions').catch(() => ({ items: [] })),
    api('GET', '/api/staff').catch(() => ({ items: [] })),
  ]);
  regionNames = new Map(regions.items.map((r) => [r.id, r.name]));
  staff = roster.items;
  required = new Map();
  bodies = new Map();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const route = `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
      required.set(route, op['x-required-role']);
      bodies.set(route, op.requestBody?.content?.['application/json']?.schema);
    }
  }
}

let regionNames = new Map();
let staff = [];

/** A staff member's name from the roster ("Chloe Officer" for +15550000003); the phone when unknown. */
export const staffName = (phone) => staff.find((s) => s.phone === phone)?.name ?? phone;

/** The rostered staff an incident can be given to (the officer role): [{name, phone}]. */
export const assignableStaff = () => staff.filter((s) => s.assignable);

/** A region's display name from the config ("Northern Province" for north); the id when unknown. */
export const regionName = (id) => regionNames.get(id) ?? id;

/** The values a field of a route's JSON body takes, in the API's order, from the same OpenAPI document. */
export function choices(method, path, field) {
  return bodies.get(`${method.toLowerCase()} ${path}`)?.properties?.[field]?.enum ?? [];
}

/** True when the signed-in person holds `role` or a higher one. */
export const atLeast = (role) => RANK[myRole] >= RANK[role];

/** True when the signed-in person may call this route (unknown routes need at least officer). */
export function can(method, path) {
  const need = required.get(`${method.toLowerCase()} ${path}`) ?? 'officer';
  if (need === 'public') return true;
  return RANK[myRole] >= RANK[need];
}
