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

describe('an answer to "are you safe?" in the citizen’s own words', () => {
  it('"not safe", "ça va pas", "مش بخير", "msh mni7" are HELP, never a report the check does not count', () => {
    for (const text of [
      'not safe',
      'no we are not safe',
      'We are NOT ok',
      'ça va pas',
      'nous ne sommes pas en sécurité',
      'مش بخير',
      'لسنا بأمان',
      'msh mni7',
    ])
      expect(parseWelfareAnswer(text), text).toEqual({ answer: 'help' });
  });

  it('"we r ok", "all good", "ca va", "تمام", "ana mni7" are SAFE, with the people counted', () => {
    for (const text of ['fine', 'we r ok', 'all good', "We're fine thanks", 'yes we are fine thank God', 'ca va', 'nous allons bien merci'])
      expect(parseWelfareAnswer(text), text).toEqual({ answer: 'safe' });
    for (const text of ['تمام', 'الحمد لله بخير', 'ana mni7', 'kolna mnee7in', 'tout le monde va bien, merci'])
      expect(parseWelfareAnswer(text), text).toEqual({ answer: 'safe' });
    expect(parseWelfareAnswer('we are ok, 4 of us')).toEqual({ answer: 'safe', people: 4 });
  });

  it('SAFE said among more words is SAFE with a remark the cell reads; a question about safety is no answer', () => {
    expect(parseWelfareAnswer('Sorry for the late reply, we are safe, we moved to my cousin in Latakia')).toEqual({
      answer: 'safe',
      remark: true,
    });
    expect(parseWelfareAnswer('we are fine but trapped in the basement')).toEqual({ answer: 'help' });
    expect(parseWelfareAnswer('are we safe here?')).toBeUndefined();
    expect(parseWelfareAnswer('is it safe to go to the airport')).toBeUndefined();
    expect(parseWelfareAnswer('good morning')).toBeUndefined();
    expect(parseWelfareAnswer('thank you')).toBeUndefined();
  });
});
