import type { Router } from 'express';
import type { Redis } from 'ioredis';
import type { ChatContext } from '../chat/chat-context.ts';
import type { Command } from '../chat/command-registry.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import type { OutboundJob } from '../queues/job-schemas.ts';
import type { ChatTransport, DeliveryUpdate, MembershipChange, MissedCall } from '../transport/chat-transport.ts';
import type { CoreDeps } from './deps.ts';

/** Something that can be closed at shutdown (a BullMQ worker, a timer, a queue). */
export interface Closeable {
  close(): Promise<void>;
}

/** What a feature gets when the process starts. */
export interface FeatureContext {
  deps: HttpDeps;
  /** A new dedicated Redis connection (BullMQ workers need their own); closed at shutdown. */
  connect(): Redis;
  /** The roles this process plays. */
  plays(role: 'gateway' | 'worker' | 'api'): boolean;
  /** The transport, in the gateway process. */
  transport?: ChatTransport;
}

/**
 * A slice of the product (incidents, broadcasts, playbooks, ...) and how it plugs into
 * the chat pipeline, the API and the queues. create-app.ts composes the list in features.ts.
 */
export interface Feature {
  name: string;
  /** Staff chat commands. */
  commands?(deps: HttpDeps): Command[];
  /** Routes mounted after bearer-token authentication. */
  apiRoutes?(deps: HttpDeps): Router;
  /** Routes mounted before authentication (pages, assets). They authenticate themselves. */
  publicRoutes?(deps: HttpDeps): Router;
  /**
   * Handles a citizen's DM before intake. Return true when the message was consumed
   * (e.g. a keyword, an answer in a registration dialogue, a welfare-check reply).
   * Features are asked in list order.
   */
  citizenMessage?(ctx: ChatContext): Promise<boolean>;
  /** Handles a non-command message in a cell group; return true when consumed. */
  groupMessage?(ctx: ChatContext): Promise<boolean>;
  /** Handles a reaction; return true when consumed. */
  reaction?(ctx: ChatContext): Promise<boolean>;
  membership?(deps: HttpDeps, change: MembershipChange): Promise<void>;
  delivery?(deps: HttpDeps, update: DeliveryUpdate): Promise<void>;
  /** A call to the embassy number that nobody answered. */
  missedCall?(deps: HttpDeps, call: MissedCall): Promise<void>;
  /** Called in the gateway after each successful send. */
  sent?(deps: HttpDeps, job: OutboundJob, messageId: string): Promise<void>;
  /**
   * Called in the gateway just before a send; false skips the message (e.g. a queued alert to a
   * citizen who has since sent STOP or DELETE, or a cancelled broadcast). It may fill in the job's
   * text (a broadcast message is rendered at send time): the job it is given is the one sent.
   */
  beforeSend?(deps: HttpDeps, job: OutboundJob): Promise<boolean>;
  /**
   * Called in the gateway when a message WhatsApp took, then refused (463), is about to be queued
   * again (same job), to be sent once the restriction lifts: it did not reach its recipient.
   */
  requeued?(deps: HttpDeps, job: OutboundJob): Promise<void>;
  /** Called in the gateway when a send failed for good (retries exhausted or refused). */
  sendFailed?(deps: HttpDeps, job: OutboundJob, error: string): Promise<void>;
  /** Handlers of named jobs on the timers queue (deps.timers.schedule), run in the worker role. */
  timers?(deps: HttpDeps): Record<string, (data: Record<string, unknown>) => Promise<void>>;
  /** Lines this feature adds to /sitrep (e.g. alerts in progress, welfare tallies). */
  sitrep?(deps: CoreDeps): Promise<string[]>;
  /** Starts the feature's own workers/timers; called once per process. */
  start?(ctx: FeatureContext): Promise<Closeable[]>;
}
