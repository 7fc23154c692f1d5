import { hasRole, type Role } from '../domain/roster.ts';
import { westernDigits, withoutInvisible } from '../domain/text-normalise.ts';
import type { ChatContext } from './chat-context.ts';

/** A staff chat command, e.g. `/ack INC-0042`. */
export interface Command {
  name: string;
  aliases?: string[];
  /** One line for /help. */
  summary: string;
  /** Argument synopsis, e.g. `ID +phone`. */
  usage?: string;
  /** The least role that may run it. */
  role: Role;
  run(ctx: ChatContext, args: string[], rest: string): Promise<void>;
}

/** Thrown by a command when its arguments are wrong; the user sees the usage. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Splits `/cmd a b c` into the command name, the arguments and the raw rest. A number typed
 * against the name (`/ack7`, a thumb missing the space bar) is its first argument: no command
 * name ends in a digit.
 */
export function parseCommandLine(text: string): { name: string; args: string[]; rest: string } | undefined {
  const m = /^\/([a-zA-Z_]+)(?:[\s\p{Cf}]+([\s\S]*)|(\d[\s\S]*))?$/u.exec(trimCommand(text));
  if (!m) return undefined;
  const rest = trimCommand(m[2] ?? m[3] ?? '');
  // An argument is read without the invisible marks a keyboard or a copy-paste left in it ("1" + a
  // right-to-left mark), and in the digits 0-9 whatever the keyboard typed ("/ack ٤" is "/ack 4").
  const args = westernDigits(withoutInvisible(rest)).split(/\s+/).filter(Boolean);
  return { name: (m[1] as string).toLowerCase(), args, rest };
}

/**
 * A command's text without the spaces and invisible characters around it: an Arabic keyboard puts a
 * right-to-left mark before "/ack 4", which then did not start with "/" and was dropped unanswered.
 */
export function trimCommand(text: string): string {
  return text.replace(/^[\s\p{Cf}]+|[\s\p{Cf}]+$/gu, '');
}

/** The registry of staff commands: lookup by name or alias, role checks, help. */
export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  private readonly ordered: Command[] = [];

  register(...commands: Command[]): this {
    for (const c of commands) {
      for (const n of [c.name, ...(c.aliases ?? [])]) {
        if (this.commands.has(n)) throw new Error(`command /${n} registered twice`);
        this.commands.set(n, c);
      }
      this.ordered.push(c);
    }
    return this;
  }

  find(name: string): Command | undefined {
    return this.commands.get(name);
  }

  /** Commands the given roles may run, for /help. */
  available(roles: readonly Role[]): Command[] {
    return this.ordered.filter((c) => hasRole(roles, c.role));
  }
}
