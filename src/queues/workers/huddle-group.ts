import { UnrecoverableError } from 'bullmq';
import type { CoreDeps } from '../../app/deps.ts';
import type { ChatTransport, GroupListing } from '../../transport/chat-transport.ts';
import type { OutboundJob } from '../job-schemas.ts';

/**
 * How much earlier than the recorded start of its creation a group may say it was created and still
 * be the one a retry adopts: WhatsApp counts whole seconds, and its clock and the gateway's differ.
 */
const HUDDLE_CLOCK_SKEW_MS = 10_000;

/** A huddle's creation under way: when it started (the gateway's wall clock, ms) and the group's name. */
interface HuddleIntent {
  at: number;
  subject: string;
}

/**
 * Creates the breakout group a job asks for (once per idempotency key), records it as a huddle,
 * and returns the job addressed to the group.
 *
 * WhatsApp creating a group is not idempotent: a try that created the group and then failed
 * before recording it (a crash, Redis gone, WhatsApp's answer lost) would leave the retry to
 * create a second group of the same people. So the start of the creation is recorded first, and
 * a retry that finds it looks among the account's groups for one of that name created since
 * (by the embassy number, where WhatsApp says who created it), and adopts it instead. A retry
 * that cannot get the list fails and is tried again: it never risks a second group. A transport
 * that cannot list its groups creates the group again.
 */
export async function intoNewGroup(deps: CoreDeps, transport: ChatTransport, msg: OutboundJob): Promise<OutboundJob> {
  const { createGroup, ...rest } = msg;
  if (!createGroup) return msg;
  if (!transport.createGroup) throw new UnrecoverableError(`the ${transport.name} transport cannot create groups`);
  const key = msg.idempotencyKey;
  const [recorded, started] = await read(deps, key);
  if (recorded) return { ...rest, to: { kind: 'group', id: recorded } };
  const adopted = started && transport.listGroups ? await earlierTry(deps, transport, started) : undefined;
  let groupId = adopted;
  if (!groupId) {
    // Kept from the first try: a later one also finds a group an earlier retry created.
    const intent: HuddleIntent = started ?? { at: Date.now(), subject: createGroup.subject };
    if (!started) await deps.redis.hset(deps.keys.huddleIntent, key, JSON.stringify(intent));
    groupId = await transport.createGroup(createGroup.subject, createGroup.participants);
  }
  // Its guests are those not on the roster: staff belong there only while they are on it, so one
  // taken off it later is a stranger there as in the cell group (the membership guard reports them).
  const guests = createGroup.participants.filter((p) => p !== deps.config.embassy.number && !deps.roster.find(p));
  const tx = deps.redis
    .multi()
    .hset(deps.keys.huddleByKey, key, groupId)
    .sadd(deps.keys.huddles, groupId)
    .hset(deps.keys.huddleNames, groupId, createGroup.subject);
  if (guests.length > 0) tx.sadd(deps.keys.huddleInvited(groupId), ...guests);
  await tx.hdel(deps.keys.huddleIntent, key).exec();
  if (adopted) deps.log.warn({ groupId, key }, 'a retried huddle found the group its earlier try created, and uses it');
  await deps.audit.append({
    type: adopted ? 'huddle.adopted' : 'huddle.created',
    actor: 'system',
    subject: groupId,
    data: { members: createGroup.participants.length },
  });
  return { ...rest, to: { kind: 'group', id: groupId } };
}

/** The group recorded for this key, and the creation started for it, in one round trip. */
async function read(deps: CoreDeps, key: string): Promise<[string | undefined, HuddleIntent | undefined]> {
  const res = await deps.redis.multi().hget(deps.keys.huddleByKey, key).hget(deps.keys.huddleIntent, key).exec();
  const [groupId, intent] = (res ?? []).map(([err, v]) => {
    if (err) throw err;
    return v as string | null;
  });
  return [groupId ?? undefined, intent ? (JSON.parse(intent) as HuddleIntent) : undefined];
}

/**
 * The group an earlier try of this huddle created: of the account's groups, named as asked,
 * created since the try started (allowing for clock skew) and not by someone else, and not
 * recorded as another huddle; the first created of them (one created later is another's).
 */
async function earlierTry(deps: CoreDeps, transport: ChatTransport, intent: HuddleIntent): Promise<string | undefined> {
  const groups = (await transport.listGroups?.()) ?? [];
  const since = intent.at - HUDDLE_CLOCK_SKEW_MS;
  const named = groups.filter(
    (g): g is GroupListing & { createdAt: number } =>
      g.subject.trim() === intent.subject.trim() && g.createdAt !== undefined && g.createdAt >= since && g.createdBySelf !== false,
  );
  if (!named.length) return undefined;
  const known = await deps.redis.smismember(deps.keys.huddles, ...named.map((g) => g.id));
  return named.filter((_, i) => known[i] === 0).sort((a, b) => a.createdAt - b.createdAt)[0]?.id;
}
