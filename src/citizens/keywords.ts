import { KEYWORDS, type Keyword, LANGUAGE_NAMES } from './words.ts';

/**
 * Lower-case, without accents, apostrophes or surrounding punctuation, single spaces; Arabic
 * without diacritics and with the usual letter variants unified (أ إ آ → ا, ة → ه, ى → ي),
 * so that "أنا بخير" and "انا بخير" are the same word.
 */
export function normaliseWords(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f\u064B-\u065F\u0670\u0640]/g, '')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .toLowerCase()
    .replace(/['’`]/g, ' ')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .replace(/\s+/g, ' ');
}

const index = new Map<Keyword, Map<string, string>>();
for (const [keyword, byLanguage] of Object.entries(KEYWORDS) as [Keyword, Record<string, readonly string[]>][]) {
  const words = new Map<string, string>();
  for (const [language, list] of Object.entries(byLanguage))
    for (const w of list) if (!words.has(normaliseWords(w))) words.set(normaliseWords(w), language);
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

/** The configured language a citizen named ("fr", "Français", "arabic", or the number in the list). */
export function matchLanguage(text: string, configured: readonly string[]): string | undefined {
  const t = normaliseWords(text);
  const n = Number.parseInt(t, 10);
  if (String(n) === t && n >= 1 && n <= configured.length) return configured[n - 1];
  return configured.find((l) => l === t || (LANGUAGE_NAMES[l] ?? []).some((name) => normaliseWords(name) === t));
}

/**
 * A reply to a welfare check: `1`/SAFE or `2`/HELP in any language, optionally followed by the
 * number of people safe in the household ("SAFE 4", "1 4").
 */
export function parseWelfareAnswer(text: string | undefined): { answer: 'safe' | 'help'; people?: number } | undefined {
  if (!text) return undefined;
  const t = normaliseWords(text);
  const m = /^(.*?)(?:\s+(\d{1,3}))?$/.exec(t);
  const head = m?.[1] ?? t;
  const people = m?.[2] ? Number(m[2]) : undefined;
  const answer = head === '1' ? 'safe' : head === '2' ? 'help' : matchKeyword(head, ['safe', 'help'])?.keyword;
  if (answer !== 'safe' && answer !== 'help') return undefined;
  return { answer, ...(answer === 'safe' && people && people > 0 ? { people } : {}) };
}
