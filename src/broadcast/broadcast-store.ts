import { randomInt } from 'node:crypto';
import type { CoreDeps } from '../app/deps.ts';
import type { Audience } from './audience.ts';

/** The two kinds of broadcast: a consular alert and a welfare check ("are you safe?"). */
export type BroadcastKind = 'alert' | 'welfare';

/** Counts of a broadcast's recipients. `sent` includes delivered and read; failed and cancelled never got it. */
export interface DeliveryCounts {
  total: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
  cancelled: number;
}

/**
 * An alert's status: saved (`draft`, for a moment), waiting for a second officer, approved (for a
 * moment), sending, sent (every recipient sent or failed), or cancelled.
 */
export type AlertStatus = 'draft' | 'pending_approval' | 'approved' | 'sending' | 'sent' | 'cancelled';

/** A broadcast as stored (alert or welfare check). */
export interface BroadcastRecord {
  id: string;
  kind: BroadcastKind;
  status: string;
  code: string;
  authorName: string;
  authorPhone?: string;
  audience: Audience;
  /** Text per language as given by the author. */
  text: Record<string, string>;
  exercise: boolean;
  source?: string;
  createdAt: number;
  approvedBy?: string;
  approvedAt?: number;
  total: number;
  /** Of the total, people reached because they reported without registering (Audience.reporters). */
  reporters?: number;
  /** True once every recipient has an outbound job. */
  fannedOut: boolean;
  /**
   * When its fan-out gave up after repeated errors (ms; fanout-retry.ts), until the fan-out completes.
   * Stays on a broadcast cancelled meanwhile: read it through `fanOutStalledSince`.
   */
  fanOutStalledAt?: number;
  completedAt?: number;
}

/** Keys of one kind of broadcast. */
export function broadcastKeys(deps: CoreDeps, kind: BroadcastKind) {
  const k = deps.keys;
  return kind === 'alert'
    ? {
        seq: k.alertSeq,
        record: k.alert,
        recipients: k.alertRecipients,
        state: k.alertState,
        counts: k.alertCounts,
        all: k.alertsAll,
        active: k.alertsActive,
        bySource: k.alertsBySource,
      }
    : {
        seq: k.welfareSeq,
        record: k.welfare,
        recipients: k.welfareRecipients,
        state: k.welfareState,
        counts: k.welfareCounts,
        all: k.welfareAll,
        active: k.welfareOpen,
        bySource: k.welfareBySource,
      };
}

const ID_PREFIX: Record<BroadcastKind, string> = { alert: 'ALR', welfare: 'WFC' };
/** Letters and digits that cannot be mistaken for each other when read aloud or retyped. */
const CODE_ALPHABET = 'ACDEFHJKMNPRTUVWXY34679';

/** The start of a broadcast's id (`ALR`, `WFC`); the claim script numbers ids in Redis the same way. */
export function idPrefixOf(kind: BroadcastKind): string {
  return ID_PREFIX[kind];
}

/** A short verification code like K7PX. */
export function newVerificationCode(): string {
  return Array.from({ length: 4 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

/** A new id like ALR-0007 and a short verification code like K7PX. */
export async function newBroadcastId(deps: CoreDeps, kind: BroadcastKind): Promise<{ id: string; code: string }> {
  const n = await deps.redis.incr(broadcastKeys(deps, kind).seq);
  return { id: `${ID_PREFIX[kind]}-${String(n).padStart(4, '0')}`, code: newVerificationCode() };
}

export function kindOfId(id: string): BroadcastKind | undefined {
  return id.startsWith('ALR-') ? 'alert' : id.startsWith('WFC-') ? 'welfare' : undefined;
}

export async function saveRecord(deps: CoreDeps, r: BroadcastRecord): Promise<void> {
  const keys = broadcastKeys(deps, r.kind);
  await deps.redis
    .multi()
    .hset(keys.record(r.id), {
      id: r.id,
      kind: r.kind,
      status: r.status,
      code: r.code,
      authorName: r.authorName,
      ...(r.authorPhone ? { authorPhone: r.authorPhone } : {}),
      audience: JSON.stringify(r.audience),
      text: JSON.stringify(r.text),
      exercise: r.exercise ? '1' : '0',
      ...(r.source ? { source: r.source } : {}),
      createdAt: String(r.createdAt),
      total: String(r.total),
      ...(r.reporters ? { reporters: String(r.reporters) } : {}),
      fannedOut: r.fannedOut ? '1' : '0',
    })
    .zadd(keys.all, r.createdAt, r.id)
    .exec();
}

export async function loadRecord(deps: CoreDeps, id: string): Promise<BroadcastRecord | undefined> {
  const kind = kindOfId(id);
  return kind ? recordOf(kind, await deps.redis.hgetall(broadcastKeys(deps, kind).record(id))) : undefined;
}

/** The broadcast a record hash holds; undefined when it holds none. */
export function recordOf(kind: BroadcastKind, h: Record<string, string>): BroadcastRecord | undefined {
  if (!h.id) return undefined;
  return {
    id: h.id,
    kind,
    status: h.status ?? 'unknown',
    code: h.code ?? '',
    authorName: h.authorName ?? '',
    ...(h.authorPhone ? { authorPhone: h.authorPhone } : {}),
    audience: JSON.parse(h.audience ?? '{}'),
    text: JSON.parse(h.text ?? '{}'),
    exercise: h.exercise === '1',
    ...(h.source ? { source: h.source } : {}),
    createdAt: Number(h.createdAt),
    ...(h.approvedBy ? { approvedBy: h.approvedBy, approvedAt: Number(h.approvedAt) } : {}),
    total: Number(h.total ?? 0),
    ...(h.reporters ? { reporters: Number(h.reporters) } : {}),
    fannedOut: h.fannedOut === '1',
    ...(h.fanOutStalled ? { fanOutStalledAt: Number(h.fanOutStalled) } : {}),
    ...(h.completedAt ? { completedAt: Number(h.completedAt) } : {}),
  };
}

/**
 * Since when a broadcast still sending has part of its audience not queued, its fan-out having given
 * up after repeated errors (the sweep of fanout-retry.ts retries it); undefined when all is well.
 */
export function fanOutStalledSince(r: BroadcastRecord): number | undefined {
  return r.status === 'sending' && !r.fannedOut ? r.fanOutStalledAt : undefined;
}

/**
 * Statuses in which nothing of a broadcast is queued yet: an alert waiting for its second officer (or
 * approved a moment before it starts sending) has no message in any queue, and `queued: total` read
 * as if it were going out.
 */
export const NOT_STARTED: ReadonlySet<string> = new Set(['draft', 'pending_approval', 'approved']);

/** Progress counts of a broadcast. After a cancel (or a welfare check's close), recipients not yet sent count as cancelled. */
export async function deliveryCounts(deps: CoreDeps, r: BroadcastRecord): Promise<DeliveryCounts> {
  const c = await deps.redis.hgetall(broadcastKeys(deps, r.kind).counts(r.id));
  const n = (f: string) => Math.max(0, Number(c[f] ?? 0));
  const [sent, delivered, read, failed] = [n('sent'), n('delivered'), n('read'), n('failed')];
  const stopped = r.status === 'cancelled' || r.status === 'closed';
  const cancelled = stopped ? Math.max(0, r.total - sent - failed) : n('cancelled');
  const queued = NOT_STARTED.has(r.status) ? 0 : Math.max(0, r.total - sent - failed - cancelled);
  return { total: r.total, queued, sent, delivered, read, failed, cancelled };
}

/** Tells the dashboard something changed (best effort). */
export async function publishChange(deps: CoreDeps, kind: BroadcastKind, id: string): Promise<void> {
  await deps.redis
    .publish(deps.keys.events, JSON.stringify({ type: kind === 'alert' ? 'alert.updated' : 'welfare.updated', id }))
    .catch(() => 0);
}
