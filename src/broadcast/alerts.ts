import type { CoreDeps } from '../app/deps.ts';
import { excerpt, postToCellGroups } from '../app/incidents/shared.ts';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.ts';
import { holderKey, rosterPhoneOf } from '../store/token-store.ts';
import { type Actor, type Audience, checkAudience, describeAudience, snapshotAudience } from './audience.ts';
import { broadcastQueues } from './broadcast-queue.ts';
import {
  type AlertStatus,
  type BroadcastKind,
  type BroadcastRecord,
  broadcastKeys,
  type DeliveryCounts,
  deliveryCounts,
  fanOutStalledSince,
  idPrefixOf,
  kindOfId,
  loadRecord,
  newBroadcastId,
  newVerificationCode,
  publishChange,
  saveRecord,
} from './broadcast-store.ts';
import { queueFanOut } from './fanout.ts';
import { textIn } from './render.ts';
import { resumeBroadcast } from './resume.ts';

export type { Actor, Audience };

/** An alert as the API and the chat show it. */
export interface AlertView {
  id: string;
  status: string;
  code: string;
  exercise: boolean;
  audience: Audience;
  /** Of counts.total, people reached because they reported without registering (audience.reporters). */
  reporters: number;
  /** What citizens read, per language: the second officer approves what they can see. */
  text: Record<string, string>;
  author: string;
  approvedBy?: string;
  createdAt: string;
  counts: DeliveryCounts;
  /** Only while part of the audience is not queued, the fan-out having given up after repeated errors: since when. */
  fanOutStalledSince?: string;
}

/** How long a repeated request waits for the first one to save the broadcast it claimed. */
const CLAIM_WAIT_MS = 10_000;

/**
 * Claims `source` for a new broadcast id, noting when, or answers the id it already has. The id is
 * numbered here, only for a source never seen: numbered before the check, every retried request
 * (an `Idempotency-Key` sent again) used up a number, and the list skipped ALR-0009.
 * KEYS: bySource, seq. ARGV: source, now, record key prefix, id prefix. Returns {1, id} when new, {0, id}.
 */
const CLAIM_SOURCE = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if id then return {0, id} end
id = ARGV[4] .. '-' .. string.format('%04d', redis.call('INCR', KEYS[2]))
redis.call('HSET', KEYS[1], ARGV[1], id)
redis.call('HSET', ARGV[3] .. id, 'claimedAt', ARGV[2])
return {1, id}`;

/**
 * The record of an id another request claimed. While that claim is recent its creator may still be
 * snapshotting the audience: wait for the record. An old claim with no record is a creator that died.
 */
async function savedRecord(deps: CoreDeps, kind: BroadcastKind, id: string): Promise<BroadcastRecord | undefined> {
  for (;;) {
    const r = await loadRecord(deps, id);
    if (r) return r;
    const claimedAt = Number((await deps.redis.hget(broadcastKeys(deps, kind).record(id), 'claimedAt')) ?? 0);
    if (Date.now() - claimedAt > CLAIM_WAIT_MS) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates a broadcast record and snapshots its recipients; shared by alerts and welfare checks. */
export async function createBroadcast(
  deps: CoreDeps,
  kind: BroadcastKind,
  input: { author: Actor; audience: Audience; text: Record<string, string>; exercise?: boolean; source?: string },
): Promise<BroadcastRecord & { repeated?: boolean }> {
  checkAudience(deps, input.audience);
  if (kind === 'welfare' && input.audience.reporters)
    throw new ValidationError(
      'audience.reporters is for alerts: a welfare check asks the registered citizens (reporters are followed through their incidents)',
    );
  const keys = broadcastKeys(deps, kind);
  let id: string;
  let claimed = 1;
  if (input.source) {
    const args = [input.source, String(Date.now()), keys.record(''), idPrefixOf(kind)];
    [claimed, id] = (await deps.redis.eval(CLAIM_SOURCE, 2, keys.bySource, keys.seq, ...args)) as [number, string];
  } else id = (await newBroadcastId(deps, kind)).id;
  if (claimed !== 1) {
    const existing = await savedRecord(deps, kind, id);
    // A draft was saved but never started (the process died): the caller goes on from there.
    if (existing) return existing.status === 'draft' ? existing : { ...existing, repeated: true };
    // The source was claimed but nothing saved (the process died): build it under the claimed id.
  }
  const code = newVerificationCode();
  const exercise = input.exercise === true;
  const resolved = await snapshotAudience(
    deps,
    input.audience,
    exercise,
    (language) => keys.recipients(id, language),
    (part) => deps.keys.audienceTmp(id, part),
  );
  const record: BroadcastRecord = {
    id,
    kind,
    status: 'draft',
    code,
    authorName: input.author.name,
    ...(input.author.phone ? { authorPhone: input.author.phone } : {}),
    audience: input.audience,
    text: input.text,
    exercise,
    ...(input.source ? { source: input.source } : {}),
    createdAt: deps.now(),
    total: resolved.total,
    ...(resolved.reporters ? { reporters: resolved.reporters } : {}),
    fannedOut: false,
  };
  await saveRecord(deps, record);
  return record;
}

/**
 * Moves a draft or approved broadcast to `sending` and lists it as active; a broadcast already
 * sending stays so (a resumed start). Anything else (cancelled meanwhile, finished) is left alone.
 * KEYS: record, active. ARGV: createdAt, id. Returns 1 when the broadcast is sending.
 */
const START_SENDING = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'draft' and status ~= 'approved' and status ~= 'sending' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'sending')
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/** Starts sending: status `sending`, listed as active, fan-out queued (unless cancelled meanwhile). */
export async function startSending(deps: CoreDeps, r: BroadcastRecord): Promise<void> {
  const keys = broadcastKeys(deps, r.kind);
  const started = await deps.redis.eval(START_SENDING, 2, keys.record(r.id), keys.active, String(r.createdAt), r.id);
  if (started !== 1) {
    deps.log.info({ id: r.id }, 'broadcast not started: it was cancelled or finished meanwhile');
    return;
  }
  if (r.kind === 'alert' && !r.exercise) await deps.redis.set(deps.keys.alertLatest, r.id);
  r.status = 'sending';
  await queueFanOut(deps, r.id);
  await publishChange(deps, r.kind, r.id);
}

/** Refuses text in a language the embassy does not use (it would be sent to everyone as the fallback). */
export function checkTextLanguages(deps: CoreDeps, text: Record<string, string>): void {
  const unknown = Object.keys(text).filter((l) => !deps.config.languages.includes(l));
  if (unknown.length)
    throw new ValidationError(`text in unknown language(s): ${unknown.join(', ')}; configured: ${deps.config.languages.join(', ')}`);
}

function checkText(deps: CoreDeps, text: Record<string, string>): void {
  const given = Object.entries(text).filter(([, v]) => v.trim().length > 0);
  if (!given.length) throw new ValidationError('the alert has no text: give text in at least one language, e.g. {"en": "..."}');
  checkTextLanguages(deps, Object.fromEntries(given));
}

/**
 * Recipients per language the alert has no text in (they get it in `fallback`, see textIn), so the
 * officer learns that, say, the Arabic readers will get the English text. Cell groups are left out.
 */
async function untranslated(deps: CoreDeps, r: BroadcastRecord): Promise<Pick<CreatedAlert, 'untranslated' | 'fallback'>> {
  const missing = deps.config.languages.filter((l) => !r.text[l]?.trim());
  const groups = deps.config.cellGroups.map((g) => g.id);
  const out: Record<string, number> = {};
  for (const language of missing) {
    const key = broadcastKeys(deps, 'alert').recipients(r.id, language);
    const inGroups = groups.length ? (await deps.redis.smismember(key, ...groups)).filter((n) => n === 1).length : 0;
    const n = (await deps.redis.scard(key)) - inGroups;
    if (n > 0) out[language] = n;
  }
  if (!Object.keys(out).length) return {};
  const fallback = r.text[deps.config.languages[0] as string] ? (deps.config.languages[0] as string) : Object.keys(r.text)[0];
  return { untranslated: out, ...(fallback ? { fallback } : {}) };
}

/** What creating an alert tells its author. */
export interface CreatedAlert {
  id: string;
  /** As it is now: a retried request (its `source` again) finds it perhaps approved, sent or cancelled since. */
  status: AlertStatus;
  code: string;
  total: number;
  /** Of the total, people reached because they reported without registering. */
  reporters: number;
  /** Recipients per language the alert has no text in: they receive the text in `fallback`. */
  untranslated?: Record<string, number>;
  fallback?: string;
}

/**
 * A consular alert. The same `source` (a playbook step's stable key) returns the alert it already
 * created instead of sending twice. An audience larger than `broadcast.approvalThreshold` waits for a second
 * officer's approval; a drill (`exercise`) goes to the rostered staff only, prefixed "EXERCISE — ".
 */
export async function createAlert(
  deps: CoreDeps,
  input: {
    author: Actor;
    audience: Audience;
    text: Record<string, string>;
    exercise?: boolean;
    source?: string;
    /** The author's confirmation is read in a cell group (/alert there), which it asks for the approval. */
    toldInCell?: boolean;
  },
): Promise<CreatedAlert> {
  checkText(deps, input.text);
  const r = await createBroadcast(deps, 'alert', input);
  const languages = await untranslated(deps, r);
  if (r.repeated) {
    // The first request died half-way (saved but not started, or started but not fanned out): go on.
    await resumeBroadcast(deps, r);
    const now = (await loadRecord(deps, r.id)) ?? r;
    // Put up for approval, but the cell perhaps never told (the first request died before, or the
    // start-up resume moved it): the cell is told, and the trail has its alert.created, once.
    if (now.status === 'pending_approval') await putUpForApproval(deps, now, input);
    // Sent without approval, but the first request died between starting it and telling the cell: told
    // now (once: the notice's key).
    if (now.status === 'sending' && !now.approvedBy && !input.toldInCell) await tellSent(deps, now);
    // Its status as it is: one cancelled or sent since is not "sending".
    return { id: r.id, status: now.status as AlertStatus, code: r.code, total: r.total, reporters: r.reporters ?? 0, ...languages };
  }
  const needsApproval = !r.exercise && r.total > deps.config.broadcast.approvalThreshold;
  deps.log.info({ id: r.id, total: r.total, needsApproval }, 'alert created');
  if (needsApproval) {
    await putUpForApproval(deps, r, input);
    return { id: r.id, status: 'pending_approval', code: r.code, total: r.total, reporters: r.reporters ?? 0, ...languages };
  }
  await sendUnapproved(deps, r, input);
  return { id: r.id, status: 'sending', code: r.code, total: r.total, reporters: r.reporters ?? 0, ...languages };
}

/**
 * Writes an alert's `alert.created` entry, once however often it is asked (a request retried, a
 * crash resumed): whoever claims the record's `createdAudited` writes it, and gives the claim back
 * if the trail refused it.
 */
async function auditCreated(deps: CoreDeps, r: BroadcastRecord): Promise<void> {
  const key = broadcastKeys(deps, 'alert').record(r.id);
  if ((await deps.redis.hsetnx(key, 'createdAudited', '1')) !== 1) return;
  try {
    await deps.audit.append({
      type: 'alert.created',
      actor: r.authorName,
      subject: r.id,
      data: {
        audience: describeAudience(deps, r.audience),
        total: r.total,
        reporters: r.reporters ?? 0,
        exercise: r.exercise,
        languages: Object.keys(r.text),
        source: r.source ?? null,
      },
    });
  } catch (err) {
    await deps.redis.hdel(key, 'createdAudited').catch(() => 0);
    throw err;
  }
}

/**
 * Moves a saved alert to the approval queue (a draft), or finds it there. KEYS: record, active.
 * ARGV: createdAt, id. Returns 1 when moved now, 0 when it already waited, -1 when it moved on
 * (approved, cancelled): left alone.
 */
const TO_APPROVAL = `
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'draft' and status ~= 'pending_approval' then return -1 end
redis.call('HSET', KEYS[1], 'status', 'pending_approval')
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
if status == 'draft' then return 1 end
return 0`;

/**
 * Puts a saved alert up for a second officer's approval and asks the cell for one: audited, listed
 * as waiting, the dashboard told, the cell's notice posted (unless the author's confirmation asks
 * in a cell group). Idempotent, so a crash anywhere in between is made good by running it again (a
 * retried request, the start-up resume, the sweep): one alert.created, one notice (its key).
 * True when it moved the alert from draft now.
 */
export async function putUpForApproval(deps: CoreDeps, r: BroadcastRecord, how: { toldInCell?: boolean } = {}): Promise<boolean> {
  const keys = broadcastKeys(deps, 'alert');
  await auditCreated(deps, r);
  const moved = (await deps.redis.eval(TO_APPROVAL, 2, keys.record(r.id), keys.active, String(r.createdAt), r.id)) as number;
  if (moved === -1) return false;
  r.status = 'pending_approval';
  await publishChange(deps, 'alert', r.id);
  // Drafted in a cell group, the author's confirmation there asks for the approval; drafted in a DM,
  // on the dashboard, the API or by a playbook, the cell must be told that an alert waits for a second officer.
  if (!how.toldInCell) {
    const words = noticeWords(deps, r);
    await postToCellGroups(
      deps,
      `📝 Alert ${r.id} drafted by ${r.authorName} for ${r.total} recipient(s) waits for a second officer:\n“${words}”\nApprove with /approve ${r.id}, or stop it with /cancel ${r.id}.`,
      `alert-draft:${r.id}`,
      'alert-draft',
    );
  }
  return moved === 1;
}

/**
 * Sends a saved alert that needs no approval: audited (once), started, and the cell told (unless
 * the author's confirmation is read in a cell group). Idempotent, as putUpForApproval.
 */
export async function sendUnapproved(deps: CoreDeps, r: BroadcastRecord, how: { toldInCell?: boolean } = {}): Promise<void> {
  await auditCreated(deps, r);
  await startSending(deps, r);
  // Sent without approval from a DM, the dashboard, the API or a playbook: the cell learns it from
  // the bot, not from a citizen asking about it.
  if (!how.toldInCell && r.status === 'sending') await tellSent(deps, r);
}

/** An alert's words as the cell's notices quote them: in the first configured language, cut. */
const noticeWords = (deps: CoreDeps, r: BroadcastRecord) => excerpt(textIn(deps, r.text, deps.config.languages[0] as string), 300);

/** "📣 Alert … sent by …" in the cell groups, once per alert (its idempotency key). */
async function tellSent(deps: CoreDeps, r: BroadcastRecord): Promise<void> {
  const words = noticeWords(deps, r);
  await postToCellGroups(
    deps,
    `📣 Alert ${r.id} sent by ${r.authorName} to ${r.total} recipient(s):\n“${words}”\nStop it with /cancel ${r.id}.`,
    `alert-sent:${r.id}`,
    'alert-draft',
  );
}

/**
 * True when two actors are one person: the same name as token holders are told apart (holderKey:
 * "Hélène" typed with a decomposed accent is Hélène), or the same phone. A token minted without a
 * phone is given the phone of the one person the roster lists under its name.
 */
function samePerson(deps: CoreDeps, a: Actor, b: Actor): boolean {
  if (holderKey(a.name) === holderKey(b.name)) return true;
  const phoneOf = (x: Actor) => x.phone ?? rosterPhoneOf(deps.roster, x.name);
  const [pa, pb] = [phoneOf(a), phoneOf(b)];
  return pa !== undefined && pa === pb;
}

/** A second officer approves a pending alert; the author cannot approve their own. */
export async function approveAlert(
  deps: CoreDeps,
  input: { id: string; approver: Actor; toldInCell?: boolean },
): Promise<{ id: string; status: string; approvedBy: string }> {
  const r = kindOfId(input.id) === 'alert' ? await loadRecord(deps, input.id) : undefined;
  if (!r) throw new NotFoundError('alert', input.id);
  if (samePerson(deps, input.approver, { name: r.authorName, ...(r.authorPhone ? { phone: r.authorPhone } : {}) })) {
    await deps.audit.append({ type: 'alert.approval_refused', actor: input.approver.name, subject: r.id, data: { reason: 'author' } });
    throw new ForbiddenError(`${r.id} was drafted by ${r.authorName}; a second officer must approve it`);
  }
  const key = broadcastKeys(deps, 'alert').record(r.id);
  // 1: approved now; 2: approved before, but the process died before sending started (resume), or
  // a second officer approved it at the same moment (then approvedBy names the first).
  const [claimed, approvedBy, status] = (await deps.redis.eval(
    "local s, by = unpack(redis.call('HMGET', KEYS[1], 'status', 'approvedBy')) if s == 'approved' then return {2, by, s} end if s ~= 'pending_approval' then return {0, by, s} end redis.call('HSET', KEYS[1], 'status', 'approved', 'approvedBy', ARGV[1], 'approvedAt', ARGV[2]) return {1, ARGV[1], 'approved'}",
    1,
    key,
    input.approver.name,
    String(deps.now()),
  )) as [number, string | null, string | null];
  if (claimed === 0) {
    // Its status now, not as read before: an alert a second officer approved meanwhile is "sending", not "pending approval".
    const by = approvedBy ? ` (approved by ${approvedBy})` : '';
    throw new ConflictError('not_pending', `${r.id} is ${(status ?? r.status).replace('_', ' ')}${by}, not waiting for approval`);
  }
  if (claimed === 1)
    await deps.audit.append({ type: 'alert.approved', actor: input.approver.name, subject: r.id, data: { total: r.total } });
  await startSending(deps, r);
  // Approved from a DM, the dashboard or the API: the cell, whose last word on it was "waits for a
  // second officer", is told it is going out.
  if (claimed === 1 && !input.toldInCell) {
    await postToCellGroups(
      deps,
      `✅ Alert ${r.id} approved by ${input.approver.name}: sending to ${r.total} recipient(s). Stop it with /cancel ${r.id}.`,
      `alert-approved:${r.id}`,
      'alert-draft',
    );
  }
  return { id: r.id, status: 'sending', approvedBy: approvedBy ?? input.approver.name };
}

/** Stops an alert or welfare check: nothing more is sent; queued messages are removed. */
export async function cancelBroadcast(
  deps: CoreDeps,
  input: { id: string; actor: Actor; request?: string; toldInCell?: boolean },
): Promise<{ id: string; status: string }> {
  const r = await loadRecord(deps, input.id);
  if (!r) throw new NotFoundError(kindOfId(input.id) === 'welfare' ? 'welfare check' : 'alert', input.id);
  const keys = broadcastKeys(deps, r.kind);
  // The same request retried (a job that failed after cancelling): it is done, not "already cancelled";
  // its purge is queued again (purging twice removes nothing twice).
  const ours = async () => !!input.request && (await deps.redis.hget(keys.record(r.id), 'cancelRequest')) === input.request;
  if (!['pending_approval', 'approved', 'sending', 'open'].includes(r.status)) {
    if (r.status !== 'cancelled' || !(await ours())) throw new ConflictError('not_running', `${r.id} is already ${r.status}`);
    await broadcastQueues(deps).broadcast.add('purge', { type: 'purge', id: r.id });
    if (!input.toldInCell) await tellCellCancelled(deps, r, input.actor.name);
    return { id: r.id, status: 'cancelled' };
  }
  // Check and set in one step: a broadcast that finished meanwhile is never relabelled "cancelled".
  const cancelled = await deps.redis.eval(
    "local s = redis.call('HGET', KEYS[1], 'status') if s ~= 'pending_approval' and s ~= 'sending' and s ~= 'open' and s ~= 'approved' then return s end redis.call('HSET', KEYS[1], 'status', 'cancelled', 'completedAt', ARGV[1], 'cancelRequest', ARGV[3]) redis.call('ZREM', KEYS[2], ARGV[2]) return 1",
    2,
    keys.record(r.id),
    keys.active,
    String(deps.now()),
    r.id,
    input.request ?? '',
  );
  if (cancelled !== 1 && !(cancelled === 'cancelled' && (await ours())))
    throw new ConflictError('not_running', `${r.id} is already ${String(cancelled)}`);
  await broadcastQueues(deps).broadcast.add('purge', { type: 'purge', id: r.id });
  await deps.audit.append({ type: `${r.kind}.cancelled`, actor: input.actor.name, subject: r.id });
  await publishChange(deps, r.kind, r.id);
  // Cancelled from a DM, the dashboard or the API: the cell, which saw the draft or the alert itself
  // arrive, must not go on taking it as valid (in a cell group, the command's answer says it there).
  if (!input.toldInCell) await tellCellCancelled(deps, { ...r, status: 'cancelled' }, input.actor.name);
  return { id: r.id, status: 'cancelled' };
}

async function tellCellCancelled(deps: CoreDeps, r: BroadcastRecord, by: string): Promise<void> {
  const drill = r.exercise ? ' (drill)' : '';
  let text: string;
  if (r.kind === 'welfare') {
    text = `🛑 Welfare check ${r.id}${drill} cancelled by ${by}: no more questions, reminders or follow-ups go out for it.`;
  } else {
    const [{ sent }, sending] = await Promise.all([deliveryCounts(deps, r), beingSent(deps, r.id)]);
    const inFlight = sending > 0 ? `; ${sending} being sent at that moment may still arrive` : '';
    text =
      sent + sending > 0
        ? `🛑 Alert ${r.id}${drill} cancelled by ${by}: nothing more will be sent (${sent} of ${r.total} had gone out${inFlight}). It is withdrawn: anyone who forwards it to check is told so.`
        : `🛑 Alert ${r.id}${drill} cancelled by ${by} before it went out: nobody will receive it.`;
  }
  await postToCellGroups(deps, text, `broadcast-cancelled:${r.id}`, 'broadcast-cancelled');
}

/**
 * How many of an alert's messages the outbound workers hold at this moment. A send that passed its
 * last look before the cancel is among them (its job stays active until the send ends) and may still
 * reach its recipient, so "nobody will receive it" would be false; one still waiting for its turn
 * will be skipped, so this is an upper bound.
 */
async function beingSent(deps: CoreDeps, id: string): Promise<number> {
  const prefix = `alert:${id}:`;
  const active = await broadcastQueues(deps).outbound.getJobs(['active']);
  return active.filter((job) => job?.data?.ref?.startsWith(prefix)).length;
}

/** `fanOutStalledSince` of a broadcast view, only while its fan-out is stalled. */
export function stalledSince(r: BroadcastRecord): { fanOutStalledSince?: string } {
  const at = fanOutStalledSince(r);
  return at === undefined ? {} : { fanOutStalledSince: new Date(at).toISOString() };
}

export async function getAlert(deps: CoreDeps, id: string): Promise<AlertView> {
  const r = kindOfId(id) === 'alert' ? await loadRecord(deps, id) : undefined;
  if (!r) throw new NotFoundError('alert', id);
  return {
    id: r.id,
    status: r.status,
    code: r.code,
    exercise: r.exercise,
    audience: r.audience,
    reporters: r.reporters ?? 0,
    text: r.text,
    author: r.authorName,
    ...(r.approvedBy ? { approvedBy: r.approvedBy } : {}),
    createdAt: new Date(r.createdAt).toISOString(),
    counts: await deliveryCounts(deps, r),
    ...stalledSince(r),
  };
}
