import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { HttpDeps } from '../http/http-deps.ts';
import type { Queues } from '../queues/queues.ts';
import { createOutboundWorker } from '../queues/workers/outbound-worker.ts';
import type { ChatTransport, ConnectionState } from '../transport/chat-transport.ts';
import type { Closeable, Feature } from './feature.ts';
import { Refusals, RestrictionWatch, releaseHeldFor } from './held-sends.ts';
import { publishTransportState } from './transport-state.ts';
import { forgetUndecryptable, rememberUndecryptable } from './undecryptable.ts';

export interface GatewayOptions {
  rate: number;
  lock?: { lockDuration?: number; stalledInterval?: number };
}

/**
 * The gateway role: holds the transport, sends the outbound queue through it (paused
 * while disconnected; under a sending restriction, messages to new chats are held and released
 * when it lifts), and publishes the connection state for /readyz and the dashboard.
 */
export async function startGatewayRole(
  deps: HttpDeps,
  features: Feature[],
  transport: ChatTransport,
  queues: Queues,
  connect: () => Redis,
  options: GatewayOptions,
): Promise<{ worker: Worker; closeables: Closeable[] }> {
  const outbound = createOutboundWorker(
    deps,
    connect(),
    transport,
    options.rate,
    async (job, messageId) => {
      for (const f of features) await f.sent?.(deps, job, messageId);
    },
    {
      beforeSend: async (job) => {
        for (const f of features) if (f.beforeSend && !(await f.beforeSend(deps, job))) return false;
        return true;
      },
      failed: async (job, error) => {
        for (const f of features) await f.sendFailed?.(deps, job, error);
      },
    },
    options.lock,
  );
  const watch = new RestrictionWatch(deps, transport, queues.outbound);
  let last: { state: ConnectionState; detail?: Record<string, unknown> } = { state: transport.state() };
  const publish = (state: ConnectionState, detail?: Record<string, unknown>) => {
    last = { state, ...(detail ? { detail } : {}) };
    void publishTransportState(deps, transport.name, state, detail).catch((err) =>
      deps.log.error({ err: err.message }, 'cannot publish transport state'),
    );
    void watch.check();
    // Paused also before it first runs (then it does not start until WhatsApp is open): a gateway
    // starting while WhatsApp connects took messages only to put each back a second later, one
    // more drop on it every time, for up to a heartbeat (BullMQ's resume starts a worker not yet run).
    if (state === 'open') outbound.resume();
    else void outbound.pause(true);
  };
  const sink = queues.sink(publish);
  const refusals = new Refusals(
    deps,
    queues.outbound,
    outbound,
    async (messageId) => sink.delivery?.({ messageId, state: 'failed', at: deps.now(), error: '463' }),
    async (job) => {
      for (const f of features) await f.requeued?.(deps, job);
    },
  );
  // Ids this gateway saw as unreadable placeholders (one gateway per number sees both the
  // placeholder and the real message): only those cost a Redis write when the real one arrives.
  const unreadable = new Map<string, number>();
  for (const id of await deps.redis.zrange(deps.keys.waUndecryptableDue, '0', '-1').catch(() => [] as string[]))
    unreadable.set(id, deps.now());
  await transport.start({
    ...sink,
    refused: (r) => refusals.requeue(r),
    message: (m) => {
      // Under a restriction, someone we hold messages for who writes gets them now (best effort).
      if (m.chat.kind === 'dm' && !m.fromMe && transport.sendRestriction?.())
        releaseHeldFor(deps, queues.outbound, m.chat.phone).catch((err) =>
          deps.log.warn({ err: err.message }, 'cannot release the messages held for a sender'),
        );
      if (unreadable.delete(m.id)) {
        // Never held up by Redis (the spool keeps the message through an outage): at worst a late false alarm.
        forgetUndecryptable(deps, m.id).catch((err) => deps.log.warn({ err: err.message }, 'cannot clear an unreadable-message marker'));
      }
      return sink.message(m);
    },
    undecryptable: (m) => {
      if (unreadable.size >= 10_000) unreadable.delete(unreadable.keys().next().value as string);
      unreadable.set(m.id, deps.now());
      return rememberUndecryptable(deps, m);
    },
  });
  queues.startSpool();
  const heartbeat = setInterval(() => publish(last.state, last.detail), 20_000);
  heartbeat.unref();
  return { worker: outbound, closeables: [{ close: async () => clearInterval(heartbeat) }] };
}
