import type { ChatContext } from '../../chat/chat-context.ts';
import { actorOf, requestKey } from '../../chat/chat-context.ts';
import { confirmChange, incidentCommands, mirrorToCell } from '../../chat/commands/incident-commands.ts';
import { AppError } from '../../domain/errors.ts';
import { hasRole } from '../../domain/roster.ts';
import { incidentRoutes } from '../../http/routes/incidents.ts';
import type { Feature } from '../feature.ts';
import { refOfSentMessage } from '../sent-ref.ts';
import { DIGEST_REF, postDigest } from './cards.ts';
import { handleCitizenMessage, type RegisteredOf } from './citizen-intake.ts';
import { escalateDue, postEscalationDigest } from './escalation.ts';
import { acknowledge, addNote } from './lifecycle.ts';
import { acknowledgedLine } from './shared.ts';
import type { SitrepSection } from './sitrep.ts';
import { onDeliveryFailed, onSendFailed } from './undelivered.ts';

const ACK_EMOJI = /^(👍|✅|👌|🆗)/u;

/**
 * A reply to a card that turns the incident down ("can't take it, I'm in Tripoli", "someone else?",
 * "pas moi"). Any other reply takes it (DESIGN.md), and taking it stops its escalation: a refusal
 * that acknowledged left a critical report with nobody, and nobody paged. "Can't reach him" is
 * work on it, and takes it.
 */
const DECLINES = new RegExp(
  [
    "\\b(?:can'?t|cannot|can not|unable to|won'?t be able to)\\s+(?:take|handle|do|go|cover|deal|attend|make it|look)",
    '\\b(?:not me|someone else|somebody else|anyone else|anybody else|off duty|off shift)\\b',
    "\\b(?:je ne peux pas|peux pas|pas moi|quelqu'?un d'?autre)\\b",
    'لا أستطيع|لا استطيع|ما بقدر|مش قادر|مو قادر|شخص آخر|شخص اخر|حدا غيري',
  ].join('|'),
  'iu',
);

/** The answer to a 👍 or a reply on a digest: the cards say "👍 to take it", and a list of several takes none. */
const TAKES_NONE = 'A 👍 or a reply on a list takes none of its incidents: send /ack ID for each one you take.';

/** Reports a refused action to staff in chat, without failing the job. */
async function tryStaffAction(ctx: ChatContext, action: () => Promise<string>): Promise<void> {
  try {
    await ctx.reply(await action(), 'confirmation');
  } catch (err) {
    if (err instanceof AppError) await ctx.reply(err.message, 'refusal');
    else throw err;
  }
}

/** True when the sender may act on an incident (officer role); otherwise refuses, with an audit entry. */
async function mayAct(ctx: ChatContext, id: string, how: string): Promise<boolean> {
  if (hasRole(ctx.sender.roles, 'officer')) return true;
  await ctx.deps.audit.append({
    type: 'command.refused',
    actor: ctx.sender.actor,
    subject: id,
    data: { reason: 'missing_role', via: how },
  });
  await ctx.reply(`Sorry ${ctx.sender.staff?.name ?? ''}, acting on incidents needs the officer role.`, 'refusal');
  return false;
}

/** Someone not on the roster acting on a card in a group: refused as a command would be, with an audit entry. */
async function refuseStranger(ctx: ChatContext, id: string, how: string): Promise<void> {
  await ctx.deps.audit.append({
    type: 'command.refused',
    actor: ctx.sender.actor,
    subject: id,
    data: { reason: 'not_on_roster', via: how },
  });
  await ctx.reply('Sorry, only rostered embassy staff may act on incidents.', 'refusal');
}

/**
 * A reply to an incident's card (in a group) or to its page or assignment (in a DM): it takes the
 * incident, its words noted; one that turns it down is only noted. Taken outside the cell groups,
 * the cell groups are told, as an /ack from a DM is.
 */
/**
 * Someone not on the roster in a breakout group (a hospital's liaison /huddle invited, to whom an
 * officer showed an incident with /incident): their reply or 👍 there is theirs to give, not an
 * intruder's act to refuse and audit. It acts on nothing; strangers there are the membership guard's.
 */
function guestOfBreakoutGroup(ctx: ChatContext): boolean {
  return !ctx.sender.staff && ctx.msg.chat.kind === 'group' && !ctx.inCellGroup;
}

async function replyToCard(ctx: ChatContext): Promise<boolean> {
  if (!ctx.msg.replyTo || guestOfBreakoutGroup(ctx)) return false;
  const ref = await refOfSentMessage(ctx.deps, ctx.msg.replyTo);
  if (ref === DIGEST_REF) {
    // A phone not on the roster answering a digest is refused and audited, as on a card.
    if (!ctx.sender.staff) {
      await refuseStranger(ctx, DIGEST_REF, 'reply');
      return true;
    }
    // "On it" in answer to a list of several takes none of them: say so rather than stay silent.
    const text = ctx.msg.text?.trim();
    if (!text || !DECLINES.test(text.replace(/[’‘]/g, "'"))) await ctx.reply(TAKES_NONE, 'refusal');
    return true;
  }
  const id = ref?.startsWith('incident:') ? ref.slice('incident:'.length) : undefined;
  if (!id) return false;
  if (!ctx.sender.staff) {
    await refuseStranger(ctx, id, 'reply');
    return true;
  }
  // An edited reply already acted as first written (taken, noted, or turned down): acting on the edit too
  // noted it twice, and "on it" edited into "can't take it" left the incident with them, unsaid.
  if (ctx.msg.edit) {
    await ctx.reply(
      `✏️ ${ctx.sender.staff.name}, an edited reply is not acted on again: your reply to ${id} stands as first written. Reply again to add to it, or /assign ${id} … to hand it over.`,
      'refusal',
    );
    return true;
  }
  if (!(await mayAct(ctx, id, 'reply'))) return true;
  await tryStaffAction(ctx, async () => {
    const text = ctx.msg.text?.trim();
    if (text && DECLINES.test(text.replace(/[’‘]/g, "'"))) {
      const noted = await addNote(ctx.deps, { id, text, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx, 'note') });
      return noted.status === 'open'
        ? `📝 Reply noted on ${id}. Not taken: it still waits for someone (👍 on the card or /ack ${id} takes it), and is escalated if nobody does.`
        : `📝 Reply noted on ${id}.`;
    }
    const taken = await acknowledge(ctx.deps, { id, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) }).catch((err: unknown) => {
      if (err instanceof AppError) return err;
      throw err;
    });
    const note = text && !ACK_EMOJI.test(text) ? text : undefined;
    const noted = note
      ? await addNote(ctx.deps, { id, text: note, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx, 'note') })
      : undefined;
    if (taken instanceof AppError) {
      // A 👍 written as a reply to a card someone already took did nothing: say so, not "noted".
      if (!noted) return `${taken.message}: nothing done.`;
      // Words ("on it") written to a card someone else holds, or one resolved: noted, and said not taken.
      const theirs = noted.assignee !== null && noted.assignee === ctx.sender.phone;
      return theirs ? `📝 Reply noted on ${id}.` : `📝 Reply noted on ${id}, but not taken: ${taken.message}.`;
    }
    const line = acknowledgedLine(ctx.deps, actorOf(ctx).name, taken);
    await mirrorToCell(ctx, line, id);
    return note ? `${line}\n📝 Reply noted on ${id}.` : line;
  });
  return true;
}

/**
 * Incidents: citizen intake (the catch-all for a citizen's DM, so it comes last),
 * staff commands, 👍 and replies on cards, escalation and digest timers, the API.
 */
export function incidentsFeature(opts: { registeredOf?: RegisteredOf; sitrepSections?: () => SitrepSection[] } = {}): Feature {
  const registeredOf = opts.registeredOf ?? (async () => ({}));
  return {
    name: 'incidents',
    commands: () => incidentCommands(opts.sitrepSections ?? (() => [])),
    apiRoutes: incidentRoutes,
    // A member of staff answering a page or an assignment in their DM ("on it"): taken, as a reply to
    // the card is in the group. Only staff replies are looked up: a citizen's message goes straight on.
    citizenMessage: async (ctx) =>
      (ctx.sender.staff !== undefined && ctx.msg.replyTo !== undefined && (await replyToCard(ctx))) ||
      handleCitizenMessage(ctx, registeredOf),
    sendFailed: onSendFailed,
    delivery: onDeliveryFailed,
    async reaction(ctx) {
      const { reaction } = ctx.msg;
      if (!reaction || !ACK_EMOJI.test(reaction.emoji)) return false;
      // A citizen's 👍 on a message in their DM is not an act on the incident, nor a guest's in a breakout group.
      if (!ctx.sender.staff && (ctx.msg.chat.kind !== 'group' || guestOfBreakoutGroup(ctx))) return false;
      const ref = await refOfSentMessage(ctx.deps, reaction.messageId);
      if (ref === DIGEST_REF) {
        // The cards say "👍 to take it": on a list of several, it takes none. Say so rather than stay
        // silent; from a phone not on the roster, refused and audited as on a card.
        if (ctx.sender.staff) await ctx.reply(TAKES_NONE, 'refusal');
        else await refuseStranger(ctx, DIGEST_REF, '👍');
        return true;
      }
      const id = ref?.startsWith('incident:') ? ref.slice('incident:'.length) : undefined;
      if (!id) return false;
      if (!ctx.sender.staff) {
        await refuseStranger(ctx, id, '👍');
        return true;
      }
      if (!(await mayAct(ctx, id, '👍'))) return true;
      try {
        // A 👍 on a page in a DM is told in the cell groups too, as /ack from a DM is.
        const i = await acknowledge(ctx.deps, { id, actor: actorOf(ctx), channel: 'chat', key: requestKey(ctx) });
        await confirmChange(ctx, acknowledgedLine(ctx.deps, actorOf(ctx).name, i), i.id);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        await ctx.reply(err.message, 'refusal');
      }
      return true;
    },
    groupMessage: replyToCard,
    async start(ctx) {
      // A safety net under the per-second deadline jobs: a sweep every 30 s catches any
      // deadline whose job was never scheduled (e.g. a crash right after intake).
      if (ctx.plays('worker')) {
        await ctx.deps.queues.timers.upsertJobScheduler(
          'incident-escalation-sweep',
          { every: 30_000 },
          { name: 'incident.escalations', data: {} },
        );
      }
      return [];
    },
    timers: (deps) => ({
      'incident.escalations': () => escalateDue(deps),
      'incident.digest': (data) => postDigest(deps, data),
      'incident.escalationDigest': (data) => postEscalationDigest(deps, data),
    }),
  };
}
