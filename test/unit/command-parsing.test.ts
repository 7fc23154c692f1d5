import { describe, expect, it } from 'vitest';
import { type Command, CommandRegistry, parseCommandLine } from '../../src/chat/command-registry.ts';
import { parseHuddle } from '../../src/playbooks/commands.ts';

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

  it('takes a number typed against the name as the first argument (/ack7 is /ack 7)', () => {
    expect(parseCommandLine('/ack7')).toEqual({ name: 'ack', args: ['7'], rest: '7' });
    expect(parseCommandLine('/Note12 called the hospital')).toEqual({
      name: 'note',
      args: ['12', 'called', 'the', 'hospital'],
      rest: '12 called the hospital',
    });
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

describe('parseHuddle', () => {
  it('reads the name, then phones as staff type them: with or without +, with spaces, one after another', () => {
    expect(parseHuddle('Evacuation north +1 555 000 0002 +33 6 12 34 56 78')).toEqual({
      name: 'Evacuation north',
      phones: ['+15550000002', '+33612345678'],
    });
    // A phone without '+' after one with it is another person, not the end of the first number.
    expect(parseHuddle('Hospital team 2 +15550000003 15550000002')).toEqual({
      name: 'Hospital team 2',
      phones: ['+15550000003', '15550000002'],
    });
    expect(parseHuddle('Liaison 15550000002, 15550000003')).toEqual({ name: 'Liaison', phones: ['15550000002', '15550000003'] });
    expect(parseHuddle('No phones here')).toEqual({ name: 'No phones here', phones: [] });
  });
});
