import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { URGENT_WORDS } from '../../src/citizens/keywords.ts';
import { configFileSchema } from '../../src/config/schema.ts';
import { FIRST_PERSON, OFFICIAL_CLAIM } from '../../src/domain/rumour-words.ts';
import { foldText, KeywordSet } from '../../src/domain/text-normalise.ts';
import {
  CATEGORY_RULES,
  CRITICAL_KEYWORDS,
  CRITICAL_TOGETHER,
  CRITICAL_UNLESS_SAFE_KEYWORDS,
  NEGATED_PHRASES,
  NOT_CRITICAL_PHRASES,
  NOT_SAFE_PHRASES,
  REASSURING_KEYWORDS,
  SAFE_PHRASES,
  SAFE_QUESTIONS,
} from '../../src/domain/triage-rules.ts';

/*
 * KeywordSet looks keywords up word by word; it used to run one regex per set. Triage decides how
 * fast an injured citizen is answered: the word-by-word lookup must find exactly what the regex
 * found. The regex implementation is kept here as the reference, and both are run on every keyword
 * list the code builds a KeywordSet from, over a large corpus of texts made around their keywords.
 */

// ---- The reference: KeywordSet as it was, one regex per script (copied unchanged). ----
const ARABIC = /[\u0600-\u06FF]/;
const ARABIC_CLITICS = '(?:[وف]?(?:بال|كال|لل|ال|[بلك])?|عال|ع)';
const escapeRegExp = (k: string) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const plain = (folded: string) => folded.replace(/['-]/g, ' ').replace(/ {2,}/g, ' ');

class ReferenceKeywordSet {
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

  private patterns(text: string): RegExp[] {
    const out: RegExp[] = [];
    if (this.latin) out.push(this.latin);
    if (this.arabic && ARABIC.test(text)) out.push(this.arabic);
    return out;
  }

  count(folded: string): number {
    const text = plain(folded);
    const found = new Set<string>();
    for (const re of this.patterns(text)) for (const m of text.matchAll(re)) found.add(m[1] ?? m[0]);
    return found.size;
  }

  remove(folded: string): string {
    let out = plain(folded);
    for (const re of this.patterns(out)) out = out.replace(re, ' · ');
    return out;
  }

  any(folded: string): boolean {
    const text = plain(folded);
    return this.patterns(text).some((re) => {
      re.lastIndex = 0;
      return re.test(text);
    });
  }
}

// ---- The keyword lists the code builds KeywordSets from. ----
const flat = (lists: Record<string, string[]>) => Object.values(lists).flat();
const regions = configFileSchema.parse(parse(readFileSync('config/example.yaml', 'utf8'))).regions;
const testRegions = [
  ['north', 'Northern Province', 'aleppo', 'حلب', 'nord'],
  ['coast', 'Coastal Province', 'latakia', 'côte'],
];
const LISTS: Record<string, string[]> = {
  ...Object.fromEntries(
    CATEGORY_RULES.flatMap((r, i) => [
      [`rule ${i} ${r.category}`, flat(r.keywords)],
      ...(r.unless ? [[`rule ${i} ${r.category} unless`, flat(r.unless)]] : []),
      ...(r.orElse ? [[`rule ${i} ${r.category} or else`, flat(r.orElse.keywords)]] : []),
    ]),
  ),
  critical: flat(CRITICAL_KEYWORDS),
  ...Object.fromEntries(CRITICAL_TOGETHER.flatMap((groups, i) => groups.map((g, j) => [`critical together ${i}.${j}`, flat(g)]))),
  criticalUnlessSafe: flat(CRITICAL_UNLESS_SAFE_KEYWORDS),
  safe: flat(SAFE_PHRASES),
  notSafe: flat(NOT_SAFE_PHRASES),
  notSafeOrQuestion: [...flat(NOT_SAFE_PHRASES), ...flat(SAFE_QUESTIONS)],
  safeQuestions: flat(SAFE_QUESTIONS),
  reassuring: flat(REASSURING_KEYWORDS),
  negated: flat(NEGATED_PHRASES),
  notCritical: flat(NOT_CRITICAL_PHRASES),
  official: flat(OFFICIAL_CLAIM),
  firstPerson: flat(FIRST_PERSON),
  urgent: URGENT_WORDS,
  ...Object.fromEntries(regions.map((r) => [`region ${r.id}`, [r.id, r.name, ...r.aliases]])),
  ...Object.fromEntries(testRegions.map((r) => [`test region ${r[0]}`, r])),
};
// Every keyword in one set: a keyword of one list is a longer or shorter phrase of another's.
LISTS.all = Object.values(LISTS).flat();
// Made-up sets for the corners: overlapping phrases, words that are clitics of others, keywords
// with characters other than letters, digits and single spaces, keywords in two scripts.
const MADE_UP: Record<string, string[]> = {
  overlapping: ['ab', 'ab cd', 'cd', 'b', 'ab cd ef', 'cd ef', 'ef', 'x y z', 'y', 'ab cd ef gh ij'],
  odd: ['🆘', 'a.b', 'c++', '#sos', 'sos!', 'x🆘', '🆘 help', 'help', 'sos', '1.5', 'ab', 'é', 'a\u0903b'],
  arabicClitics: [
    'بيت',
    'يت',
    'الم',
    'لم',
    'م',
    'عالم',
    'الم بيت',
    'ال',
    'لل',
    'ب',
    'وب',
    'فال',
    'عال',
    'ع',
    'لحم',
    'حم',
    'حمى',
    'كلب',
    'لب',
  ],
  arabicOdd: ['🆘', 'حمى؟', 'ساعد!', 'حمى', 'ساعد', 'ساعد 🆘', 'help حمى', 'حمى 2'],
  mixed: ['sos', 'حمى', 'sos حمى', 'حمى sos', 'help me', 'ساعدني please', '١٢', '12'],
};
Object.assign(LISTS, MADE_UP);

// ---- The corpus. ----
/** A small seeded generator: the corpus is the same on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(20240611);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

const CLITICS = [
  'و',
  'ف',
  'ب',
  'ل',
  'ك',
  'ال',
  'بال',
  'كال',
  'لل',
  'وال',
  'فال',
  'وبال',
  'فبال',
  'ولل',
  'فلل',
  'وب',
  'فب',
  'ول',
  'وك',
  'ع',
  'عال',
];
const NOT_CLITICS = ['م', 'ي', 'ت', 'ن', 'وو', 'عع', 'لال', 'الال', 'وع', 'فع', 'بع', 'عو', 'ا', 'x', '1', '١'];
const AROUND = [
  'x',
  '1',
  '١',
  'é',
  'e\u0301',
  'ة',
  'ين',
  's',
  "'s",
  '-',
  "'",
  '.',
  ',',
  '!',
  '?',
  '؟',
  '،',
  '🆘',
  '😭',
  '\u200d',
  '\u0903',
  '_',
  '/',
  '(',
  ')',
  ' ',
  '  ',
  '\t',
  '\n',
  '𝒜',
  '\ud83d',
];
const SEPARATORS = [' ', '  ', '   ', '-', "'", ' - ', ', ', '. ', '', '\n', '\t', '_', '🆘', '\u0301', '1', ' و', ' ال'];

/** Texts made around one keyword, as folded, as typed (capitals, accents) and with its spaces changed. */
function around(k: string): string[] {
  const out = [
    k,
    k.toUpperCase(),
    `${k} ${k}`,
    `${k}${k}`,
    k.replace(/ /g, '  '),
    k.replace(/ /g, '-'),
    k.replace(/ /g, "'"),
    k.replace(/ /g, '\n'),
  ];
  for (const a of AROUND) out.push(`${a}${k}`, `${k}${a}`, `${a}${k}${a}`, `${a} ${k} ${a}`);
  // Which clitic is read decides which keyword counts ("للم" is ل+لم or لل+م): the same keyword said again shows it.
  if (ARABIC.test(k))
    for (const c of [...CLITICS, ...NOT_CLITICS])
      out.push(`${c}${k}`, `x ${c}${k} y`, `${c}${k}${pick(AROUND)}`, `${c}${k} ${k}`, `${k} ${c}${k}`);
  // Cut short and run on: the keyword's first words alone, and with a letter more or less.
  const words = k.split(' ');
  if (words.length > 1)
    out.push(words.slice(0, -1).join(' '), words.slice(1).join(' '), `${words.slice(0, -1).join(' ')} x ${words.at(-1)}`);
  out.push(k.slice(0, -1), k.slice(1), `${k.slice(0, -1)}x`);
  return out;
}

/** A text with a few random edits: a character in, out or changed. */
function mutate(text: string): string {
  const alphabet = ['a', 'e', 'z', ' ', ' ', "'", '-', 'ا', 'ل', 'و', 'ع', 'ب', 'ة', '1', '🆘', '\u0301', '.', 'é'];
  let out = text;
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const at = Math.floor(rand() * (out.length + 1));
    const r = rand();
    if (r < 0.4) out = out.slice(0, at) + pick(alphabet) + out.slice(at);
    else if (r < 0.7) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + pick(alphabet) + out.slice(at + 1);
  }
  return out;
}

/** Sentences of two to five keywords of a list (and of any list), with all sorts of separators between them. */
function sentences(keywords: readonly string[], all: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (let j = 2 + Math.floor(rand() * 4); j > 0; j--) parts.push(rand() < 0.7 ? pick(keywords) : pick(all));
    out.push(parts.reduce((text, part) => text + pick(SEPARATORS) + part));
  }
  return out;
}

/** The quoted strings of the test files: the citizens' messages the tests send, among other things. */
function testTexts(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.(ts|js|ya?ml|json)$/.test(name)) files.push(path);
    }
  };
  walk('test');
  const out = new Set<string>();
  for (const file of files)
    for (const m of readFileSync(file, 'utf8').matchAll(/'((?:[^'\\\n]|\\.){3,400})'|"((?:[^"\\\n]|\\.){3,400})"|`([^`$\\]{3,400})`/g))
      out.add((m[1] ?? m[2] ?? m[3]) as string);
  return [...out];
}

/** The keywords of one list whose variants (around) are all tried; beyond, every n-th. */
const MAX_AROUND = 500;
const folded = (list: readonly string[]) => [...new Set(list.map((k) => plain(foldText(k)).trim()).filter(Boolean))];
const ALL_KEYWORDS = folded(LISTS.all as string[]);
const FROM_TESTS = testTexts();
/** Texts every set is run on: the tests' strings, sentences of any keywords, and their mutations. */
const SHARED = [
  '',
  ' ',
  ...FROM_TESTS,
  ...sentences(ALL_KEYWORDS, ALL_KEYWORDS, 3000),
  ...Array.from({ length: 3000 }, () => mutate(pick(FROM_TESTS))),
  ...Array.from({ length: 3000 }, () => mutate(pick(ALL_KEYWORDS))),
];

/**
 * Runs both implementations on every text, as typed and folded, and lists where they differ. The
 * reference's count() is asked of a set of its own: its matchAll() started where the last any()
 * that found a keyword stopped (the shared regex's lastIndex), which never happened in the code
 * (no set is both counted and tested), and the new KeywordSet keeps nothing of one text for the next.
 */
function differences(keywords: readonly string[], texts: readonly string[]): string[] {
  const fast = new KeywordSet(keywords);
  const reference = new ReferenceKeywordSet(keywords);
  const referenceCount = new ReferenceKeywordSet(keywords);
  const out: string[] = [];
  for (const typed of texts)
    for (const text of [typed, foldText(typed)]) {
      const [a, b] = [fast.count(text), referenceCount.count(text)];
      if (a !== b) out.push(`count ${JSON.stringify(text)}: ${a}, expected ${b}`);
      const [c, d] = [fast.remove(text), reference.remove(text)];
      if (c !== d) out.push(`remove ${JSON.stringify(text)}: ${JSON.stringify(c)}, expected ${JSON.stringify(d)}`);
      const [e, f] = [fast.any(text), reference.any(text)];
      if (e !== f) out.push(`any ${JSON.stringify(text)}: ${e}, expected ${f}`);
      if (out.length >= 10) return out;
    }
  return out;
}

describe('KeywordSet finds exactly what the regex found', () => {
  it('builds its corpus from the tests and the lists', () => {
    expect(FROM_TESTS.length).toBeGreaterThan(1000);
    expect(ALL_KEYWORDS.length).toBeGreaterThan(1000);
    // Some keywords are more than letters, digits and spaces: they go through the regex.
    expect(ALL_KEYWORDS).toContain('🆘');
  });

  it('all the keywords in one set, on the strings of the tests, sentences and mutations', () => {
    expect(differences(LISTS.all as string[], SHARED)).toEqual([]);
  });

  it.each(Object.keys(LISTS).filter((name) => name !== 'all'))('%s', (name) => {
    const keywords = LISTS[name] as string[];
    const own = folded(keywords);
    // Every keyword of a list, and its variants; of a list of hundreds of phrases (a verb times every
    // relative, "cannot reach my son"…), every n-th, so that the regex reference stays within the test's time.
    const step = Math.ceil(own.length / MAX_AROUND);
    const texts = [
      ...Array.from({ length: 1000 }, () => pick(SHARED)),
      ...own.filter((_, i) => i % step === 0).flatMap(around),
      ...sentences(own, ALL_KEYWORDS, 500),
    ];
    texts.push(...Array.from({ length: 500 }, () => mutate(pick(texts))));
    expect(differences(keywords, texts)).toEqual([]);
  });

  it('matches the same texts one set after another (what a set remembers of the last text is never stale)', () => {
    const sets = Object.values(LISTS).map(
      (keywords) => [new KeywordSet(keywords), new ReferenceKeywordSet(keywords), new ReferenceKeywordSet(keywords)] as const,
    );
    const texts = sentences(ALL_KEYWORDS, ALL_KEYWORDS, 300);
    const out: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const text = pick(texts);
      const [fast, reference, referenceCount] = pick(sets);
      const op = pick(['count', 'remove', 'any'] as const);
      // The text a remove() leaves is matched next, as triage does.
      const input = rand() < 0.3 ? reference.remove(text) : text;
      if (fast[op](input) !== (op === 'count' ? referenceCount : reference)[op](input)) out.push(`${op} ${JSON.stringify(input)}`);
    }
    expect(out).toEqual([]);
  });
});
