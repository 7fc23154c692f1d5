/**
 * Folds text for keyword matching in every configured language: lower case, Latin
 * accents removed, Arabic diacritics (tashkeel) and tatweel removed, alef/yeh/teh
 * marbuta variants unified.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\u064B-\u065F\u0670\u0640]/g, '')
    .replace(/[إأآ]/g, 'ا')
    .replace(/ى/g, 'ي')
    .replace(/ة/g, 'ه')
    .replace(/\s+/g, ' ')
    .trim();
}

const ARABIC = /[\u0600-\u06FF]/;

/** A precompiled set of (folded) keywords: counts how many distinct ones a folded text contains. */
export class KeywordSet {
  private readonly latin: RegExp | undefined;
  private readonly arabic: string[];

  constructor(keywords: readonly string[]) {
    const folded = [...new Set(keywords.map(foldText).filter(Boolean))];
    this.arabic = folded.filter((k) => ARABIC.test(k));
    const latin = folded.filter((k) => !ARABIC.test(k)).sort((a, b) => b.length - a.length);
    this.latin = latin.length
      ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${latin.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})(?![\\p{L}\\p{N}])`, 'gu')
      : undefined;
  }

  /** Number of distinct keywords found in `folded` (a text passed through foldText). */
  count(folded: string): number {
    const found = new Set<string>();
    if (this.latin) for (const m of folded.matchAll(this.latin)) found.add(m[0]);
    for (const k of this.arabic) if (folded.includes(k)) found.add(k);
    return found.size;
  }

  /** True when `folded` contains any of the keywords (stops at the first). */
  any(folded: string): boolean {
    if (this.latin) {
      this.latin.lastIndex = 0;
      if (this.latin.test(folded)) return true;
    }
    return this.arabic.some((k) => folded.includes(k));
  }
}

/** Guesses the language of a message among the configured ones: Arabic script, French markers, else the default. */
export function guessLanguage(text: string, languages: readonly string[]): string {
  const fallback = languages[0] ?? 'en';
  if (ARABIC.test(text) && languages.includes('ar')) return 'ar';
  const folded = ` ${foldText(text)} `;
  const french = [
    ' je ',
    ' j',
    ' suis ',
    ' nous ',
    ' mon ',
    ' ma ',
    ' est ',
    ' aide',
    ' bonjour',
    ' merci',
    ' besoin',
    " c'est",
    ' au secours',
    ' il y a ',
  ];
  if (languages.includes('fr') && french.filter((w) => folded.includes(w)).length >= 1 && !/ the | is | my | i /.test(folded)) return 'fr';
  return fallback;
}
