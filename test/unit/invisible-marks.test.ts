import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src/chat/command-registry.ts';
import { matchKeyword, parseWelfareAnswer } from '../../src/citizens/keywords.ts';
import { classify } from '../../src/domain/triage.ts';

/** Right-to-left and left-to-right marks, a zero-width space, a byte-order mark, bidi isolates: none shows. */
const MARKS = ['\u200f', '\u200e', '\u200b', '\ufeff', '\u2067', '\u2069', '\u061c'];

describe('a word with an invisible mark is the same word', () => {
  it('keywords, welfare answers and triage words', () => {
    for (const m of MARKS) {
      expect(matchKeyword(`${m}STOP`)?.keyword).toBe('stop');
      expect(matchKeyword(`DELETE${m}`)?.keyword).toBe('delete');
      expect(matchKeyword(`${m}الأخبار`)?.keyword).toBe('news');
      expect(parseWelfareAnswer(`1${m}`)).toEqual({ answer: 'safe' });
      expect(parseWelfareAnswer(`${m}٢`)).toEqual({ answer: 'help' });
      expect(classify(`my son is bl${m}eeding`).category).toBe('medical');
    }
  });

  it('commands: a mark around the slash or an id, Arabic-Indic digits', () => {
    expect(parseCommandLine('\u200f/ack ٤\u200f')).toEqual({ name: 'ack', args: ['4'], rest: '٤' });
    expect(parseCommandLine('/ack\u200b 12')).toMatchObject({ name: 'ack', args: ['12'] });
    expect(parseCommandLine('/note 3 \u200fالماء مقطوع')).toMatchObject({ name: 'note', args: ['3', 'الماء', 'مقطوع'] });
  });
});
