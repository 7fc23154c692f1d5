import type { CoreDeps } from '../app/deps.ts';
import { DIGEST_REF } from '../app/incidents/cards.ts';
import { eraseCitizenIncidents } from '../app/incidents/erase.ts';
import { embassyPhones } from '../app/incidents/shared.ts';
import { broadcastQueues } from '../broadcast/broadcast-queue.ts';
import { type BroadcastKind, broadcastKeys } from '../broadcast/broadcast-store.ts';
import { advanceRecipient, broadcastRef, forgetRecipient } from '../broadcast/tracking.ts';
import { askedInKeys } from '../broadcast/welfare.ts';
import { eraseFromTaskNotes } from '../playbooks/tasks.ts';
import { purgeFinishedJobsMentioning } from '../queues/purge-jobs.ts';
import { jobIdFor } from '../queues/queues.ts';
import { forgetSessionLids } from '../transport/baileys/session-lids.ts';
import { eraseFromRegistry } from './registry.ts';

/** How far back broadcasts may still have outbound jobs for a citizen (failed jobs are kept 14 days). */
const LOOKBACK_MS = 15 * 24 * 3600 * 1000;

/** What an erasure removed, for the audit entry (counts only). */
export interface ErasureReport {
  registered: boolean;
  broadcasts: number;
  jobsRemoved: number;
  /** Incidents the citizen reported, scrubbed of their personal data. */
  incidents: number;
  /** Finished message jobs (their words in, replies and cards out) removed from the queues. */
  finishedJobsRemoved: number;
  /** Notes on playbook runs' checklist items that held their number. */
  taskNotes: number;
  /** The phone and the LIDs that named the citizen: what the sweep after the DELETE looks for. */
  senders: string[];
}

/** The timer that removes, once they have finished, the DELETE's own job and its answer. */
export const ERASE_SWEEP = 'erase-sweep';
/** When it runs: the answer to a DELETE is a citizen's reply, sent ahead of any broadcast. */
export const ERASE_SWEEP_DELAY_MS = 120_000;

/**
 * After a DELETE: its own inbound job and its answer finished after the erasure and still name the
 * citizen; they are removed from the queues, as the rest was.
 */
export async function sweepAfterErasure(deps: CoreDeps, senders: string[]): Promise<number> {
  // Sending the answer may have taught the WhatsApp session the pair again (Baileys looks up the
  // LID of the phone it sends to, and keeps WhatsApp's answer): it goes again.
  const [who, ...lids] = senders;
  if (who) await forgetPairsInSession(deps, who, lids);
  // The answer (and any message in flight at the erasure) was recorded as sent to them after it.
  await forgetMessagesTo(deps, senders);
  return purgeFinished(deps, senders, senders);
}

/**
 * Removes the finished inbound jobs that name `senders` and the finished outbound jobs that name
 * one of `about`, and the gateway's copies of the messages those sent. Returns the jobs removed.
 */
async function purgeFinished(deps: CoreDeps, senders: string[], about: string[]): Promise<number> {
  const { outbound, inbound } = broadcastQueues(deps);
  // Their number as staff type it too ("called her on +33 6 12 34 56 78").
  const phone = senders.find((s) => s.startsWith('+'));
  const sent: string[] = [];
  const removed =
    (await purgeFinishedJobsMentioning(deps.redis, inbound, senders, undefined, phone)) +
    (await purgeFinishedJobsMentioning(deps.redis, outbound, about, sent, phone));
  await forgetSentMessages(deps, sent);
  return removed;
}

/**
 * DELETE: erases a citizen's personal data everywhere: registry, indexes, open conversation,
 * the LIDs known to hide their phone (in the app's map and in the WhatsApp session's), the media kept to forward to the cell, finished message jobs that name them or their incidents,
 * recipient lists, per-recipient delivery state, welfare answers, queued (or finished) outbound
 * jobs of broadcasts, and the incidents they reported. Tallies stay, as anonymous counts.
 */
export async function eraseCitizen(deps: CoreDeps, phone: string): Promise<ErasureReport> {
  // Their region, for the welfare checks they leave unanswered.
  const erased = await eraseFromRegistry(deps, phone);
  const region = erased?.region;
  const since = deps.now() - LOOKBACK_MS;
  const { outbound } = broadcastQueues(deps);
  let broadcasts = 0;
  let jobsRemoved = 0;
  // The LIDs are read before they are forgotten: a message written before WhatsApp told us the
  // phone behind a LID names only the LID, and so does a broadcast that asked them then.
  const lids = await lidsOf(deps, phone);
  for (const kind of ['alert', 'welfare'] as BroadcastKind[]) {
    const keys = broadcastKeys(deps, kind);
    // Recipient lists, delivery states and answers are kept for good: every broadcast is scrubbed.
    const ids = await deps.redis.zrangebyscore(keys.all, '-inf', '+inf', 'WITHSCORES');
    for (let i = 0; i < ids.length; i += 2) {
      const id = ids[i] as string;
      const recent = Number(ids[i + 1]) >= since;
      let scrubbed = false;
      for (const who of [phone, ...lids]) {
        if (recent) jobsRemoved += await removeQueuedJob(deps, kind, id, who);
        // Listed but never queued (an alert still waiting for approval): counted as cancelled.
        const { listed, removed } = await forgetRecipient(deps, kind, id, who);
        const answered = kind === 'welfare' ? await deps.redis.hdel(deps.keys.welfareAnswers(id), who) : 0;
        // The region the check counted them in (they may have moved since it started).
        const askedIn = kind === 'welfare' ? await forgetAskedIn(deps, id, who) : undefined;
        scrubbed ||= removed || answered > 0;
        // Asked and silent, they leave the check: "N no answer" stays the list of people to call.
        if (kind === 'welfare' && listed && answered === 0) await leaveUnanswered(deps, id, askedIn ?? region);
        if (kind === 'welfare') await deps.redis.zrem(deps.keys.welfareToRemind(id), who);
        if (kind === 'welfare' && recent)
          jobsRemoved += await outbound.remove(jobIdFor('o', broadcastRef('welfare-reminder', id, who))).catch(() => 0);
      }
      if (scrubbed) broadcasts++;
    }
  }
  // Their number and registered name also go from what staff wrote in their incidents.
  const incidentIds = await eraseCitizenIncidents(deps, phone, erased?.name);
  await forgetLids(deps, phone, lids);
  // A rumour's warning given them while WhatsApp hid their number is kept under the LID (half an hour).
  if (lids.length) await deps.redis.del(...lids.map((lid) => deps.keys.rumourWarned(lid)));
  await forgetPairsInSession(deps, phone, lids);
  // What they reported while WhatsApp hid their number, and the LID's link to their report.
  for (const lid of lids)
    for (const id of await eraseCitizenIncidents(deps, lid, erased?.name, phone)) if (!incidentIds.includes(id)) incidentIds.push(id);
  await forgetMedia(deps, [phone, ...lids]);
  // The rumours they forwarded: no longer counted as theirs, nor tied to their reports (those made under a LID too); one only they forwarded goes.
  await forgetRumours(deps, [phone, ...lids], incidentIds);
  // Staff may have noted their number on a playbook run's checklist ("done, called +33 6 12…").
  const taskNotes = await eraseFromTaskNotes(deps, phone);
  // What each message sent them was about ("alert:ALR-0002:+336…", kept 90 days for receipts and
  // replies) and the gateway's copies: their jobs, removed above or expired, no longer lead there.
  await forgetMessagesTo(deps, [phone, ...lids]);
  await forgetHeld(deps, [phone, ...lids]);
  // Finished jobs are kept a day (completed) or two weeks (failed) and carry the citizen's words:
  // their messages in and the bot's replies name them; the cell's posts about their incidents
  // (cards, follow-ups, edits, digests, escalations) name the incident. Inbound jobs that name an
  // incident are staff commands: they stay, as the record that drops a redelivered command.
  const finishedJobsRemoved = await purgeFinished(deps, [phone, ...lids], [phone, ...lids, ...incidentIds]);
  return {
    registered: erased !== undefined,
    broadcasts,
    jobsRemoved,
    incidents: incidentIds.length,
    finishedJobsRemoved,
    taskNotes,
    senders: [phone, ...lids],
  };
}

/** Takes the citizen off a welfare check's asked-in sets; returns the region they were asked in, if known. */
async function forgetAskedIn(deps: CoreDeps, id: string, phone: string): Promise<string | undefined> {
  const { keys, regions } = askedInKeys(deps, id);
  const tx = deps.redis.multi();
  for (const key of keys) tx.srem(key, phone);
  const removed = ((await tx.exec()) ?? []).map(([, n]) => n);
  const at = removed.indexOf(1);
  return at < 0 ? undefined : regions[at];
}

/** One fewer person asked in a welfare check (and in their region): someone who erased their data unanswered. */
async function leaveUnanswered(deps: CoreDeps, id: string, region: string | undefined): Promise<void> {
  const tx = deps.redis.multi().hincrby(broadcastKeys(deps, 'welfare').record(id), 'asked', -1);
  if (region) tx.hincrby(broadcastKeys(deps, 'welfare').record(id), `total:${region}`, -1);
  await tx.exec();
}

/**
 * The copies the WhatsApp gateway keeps of those messages (to answer WhatsApp's retry requests, for
 * two weeks: a card holds the citizen's words and number) and which message was about what.
 */
async function forgetSentMessages(deps: CoreDeps, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    // A digest that listed their incident among others is a list: that it was one stays (it names
    // no one), so a 👍 on it is still answered "takes none of its incidents", not ignored.
    const refs = await deps.redis.mget(...chunk.map((id) => deps.keys.sentRef(id)));
    const keys = chunk.flatMap((id, n) => [
      deps.keys.waMessage(id),
      deps.keys.waSentKey(id),
      ...(refs[n] === DIGEST_REF ? [] : [deps.keys.sentRef(id)]),
    ]);
    await deps.redis.del(...keys);
  }
}

/** Forgets the messages sent to `to` (phones, LIDs): their refs and the gateway's copies, found by the index of each. */
async function forgetMessagesTo(deps: CoreDeps, to: string[]): Promise<void> {
  for (const who of to) {
    await forgetSentMessages(deps, await deps.redis.smembers(deps.keys.sentTo(who)));
    await deps.redis.del(deps.keys.sentTo(who));
  }
}

/**
 * A message held back by a sending restriction (WhatsApp's 463) is listed under its recipient until
 * it goes: the erasure removed their held broadcast messages, so those entries lead nowhere and go
 * (one still queued, not the erasure's to remove, stays listed and is counted out when released).
 */
async function forgetHeld(deps: CoreDeps, to: string[]): Promise<void> {
  const { outbound } = broadcastQueues(deps);
  for (const who of to) {
    const ids = await deps.redis.smembers(deps.keys.outboundHeldTo(who));
    const gone = (await Promise.all(ids.map(async (id) => ((await outbound.getJob(id)) ? undefined : id)))).filter(
      (id): id is string => id !== undefined,
    );
    if (gone.length)
      await deps.redis
        .multi()
        .zrem(deps.keys.outboundHeld, ...gone)
        .srem(deps.keys.outboundHeldTo(who), ...gone)
        .exec();
  }
}

/** Forgets the photos, videos, voice notes and documents the gateway kept to forward to the cell. */
async function forgetMedia(deps: CoreDeps, senders: string[]): Promise<void> {
  for (const sender of senders) {
    const ids = await deps.redis.smembers(deps.keys.waMediaOf(sender));
    // And the keys of the messages they sent (their number is each key's chat), kept to quote them.
    const keys = await deps.redis.zrange(deps.keys.waMessageKeysOf(sender), '0', '-1');
    await deps.redis.del(
      ...ids.map((id) => deps.keys.waMedia(id)),
      deps.keys.waMediaOf(sender),
      ...keys.map((id) => deps.keys.waMessageKey(id)),
      deps.keys.waMessageKeysOf(sender),
    );
  }
}

/**
 * Takes a citizen out of the rumours they forwarded (counted by their audit pseudonym): their reports are no
 * longer listed with it, and a rumour nobody else forwarded is deleted, words and all (a chain message
 * may carry the forwarder's own name and number: "info from Élodie Durand +33…").
 */
async function forgetRumours(deps: CoreDeps, who: string[], incidentIds: string[]): Promise<void> {
  const pseudonyms = await Promise.all(who.map((w) => deps.audit.pseudonym(w)));
  const ids = await deps.redis.zrange(deps.keys.rumoursByLast, '0', '-1');
  if (ids.length === 0) return;
  // One round trip for every rumour (at most 1,000), and one to delete those left without a sender.
  const taken = deps.redis.multi();
  for (const id of ids) {
    taken.srem(deps.keys.rumourSenders(id), ...pseudonyms);
    if (incidentIds.length) taken.zrem(deps.keys.rumourIncidents(id), ...incidentIds);
    taken.scard(deps.keys.rumourSenders(id));
  }
  const counts = ((await taken.exec()) ?? []).map(([, n]) => n);
  const perRumour = incidentIds.length ? 3 : 2;
  // Decided on what is left, not on what this run removed: a run retried after it failed midway finishes the work.
  const gone = ids.filter((_, i) => counts[i * perRumour + perRumour - 1] === 0);
  if (gone.length === 0) return;
  const del = deps.redis.multi();
  for (const id of gone) del.del(deps.keys.rumour(id), deps.keys.rumourSenders(id), deps.keys.rumourIncidents(id));
  await del.zrem(deps.keys.rumoursByLast, ...gone).exec();
}

/** The WhatsApp LIDs known to hide the phone. */
async function lidsOf(deps: CoreDeps, phone: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, flat] = await deps.redis.hscan(deps.keys.lidToPhone, cursor, 'COUNT', 1000);
    found.push(...flat.filter((_, i) => i % 2 === 0 && flat[i + 1] === phone));
    cursor = next;
  } while (cursor !== '0');
  return found;
}

/** Staff and the embassy number, whose LID pairs a DELETE never erases (the bot needs them to know who writes). */
function keptPhones(deps: CoreDeps): Set<string> {
  return new Set(embassyPhones(deps));
}

/** Forgets which WhatsApp LIDs hide the phone (WhatsApp tells the gateway again if they write). */
async function forgetLids(deps: CoreDeps, phone: string, lids: string[]): Promise<void> {
  if (lids.length > 0 && !keptPhones(deps).has(phone)) await deps.redis.hdel(deps.keys.lidToPhone, ...lids);
}

/**
 * The same pairs in the WhatsApp session (Baileys' own mapping, in Redis), and the gateway's
 * in-memory copies of them (with no WhatsApp session, as on the simulator, there is none to find).
 */
async function forgetPairsInSession(deps: CoreDeps, who: string, lids: string[]): Promise<void> {
  await forgetSessionLids(deps.redis, deps.keys, who, lids, keptPhones(deps));
}

const NOT_SENT_YET = new Set(['waiting', 'prioritized', 'delayed', 'waiting-children']);

/** Removes the citizen's outbound job of one broadcast; one not sent yet counts as cancelled. */
async function removeQueuedJob(deps: CoreDeps, kind: BroadcastKind, id: string, phone: string): Promise<number> {
  const { outbound } = broadcastQueues(deps);
  const jobId = jobIdFor('o', broadcastRef(kind, id, phone));
  const state = await outbound.getJobState(jobId);
  if (state === 'unknown') return 0;
  const removed = await outbound.remove(jobId).catch(() => 0);
  if (removed === 1 && NOT_SENT_YET.has(state)) await advanceRecipient(deps, { kind, id, to: phone, reminder: false }, 'cancelled');
  return removed;
}
