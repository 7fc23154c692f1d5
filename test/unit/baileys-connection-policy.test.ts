import { Boom } from '@hapi/boom';
import { DisconnectReason } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, decideReconnect, statusCodeOf } from '../../src/transport/baileys/connection-policy.ts';

const code = (status: number) => statusCodeOf(new Boom('closed', { statusCode: status }));

describe('reconnect policy by DisconnectReason', () => {
  it('reads the status code off a Boom close error, and nothing off a plain error', () => {
    expect(code(DisconnectReason.loggedOut)).toBe(401);
    expect(statusCodeOf(new Error('ENOTFOUND'))).toBeUndefined();
    expect(statusCodeOf(undefined)).toBeUndefined();
  });

  it('401 logged out clears the session; 515 restarts at once', () => {
    expect(decideReconnect(code(DisconnectReason.loggedOut), 3, 0)).toEqual({ action: 'logged_out' });
    expect(decideReconnect(code(DisconnectReason.restartRequired), 3, 0)).toEqual({ action: 'restart' });
  });

  it('440 replaced backs off long, and gives up instead of looping', () => {
    const first = decideReconnect(code(DisconnectReason.connectionReplaced), 0, 0);
    expect(first).toEqual({ action: 'replaced', delayMs: DEFAULT_BACKOFF.replacedMs, giveUp: false });
    expect(decideReconnect(code(DisconnectReason.connectionReplaced), 0, 1)).toMatchObject({ giveUp: true });
  });

  it.each([
    DisconnectReason.connectionClosed,
    DisconnectReason.connectionLost,
    DisconnectReason.badSession,
    DisconnectReason.multideviceMismatch,
    DisconnectReason.unavailableService,
  ])('status %i backs off exponentially with jitter, capped', (status) => {
    const low = (attempt: number) => decideReconnect(code(status), attempt, 0, DEFAULT_BACKOFF, () => 0);
    const high = (attempt: number) => decideReconnect(code(status), attempt, 0, DEFAULT_BACKOFF, () => 1);
    expect(low(0)).toEqual({ action: 'backoff', delayMs: 500 });
    expect(high(0)).toEqual({ action: 'backoff', delayMs: 1000 });
    expect(high(3)).toEqual({ action: 'backoff', delayMs: 8000 });
    expect(high(40)).toEqual({ action: 'backoff', delayMs: DEFAULT_BACKOFF.maxMs });
    expect(low(40)).toEqual({ action: 'backoff', delayMs: DEFAULT_BACKOFF.maxMs / 2 });
  });

  it('402 temporarily banned, 403 locked (Baileys: forbidden) and 406 banned stop reconnecting', () => {
    expect(decideReconnect(code(402), 0, 0)).toEqual({ action: 'refused', reason: 'temporarily_banned' });
    expect(decideReconnect(code(DisconnectReason.forbidden), 5, 0)).toEqual({ action: 'refused', reason: 'locked' });
    expect(decideReconnect(code(406), 0, 0)).toEqual({ action: 'refused', reason: 'banned' });
  });

  it('a close without a status (no network) backs off too', () => {
    expect(decideReconnect(undefined, 1, 0, DEFAULT_BACKOFF, () => 0.5)).toEqual({ action: 'backoff', delayMs: 1500 });
  });
});
