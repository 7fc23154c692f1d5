import { citizenLanguage } from '../citizens/registry.ts';
import { citizenText } from '../domain/citizen-messages.ts';
import { toE164 } from '../domain/roster.ts';
import { inboundMessageQueued, PRIORITY } from '../queues/queues.ts';
import type { UndecryptableMessage } from '../transport/chat-transport.ts';
import type { CoreDeps } from './deps.ts';
import type { Feature } from './feature.ts';
import { messageStaff, postToCellGroups, servesGroup } from './incidents/shared.ts';

/** How long the real message has to follow its placeholder before the sender is asked to resend. */
export const UNDECRYPTABLE_GRACE_MS = 2 * 60_000;
/** How long an id is remembered: a placeholder delivered again within it is not chased twice. */
const REMEMBER_S = 24 * 3600;
const TIMER = 'whatsapp.undecryptable';

interface Pending extends UndecryptableMessage {
  /** Set once the sender was asked to resend. */
  chasedAt?: number;
}

/**
 * Gateway: remembers a message WhatsApp could not decrypt, and when to chase it. A placeholder
 * delivered again (or after it was chased) changes nothing.
 */
export async function rememberUndecryptable(deps: CoreDeps, msg: UndecryptableMessage): Promise<void> {
  const key = deps.keys.waUndecryptable(msg.id);
  const fresh = await deps.redis.set(key, JSON.stringify(msg), 'EX', REMEMBER_S, 'NX');
  if (!fresh) return;
  const due = deps.now() + UNDECRYPTABLE_GRACE_MS;
  await deps.redis.zadd(deps.keys.waUndecryptableDue, due, msg.id);
  await deps.timers.schedule(TIMER, {}, UNDECRYPTABLE_GRACE_MS + 1_000, `undecryptable-${msg.id}`);
}

/** Gateway: the real message arrived; nobody needs to be told. */
export async function forgetUndecryptable(deps: CoreDeps, id: string): Promise<void> {
  await Promise.all([deps.redis.del(deps.keys.waUndecryptable(id)), deps.redis.zrem(deps.keys.waUndecryptableDue, id)]);
}

/**
 * Timer (and sweep): every placeholder whose real message did not follow within the grace period.
 * The sends are idempotent; removing the id from the due set decides who records it, so it is
 * chased and audited once however often the sweep runs.
 */
export async function chaseUndecryptable(deps: CoreDeps): Promise<void> {
  const due = await deps.redis.zrangebyscore(deps.keys.waUndecryptableDue, '-inf', String(deps.now()), 'LIMIT', 0, 200);
  for (const id of due) {
    try {
      await chaseOne(deps, id);
    } catch (err) {
      deps.log.error({ err: (err as Error).message, id }, 'cannot chase an unreadable WhatsApp message: retried by the sweep');
    }
  }
}

async function chaseOne(deps: CoreDeps, id: string): Promise<void> {
  const key = deps.keys.waUndecryptable(id);
  const raw = await deps.redis.get(key);
  const msg = raw ? (JSON.parse(raw) as Pending) : undefined;
  if (!msg || msg.chasedAt) {
    await deps.redis.zrem(deps.keys.waUndecryptableDue, id);
    return;
  }
  // The real message may have come without the gateway seeing it follow its placeholder: replayed
  // from the spool after a Redis outage, or handled by a gateway that restarted meanwhile.
  if (await inboundMessageQueued(deps.redis, deps.keys.prefix, id)) {
    await forgetUndecryptable(deps, id);
    return;
  }
  // A group the bot does not serve (someone added the embassy number to their family's): the bot
  // ignores its messages, readable or not, and the cell is not told a stranger's number.
  if (msg.chat.kind === 'group' && !(await servesGroup(deps, msg.chat.id))) {
    await forgetUndecryptable(deps, id);
    return;
  }
  const phone = msg.from.phone ?? (msg.from.lid ? ((await deps.redis.hget(deps.keys.lidToPhone, msg.from.lid)) ?? undefined) : undefined);
  const who = phone ?? msg.from.lid ?? 'an unknown sender';
  const staff = deps.roster.find(phone ? toE164(phone) : undefined);
  const ref = `undecryptable:${id}`;
  // A view-once photo or video opens only on the receiving phone: sent so again, it fails again.
  const why = msg.viewOnce
    ? 'was a "view once" photo, video or voice note, which the bot cannot open'
    : 'could not be read (WhatsApp encryption)';
  const again = msg.viewOnce ? 'send it again as an ordinary one' : 'send it again';
  if (staff) {
    const text = `⚠️ Your WhatsApp message to the crisis-cell bot (${new Date(msg.at).toISOString()}) ${why}. Please ${again}.`;
    await messageStaff(deps, [staff.phone], text, ref, 'undecryptable');
  } else {
    const asked = msg.chat.kind === 'dm' ? ' We asked them to resend.' : '';
    const where = msg.chat.kind === 'group' ? ` in group ${msg.chat.id}` : '';
    const text = `⚠️ A message from ${who}${where} ${why}; ask them to ${again}.${asked}`;
    await postToCellGroups(deps, text, ref, 'undecryptable');
    if (msg.chat.kind === 'dm') {
      const to = phone ?? msg.chat.phone;
      const language = (phone ? await citizenLanguage(deps, phone) : undefined) ?? deps.config.languages[0] ?? 'en';
      await deps.outbox.send(
        {
          to: { kind: 'dm', phone: to },
          text: citizenText(msg.viewOnce ? 'resendViewOnce' : 'resend', language),
          kind: 'reply',
          idempotencyKey: `${ref}:citizen`,
        },
        PRIORITY.reply,
      );
    }
  }
  if ((await deps.redis.zrem(deps.keys.waUndecryptableDue, id)) !== 1) return;
  await deps.redis.set(key, JSON.stringify({ ...msg, chasedAt: deps.now() }), 'KEEPTTL', 'XX');
  await deps.audit.append({
    type: 'message.undecryptable',
    actor: staff ? staff.name : phone ? await deps.audit.pseudonym(phone) : 'system',
    subject: id,
    data: { reason: msg.reason ?? 'unknown', chat: msg.chat.kind, notified: staff ? 'staff' : 'cell' },
  });
}

/** Messages WhatsApp could not decrypt: chased after a grace period unless the real one followed. */
export const undecryptableFeature: Feature = {
  name: 'undecryptable',
  async start(ctx) {
    // A safety net under the per-message timers (e.g. a gateway that crashed before scheduling one).
    if (ctx.plays('worker')) {
      await ctx.deps.queues.timers.upsertJobScheduler('undecryptable-sweep', { every: 30_000 }, { name: TIMER, data: {} });
    }
    return [];
  },
  timers: (deps) => ({ [TIMER]: () => chaseUndecryptable(deps) }),
};
