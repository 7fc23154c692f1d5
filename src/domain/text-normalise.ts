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

/**
 * Arabic clitics written joined to the next word: و and ف (and), ب (with, in), ل (for), ك (like),
 * the article ال and their combinations (وال، بال، فال، لل، وبال…), and colloquial ع / عال (on).
 * A keyword matches after one of these, never after any other letter: محمية is not حمي.
 */
const ARABIC_CLITICS = '(?:[وف]?(?:بال|كال|لل|ال|[بلك])?|عال|ع)';
const escapeRegExp = (k: string) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Apostrophes and hyphens are spaces for matching: "l aeroport" is "l'aéroport", "couvre feu" is "couvre-feu". */
const plain = (folded: string) => folded.replace(/['-]/g, ' ').replace(/ {2,}/g, ' ');

/**
 * A precompiled set of (folded) keywords: counts how many distinct ones a folded text contains.
 * A keyword matches whole words only, in every script: inside a longer word it does not count.
 * Arabic keywords may carry a joined clitic (و، ف، ب، ل، ك، ال); any other inflection
 * (ة، ين، ون، ي…) must be listed as its own keyword.
 */
export class KeywordSet {
  private readonly latin: RegExp | undefined;
  private readonly arabic: RegExp | undefined;

  constructor(keywords: readonly string[]) {
    const folded = [...new Set(keywords.map((k) => plain(foldText(k)).trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
    const arabic = folded.filter((k) => ARABIC.test(k));
    const latin = folded.filter((k) => !ARABIC.test(k));
    this.latin = latin.length ? new RegExp(`(?<![\\p{L}\\p{N}])(${latin.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'gu') : undefined;
    this.arabic = arabic.length
      ? new RegExp(`(?<![\\p{L}\\p{N}])${ARABIC_CLITICS}(${arabic.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`, 'gu')
      : undefined;
  }

  /** The patterns that can match `text`: an Arabic keyword cannot match a text without Arabic letters. */
  private patterns(text: string): RegExp[] {
    const out: RegExp[] = [];
    if (this.latin) out.push(this.latin);
    if (this.arabic && ARABIC.test(text)) out.push(this.arabic);
    return out;
  }

  /** Number of distinct keywords found in `folded` (a text passed through foldText). */
  count(folded: string): number {
    const text = plain(folded);
    const found = new Set<string>();
    for (const re of this.patterns(text)) for (const m of text.matchAll(re)) found.add(m[1] ?? m[0]);
    return found.size;
  }

  /** `folded` with every keyword found in it blanked out. */
  remove(folded: string): string {
    let out = plain(folded);
    for (const re of this.patterns(out)) out = out.replace(re, ' ');
    return out;
  }

  /** True when `folded` contains any of the keywords (stops at the first). */
  any(folded: string): boolean {
    const text = plain(folded);
    return this.patterns(text).some((re) => {
      re.lastIndex = 0;
      return re.test(text);
    });
  }
}

/** Runs of at least 5 Latin letters: a slip of the thumb is forgiven only in a whole word of them. */
const LATIN_RUN = /[a-z]{5,}/g;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Three or more of the same letter: no English or French word has them ("bleeeeding"). */
const LETTER_RUN = /([a-z])\1\1+/g;

/** True when `typed` is `word` with two adjacent letters swapped, the first letter kept ("earthqauke"). */
function swapped(typed: string, word: string): boolean {
  if (typed.length !== word.length || typed[0] !== word[0]) return false;
  let i = 1;
  while (i < word.length && typed[i] === word[i]) i++;
  return i + 1 < word.length && typed[i] === word[i + 1] && typed[i + 1] === word[i] && typed.slice(i + 2) === word.slice(i + 2);
}

/**
 * Forgives the typos fast thumbs make in the Latin-script words of a set of keywords: one letter
 * missing ("bleding", "injurd"), a letter typed once too often next to itself ("bleeeding", and
 * any longer run of one letter), two adjacent letters swapped ("injuerd", "blessrue"). Only in
 * words of 5 letters or more, typed and meant, and never in the first letter; never a changed
 * letter ("kissing" is not "missing"), never a word listed in `notTypos` (real words one slip
 * from a keyword's word: "selling" is not "shelling"), and never when the typed word could be
 * either of two words. A word that is itself one of the keywords' words is never changed. Built
 * once: a map from each word with one letter left out to the word, looked up with the words of
 * a message (SymSpell).
 */
export class TypoCorrector {
  private readonly words = new Set<string>();
  private readonly deletions = new Map<string, string[]>();
  private readonly notTypos: Set<string>;

  /**
   * `keywords` and `notTypos` as in the triage rules: any case and accents, phrases split into
   * their words. A word of `notTypos` is read as typed: real words one slip from a keyword's word,
   * or the words of another set of keywords ("tarts" is no "tartus" typo).
   */
  constructor(keywords: readonly string[], notTypos: readonly string[] = []) {
    for (const k of keywords) for (const w of plain(foldText(k)).split(' ')) if (/^[a-z]{5,}$/.test(w)) this.words.add(w);
    for (const w of this.words)
      for (let i = 1; i < w.length; i++) {
        const d = w.slice(0, i) + w.slice(i + 1);
        const from = this.deletions.get(d);
        if (!from) this.deletions.set(d, [w]);
        else if (!from.includes(w)) from.push(w);
      }
    this.notTypos = new Set(notTypos.flatMap((w) => plain(foldText(w)).split(' ')));
  }

  /** `folded` (a text passed through foldText) with each typo of a keyword's word replaced by that word. */
  correct(folded: string): string {
    return folded.replace(LATIN_RUN, (typed: string, at: number) =>
      // Part of a longer word ("ta7t", "mædchen", an Arabic word): read as typed.
      LETTER_OR_DIGIT.test(folded.charAt(at - 1)) || LETTER_OR_DIGIT.test(folded.charAt(at + typed.length))
        ? typed
        : (this.correction(typed) ?? typed),
    );
  }

  /** The keyword's word `typed` is a typo of, or undefined when it is a word of its own or none is sure. */
  correction(typed: string): string | undefined {
    if (this.words.has(typed) || this.notTypos.has(typed)) return undefined;
    const word = typed.replace(LETTER_RUN, '$1$1');
    if (word !== typed && this.words.has(word)) return word;
    let found: string | undefined;
    let ambiguous = false;
    const add = (w: string) => {
      if (found !== undefined && found !== w) ambiguous = true;
      found = w;
    };
    // One letter missing: the typed word is a keyword's word with a letter left out.
    for (const w of this.deletions.get(word) ?? []) add(w);
    for (let i = 1; i < word.length && !ambiguous; i++) {
      const d = word.slice(0, i) + word.slice(i + 1);
      // A letter typed twice: the keyword's word has it once ("bleeeding", "injurred").
      if (word[i] === word[i - 1] && this.words.has(d)) add(d);
      // Two letters swapped: both words lose one letter to the same text.
      for (const w of this.deletions.get(d) ?? []) if (swapped(word, w)) add(w);
    }
    return ambiguous ? undefined : found;
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
 * A word of Arabic written in Latin letters, with digits for the letters Latin lacks (Arabizi,
 * "3arabizi": 3 ع, 7 ح, 2 ء/ق, 5 خ, 9 ص, 6 ط): "3alek", "ne7na", "7ari2". Two letters at least, no
 * run of digits ("covid19"), and not an ordinal or a unit ("3rd", "2eme", "5pm", "9km").
 */
const ARABIZI_WORD = /^(?=(?:[^\p{L}]*\p{L}){2})(?!.*\d\d)[\p{L}\d]*[235679][\p{L}\d]*$/u;
const NOT_ARABIZI = /^\d+(?:st|nd|rd|th|am|pm|h|km|m|min|kg|e|eme|er|ere|ieme)$/;
/**
 * A code in capitals and digits (an alert's verification code "NFT7", a flight "MS7", a plate) is no
 * word of any language: spelt with a 7, it read as Arabizi, and "Stay indoors. Code NFT7" was answered in Arabic.
 */
const CODE_LIKE = /(?<![\p{L}\p{N}])(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z\d]{2,10}(?![\p{L}\p{N}])/gu;
/** Common Arabizi words without digits: they count only in a message that has an Arabizi word with digits. */
const ARABIZI_WORDS = new Set(
  'ana ne7na e7na nehna ehna enta inta enti inti fi ma mish msh mesh w wel bl bel b el l ya shu sho kif keef bas ktir kteer yalla wallah akhi ukhti ibni binti'.split(
    ' ',
  ),
);

/**
 * Guesses the language of a message among the configured ones: Arabic script; else French,
 * English or Arabic written in Latin letters (Arabizi) by which has more of its common words
 * (French accents and elisions count for French, Arabizi only with a word spelt with digits:
 * "ana 3alek bl matar"); else the default.
 */
export function guessLanguage(text: string, languages: readonly string[]): string {
  const fallback = languages[0] ?? 'en';
  if (ARABIC.test(text) && languages.includes('ar')) return 'ar';
  // In a message typed all in capitals, a word in capitals is no code.
  const withoutCodes = /\p{Ll}/u.test(text) ? text.replace(CODE_LIKE, ' ') : text;
  const words = foldText(withoutCodes.replace(/[’‘`]/g, "'"))
    .split(/[^\p{L}\p{N}']+/u)
    .filter(Boolean);
  let fr = FRENCH_ACCENTS.test(text) ? 1 : 0;
  let en = 0;
  let arabizi = 0;
  let arabiziCommon = 0;
  // "3am" (عم, "is …-ing": "ma 3am yetnaffas") is also 3 a.m.: Arabizi only beside a common Arabizi word.
  let ambiguous = 0;
  for (const w of words) {
    if (FRENCH_WORDS.has(w) || FRENCH_ELISION.test(w)) fr += 1;
    if (ENGLISH_WORDS.has(w)) en += 1;
    if (w === '3am') ambiguous += 1;
    else if (ARABIZI_WORD.test(w) && !NOT_ARABIZI.test(w)) arabizi += 1;
    else if (ARABIZI_WORDS.has(w)) arabiziCommon += 1;
  }
  const spelt = arabizi + (arabiziCommon > 0 ? ambiguous : 0);
  const ar = spelt > 0 ? spelt + arabiziCommon : 0;
  if (ar > fr && ar > en && languages.includes('ar')) return 'ar';
  if (fr > en && languages.includes('fr')) return 'fr';
  if (en > fr && languages.includes('en')) return 'en';
  return fallback;
}

/**
 * The first `n` UTF-16 units of a text, one fewer when the cut would split an emoji or any other
 * character written as a surrogate pair: half a pair is not text (Redis's Lua JSON refuses it).
 */
export function cutText(text: string, n: number): string {
  if (text.length <= n) return text;
  const code = text.charCodeAt(n - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? n - 1 : n);
}

/** Half of a surrogate pair with no other half: not a character, in any encoding. */
const LONE_SURROGATE = /\p{Cs}/gu;

/** The text with every lone surrogate (`"\ud83d"` in JSON) replaced by U+FFFD, as a UTF-8 decoder would. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}
