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

/**
 * True when `keyword` (already folded) occurs in `folded` text. Latin keywords must
 * match whole words; Arabic ones may carry attached prefixes (و، ال، ب، ل).
 */
export function containsKeyword(folded: string, keyword: string): boolean {
  if (ARABIC.test(keyword)) return folded.includes(keyword);
  const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(folded);
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
