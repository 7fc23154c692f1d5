import { describe, expect, it } from 'vitest';
import { matchKeyword } from '../../src/citizens/keywords.ts';
import { arabicArticleForms } from '../../src/domain/text-normalise.ts';

describe('an Arabic keyword sent with the article ال, or without it', () => {
  it('"الأخبار", "التسجيل", "للتسجيل", "نجدة" are NEWS, REGISTER and HELP as "أخبار", "تسجيل", "النجدة" are', () => {
    for (const [text, keyword] of [
      ['الأخبار', 'news'],
      ['الاخبار', 'news'],
      ['والأخبار', 'news'],
      ['أخبار', 'news'],
      ['التسجيل', 'register'],
      ['للتسجيل', 'register'],
      ['النجدة', 'help'],
      ['نجدة', 'help'],
    ] as const)
      expect(matchKeyword(text), text).toEqual({ keyword, language: 'ar' });
  });

  it('never makes "الأمن" (the security forces) SAFE, nor "الحذف" DELETE: their replies would harm who meant something else', () => {
    expect(matchKeyword('الأمن')).toBeUndefined();
    expect(matchKeyword('الحذف')).toBeUndefined();
    expect(matchKeyword('آمن')?.keyword).toBe('safe');
  });

  it('leaves a word of fewer than 3 letters after ال as it is ("الو" is hello, not و), and a Latin keyword alone', () => {
    expect(arabicArticleForms('الو')).toEqual(['الو']);
    expect(arabicArticleForms('news')).toEqual(['news']);
    expect(arabicArticleForms('نجده')).toEqual(['نجده', 'النجده', 'والنجده', 'للنجده']);
  });
});
