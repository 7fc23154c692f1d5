import { hasRole, type Role } from '../domain/roster.ts';
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
  const m = /^\/([a-zA-Z_]+)(?:\s+([\s\S]*)|(\d[\s\S]*))?$/.exec(text.trim());
  if (!m) return undefined;
  const rest = (m[2] ?? m[3] ?? '').trim();
  return { name: (m[1] as string).toLowerCase(), args: rest ? rest.split(/\s+/) : [], rest };
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
