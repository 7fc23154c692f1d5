import { describe, expect, it } from 'vitest';
import { asksIfSafe, describesDanger, matchMistyped, parseWelfareAnswer, saidSafe } from '../../src/citizens/keywords.ts';

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
      // No longer safe: "en sécurité" in it is no SAFE.
      "on n'est plus en sécurité",
      "1 mais on n'est plus en sécurité",
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

describe('a head-count written before SAFE ("2 safe", "we are 2, all safe")', () => {
  it('is SAFE with that many people, in every language', () => {
    for (const [text, people] of [
      ['2 safe', 2],
      ['2 people, all fine', 2],
      ['2 of us, all fine', 2],
      ['٢ بخير', 2],
      ['3 safe', 3],
      ['5 of us all ok', 5],
      ['we are 2, all safe', 2],
      ['nous sommes 3 en sécurité', 3],
    ] as const)
      expect(parseWelfareAnswer(text), text).toEqual({ answer: 'safe', people });
    expect(parseWelfareAnswer('500 safe')).toEqual({ answer: 'safe', tooMany: 500 });
  });

  it('is not when the number says HELP, or what follows is no SAFE, or danger', () => {
    for (const text of [
      '2',
      '2 help',
      '2 my son is hurt',
      '2 ok',
      '2 people',
      '2 3',
      '2 safe but my son is injured',
      '2 fine but he is injured',
      // Words that acknowledge or praise, said whatever one's situation, after the HELP answer.
      '2 tamam',
      '٢ تمام',
      '2 الحمد لله',
      '2 alhamdulillah',
      '2 all ok',
    ])
      expect(parseWelfareAnswer(text), text).toEqual({ answer: 'help' });
    // "All except 2": the number after SAFE is no head-count.
    expect(parseWelfareAnswer('tous sauf 2')).toBeUndefined();
    expect(parseWelfareAnswer('1 3')).toEqual({ answer: 'safe', people: 3 });
    expect(parseWelfareAnswer('1 safe')).toEqual({ answer: 'safe' });
  });
});

describe('SAFE asked back as a question ("safe?", "ok?", "oui ?")', () => {
  it('is no answer to a welfare check', () => {
    for (const text of ['safe?', 'ok?', 'yes?', 'oui ?', 'بخير؟', 'we are safe?', '1?']) {
      expect(parseWelfareAnswer(text), text).toBeUndefined();
      expect(asksIfSafe(text), text).toBe(true);
    }
  });

  it('unlike SAFE said, a question that says more, or HELP asked', () => {
    expect(parseWelfareAnswer('safe')).toEqual({ answer: 'safe' });
    expect(parseWelfareAnswer('we are safe, what should we do?')).toEqual({ answer: 'safe', remark: true });
    expect(parseWelfareAnswer('2?')).toEqual({ answer: 'help' });
    for (const text of ['safe', '2?', 'we are safe, what should we do?', 'are we safe here?']) expect(asksIfSafe(text), text).toBe(false);
  });
});

describe('welfare answers typed in a hurry', () => {
  it('a slip in the words that say "not safe" or ask for help is forgiven: HELP', () => {
    for (const text of ['we are unsfae', 'we are unsaf', 'pas en securte', '1 mais on est pas en securte', 'we are not alrihgt'])
      expect(parseWelfareAnswer(text), text).toEqual({ answer: 'help' });
    for (const text of ['urgnet', 'we are in dangr', 'pleas help']) expect(describesDanger(text), text).toBe(true);
  });

  it('a slip in SAFE is never read as SAFE: the answer is not counted and the check asks again', () => {
    for (const text of ['nous sommes en securte', 'nous sommes en securitee', 'je suis en securiter', 'we are saef', 'we are all saef'])
      expect(parseWelfareAnswer(text), text).toBeUndefined();
  });
});

describe('keywords typed in a hurry', () => {
  const all = ['register', 'news', 'newsQuestion', 'deleteAsk', 'delete', 'stop'] as const;
  it('are the keyword they are one slip from', () => {
    for (const [text, keyword, language] of [
      ['regsiter', 'register', 'en'],
      ['REGISTR', 'register', 'en'],
      ['inscirption', 'register', 'fr'],
      ['enregister', 'register', 'fr'],
      ['advisroy', 'news', 'en'],
      ['nouvelels', 'news', 'fr'],
      ['any udpates', 'newsQuestion', 'en'],
      ['delte', 'delete', 'en'],
      ['supprmer', 'delete', 'fr'],
      ['unsubscibe', 'stop', 'en'],
      ['delete my detials', 'deleteAsk', 'en'],
    ] as const)
      expect(matchMistyped(text, all), text).toEqual({ keyword, language });
  });

  it('never a keyword as typed, a short word, a changed letter or another word', () => {
    for (const text of ['REGISTER', 'stopp', 'stars', 'regis', 'Stuart', 'hello', 'deleted', 'my son is bleeding'])
      expect(matchMistyped(text, all), text).toBeUndefined();
  });
});
