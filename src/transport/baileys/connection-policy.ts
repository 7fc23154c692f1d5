/** What the gateway does after WhatsApp closes the connection. */
export type ReconnectDecision =
  /** 401: the phone unlinked this device. Clear the session, alert staff, wait for a new pairing. */
  | { action: 'logged_out' }
  /** 515: WhatsApp asks for a fresh socket (normal right after pairing): reconnect at once. */
  | { action: 'restart' }
  /** 440: another client took the session. Back off long; after a repeat, stop and alert. */
  | { action: 'replaced'; delayMs: number; giveUp: boolean }
  /**
   * 402 temporarily banned, 403 account locked, 406 banned: WhatsApp refuses the number itself.
   * Reconnecting cannot help and only hammers a refused account: stop, keep the session, alert staff.
   */
  | { action: 'refused'; reason: RefusalReason }
  /** Anything else (network, timeouts, 5xx): exponential backoff with jitter. */
  | { action: 'backoff'; delayMs: number };

/** Tunables of the reconnect policy (tests shorten them). */
export interface BackoffOptions {
  /** First retry delay. Default 1 s. */
  baseMs: number;
  /** Longest delay between retries. Default 5 min. */
  maxMs: number;
  /** Delay after a 440 "replaced" before trying once more. Default 2 min. */
  replacedMs: number;
  /** How many 440s in a row before the gateway stops reconnecting. Default 2. */
  replacedLimit: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 5 * 60_000, replacedMs: 2 * 60_000, replacedLimit: 2 };

/** Status codes of Baileys' DisconnectReason that the policy treats specially. */
export const STATUS = { loggedOut: 401, replaced: 440, restartRequired: 515, connectionClosed: 428, timedOut: 408 } as const;

/**
 * Connect-failure reasons (the `reason` of WhatsApp's <failure> stanza, which Baileys puts on the
 * close error as is) that refuse the account rather than the connection. The codes are WhatsApp's
 * (whatsmeow names them ConnectFailureTempBanned, ConnectFailureMainDeviceGone, ConnectFailureUnknownLogout).
 */
export const REFUSED = { 402: 'temporarily_banned', 403: 'locked', 406: 'banned' } as const;
export type RefusalReason = (typeof REFUSED)[keyof typeof REFUSED];

/** The HTTP-like status code Baileys puts on a close error (a Boom), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  const output = (error as { output?: { statusCode?: unknown } } | undefined)?.output;
  return typeof output?.statusCode === 'number' ? output.statusCode : undefined;
}

/**
 * True when a socket call failed because its connection went (Baileys: "Connection Closed", 428; a
 * send or query that timed out with it, 408): no fault of what was asked, which can be asked again
 * once WhatsApp is back.
 */
export function lostConnection(error: unknown): boolean {
  const code = statusCodeOf(error);
  return code === STATUS.connectionClosed || code === STATUS.timedOut;
}

/**
 * Decides what to do after the connection closed with `statusCode`.
 * `attempt` counts closes since the last open (0 for the first); `replacedInARow` counts 440s in a row.
 * Jitter is "equal jitter": half the exponential delay fixed, half random, so gateways do not retry in step.
 */
export function decideReconnect(
  statusCode: number | undefined,
  attempt: number,
  replacedInARow: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): ReconnectDecision {
  if (statusCode === STATUS.loggedOut) return { action: 'logged_out' };
  if (statusCode === STATUS.restartRequired) return { action: 'restart' };
  const refusal = statusCode === undefined ? undefined : REFUSED[statusCode as keyof typeof REFUSED];
  if (refusal) return { action: 'refused', reason: refusal };
  if (statusCode === STATUS.replaced) {
    return { action: 'replaced', delayMs: options.replacedMs, giveUp: replacedInARow + 1 >= options.replacedLimit };
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return { action: 'backoff', delayMs: Math.round(ceiling / 2 + (random() * ceiling) / 2) };
}
