import { AppError, NotFoundError } from '../domain/errors.ts';
import { joinSplitId } from '../domain/record-id.ts';
import { hasRole } from '../domain/roster.ts';
import { cutText } from '../domain/text-normalise.ts';
import { inboundMessageText } from '../queues/queues.ts';
import type { ChatContext } from './chat-context.ts';
import { type CommandRegistry, parseCommandLine, trimCommand, UsageError } from './command-registry.ts';

/** Handlers for what is not a staff command. */
export interface RouteHandlers {
  /** A direct message that is not a command (citizens; also staff, e.g. a drill welfare answer). */
  citizen(ctx: ChatContext): Promise<void>;
  /** A reaction (e.g. 👍 on an incident card). */
  reaction?(ctx: ChatContext): Promise<void>;
  /** A non-command message in a cell group (e.g. a reply to a card). */
  groupMessage?(ctx: ChatContext): Promise<void>;
}

/** Routes one inbound message to a command or a handler. */
export function createRouter(registry: CommandRegistry, handlers: RouteHandlers) {
  return async (ctx: ChatContext): Promise<void> => {
    const { msg } = ctx;
    if (msg.reaction) return handlers.reaction?.(ctx);
    // A group's setting changed (disappearing messages): no one's words, and nothing for a citizen's report.
    if (msg.disappearing) return msg.chat.kind === 'group' ? handlers.groupMessage?.(ctx) : undefined;
    const line = msg.text ? parseCommandLine(msg.text) : undefined;
    // A citizen's "/sos" or "/my husband is hurt" names no staff command: it is their message, not
    // a command to refuse (which lost the report). A staff command from them is still refused.
    const fromCitizen = line !== undefined && !ctx.sender.staff && msg.chat.kind === 'dm';
    if (fromCitizen && !registry.find(line.name)) return handlers.citizen(ctx);
    // "/help my husband is bleeding": a staff command's name, then words. It is refused (nothing runs), and
    // the words are the citizen's message all the same: the refusal alone lost the report.
    if (fromCitizen && saysMore(line.args)) {
      await refuse(
        ctx,
        line.name,
        'not_on_roster',
        'Commands are only for rostered embassy staff. Your message is taken as a message to the embassy:',
      );
      return handlers.citizen(ctx);
    }
    if (line) return runCommand(ctx, registry, line);
    // Staff who meant a command ("/ ack 7", "/ack.") must not take silence for done.
    if (ctx.sender.staff && msg.text && trimCommand(msg.text).startsWith('/')) return unreadableCommand(ctx, trimCommand(msg.text));
    if (msg.chat.kind === 'group') return handlers.groupMessage?.(ctx);
    return handlers.citizen(ctx);
  };
}

async function unreadableCommand(ctx: ChatContext, text: string): Promise<void> {
  await ctx.deps.audit.append({ type: 'command.unreadable', actor: ctx.sender.actor, subject: ctx.msg.id, data: {} });
  const shown = text.length > 40 ? `${cutText(text, 40)}…` : text;
  await ctx.reply(
    `Nothing done: "${shown}" is not a command I can read. Write the command right after the /, e.g. /ack INC-0042. Send /help for the list.`,
    'refusal',
  );
}

/** True when a command's arguments hold words, not only ids, numbers or phones ("/help my son is hurt", not "/resolve INC-0004"). */
function saysMore(args: string[]): boolean {
  return args.some((a) => /\p{L}{2}/u.test(a) && !RECORD_ID.test(a));
}

/** An id as staff type it: INC-0007, ALR-3, #12, 12. */
const RECORD_ID = /^(#?\d{1,9}|(inc|alr|wfc|run)[-_#]?\d{1,9})$/i;

/**
 * The ids among a command's first two arguments (INC-0007, ALR-3, 12), for the audit trail, which
 * never holds message text or phones: a note's first words or a guest's number stay out of it.
 */
function idsOf(args: string[]): string[] {
  return args.slice(0, 2).filter((a) => RECORD_ID.test(a));
}

/**
 * Why an edited command did nothing. "ack 7" edited into "/ack 7" (the slash forgotten) never ran:
 * saying it "ran as first written" would leave the incident unacknowledged while the officer thinks
 * it is taken.
 */
async function editedCommandAnswer(ctx: ChatContext, who: string, name: string, of: string): Promise<string> {
  const first = await inboundMessageText(ctx.deps.redis, ctx.deps.keys.prefix, of);
  const ran = first ? parseCommandLine(first) : undefined;
  if (first !== undefined && !ran) {
    return `✏️ ${who}, nothing done: your message was not a command as first written, and an edit is never run. Send /${name} … as a new message to run it.`;
  }
  if (first === undefined) {
    return `✏️ ${who}, nothing done by this edit: an edited message is never run as a command. To run /${name}, send it as a new message.`;
  }
  return `✏️ ${who}, an edited command is not run again: /${ran?.name ?? name} ran (or was refused) as first written. To change it, send the corrected command as a new message.`;
}

async function refuse(ctx: ChatContext, command: string, reason: string, text: string): Promise<void> {
  await ctx.deps.audit.append({ type: 'command.refused', actor: ctx.sender.actor, subject: `/${command}`, data: { reason } });
  ctx.deps.log.warn({ command, reason }, 'command refused');
  await ctx.reply(text, 'refusal');
}

async function runCommand(ctx: ChatContext, registry: CommandRegistry, line: { name: string; args: string[]; rest: string }) {
  if (!ctx.sender.staff) {
    // In a group, the one writing is no citizen to be invited to report (and the group reads the answer).
    const text =
      ctx.msg.chat.kind === 'group'
        ? 'Sorry, commands are only for rostered embassy staff. An admin can add your phone to the roster.'
        : 'Sorry, commands are only for rostered embassy staff. If you need help, describe your situation in a message and we will answer.';
    return refuse(ctx, line.name, 'not_on_roster', text);
  }
  const command = registry.find(line.name);
  if (!command) {
    await ctx.deps.audit.append({
      type: 'command.failed',
      actor: ctx.sender.actor,
      subject: `/${line.name.slice(0, 30)}`,
      data: { reason: 'unknown_command' },
    });
    await ctx.reply(`Unknown command /${line.name}. Send /help for the list.`, 'refusal');
    return;
  }
  // An edited command already ran (or was refused) as first written: running the edit too would send
  // a second alert, a second note, a second huddle. Staff send the corrected command as a new message.
  if (ctx.msg.edit) {
    await ctx.deps.audit.append({ type: 'command.edit_ignored', actor: ctx.sender.actor, subject: `/${command.name}`, data: {} });
    await ctx.reply(await editedCommandAnswer(ctx, ctx.sender.staff.name, command.name, ctx.msg.edit.of), 'refusal');
    return;
  }
  if (!hasRole(ctx.sender.roles, command.role)) {
    return refuse(
      ctx,
      command.name,
      'missing_role',
      `Sorry ${ctx.sender.staff.name}, /${command.name} needs the ${command.role} role; you have ${ctx.sender.roles.join(', ')}.`,
    );
  }
  // "INC 7", "ALR 12": an id typed as two words is the command's first argument.
  const { args, rest } = /^(ID|ALERT|CHECK|RUN)\b/.test(command.usage ?? '') ? joinSplitId(line.args, line.rest) : line;
  try {
    await command.run(ctx, args, rest);
    await ctx.deps.audit.append({ type: 'command.run', actor: ctx.sender.actor, subject: `/${command.name}`, data: { args: idsOf(args) } });
  } catch (err) {
    // A command that did nothing is on the record too: who tried what, and why it was refused.
    if (err instanceof AppError || err instanceof UsageError) {
      await ctx.deps.audit.append({
        type: 'command.failed',
        actor: ctx.sender.actor,
        subject: `/${command.name}`,
        data: { reason: err instanceof AppError ? err.code : 'usage', args: idsOf(args) },
      });
    }
    if (err instanceof UsageError) {
      await ctx.reply(`${err.message}\nUsage: /${command.name}${command.usage ? ` ${command.usage}` : ''}`, 'refusal');
    } else if (err instanceof AppError) {
      // A mistyped id: where to find the right one.
      const hint = err instanceof NotFoundError && err.what === 'incident' ? '. Send /incidents for the active ones.' : '';
      await ctx.reply(err.message + hint, 'refusal');
    } else {
      throw err;
    }
  }
}
