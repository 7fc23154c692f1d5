/**
 * Folds text for keyword matching in every configured language: lower case, Latin
 * accents removed, typographic apostrophes made plain (phones type can’t), Arabic diacritics (tashkeel) and tatweel removed, alef/yeh/teh
 * marbuta variants unified.
 */
export function foldText(text: string): string {
  return withoutInvisible(text)
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

/**
 * Characters that show nothing: Unicode's format characters (right-to-left and left-to-right marks,
 * which Arabic keyboards put before a word, bidi isolates, zero-width spaces and joiners, a byte-order
 * mark, a soft hyphen). A keyword or a command with one of them is the same keyword or command.
 */
const INVISIBLE = /\p{Cf}/gu;

/** The text without its invisible (format) characters: what is matched against keywords and commands. */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** True when the text has something to read: not only spaces, control or invisible characters (a NUL, a zero-width space). */
/** True when a message ends as a question ("?", or the Arabic "؟"), whatever invisible marks follow. */
export function endsAsQuestion(text: string | undefined): boolean {
  return /[?؟]\s*$/.test(withoutInvisible(text ?? ''));
}

export function hasVisibleText(text: string): boolean {
  return /[^\s\p{Cc}\p{Cf}]/u.test(text);
}

/** Arabic-Indic (٠١٢…) and Eastern Arabic-Indic (۰۱۲…) digits as 0-9: Arabic keyboards type them. */
export function westernDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String((d.codePointAt(0) as number) & 0xf));
}

/** Characters as a reader counts them: an emoji is one, not the two UTF-16 units JavaScript's length counts. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const ARABIC = /[\u0600-\u06FF]/;

/**
 * Arabic clitics written joined to the next word: و and ف (and), ب (with, in), ل (for), ك (like),
 * the article ال and their combinations (وال، بال، فال، لل، وبال…), and colloquial ع / عال (on).
 * A keyword matches after one of these, never after any other letter: محمية is not حمي.
 */
const ARABIC_CLITICS = '(?:[وف]?(?:بال|كال|لل|ال|[بلك])?|عال|ع)';

/** The article ال on a word, alone or after a joined و، ف or ل (للتسجيل is ل + التسجيل), with at least 3 letters after it. */
const ARABIC_ARTICLE = /^(?:[وف]?ال|لل)(?=[\u0600-\u06FF]{3})/;

/**
 * The forms a message that is only an Arabic keyword is sent in: its first word bare or with the
 * article, joined to و or ل or not ("أخبار", "الأخبار", "والأخبار"; "نجدة" and "النجدة"; "للتسجيل").
 * A KeywordSet finds a keyword inside a text with these and more clitics; this is for the keywords a
 * whole message is compared with. `keyword` is folded; a Latin one is its only form. A word shorter
 * than 3 letters without ال has one form: الو (hello) is no article before و, and لا (no) takes none.
 */
export function arabicArticleForms(keyword: string): string[] {
  const stem = keyword.replace(ARABIC_ARTICLE, '');
  if (!/^[\u0600-\u06FF]{3}/.test(stem) || (stem === keyword && keyword.startsWith('ال'))) return [keyword];
  return [...new Set([keyword, stem, `ال${stem}`, `وال${stem}`, `لل${stem}`])];
}
const escapeRegExp = (k: string) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Apostrophes and hyphens are spaces for matching: "l aeroport" is "l'aéroport", "couvre feu" is "couvre-feu". */
const plain = (folded: string) => folded.replace(/['-]/g, ' ').replace(/ {2,}/g, ' ');
/** plain() of the text last matched: a dozen sets in a row match the same text. */
let lastPlain = { folded: '', text: '' };
function plainOnce(folded: string): string {
  if (folded !== lastPlain.folded) lastPlain = { folded, text: plain(folded) };
  return lastPlain.text;
}

/**
 * The joined clitics of ARABIC_CLITICS, in the order its regex tries them (و/ف, then بال…ب/ل/ك, then
 * none; then عال, ع), grouped by their first letter: a word is tried after each clitic it starts with,
 * in this order, and the first clitic after which a keyword matches wins, as in the regex.
 */
const CLITICS_BY_LETTER = (() => {
  const inner = ['بال', 'كال', 'لل', 'ال', 'ب', 'ل', 'ك', ''];
  const order = [...['و', 'ف'].flatMap((c) => inner.map((i) => c + i)), ...inner, 'عال', 'ع'];
  const byLetter = new Map<string, string[]>();
  for (const c of order) if (c) byLetter.set(c.charAt(0), []);
  for (const c of order) for (const [letter, list] of byLetter) if (c === '' || c.startsWith(letter)) list.push(c);
  return byLetter;
})();
const NO_CLITIC = [''];

/** A word of a keyword, and the words that may follow it (after one space) in a longer keyword. */
interface WordNode {
  keyword?: string;
  next?: Map<string, WordNode>;
}

/** The words of a text: its runs of letters and digits, with where each starts and ends. */
interface Words {
  text: string;
  words: string[];
  starts: number[];
  ends: number[];
}
/** A keyword made of words and single spaces only: matched word by word. */
const WORDS_ONLY = /^[\p{L}\p{N}]+(?: [\p{L}\p{N}]+)*$/u;
const LETTER_OR_DIGIT_AT = /[\p{L}\p{N}]/uy;
/** 1 for each character of the Basic Multilingual Plane that is a letter or a digit (\p{L}, \p{N}), as the regex reads them. */
const BMP_WORD_CHAR = (() => {
  const table = new Uint8Array(0x10000);
  const letterOrDigit = /^[\p{L}\p{N}]$/u;
  for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) table[c] = letterOrDigit.test(String.fromCharCode(c)) ? 1 : 0;
  return table;
})();

/** Length (2, 1 or 0) of the letter or digit at `at`: a surrogate pair is one character (a 𝒜 is a letter). */
function wordCharAt(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c < 0xd800 || c > 0xdfff) return BMP_WORD_CHAR[c] as number;
  LETTER_OR_DIGIT_AT.lastIndex = at;
  return LETTER_OR_DIGIT_AT.test(text) ? 2 : 0;
}

/** The same texts are matched against a dozen sets in a row: the last one's words are kept. */
let lastWords: Words = { text: '', words: [], starts: [], ends: [] };
function wordsOf(text: string): Words {
  if (text === lastWords.text) return lastWords;
  const words: string[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let start = -1;
  for (let at = 0; at < text.length; ) {
    const n = wordCharAt(text, at);
    if (n && start < 0) start = at;
    else if (!n && start >= 0) {
      words.push(text.slice(start, at));
      starts.push(start);
      ends.push(at);
      start = -1;
    }
    at += n || 1;
  }
  if (start >= 0) {
    words.push(text.slice(start));
    starts.push(start);
    ends.push(text.length);
  }
  lastWords = { text, words, starts, ends };
  return lastWords;
}

/**
 * The keywords of one script, longest first, and the matches of the regex
 * `(?<![\p{L}\p{N}])clitic?(kw1|kw2|…)(?![\p{L}\p{N}])` (flags gu) found without running it, at
 * a fraction of its cost on every message: a keyword of words and single spaces is looked up word
 * by word. It can only start where a word starts, after a clitic for Arabic (the lookbehind);
 * among the keywords that match there the regex takes the longest (they are sorted so), after the
 * first clitic in its order that lets one match; and it looks on from the end of what it matched.
 * A keyword with other characters ("🆘") cannot be looked up by words: a text that contains one is
 * matched with the regex. test/unit/keyword-set-equivalence.test.ts compares the two.
 */
class KeywordPattern {
  /** Keyword by keyword's first word, then by its next words. */
  private readonly first = new Map<string, WordNode>();
  /** Keywords with characters other than letters, digits and single spaces. */
  private readonly others: string[] = [];
  /** The whole alternation, compiled only when some keyword is one of `others`. */
  private readonly regex: RegExp | undefined;

  constructor(
    keywords: readonly string[],
    private readonly clitics: boolean,
  ) {
    for (const k of keywords) {
      if (!WORDS_ONLY.test(k)) {
        this.others.push(k);
        continue;
      }
      let map = this.first;
      let node: WordNode | undefined;
      for (const w of k.split(' ')) {
        if (node) {
          node.next ??= new Map();
          map = node.next;
        }
        node = map.get(w);
        if (!node) {
          node = {};
          map.set(w, node);
        }
      }
      if (node) node.keyword = k;
    }
    if (this.others.length)
      this.regex = new RegExp(
        `(?<![\\p{L}\\p{N}])${clitics ? ARABIC_CLITICS : ''}(${keywords.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])`,
        'gu',
      );
  }

  /** The keywords found in `text`, in order, as the regex's global matches: [start, end, keyword]. */
  matches(text: string, firstOnly = false): [number, number, string][] {
    const out: [number, number, string][] = [];
    let other = false;
    for (const k of this.others) other ||= text.includes(k);
    if (other && this.regex) {
      for (const m of text.matchAll(this.regex)) {
        out.push([m.index, m.index + m[0].length, m[1] as string]);
        if (firstOnly) break;
      }
      return out;
    }
    const { words, starts, ends } = wordsOf(text);
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as string;
      for (const clitic of this.clitics ? (CLITICS_BY_LETTER.get(word.charAt(0)) ?? NO_CLITIC) : NO_CLITIC) {
        if (!word.startsWith(clitic)) continue;
        // The longest keyword starting with this word (less its clitic), its next words each after one space.
        let node = this.first.get(clitic ? word.slice(clitic.length) : word);
        let keyword: string | undefined;
        let last = i;
        for (let j = i; node; node = node.next?.get(words[++j] as string)) {
          if (node.keyword !== undefined) {
            keyword = node.keyword;
            last = j;
          }
          const end = ends[j] as number;
          if (starts[j + 1] !== end + 1 || text.charCodeAt(end) !== 32) break;
        }
        if (keyword !== undefined) {
          out.push([starts[i] as number, ends[last] as number, keyword]);
          if (firstOnly) return out;
          i = last;
          break;
        }
      }
    }
    return out;
  }
}

/**
 * A precompiled set of (folded) keywords: counts how many distinct ones a folded text contains.
 * A keyword matches whole words only, in every script: inside a longer word it does not count.
 * Arabic keywords may carry a joined clitic (و، ف، ب، ل، ك، ال); any other inflection
 * (ة، ين، ون، ي…) must be listed as its own keyword. Where keywords overlap, the longest one
 * found first is the one that counts ("not injured" hides "injured").
 */
export class KeywordSet {
  private readonly latin: KeywordPattern | undefined;
  private readonly arabic: KeywordPattern | undefined;

  constructor(keywords: readonly string[]) {
    const folded = [...new Set(keywords.map((k) => plain(foldText(k)).trim()).filter(Boolean))].sort((a, b) => b.length - a.length);
    const arabic = folded.filter((k) => ARABIC.test(k));
    const latin = folded.filter((k) => !ARABIC.test(k));
    this.latin = latin.length ? new KeywordPattern(latin, false) : undefined;
    this.arabic = arabic.length ? new KeywordPattern(arabic, true) : undefined;
  }

  /** The patterns that can match `text`: an Arabic keyword cannot match a text without Arabic letters. */
  private patterns(text: string): KeywordPattern[] {
    const out: KeywordPattern[] = [];
    if (this.latin) out.push(this.latin);
    if (this.arabic && ARABIC.test(text)) out.push(this.arabic);
    return out;
  }

  /** Number of distinct keywords found in `folded` (a text passed through foldText). */
  count(folded: string): number {
    const text = plainOnce(folded);
    const found = new Set<string>();
    for (const p of this.patterns(text)) for (const [, , keyword] of p.matches(text)) found.add(keyword);
    return found.size;
  }

  /** `folded` with every keyword found in it blanked out (a · in its place). */
  remove(folded: string): string {
    let out = plainOnce(folded);
    for (const p of this.patterns(out)) {
      let blanked = '';
      let from = 0;
      // A mark, not a space: the words either side of what is taken out do not join into a phrase
      // ("نرجع الجثمان للبلد" without the body is no "نرجع للبلد", a wish to go home).
      for (const [start, end] of p.matches(out)) {
        blanked += `${out.slice(from, start)} · `;
        from = end;
      }
      if (from > 0) out = blanked + out.slice(from);
    }
    return out;
  }

  /**
   * Where the keywords are in `folded`: the text they were found in (`folded` with apostrophes and
   * hyphens as spaces, the same for every set) and each keyword's [start, end] in it, in order.
   */
  spans(folded: string): { text: string; spans: [number, number][] } {
    const text = plainOnce(folded);
    const spans = this.patterns(text)
      .flatMap((p) => p.matches(text).map(([start, end]): [number, number] => [start, end]))
      .sort((a, b) => a[0] - b[0]);
    return { text, spans };
  }

  /** True when `folded` contains any of the keywords (stops at the first). */
  any(folded: string): boolean {
    const text = plainOnce(folded);
    return this.patterns(text).some((p) => p.matches(text, true).length > 0);
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
  [
    'je suis nous vous de le la et sur chez mon ma mes notre nos est sont il elle ils pas aide aidez bonjour bonsoir merci besoin',
    'secours urgence dans avec pour une des les du au mari femme fils fille enfants personnes blesse blessee malade svp',
    // Words of a short report or greeting ("passeport perdu", "bombardement ici", "on a peur", "salut").
    'passeport perdu perdue vole volee ici peur ambassade aeroport bombardement bombardements salut allo coince coinces',
    'bloque bloques rentrer partir enfant famille maison rue ou quoi comment pourquoi quand tres tout tous rien encore',
    'deja depuis hier demain soir matin nuit vite papiers frontiere',
  ]
    .join(' ')
    .split(' '),
);
const ENGLISH_WORDS = new Set(
  [
    "the is my i i'm im we are and need help please our was were have has with he she they there it to of in at you me us wife",
    'husband daughter children people hurt injured',
    // Words of a short report or greeting ("lost passport", "scared here", "hello").
    'lost passport stolen here scared afraid embassy airport bombing hello hi where what when how why can cannot not',
    'mother father family house street stuck trapped',
  ]
    .join(' ')
    .split(' '),
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
/**
 * Common Arabizi words that are also English or French words, names or single letters ("ana", "ma", "fi",
 * "bas", "mesh"): they count only in a message that has an Arabizi word of its own (ARABIZI_ONLY, or one
 * spelt with digits).
 */
const ARABIZI_WORDS = new Set('ana fi ma mesh w wel bl bel b el l ya bas hon hala mama baba enta inti kif wen'.split(' '));
/**
 * Arabizi words written without digits that no English or French message has: "ibni mish am yetnaffas",
 * "ana mahjouz", "saidouna". Checked against English and French word lists: none is a word of them.
 */
const ARABIZI_ONLY = new Set(
  [
    // People: my son, my daughter, my brother, my sister, my husband, my wife, my mother, my father, my family, we, you.
    'ibni ebni binti bente akhi akhoui akhouya khayi ukhti okhti ekhti ikhti zawji jawzi jozi marti mrati emmi ommi immi',
    'abouy bayye bayyi ahli ahle wladi awladi nehna nahna ehna inta enti ento intu huwwe hiyye',
    // Little words: not, there is not, we want, must, why, how, what, where, there, so, this, now, a lot, enough, please.
    'mish msh mafi mafish mafeesh bidna badna bedna biddi baddi beddi lazem lazim lesh leish keef kifak shu sho wein',
    'honik hek heik hayda hayde halla ktir kteer khalas yalla wallah dakhilak dakhlak inshallah yarab',
    // Breathing, held, kidnapped, missing, injured; well, thank God; help us, help me; my house, the airport, the building, under.
    'yetnaffas yetnafas tetnaffas tetnafas byetnaffas mahjouz mahjouzin mahjoozin mahbous makhtouf makhtoufe mafkoud',
    'mafqoud majrouh majrouha msab msabe msabin bkhair bkheir bkhir bikhair mnih mneeh kwayes kwayyes tamam hamdella',
    'hamdellah hamdulillah alhamdulillah saidouna saidoona saedouna saidni saedni saidoni bayti beiti beyti baiti matar',
    'tayarat tayyarat binaye bineye taht tahet',
    // Where is the embassy; hello.
    'weyn wayn safara sifara marhaba',
  ].flatMap((line) => line.split(' ')),
);
/**
 * Arabic greetings and thanks typed in Latin letters ("salam alaykum", "ahlan", "shukran ktir"): a
 * message made of these alone is Arabic. "Salam" is also a name, and "ya", "el" are words of other
 * languages: among any other word ("Hi, I am Salam Haddad") they tell nothing.
 */
const ARABIZI_GREETINGS = new Set(
  [
    'salam salaam slm salamu assalamu assalam asalam asalamu essalam alaykum alaikum aleikum alikoum alaykoum alaykom',
    'alikom alaikoum aleykum alikum alaykoum ahlan ahla ahlain ahleen sahlan wasahlan marhaba marhaban marhabtain',
    'shukran shokran choukran chokran shoukran shukraan yislamo yislamu mashkour mashkoor sabah masa masaa kheir khair',
    'rahmatullah warahmatullah barakatuh wabarakatuh',
  ].flatMap((line) => line.split(' ')),
);
/** Words that go with a greeting or thanks ("wa alaykum salam", "shukran ktir", "sabah el kheir"), saying nothing alone. */
const ARABIZI_GREETING_FILLER = new Set('wa w u ya el al ktir kteer jazilan jazeelan habibi habibti ok'.split(' '));

/** Arabic verbs with "us" or "me" joined ("saidouna", "khodouna", "ilhaouni"): no English or French word ends so. */
const ARABIZI_ENDING = /^[a-z]{2,}(?:ouna|oona|ouni|ooni)$/;

/**
 * Guesses the language of a message among the configured ones: Arabic script; else French,
 * English or Arabic written in Latin letters (Arabizi) by which has more of its common words
 * (French accents and elisions count for French, Arabizi only with a word of its own: spelt with
 * digits, "ana 3alek bl matar", or one no English or French text has, "ana mahjouz"); else the default.
 */
export function guessLanguage(text: string, languages: readonly string[]): string {
  return spokenLanguage(text, languages) ?? languages[0] ?? 'en';
}

/** The language a message is written in, as guessLanguage tells it, or undefined when none of its words tells. */
export function spokenLanguage(text: string, languages: readonly string[]): string | undefined {
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
    else if ((ARABIZI_WORD.test(w) && !NOT_ARABIZI.test(w)) || ARABIZI_ONLY.has(w) || ARABIZI_ENDING.test(w)) arabizi += 1;
    else if (ARABIZI_WORDS.has(w)) arabiziCommon += 1;
  }
  // "salam alaykum", "ahlan", "shukran": a greeting or thanks alone, in Arabic typed in Latin letters.
  const greeting =
    words.some((w) => ARABIZI_GREETINGS.has(w)) && words.every((w) => ARABIZI_GREETINGS.has(w) || ARABIZI_GREETING_FILLER.has(w));
  if (greeting && languages.includes('ar')) return 'ar';
  const spelt = arabizi + (arabiziCommon > 0 ? ambiguous : 0);
  const ar = spelt > 0 ? spelt + arabiziCommon : 0;
  if (ar > fr && ar > en && languages.includes('ar')) return 'ar';
  if (fr > en && languages.includes('fr')) return 'fr';
  if (en > fr && languages.includes('en')) return 'en';
  return undefined;
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
