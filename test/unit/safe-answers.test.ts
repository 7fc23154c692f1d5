import { describe, expect, it } from 'vitest';
import { parseWelfareAnswer, saidSafe } from '../../src/citizens/keywords.ts';

describe('SAFE said with thanks or "now" around it', () => {
  it('is SAFE, in the language of the SAFE phrase', () => {
    expect(saidSafe('ok we are safe now')).toBe('en');
    expect(saidSafe('Thanks, we are safe')).toBe('en');
    expect(saidSafe('Merci, nous sommes en sécurité')).toBe('fr');
    expect(saidSafe('شكرا نحن بخير الحمد لله')).toBe('ar');
  });

  it('is not SAFE when the message says more, or asks', () => {
    expect(saidSafe('we are safe but my brother is missing')).toBeUndefined();
    expect(saidSafe('the road is safe now')).toBeUndefined();
    expect(saidSafe('is it safe now?')).toBeUndefined();
    expect(saidSafe('ok')).toBeUndefined();
  });

  it('answers a welfare check as SAFE, and the danger after it as HELP', () => {
    expect(parseWelfareAnswer('ok we are safe now')).toEqual({ answer: 'safe' });
    expect(parseWelfareAnswer('1 but my husband is injured')).toEqual({ answer: 'help' });
  });
});
