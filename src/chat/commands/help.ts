import type { Command, CommandRegistry } from '../command-registry.ts';

/** `/help`: the commands this person may use. */
export function helpCommand(registry: CommandRegistry): Command {
  return {
    name: 'help',
    aliases: ['h', 'menu'],
    summary: 'list the commands you may use',
    role: 'viewer',
    async run(ctx) {
      const lines = registry.available(ctx.sender.roles).map((c) => `/${c.name}${c.usage ? ` ${c.usage}` : ''} — ${c.summary}`);
      const who = ctx.sender.staff ? `${ctx.sender.staff.name} (${ctx.sender.roles.join(', ')})` : '';
      await ctx.reply([`crisis-cell commands for ${who}:`, ...lines].join('\n'), 'help');
    },
  };
}
