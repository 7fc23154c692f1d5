import type { ChatContext } from '../chat/chat-context.ts';
import { PRIORITY } from '../queues/queues.ts';
import { messageStaff, servedGroupName } from './incidents/shared.ts';

/** How long WhatsApp keeps messages once disappearing messages are on: its choices, as people say them. */
export function keptFor(seconds: number): string {
  const days = seconds / 86_400;
  if (Number.isInteger(days) && days >= 1) return days === 1 ? '24 hours' : `${days} days`;
  const hours = Math.round(seconds / 3600);
  return hours >= 1 ? `${hours} hour${hours === 1 ? '' : 's'}` : `${Math.max(1, Math.round(seconds / 60))} minutes`;
}

/**
 * Someone turned disappearing messages on or off in a cell group or a breakout group (the other
 * groups' messages never get here). On, the incident cards, checklists and approval requests vanish
 * from every phone after a while: staff can no longer reply or 👍 to them, and whoever joins the
 * shift later reads nothing. The bot keeps its own record either way, so it does not overrule the
 * group (staff may want it, phones can be seized): it says what that costs, in the group and to the
 * duty officers, and puts it on the audit trail. Off is said in the group. Once per change, retries included.
 */
export async function disappearingChanged(ctx: ChatContext): Promise<boolean> {
  const { msg, deps } = ctx;
  if (!msg.disappearing || msg.chat.kind !== 'group') return false;
  const groupId = msg.chat.id;
  const { seconds } = msg.disappearing;
  const who = ctx.sender.staff?.name ?? ctx.sender.phone ?? 'A member';
  const key = `disappearing:${msg.id}`;
  // Once on the trail, however often the job runs (a retry after a failed send).
  const audited = deps.keys.disappearingAudited(msg.id);
  if (!(await deps.redis.exists(audited))) {
    await deps.audit.append({ type: 'group.disappearing', actor: ctx.sender.actor, subject: groupId, data: { seconds } });
    await deps.redis.set(audited, '1', 'EX', 7 * 86_400);
  }
  if (seconds === 0) {
    await deps.outbox.send(
      {
        to: msg.chat,
        text: `✅ ${who} turned disappearing messages off: messages in this group stay again.`,
        kind: 'notice',
        idempotencyKey: key,
      },
      PRIORITY.staff,
    );
    return true;
  }
  const name = (await servedGroupName(deps, groupId)) ?? groupId;
  const text =
    `⚠️ ${who} turned on disappearing messages in "${name}": messages vanish after ${keptFor(seconds)}. ` +
    'Incident cards, checklists and alerts awaiting approval will vanish from every phone, so nobody can reply or 👍 to them, ' +
    'and the next shift will not read what happened here. The bot keeps its own record (/incident, the dashboard). ' +
    'To keep this group’s history: group info → Disappearing messages → Off.';
  await deps.outbox.send({ to: msg.chat, text, kind: 'membership_alert', idempotencyKey: key }, PRIORITY.staff);
  const officers = deps.roster
    .withRole('duty_officer')
    .map((o) => o.phone)
    .filter((p) => p !== ctx.sender.phone);
  await messageStaff(deps, officers, text, `${key}:dm`, 'membership_alert');
  return true;
}
