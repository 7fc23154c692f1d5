import { servesGroup } from '../app/incidents/shared.ts';
import { toE164 } from '../domain/roster.ts';
import type { ChatContext } from './chat-context.ts';

/** One inbound filter: do one job, then call `next` (or don't, to stop the message). */
export type Middleware = (ctx: ChatContext, next: () => Promise<void>) => Promise<void>;

/** Runs a middleware chain, ending in `handler`. */
export function compose(chain: Middleware[], handler: (ctx: ChatContext) => Promise<void>) {
  return (ctx: ChatContext): Promise<void> => {
    const run = (i: number): Promise<void> => {
      const mw = chain[i];
      return mw ? mw(ctx, () => run(i + 1)) : handler(ctx);
    };
    return run(0);
  };
}

/** Drops messages the embassy's own account sent. */
export const ignoreOwnMessages: Middleware = async (ctx, next) => {
  if (ctx.msg.fromMe) return;
  await next();
};

/** Normalises the sender's phone to E.164, or resolves a LID through the learnt LID→phone map. */
export const normaliseSender: Middleware = async (ctx, next) => {
  const { from } = ctx.msg;
  const country = ctx.deps.config.embassy.country;
  let phone = from.phone ? toE164(from.phone, country) : undefined;
  if (!phone && from.lid) {
    const mapped = await ctx.deps.redis.hget(ctx.deps.keys.lidToPhone, from.lid);
    phone = mapped ?? undefined;
  }
  ctx.sender = { ...ctx.sender, ...(phone ? { phone } : {}), ...(from.lid ? { lid: from.lid } : {}) };
  if (!phone && !from.lid) {
    ctx.deps.log.warn({ messageId: ctx.msg.id }, 'inbound message without a usable sender; dropped');
    await ctx.deps.audit.append({ type: 'message.unidentified', actor: 'unknown', data: { messageId: ctx.msg.id } });
    return;
  }
  await next();
};

/** Attaches the roster entry and roles of a staff sender; names the actor for the audit log. */
export const attachRoster: Middleware = async (ctx, next) => {
  const staff = ctx.deps.roster.find(ctx.sender.phone);
  ctx.sender.staff = staff;
  ctx.sender.roles = staff ? [...staff.roles] : [];
  ctx.sender.actor = staff ? staff.name : await ctx.deps.audit.pseudonym(ctx.sender.phone ?? ctx.sender.lid ?? 'unknown');
  await next();
};

/** Ignores groups the bot was added to that are not crisis-cell groups. */
export const onlyKnownGroups: Middleware = async (ctx, next) => {
  if (ctx.msg.chat.kind === 'group' && !ctx.inCellGroup && !(await servesGroup(ctx.deps, ctx.msg.chat.id))) return;
  await next();
};

/**
 * A citizen's message received before their DELETE but handled after it (a crash held it back, or
 * it was retried): it is erased with the rest, not taken in as a new report with their words and
 * number. Only a message not on its first run is looked at (one read, off the usual path): in one
 * worker, a sender's messages are otherwise handled in the order they came.
 */
export const dropErasedEarlier: Middleware = async (ctx, next) => {
  if (ctx.received?.again && !ctx.sender.staff) {
    const erased = await ctx.deps.redis.get(ctx.deps.keys.erasedAt(ctx.sender.actor));
    if (erased && ctx.received.seq < Number(erased)) {
      await ctx.deps.audit.append({ type: 'message.erased_unread', actor: ctx.sender.actor, subject: ctx.msg.id, data: {} });
      return;
    }
  }
  await next();
};

/**
 * Records every inbound message in the audit trail (ids and shape, never the text), before it
 * is handled: a failed write fails the job before any handler ran, so its retry does not run a
 * handler that is not idempotent (a note, a dialogue step) a second time.
 */
export const auditInbound: Middleware = async (ctx, next) => {
  const { msg } = ctx;
  await ctx.deps.audit.append({
    type: 'message.in',
    actor: ctx.sender.actor,
    subject: msg.id,
    data: {
      chat: msg.chat.kind === 'group' ? msg.chat.id : 'dm',
      ...(msg.text ? { chars: msg.text.length } : {}),
      ...(msg.location ? { location: true } : {}),
      ...(msg.reaction ? { reaction: msg.reaction.emoji } : {}),
      ...(msg.media ? { media: msg.media } : {}),
      // An edit or a delete-for-everyone names the message it changes (an id, never its words).
      ...(msg.edit ? { edits: msg.edit.of } : {}),
      ...(msg.deletion ? { deletes: msg.deletion.of } : {}),
      ...(msg.forwarded ? { forwarded: true } : {}),
      ...(msg.disappearing ? { disappearing: msg.disappearing.seconds } : {}),
    },
  });
  await next();
};

/** The standard chain, in order. */
export const standardChain: Middleware[] = [
  ignoreOwnMessages,
  normaliseSender,
  attachRoster,
  onlyKnownGroups,
  dropErasedEarlier,
  auditInbound,
];
