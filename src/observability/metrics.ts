import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Queues } from '../queues/queues.ts';
import type { ConnectionState } from '../transport/chat-transport.ts';

/** The process's Prometheus registry (not prom-client's global one, so tests stay isolated per file). */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'cc_' });

const CONNECTION_STATES: readonly ConnectionState[] = ['connecting', 'open', 'closed', 'logged_out', 'waiting_for_pairing'];
const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;

/**
 * The counters and histograms other code records into. Import `metrics` and call, e.g.
 * `metrics.inbound.inc({ kind: 'message' })` or `metrics.ackLatency.observe({ severity }, seconds)`.
 */
export const metrics = {
  /** Inbound WhatsApp events queued, by kind (message, reaction, membership, delivery). */
  inbound: new Counter({
    name: 'cc_inbound_messages_total',
    help: 'Inbound chat events received from the transport',
    labelNames: ['kind'],
    registers: [registry],
  }),
  /** Outbound messages sent by the transport, by kind (reply, card, alert, ...). */
  outbound: new Counter({
    name: 'cc_outbound_messages_total',
    help: 'Outbound messages sent through the transport',
    labelNames: ['kind'],
    registers: [registry],
  }),
  /** Outbound send attempts that failed; `final` is "true" when no retry is left. */
  sendFailures: new Counter({
    name: 'cc_outbound_send_failures_total',
    help: 'Outbound send attempts that failed',
    labelNames: ['kind', 'final'],
    registers: [registry],
  }),
  /** Incidents escalated for want of acknowledgement, by severity and level (1 = duty officers, 2 = admins). */
  escalations: new Counter({
    name: 'cc_incident_escalations_total',
    help: 'Incidents escalated because nobody acknowledged them in time',
    labelNames: ['severity', 'level'],
    registers: [registry],
  }),
  /** Seconds from a citizen's first message to a member of staff acknowledging the incident. */
  ackLatency: new Histogram({
    name: 'cc_incident_ack_latency_seconds',
    help: 'Seconds from the inbound report to the acknowledgement of its incident',
    labelNames: ['severity'],
    buckets: [15, 30, 60, 120, 300, 600, 900, 1800, 3600, 4 * 3600, 12 * 3600],
    registers: [registry],
  }),
};

const queueDepth = new Gauge({
  name: 'cc_queue_jobs',
  help: 'Jobs in each queue by state (sampled at scrape time)',
  labelNames: ['queue', 'state'],
  registers: [registry],
});
const connection = new Gauge({
  name: 'cc_whatsapp_connection_state',
  help: 'WhatsApp transport connection state: 1 for the current state, 0 for the others',
  labelNames: ['transport', 'state'],
  registers: [registry],
});

const restricted = new Gauge({
  name: 'cc_whatsapp_new_chats_restricted',
  help: 'WhatsApp stops the number from starting chats (error 463, reach-out time lock, new-chat cap): 1 while it does',
  labelNames: ['transport'],
  registers: [registry],
});
const held = new Gauge({
  name: 'cc_whatsapp_held_messages',
  help: 'Outbound messages to new chats held back by the restriction, sent once it lifts',
  labelNames: ['transport'],
  registers: [registry],
});

/** What a scrape samples besides the counters: queue depths and the gateway's published state. */
export interface ScrapeSources {
  queues: Queues;
  /** The transport state published by the gateway, or undefined when none is published. */
  transportState(): Promise<{ name: string; state: string; restricted?: unknown } | undefined>;
  /** Outbound messages a sending restriction holds back now. */
  heldMessages(): Promise<number>;
}

/** Samples the gauges, then renders the registry in the Prometheus text format. */
export async function scrape(sources: ScrapeSources): Promise<string> {
  const { queues } = sources;
  const sampled = [queues.inbound, queues.outbound, queues.timers];
  // One wait for all the Redis reads, not four in turn.
  const [counts, published, heldNow] = await Promise.all([
    Promise.all(sampled.map((q) => q.getJobCounts(...QUEUE_STATES))),
    sources.transportState(),
    sources.heldMessages(),
  ]);
  sampled.forEach((q, i) => {
    for (const state of QUEUE_STATES) queueDepth.set({ queue: q.name, state }, counts[i]?.[state] ?? 0);
  });
  connection.reset();
  const current = published?.state ?? 'closed';
  const transport = published?.name ?? 'unknown';
  for (const state of CONNECTION_STATES) connection.set({ transport, state }, state === current ? 1 : 0);
  restricted.reset();
  held.reset();
  restricted.set({ transport }, published?.restricted ? 1 : 0);
  held.set({ transport }, heldNow);
  return registry.metrics();
}

/** The content type of `scrape()`'s output. */
export const metricsContentType = registry.contentType;
