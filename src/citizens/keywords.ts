import { INCIDENT_KEYWORDS } from '../domain/citizen-messages.ts';
import { arabicArticleForms, endsAsQuestion, foldText, KeywordSet, TypoCorrector, westernDigits, withoutInvisible } from '../domain/text-normalise.ts';
import { classify } from '../domain/triage.ts';
import { NOT_SAFE_PHRASES, NOT_TYPOS, SAFE_PHRASES, SAFE_QUESTIONS } from '../domain/triage-rules.ts';
import { KEYWORDS, type Keyword, LANGUAGE_NAMES } from './words.ts';

/**
 * Lower-case, without accents, apostrophes or surrounding punctuation, single spaces; Arabic
 * without diacritics and with the usual letter variants unified (أ إ آ → ا, ة → ه, ى → ي),
 * so that "أنا بخير" and "انا بخير" are the same word; digits as 0-9 ("٣" and "3️⃣" are "3").
 */
export function normaliseWords(text: string): string {
  return (
    westernDigits(withoutInvisible(text))
      .normalize('NFD')
      // Diacritics, tatweel, the emoji presentation selectors ("✔️" is ✔ + U+FE0F), and the keycap
      // mark ("1️⃣" is 1 + U+FE0F + U+20E3); joiners and marks went with the invisible characters.
      .replace(/[\u0300-\u036f\u064B-\u065F\u0670\u0640]/g, '')
      .replace(/\uFE0E|\uFE0F|\u20E3/g, '')
      .replace(/ة/g, 'ه')
      .replace(/ى/g, 'ي')
      .toLowerCase()
      .replace(/['’`]/g, ' ')
      .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
      .replace(/\s+/g, ' ')
  );
}

/**
 * The keywords also sent with the Arabic article or without it ("الأخبار", "التسجيل", "نجدة"): those whose
 * reply harms no one who meant something else. Never SAFE ("الأمن", the security forces, folds to "آمن",
 * safe), STOP, DELETE or a dialogue's answer.
 */
const WITH_OR_WITHOUT_ARTICLE: readonly Keyword[] = ['register', 'news', 'newsQuestion', 'help'];

const index = new Map<Keyword, Map<string, string>>();
for (const [keyword, byLanguage] of Object.entries(KEYWORDS) as [Keyword, Record<string, readonly string[]>][]) {
  const words = new Map<string, string>();
  const forms = (w: string) => (WITH_OR_WITHOUT_ARTICLE.includes(keyword) ? arabicArticleForms(normaliseWords(w)) : [normaliseWords(w)]);
  for (const [language, list] of Object.entries(byLanguage))
    for (const w of list) for (const f of forms(w)) if (!words.has(f)) words.set(f, language);
  index.set(keyword, words);
}

/** The keyword a whole message is, and the language its word belongs to; undefined when it is not one. */
export function matchKeyword(text: string | undefined, only?: readonly Keyword[]): { keyword: Keyword; language: string } | undefined {
  if (!text) return undefined;
  const t = normaliseWords(text);
  for (const [keyword, words] of index) {
    if (only && !only.includes(keyword)) continue;
    const language = words.get(t);
    if (language) return { keyword, language };
  }
  return undefined;
}

/**
 * Every word of every keyword: a typo is forgiven only when one keyword's word fits it ("regsiter"
 * is "register"), never when the typed word is one slip from two (see TypoCorrector).
 */
const KEYWORD_TYPOS = new TypoCorrector(
  Object.values(KEYWORDS).flatMap((byLanguage) => Object.values(byLanguage).flat()),
  Object.values(NOT_TYPOS).flat(),
);
/** The longest keyword phrase, with room for slips and punctuation: a longer message is no keyword. */
const LONGEST_KEYWORD =
  10 +
  Math.max(
    ...Object.values(KEYWORDS).flatMap((byLanguage) =>
      Object.values(byLanguage)
        .flat()
        .map((w) => w.length),
    ),
  );

/**
 * The keyword a whole message is once typos are forgiven ("regsiter", "advisroy", "any udpates"),
 * among `only`; undefined when the message is a keyword as typed (matchKeyword finds it) or none.
 * Only for the keywords whose reply does no harm to someone who meant something else: never SAFE
 * (a person in danger counted safe) nor STOP or DELETE (alerts stopped, data erased).
 */
export function matchMistyped(
  text: string | undefined,
  only: readonly ('register' | 'news' | 'newsQuestion' | 'deleteAsk' | 'delete' | 'stop')[],
) {
  if (!text || text.length > LONGEST_KEYWORD) return undefined;
  const typed = normaliseWords(text);
  const meant = KEYWORD_TYPOS.correct(typed);
  return meant === typed ? undefined : matchKeyword(meant, only);
}

/** Words around "we are safe" that change nothing: "ok we are safe now", "merci, nous sommes en sécurité". */
const AROUND_SAFE = new Set(
  [
    'ok',
    'okay',
    'yes',
    'thanks',
    'thank you',
    'thank god',
    'now',
    'merci',
    'oui',
    'maintenant',
    'dieu merci',
    'شكرا',
    'تمام',
    'نعم',
    'الحمد لله',
    'الحمدلله',
    'الان',
  ].map(normaliseWords),
);

/**
 * SAFE said with thanks or "now" around it ("ok we are safe now", "thanks, we are safe"):
 * the language of the SAFE phrase, or undefined when the message says more than that.
 */
export function saidSafe(text: string | undefined): string | undefined {
  return safeAmong(
    normaliseWords(text ?? '')
      .split(/[\s\p{P}]+/u)
      .filter(Boolean),
  );
}

/** Every word that SAFE and what may stand around it are made of: a message with any other word says more. */
const SAFE_VOCABULARY = new Set(
  [...AROUND_SAFE, ...Object.values(KEYWORDS.safe).flat().map(normaliseWords)].flatMap((phrase) => phrase.split(' ')),
);

/** saidSafe of a message already split into normalised words. */
function safeAmong(words: string[]): string | undefined {
  // Most messages (every report) have a word no SAFE phrase has: one pass over the words tells.
  if (words.length === 0 || words.length > 12 || !words.every((w) => SAFE_VOCABULARY.has(w))) return undefined;
  // Every split into words around and a SAFE phrase between them, the around words being one- or two-word fillers.
  for (let start = 0; start < words.length; start++) {
    if (start > 0 && !fillers(words.slice(0, start))) continue;
    for (let end = words.length; end > start; end--) {
      if (end < words.length && !fillers(words.slice(end))) continue;
      const match = matchKeyword(words.slice(start, end).join(' '), ['safe']);
      if (match) return match.language;
    }
  }
  return undefined;
}

/** True when `words` are all words that change nothing around SAFE (single words or two-word phrases). */
function fillers(words: string[]): boolean {
  for (let i = 0; i < words.length; ) {
    if (i + 1 < words.length && AROUND_SAFE.has(`${words[i]} ${words[i + 1]}`)) i += 2;
    else if (AROUND_SAFE.has(words[i] as string)) i += 1;
    else return false;
  }
  return true;
}

/** The configured language a citizen named ("fr", "Français", "arabic", or the number in the list). */
export function matchLanguage(text: string, configured: readonly string[]): string | undefined {
  const t = normaliseWords(text);
  const n = Number.parseInt(t, 10);
  if (String(n) === t && n >= 1 && n <= configured.length) return configured[n - 1];
  return configured.find((l) => l === t || (LANGUAGE_NAMES[l] ?? []).some((name) => normaliseWords(name) === t));
}

/**
 * The answer the first words give ("1", "2", or a SAFE/HELP phrase of up to five words: "we are ok",
 * "tout le monde va bien"), and how many words it took.
 */
function leadingAnswer(words: string[]): { answer: 'safe' | 'help'; used: number } | undefined {
  if (words[0] === '1') return { answer: 'safe', used: 1 };
  if (words[0] === '2') return { answer: 'help', used: 1 };
  for (let n = Math.min(5, words.length); n >= 1; n--) {
    const k = matchKeyword(words.slice(0, n).join(' '), ['safe', 'help', 'yes', 'fine'])?.keyword;
    if (k) return { answer: k === 'help' ? 'help' : 'safe', used: n };
  }
  return undefined;
}

/**
 * SAFE words that also only acknowledge or praise ("تمام", "tamam", "الحمد لله" — said whatever one's
 * situation —, "ok", "ça va"): after a 2, the HELP answer, they say nothing of being safe, and "2 tamam"
 * stays HELP (the cell would rather call).
 */
const ACKNOWLEDGING = new Set(
  [
    ...['ok', 'okay', 'all ok', 'all okay', 'ca va', 'oui ca va', 'تمام', 'كله تمام', 'كلنا تمام', 'الحمد لله', 'الحمدلله'],
    ...['tamam', 'tmm', 'kolna tamam', 'hamdella', 'hamdellah', 'hamdulillah', 'alhamdulillah', 'l7amdella', 'l7amdellah'],
    ...['el7amdella', 'al7amdulillah'],
  ].map((w) => normaliseWords(w)),
);

/**
 * How many are safe, then SAFE: "2 safe", "3 of us, all fine", "we are 2, all safe", "٢ بخير". The
 * question invites the count ("e.g. 1 3"), and people write it first: a number (not the answer 1
 * at the start) followed by a SAFE phrase, with nothing but words that add nothing to SAFE
 * ("people", "of us", "all", "we are") around them, is SAFE with that many people (all the words
 * are left for parseWelfareAnswer to count). A bare "2", "2 help", "2 ok", "2 my son is hurt" and
 * "all except 2" ("tous sauf 2": the number after) say no such thing: they are read as before.
 */
function countThenSafe(words: string[]): { answer: 'safe'; used: 0 } | undefined {
  const at = words.findIndex((w) => /^\d+$/.test(w));
  if (at < 0 || (at === 0 && words[0] === '1') || Number(words[at]) === 0) return undefined;
  const others = [...words.slice(0, at), ...words.slice(at + 1)];
  if (!others.every((w) => SAFE_FILLER.has(w))) return undefined;
  // The SAFE phrase comes after the number ("2 safe", "we are 2, all safe").
  const after = others.slice(at);
  const helpFirst = at === 0 && words[0] === '2';
  for (let i = 0; i < after.length; i++)
    for (let n = Math.min(5, after.length - i); n >= 1; n--) {
      const span = after.slice(i, i + n).join(' ');
      if (helpFirst && ACKNOWLEDGING.has(normaliseWords(span))) continue;
      if (matchKeyword(span, ['safe', 'fine'])) return { answer: 'safe', used: 0 };
    }
  return undefined;
}

/** True when some words of `words` are a HELP phrase ("need help", "aide", "مساعدة"). */
function mentionsHelp(words: string[]): boolean {
  return words.some((_, i) => [1, 2, 3].some((n) => i + n <= words.length && matchKeyword(words.slice(i, i + n).join(' '), ['help'])));
}

/** The most people a household may count: at REGISTER, and in a SAFE answer to a welfare check ("1 4"). */
export const HOUSEHOLD_MAX = 50;

/**
 * A reply to a welfare check: `1`/SAFE/YES or `2`/HELP in any language and script (١, 1️⃣), or a
 * bare NO, optionally followed by the number of people safe in the household ("SAFE 4", "1 4",
 * "1, 3 of us") and other words ("1 we are ok"). A SAFE answer whose words ask for help or
 * describe an emergency ("1 but my son needs help", "1 but he is injured") is taken as HELP: the
 * cell would rather call than miss someone. A wish to leave or a lost passport is not an emergency.
 * `remark` marks a SAFE answer that says more than that ("1 but we have no water left"): the
 * message must still reach the cell. A SAFE answer asked back ("safe?", "ok?", "oui ?") is none
 * (see asksIfSafe).
 */
export function parseWelfareAnswer(text: string | undefined): WelfareAnswer | undefined {
  const answer = readWelfareAnswer(text);
  return answer && isSafeQuestion(text, answer) ? undefined : answer;
}

type WelfareAnswer = { answer: 'safe' | 'help'; people?: number; remark?: boolean; tooMany?: number };

/**
 * True when the message is a SAFE answer said as a question ("safe?", "ok?", "yes?", "oui ?",
 * "بخير؟", "1?"): the citizen asks whether they are, or what to answer; they say nothing. Counted
 * SAFE, it would take them off the list the cell calls: the check's question is asked again
 * instead. A message that says more ("we are safe, what should we do?") is SAFE with a remark, as
 * ever; "2?" stays HELP (the cell would rather call).
 */
export function asksIfSafe(text: string | undefined): boolean {
  return endsAsQuestion(text) && isSafeQuestion(text, readWelfareAnswer(text));
}

function isSafeQuestion(text: string | undefined, answer: WelfareAnswer | undefined): boolean {
  return answer?.answer === 'safe' && !answer.remark && endsAsQuestion(text);
}

function readWelfareAnswer(text: string | undefined): WelfareAnswer | undefined {
  if (!text) return undefined;
  // "not safe", "we are not ok", "pas en sécurité", "مش بخير": the opposite of SAFE is HELP, wherever it is
  // said, typed in a hurry too ("pas en securte", "unsfae"). SAFE is read only as typed: a slip there is asked again.
  if (NOT_SAFE.any(HELP_TYPOS.correct(foldText(text)))) return { answer: 'help' };
  const words = normaliseWords(text)
    .split(/[\s\p{P}\p{S}]+/u)
    .filter((w) => w.length > 0);
  const lead =
    countThenSafe(words) ??
    leadingAnswer(words) ??
    (matchKeyword(words.join(' '), ['no']) ? { answer: 'help' as const, used: words.length } : undefined) ??
    // "ok we are safe now": the whole message is SAFE with thanks or "now" around it.
    (safeAmong(words) ? { answer: 'safe' as const, used: words.length } : undefined) ??
    // "Sorry for the late reply, we are safe, we moved to my cousin's": SAFE said within more words.
    (saysSafeWithin(text) ? { answer: 'safe' as const, used: 0 } : undefined);
  if (!lead) return undefined;
  const rest = words.slice(lead.used);
  // "1 but my husband is injured", "ok, the house is on fire": an emergency is HELP whatever it starts with.
  if (lead.answer === 'help' || mentionsHelp(rest) || (rest.length > 0 && describesDanger(rest.join(' ')))) return { answer: 'help' };
  const people = Number(rest.find((w) => /^\d+$/.test(w)) ?? 0);
  const remark = rest.some((w) => !/^\d+$/.test(w) && !SAFE_FILLER.has(w));
  // "1 500": more people than REGISTER takes in a household is a slip of the thumb (or a count the
  // cell must read in words), never 500 people tallied safe. Alone, it is asked again (`tooMany`);
  // with words around it ("1 we are 200 at the school"), SAFE is tallied without it and the words reach the cell.
  if (people > HOUSEHOLD_MAX) return { answer: 'safe', ...(remark ? { remark } : { tooMany: people }) };
  return { answer: 'safe', ...(people > 0 ? { people } : {}), ...(remark ? { remark } : {}) };
}

/** "Not safe" in every language ("we are not ok", "ça va pas", "مش منيح", "msh mni7"): HELP to a welfare check. */
const NOT_SAFE = new KeywordSet(Object.values(NOT_SAFE_PHRASES).flat());
/** "We are safe" as the triage rules read it (a statement, not a question about it). */
const SAFE_STATEMENT = new KeywordSet(Object.values(SAFE_PHRASES).flat());
const SAFE_QUESTION = new KeywordSet(Object.values(SAFE_QUESTIONS).flat());

/**
 * True when a message says the sender is safe among other words ("sorry for the late reply, we are
 * safe, we moved to Latakia"), and asks nothing: "are we safe here?" is a question, not an answer.
 */
function saysSafeWithin(text: string): boolean {
  if (/[?؟]/.test(text)) return false;
  const folded = foldText(text);
  return SAFE_STATEMENT.any(SAFE_QUESTION.remove(folded));
}

/** Words that add nothing to a SAFE answer ("1 we are all ok thanks", "1 nous allons bien", "١ الحمد لله"). */
const SAFE_FILLER = new Set(
  [
    ...'i am we are all of us me my family people person persons ok okay fine good well thanks thank you everyone everybody here and too both safe yes now god alright r'.split(
      ' ',
    ),
    ...'je suis nous sommes allons vais va ca tout tous toutes le monde bien merci en securite sains saufs sauf oui famille personnes personne et ici on est dieu a'.split(
      ' ',
    ),
    ...'انا نحن كلنا الحمد لله بخير شكرا جميعا الجميع العائله و امنين آمنون نعم تمام احنا نحنا منيحين مناح'.split(' '),
    ...'ana ne7na e7na kolna kelna kellna w mni7 mni7in mna7 bkhair tamam hamdella hamdellah hamdulillah alhamdulillah l7amdella shukran'.split(
      ' ',
    ),
  ].map(normaliseWords),
);

/** Small numbers as citizens write them in words (folded like normaliseWords), for the household size. */
const NUMBER_WORDS = new Map<string, number>(
  (
    [
      [1, ['one', 'un', 'une', 'واحد', 'alone', 'seul', 'seule', 'وحدي']],
      [2, ['two', 'deux', 'اثنان', 'اثنين', 'اثنتان', 'اثنتين']],
      [3, ['three', 'trois', 'ثلاثه', 'ثلاث']],
      [4, ['four', 'quatre', 'اربعه', 'اربع']],
      [5, ['five', 'cinq', 'خمسه', 'خمس']],
      [6, ['six', 'سته', 'ست']],
      [7, ['seven', 'sept', 'سبعه', 'سبع']],
      [8, ['eight', 'huit', 'ثمانيه', 'ثماني', 'ثمان']],
      [9, ['nine', 'neuf', 'تسعه', 'تسع']],
      [10, ['ten', 'dix', 'عشره', 'عشر']],
    ] as const
  ).flatMap(([n, words]) => words.map((w) => [normaliseWords(w), n] as const)),
);

/** Words that add people to a number ("and", "plus", "with"): the number alone is then not the household. */
const ADDING = new Set(['and', 'plus', 'with', 'et', 'avec', 'و', 'مع'].map(normaliseWords));

/**
 * The number of people a citizen gave: "3", "٣", "3 people", "nous sommes 4", "ثلاثة". One number
 * only (in figures, else in words) in a short answer; undefined when there is none or several.
 */
export function parseHousehold(text: string): number | undefined {
  const words = normaliseWords(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (words.length > 8) return undefined;
  // "my wife and 2 kids", "me + 3 children": the number is part of a sum the citizen left to us; asked again.
  if (/[+&]/.test(text) || words.some((w) => ADDING.has(w))) return undefined;
  const figures = words.filter((w) => /^\d+$/.test(w));
  if (figures.length > 1 || words.some((w) => /\d/.test(w) && !/^\d+$/.test(w))) return undefined;
  if (figures.length === 1) return Number(figures[0]);
  const named = words.flatMap((w) => (NUMBER_WORDS.has(w) ? [NUMBER_WORDS.get(w) as number] : []));
  return named.length === 1 ? named[0] : undefined;
}

/** Words asking for help, in every language: never an answer to a registration question. */
export const URGENT_WORDS = [
  ...Object.values(KEYWORDS.help).flat(),
  ...INCIDENT_KEYWORDS.sos,
  'please help',
  'help me',
  'help us',
  'urgent',
  'danger',
  "besoin d'aide",
  'aidez',
  'aidez-moi',
  'aidez-nous',
  'ساعدني',
  'ساعدونا',
  'خطر',
];
const URGENT = new KeywordSet(URGENT_WORDS);
/**
 * Typos of the words that say "not safe" or ask for help ("pas en securte", "unsfae", "urgnet"):
 * forgiven only to read a message as HELP, never as SAFE (the worst error is a person in danger
 * counted safe).
 */
const HELP_TYPOS = new TypoCorrector([...Object.values(NOT_SAFE_PHRASES).flat(), ...URGENT_WORDS], Object.values(NOT_TYPOS).flat());

/** Situations the triage rules recognise in which a person is not in danger: a wish to leave, a lost passport. */
const NO_DANGER = new Set(['other', 'evacuation_request', 'lost_documents']);

/** True when the text asks for help in words (URGENT), or the triage rules read it as `serious`. */
function urgentOr(text: string, serious: (t: ReturnType<typeof classify>) => boolean): boolean {
  return URGENT.any(HELP_TYPOS.correct(foldText(text))) || serious(classify(text));
}

/**
 * True when words that follow a SAFE answer put someone in danger ("1 but my son is injured"):
 * the answer then counts as HELP. A safe citizen's plans or worries ("1, leaving for the border
 * now", "1 but I lost my passport") stay SAFE, with a remark the cell still sees.
 */
export function describesDanger(text: string | undefined): boolean {
  if (!text) return false;
  return urgentOr(text, (t) => !NO_DANGER.has(t.category) || t.severity === 'critical' || t.severity === 'high');
}

/** True when a message asks for help or describes a situation the triage rules recognise: an officer must see it. */
export function readsAsEmergency(text: string): boolean {
  return urgentOr(text, (t) => t.category !== 'other' || t.severity === 'critical');
}
