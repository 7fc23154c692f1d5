import type { ConnectionState } from '../transport/chat-transport.ts';
import type { CoreDeps } from './deps.ts';

/** The WhatsApp connection as the gateway last published it (any process can read it). */
export interface TransportState {
  name: string;
  /** A ConnectionState, or `unknown` when no gateway has published one within a minute. */
  state: ConnectionState | 'unknown';
  at?: string;
  [detail: string]: unknown;
}

/** Publishes the gateway's connection state; it expires unless refreshed (a dead gateway reads as unknown). */
export async function publishTransportState(
  deps: CoreDeps,
  name: string,
  state: ConnectionState,
  detail?: Record<string, unknown>,
): Promise<void> {
  await deps.redis.set(deps.keys.transportState, JSON.stringify({ name, state, at: new Date().toISOString(), ...detail }), 'EX', 60);
}

/** Reads the published connection state. */
export async function readTransportState(deps: CoreDeps): Promise<TransportState> {
  const raw = await deps.redis.get(deps.keys.transportState);
  return raw ? (JSON.parse(raw) as TransportState) : { name: deps.env.TRANSPORT, state: 'unknown' };
}
