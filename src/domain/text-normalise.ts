/**
 * Folds text for keyword matching in every configured language: lower case, Latin
 * accents removed, typographic apostrophes made plain (phones type can’t), Arabic diacritics (tashkeel) and tatweel removed, alef/yeh/teh
 * marbuta variants unified.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[’‘`]/g, "'")
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

  /** `folded` with every keyword found in it blanked out. */
  remove(folded: string): string {
    let out = this.latin ? folded.replace(this.latin, ' ') : folded;
    for (const k of this.arabic) out = out.split(k).join(' ');
    return out;
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

/** Common words that tell French from English in a short message (folded: no accents). */
const FRENCH_WORDS = new Set(
  'je suis nous vous de le la et sur chez mon ma mes notre nos est sont il elle ils pas aide aidez bonjour bonsoir merci besoin secours urgence dans avec pour une des les du au mari femme fils fille enfants personnes blesse blessee malade svp'.split(
    ' ',
  ),
);
const ENGLISH_WORDS = new Set(
  "the is my i i'm im we are and need help please our was were have has with he she they there it to of in at you me us wife husband daughter children people hurt injured".split(
    ' ',
  ),
);
/** French elisions: j'ai, l'immeuble, c'est, qu'il, n'est, d'un. */
const FRENCH_ELISION = /^(?:j|l|c|qu|n|d|m|s)'\p{L}/u;
const FRENCH_ACCENTS = /[àâçéèêëîïôùûœ]/i;

/**
 * Guesses the language of a message among the configured ones: Arabic script; else French or
 * English by which has more of its common words (French accents and elisions count for French);
 * else the default.
 */
export function guessLanguage(text: string, languages: readonly string[]): string {
  const fallback = languages[0] ?? 'en';
  if (ARABIC.test(text) && languages.includes('ar')) return 'ar';
  const words = foldText(text.replace(/[’‘`]/g, "'"))
    .split(/[^\p{L}']+/u)
    .filter(Boolean);
  let fr = FRENCH_ACCENTS.test(text) ? 1 : 0;
  let en = 0;
  for (const w of words) {
    if (FRENCH_WORDS.has(w) || FRENCH_ELISION.test(w)) fr += 1;
    if (ENGLISH_WORDS.has(w)) en += 1;
  }
  if (fr > en && languages.includes('fr')) return 'fr';
  if (en > fr && languages.includes('en')) return 'en';
  return fallback;
}
