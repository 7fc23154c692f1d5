import { describe, expect, it } from 'vitest';
import { type Command, CommandRegistry, parseCommandLine } from '../../src/chat/command-registry.ts';

const command = (name: string, role: Command['role'], aliases?: string[]): Command => ({
  name,
  role,
  summary: name,
  ...(aliases ? { aliases } : {}),
  run: async () => {},
});

describe('parseCommandLine', () => {
  it('splits the name (lower-cased), the arguments and the raw rest', () => {
    expect(parseCommandLine('/ACK INC-0042')).toEqual({ name: 'ack', args: ['INC-0042'], rest: 'INC-0042' });
    expect(parseCommandLine('  /note INC-1   road  blocked\nnear the bridge ')).toEqual({
      name: 'note',
      args: ['INC-1', 'road', 'blocked', 'near', 'the', 'bridge'],
      rest: 'INC-1   road  blocked\nnear the bridge',
    });
    expect(parseCommandLine('/sitrep')).toEqual({ name: 'sitrep', args: [], rest: '' });
  });

  it('is not a command unless it starts with / and a name', () => {
    for (const text of ['help', '/', '/ help', 'please /help', '/123', 'http://x']) expect(parseCommandLine(text)).toBeUndefined();
  });
});

describe('CommandRegistry', () => {
  it('finds by name or alias and lists what a role may use', () => {
    const reg = new CommandRegistry().register(
      command('help', 'viewer', ['h']),
      command('resolve', 'officer'),
      command('alert', 'duty_officer'),
    );
    expect(reg.find('h')?.name).toBe('help');
    expect(reg.find('nope')).toBeUndefined();
    expect(reg.available(['viewer']).map((c) => c.name)).toEqual(['help']);
    expect(reg.available(['officer']).map((c) => c.name)).toEqual(['help', 'resolve']);
    expect(reg.available(['admin']).map((c) => c.name)).toEqual(['help', 'resolve', 'alert']);
  });

  it('refuses a name or alias registered twice', () => {
    const reg = new CommandRegistry().register(command('help', 'viewer', ['h']));
    expect(() => reg.register(command('hello', 'viewer', ['h']))).toThrow('command /h registered twice');
  });
});
