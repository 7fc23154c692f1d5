import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { durationMs } from '../domain/duration.ts';
import type { HttpDeps } from '../http/http-deps.ts';
import { onQueueError, PRIORITY } from '../queues/queues.ts';
import { parseJob } from '../queues/workers/parse-job.ts';
import { LuaScript } from '../store/lua-script.ts';
import {
  type ChatSender,
  type ChatTransport,
  type MembershipChange,
  type RemovalOutcome,
  TransportError,
} from '../transport/chat-transport.ts';
import { disappearingChanged } from './disappearing-messages.ts';
import type { Closeable, Feature } from './feature.ts';
import { embassyPhones, messageStaff, servedGroupName } from './incidents/shared.ts';

/** Queue of group removals, processed by the gateway (the only process holding the WhatsApp session). */
export const REMOVALS = 'group-removals';
const removalJob = z.object({ groupId: z.string(), phones: z.array(z.string()).min(1) });
type RemovalJob = z.infer<typeof removalJob>;

/**
 * One member of a cell group who is not on the staff roster, as far as the bot can tell: one
 * without a phone (WhatsApp shows only their LID, and no pair for it is known) may be rostered.
 */
interface Stranger {
  /** E.164 phone, when known. */
  phone?: string;
  lid?: string;
  /** How the member is recorded in the reported set (phone, else LID). */
  id: string;
}

/** How often a stranger who stays in a cell group is reported again. */
const REPORT_AGAIN_MS = 60 * 60 * 1000;

/**
 * How long a stranger reported is not reported again for being added: the periodic check may see
 * them in the group before or while the "added" notice is handled (in another process, even), and
 * the cell must get one warning and one removal, not two. Someone re-added later is reported again.
 */
const JUST_REPORTED_MS = 2 * 60 * 1000;

/**
 * How long a claimed report may take before another may make it: the process that claimed a
 * stranger died before telling anyone (its claim is still "pending"), and the next check must not
 * take them for reported for an hour.
 */
const CLAIM_LEASE_MS = 60_000;

/**
 * Claims the members ARGV[6..] of a group for one report (key ARGV[3], made at ARGV[1]), seen in
 * the group at ARGV[5]: those not reported since ARGV[2] (score in the reported set KEYS[1]);
 * those claimed by this same report before (who claimed is in the hash KEYS[2]: a retried report
 * is made again, not lost); those whose report is still pending from before ARGV[4] (its process
 * died: the lease ran out); and those who left, or were removed, before they were seen ("gone|<at>":
 * they came back). A report made is marked "key|done" (DONE_STRANGERS). Returns those claimed. One
 * script: a check and a notice reading the group at the same time cannot both claim, and a check
 * that read the group just before a removal does not report the stranger removed since.
 */
const CLAIM_STRANGERS = new LuaScript(`
local out = {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local at = redis.call('ZSCORE', KEYS[1], id)
  local by = redis.call('HGET', KEYS[2], id)
  local gone = by and string.sub(by, 1, 5) == 'gone|' and tonumber(string.sub(by, 6))
  local pending = by and not gone and string.sub(by, -5) ~= '|done'
  if by == ARGV[3] or by == ARGV[3] .. '|done' then
    out[#out + 1] = id
  elseif (not at) or tonumber(at) < tonumber(ARGV[2]) or (pending and tonumber(at) < tonumber(ARGV[4])) or (gone and gone < tonumber(ARGV[5])) then
    redis.call('ZADD', KEYS[1], ARGV[1], id)
    redis.call('HSET', KEYS[2], id, ARGV[3])
    out[#out + 1] = id
  end
end
return out`);

/** Marks members (ARGV[2..]) reported before as gone at ARGV[1]: seen again after that, they are reported again. */
const GONE_STRANGERS = new LuaScript(`
for i = 2, #ARGV do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then redis.call('HSET', KEYS[1], ARGV[i], 'gone|' .. ARGV[1]) end
end
return 1`);

/** Marks the claims of a report (key ARGV[1]) made: no lease runs out on them. */
const DONE_STRANGERS = new LuaScript(`
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[1] then redis.call('HSET', KEYS[1], ARGV[i], ARGV[1] .. '|done') end
end
return 1`);

/** Gives back the claims of a report that could not be made, so that the next check makes it. */
const RELEASE_STRANGERS = new LuaScript(`
for i = 2, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[1] then
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return 1`);

const removalQueues = new WeakMap<object, Queue<RemovalJob>>();

/** Members of `people` who are neither rostered staff nor the embassy's own number. */
async function strangersAmong(deps: HttpDeps, groupId: string, people: ChatSender[]): Promise<Stranger[]> {
  // A breakout group's guests: the phones an officer named in /huddle (a hospital's liaison) belong there.
  const invited = new Set(await deps.redis.smembers(deps.keys.huddleInvited(groupId)));
  const out: Stranger[] = [];
  for (const p of people) {
    const phone = p.phone ?? (p.lid ? ((await deps.redis.hget(deps.keys.lidToPhone, p.lid)) ?? undefined) : undefined);
    if (phone && (phone === deps.config.embassy.number || deps.roster.find(phone) || invited.has(phone))) continue;
    const id = phone ?? p.lid;
    if (id) out.push({ id, ...(phone ? { phone } : {}), ...(p.lid ? { lid: p.lid } : {}) });
  }
  return out;
}

/** The warning about strangers whose phone is known: they are not on the roster. */
function knownText(name: string, known: Stranger[], source: string, removing: boolean): string {
  const action = removing ? 'They are being removed automatically.' : 'If this is not expected, a group admin must remove them now.';
  const who = known.map((s) => s.phone).join(', ');
  return `⚠️ Membership guard: ${who} ${known.length > 1 ? 'are' : 'is'} in "${name}" but not on the staff roster (${source}). ${action}`;
}

/**
 * The warning about members WhatsApp shows only by LID: the bot cannot tell whether they are on
 * the roster, so it never removes them (a rostered officer could be); a group admin, who sees
 * who they are in the group's member list, decides.
 */
function hiddenText(name: string, hidden: Stranger[], source: string): string {
  const lids = hidden.map((s) => s.lid).join(', ');
  if (hidden.length === 1)
    return `⚠️ Membership guard: a member of "${name}" shows only WhatsApp's hidden-number id ${lids} (${source}). The bot cannot see their number, so it cannot tell whether they are on the staff roster, and does not remove them. A group admin must check who it is (group info → members) and remove them if they should not be there.`;
  return `⚠️ Membership guard: ${hidden.length} members of "${name}" show only WhatsApp's hidden-number ids ${lids} (${source}). The bot cannot see their numbers, so it cannot tell whether they are on the staff roster, and does not remove them. A group admin must check who they are (group info → members) and remove anyone who should not be there.`;
}

/**
 * Reports strangers found in a cell group: a warning in the group, a DM to every duty officer,
 * an audit entry each, and (if configured) the removal of those whose phone is known. A member
 * known only by LID is reported, never removed: it may be a rostered officer whose number WhatsApp
 * hides. `key` makes the messages idempotent. Only those not reported since `since` are reported
 * (claimed at once: a periodic check and an "added" notice seeing one stranger give one warning).
 */
export async function reportStrangers(
  deps: HttpDeps,
  groupId: string,
  found: Stranger[],
  source: string,
  key: string,
  since: number,
  /** When the group was read (the check) or they joined (the notice). */
  seenAt: number,
): Promise<void> {
  if (found.length === 0) return;
  const keys = [deps.keys.membershipReported(groupId), deps.keys.membershipReportedBy(groupId)];
  const now = deps.now();
  const claimed = new Set(
    (await CLAIM_STRANGERS.run(deps.redis, keys, [now, since, key, now - CLAIM_LEASE_MS, seenAt, ...found.map((s) => s.id)])) as string[],
  );
  const strangers = found.filter((s) => claimed.has(s.id));
  if (strangers.length === 0) return;
  try {
    await report(deps, groupId, strangers, source, key);
    await DONE_STRANGERS.run(deps.redis, [keys[1] as string], [key, ...strangers.map((s) => s.id)]);
  } catch (err) {
    await RELEASE_STRANGERS.run(deps.redis, keys, [key, ...strangers.map((s) => s.id)]);
    throw err;
  }
}

async function report(deps: HttpDeps, groupId: string, strangers: Stranger[], source: string, key: string): Promise<void> {
  const name = (await servedGroupName(deps, groupId)) ?? groupId;
  const known = strangers.filter((s) => s.phone);
  const hidden = strangers.filter((s) => !s.phone);
  const removable = deps.config.membershipGuard.removeUnknown ? known.map((s) => s.id) : [];
  const text = [
    ...(known.length ? [knownText(name, known, source, removable.length > 0)] : []),
    ...(hidden.length ? [hiddenText(name, hidden, source)] : []),
  ].join('\n');
  await deps.outbox.send(
    { to: { kind: 'group', id: groupId }, text, kind: 'membership_alert', idempotencyKey: `${key}:group` },
    PRIORITY.staff,
  );
  const officers = deps.roster.withRole('duty_officer').map((o) => o.phone);
  await messageStaff(deps, officers, text, `${key}:dm`, 'membership_alert');
  for (const s of strangers) {
    await deps.audit.append({
      type: 'membership.unknown',
      actor: 'system',
      subject: groupId,
      data: {
        member: await deps.audit.pseudonym(s.id),
        source,
        removal: removable.includes(s.id),
        ...(s.phone ? {} : { numberHidden: true }),
      },
    });
  }
  if (removable.length)
    await removalQueues.get(deps)?.add('remove', { groupId, phones: removable }, { jobId: `rm-${key.replace(/:/g, '-')}` });
}

/**
 * Marks these members (phones, LIDs) gone: seen again later (added again, at once even), they are
 * reported again; a check that read the group before they went does not report them.
 */
async function markGone(deps: HttpDeps, groupId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await GONE_STRANGERS.run(deps.redis, [deps.keys.membershipReportedBy(groupId)], [deps.now(), ...ids]);
}

/** Handles a membership change: checks people added to a cell group or a breakout group against the roster. */
export async function guardMembership(deps: HttpDeps, change: MembershipChange): Promise<void> {
  if (!(await servedGroupName(deps, change.groupId))) return;
  if (change.action === 'remove') {
    // Named by LID alone, they were claimed under the phone the gateway knows for it.
    const lids = change.participants.flatMap((p) => (p.lid && !p.phone ? [p.lid] : []));
    const phones = lids.length ? await deps.redis.hmget(deps.keys.lidToPhone, ...lids) : [];
    const ids = [...change.participants.flatMap((p) => [p.phone, p.lid]), ...phones].filter((x): x is string => !!x);
    await markGone(deps, change.groupId, ids);
    return;
  }
  if (change.action !== 'add') return;
  const strangers = await strangersAmong(deps, change.groupId, change.participants);
  const key = `membership:${change.groupId}:${change.at}`;
  await reportStrangers(deps, change.groupId, strangers, 'just added', key, deps.now() - JUST_REPORTED_MS, change.at);
}

/**
 * Asks the transport for the LIDs of the staff roster and the embassy number: a rostered officer
 * who then appears under a LID alone (added to a cell group, or writing a command from a hidden
 * number) is known as that officer. While WhatsApp is away, the pairs learnt before still serve.
 */
export async function learnStaffLids(deps: HttpDeps, transport: ChatTransport): Promise<void> {
  if (!transport.lidsOf) return;
  try {
    await transport.lidsOf(embassyPhones(deps));
  } catch (err) {
    const offline = err instanceof TransportError && err.code === 'not_connected';
    deps.log[offline ? 'debug' : 'warn'](
      { err: (err as Error).message },
      "cannot learn the staff's WhatsApp LIDs; will retry at the next check",
    );
  }
}

/** Each process's check under way: checks run one after another, so two never report one stranger twice. */
const checking = new WeakMap<HttpDeps, Promise<void>>();

/**
 * Compares every cell group's members with the roster (learning the staff's LIDs first); reports
 * strangers not reported before. A check asked for while one runs starts when it ends (it reads
 * the groups as they are then, and sees what the one before reported).
 */
export function reconcileCellGroups(deps: HttpDeps, transport: ChatTransport): Promise<void> {
  const next = (checking.get(deps) ?? Promise.resolve()).catch(() => {}).then(() => reconcileNow(deps, transport));
  checking.set(deps, next);
  return next;
}

async function reconcileNow(deps: HttpDeps, transport: ChatTransport): Promise<void> {
  await learnStaffLids(deps, transport);
  if (!transport.groupMembers) return;
  // The cell groups, and the breakout groups the bot created for playbooks.
  const groups = [
    ...deps.config.cellGroups.map((g) => ({ id: g.id })),
    ...(await deps.redis.smembers(deps.keys.huddles)).map((id) => ({ id })),
  ];
  for (const group of groups) {
    let members: ChatSender[];
    // Before the read: someone removed while it runs was still listed, and is not reported again.
    const seenAt = deps.now();
    try {
      members = await transport.groupMembers(group.id);
    } catch (err) {
      deps.log.debug({ groupId: group.id, err: (err as Error).message }, 'cannot read cell group members; will retry');
      continue;
    }
    // A stranger still there is reported again each REPORT_AGAIN_MS (e.g. their removal failed).
    const strangers = await strangersAmong(deps, group.id, members);
    const key = `membership-check:${group.id}:${deps.now()}`;
    await reportStrangers(deps, group.id, strangers, 'found by the periodic check', key, deps.now() - REPORT_AGAIN_MS, seenAt);
  }
}

/** How often the gateway looks whether WhatsApp is connected yet, to check the cell groups. */
const FIRST_CONNECTION_POLL_MS = 1_000;

/** How soon a removal WhatsApp could not make (disconnected) is tried again. */
const OFFLINE_RETRY_MS = 10_000;

async function removeStrangers(deps: HttpDeps, transport: ChatTransport, job: Job<RemovalJob>, token?: string): Promise<void> {
  // A malformed job fails at once, audited (a ZodError would be retried five times, its JSON as the reason).
  const { groupId, phones } = await parseJob(deps, removalJob, job, REMOVALS);
  let outcome: RemovalOutcome | undefined;
  try {
    outcome = await transport.removeFromGroup?.(groupId, phones);
  } catch (err) {
    // WhatsApp is away (or went during the removal): the stranger is removed as soon as it is back,
    // however long that takes. Waiting uses up none of the removal's tries: five of them ran out in
    // about a minute, and the stranger then stayed in the cell group until the hourly check.
    if (err instanceof TransportError && err.code === 'not_connected') {
      await job.moveToDelayed(Date.now() + OFFLINE_RETRY_MS, token);
      throw new DelayedError();
    }
    if (err instanceof TransportError && !err.retryable) {
      await deps.audit.append({ type: 'membership.removal_failed', actor: 'system', subject: groupId, data: { code: err.code } });
      await removalFailed(deps, groupId, job, err.message);
      return;
    }
    // Anything else (a 5xx, a request that timed out on an open connection, a lookup that failed)
    // is tried again; after the last try the cell is told, as for a refusal: the stranger must not
    // stay on, reading the cards, with nobody knowing.
    const tries = job.attemptsMade + 1;
    if (tries >= (job.opts.attempts ?? 1)) {
      const code = err instanceof TransportError ? err.code : 'error';
      await deps.audit.append({ type: 'membership.removal_failed', actor: 'system', subject: groupId, data: { code, tries } });
      await removalFailed(deps, groupId, job, `${tries} tries to remove ${phones.join(', ')} failed (${(err as Error).message})`);
    }
    throw err;
  }
  // Members WhatsApp would not remove, one by one (it answers each): the cell is told, as for a
  // refusal of the whole request, rather than the stranger being taken for removed.
  const refused = outcome?.refused ?? [];
  for (const r of refused) {
    await deps.audit.append({
      type: 'membership.removal_failed',
      actor: 'system',
      subject: groupId,
      data: { code: 'refused', reason: r.reason, member: await deps.audit.pseudonym(r.member) },
    });
  }
  if (refused.length) {
    const who = refused.map((r) => `${r.member} (${r.reason})`).join(', ');
    await removalFailed(deps, groupId, job, `WhatsApp refused to remove ${who}`);
  }
  const absent = new Set(outcome?.absent ?? []);
  const removed: string[] = [];
  for (const phone of phones) {
    if (refused.some((r) => r.member === phone)) continue;
    if (!absent.has(phone)) removed.push(phone);
    await deps.audit.append({
      type: 'membership.removed',
      actor: 'system',
      subject: groupId,
      data: { member: await deps.audit.pseudonym(phone), ...(absent.has(phone) ? { alreadyGone: true } : {}) },
    });
  }
  // Gone: if they are added again, even at once, that is reported again (the notice of their removal may never come).
  await markGone(deps, groupId, [...removed, ...absent]);
  // The group was told "they are being removed": it is told when they are, not left to check.
  if (removed.length) {
    await deps.outbox.send(
      {
        to: { kind: 'group', id: groupId },
        text: `✅ Membership guard: ${removed.join(', ')} ${removed.length > 1 ? 'were' : 'was'} removed from the group.`,
        kind: 'confirmation',
        idempotencyKey: `removed:${job.id}`,
      },
      PRIORITY.staff,
    );
  }
}

/** Tells the cell group that a removal could not be made, so that a group admin makes it. */
async function removalFailed(deps: HttpDeps, groupId: string, job: Job<RemovalJob>, why: string): Promise<void> {
  await deps.outbox.send(
    {
      to: { kind: 'group', id: groupId },
      text: `⚠️ Membership guard could not remove the unknown member(s): ${why}. A group admin must do it.`,
      kind: 'membership_alert',
      idempotencyKey: `removal-failed:${job.id}`,
    },
    PRIORITY.staff,
  );
}

/** The membership guard: unknown members of cell groups and breakout groups are reported (and removed if configured). */
export const membershipGuardFeature: Feature = {
  name: 'membership-guard',
  membership: guardMembership,
  groupMessage: disappearingChanged,
  async start({ deps, connect, plays, transport }) {
    const closeables: Closeable[] = [];
    const queue = onQueueError(
      new Queue<RemovalJob>(REMOVALS, {
        connection: connect(),
        prefix: deps.keys.prefix,
        defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: { count: 1000 } },
      }),
      deps.log,
    );
    removalQueues.set(deps, queue);
    closeables.push(queue);
    if (plays('gateway') && transport) {
      const worker = new Worker<RemovalJob>(REMOVALS, (job, token) => removeStrangers(deps, transport, job, token), {
        connection: connect(),
        prefix: deps.keys.prefix,
      });
      worker.on('error', (err) => deps.log.error({ err: err.message }, 'group removal worker error'));
      closeables.push(worker);
      const check = () =>
        void reconcileCellGroups(deps, transport).catch((err) => deps.log.error({ err: err.message }, 'membership check failed'));
      const timer = setInterval(check, durationMs(deps.config.membershipGuard.reconcileEvery));
      timer.unref();
      check();
      // The check at start-up usually runs before WhatsApp is connected: the whole check runs again
      // as soon as it is, not a whole reconcileEvery later. A stranger added to a cell group while
      // the gateway was away (whose notice WhatsApp no longer holds) is reported within a second of
      // connecting, and the staff's LIDs are learnt then.
      const first = setInterval(() => {
        if (transport.state() !== 'open') return;
        clearInterval(first);
        check();
      }, FIRST_CONNECTION_POLL_MS);
      first.unref();
      closeables.push({
        close: async () => {
          clearInterval(timer);
          clearInterval(first);
        },
      });
    }
    return closeables;
  },
};
