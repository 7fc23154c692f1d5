import type { ConfigFile } from '../config/schema.ts';
import { type Category, SEVERITY_RANK, type Severity } from './incident.ts';
import { endsAsQuestion, foldText, KeywordSet, TypoCorrector } from './text-normalise.ts';
import {
  AFTER_A_DEATH_PHRASES,
  CATEGORY_RULES,
  CRITICAL_KEYWORDS,
  CRITICAL_TOGETHER,
  CRITICAL_UNLESS_SAFE_KEYWORDS,
  DANGER_WHERE_STUCK,
  DEATH_NOT_URGENT_PHRASES,
  DEATH_WORDS,
  HERE_PHRASES,
  NEGATED_PHRASES,
  NEGATION_FILLERS,
  NEGATIONS,
  NEVER_DENIED,
  NOT_CRITICAL_PHRASES,
  NOT_SAFE_PHRASES,
  NOT_TYPOS,
  PLACE_NOT_TYPOS,
  PLEA_OPENER_NOT,
  PLEA_OPENERS,
  PLEAS,
  QUESTION_OPENERS,
  QUESTIONS_NOT_LOW,
  REASSURING_KEYWORDS,
  SAFE_FILLER,
  SAFE_PHRASES,
  SAFE_QUESTIONS,
} from './triage-rules.ts';

export interface Triage {
  category: Category;
  severity: Severity;
  region: string | null;
  /** False when no rule matched the words: `severity` is then only the default (medium). */
  worded: boolean;
}

const keywordSet = (lists: Record<string, string[]>) => new KeywordSet(Object.values(lists).flat());
const RULES = CATEGORY_RULES.map((r) => ({
  ...r,
  set: keywordSet(r.keywords),
  unless: r.unless && keywordSet(r.unless),
  // The rule its phrases count for instead, by its place in the list.
  orElse: r.orElse && {
    rule: CATEGORY_RULES.findIndex((o) => o.category === r.orElse?.category),
    set: keywordSet(r.orElse.keywords),
    when: r.orElse.when && keywordSet(r.orElse.when),
  },
}));
const CRITICAL = keywordSet(CRITICAL_KEYWORDS);
const TOGETHER = CRITICAL_TOGETHER.map((groups) => groups.map(keywordSet));
const CRITICAL_UNLESS_SAFE = keywordSet(CRITICAL_UNLESS_SAFE_KEYWORDS);
const SAFE = keywordSet(SAFE_PHRASES);
const NOT_SAFE = new KeywordSet([...Object.values(NOT_SAFE_PHRASES).flat(), ...Object.values(SAFE_QUESTIONS).flat()]);
const REASSURING = keywordSet(REASSURING_KEYWORDS);
const NEGATED = keywordSet(NEGATED_PHRASES);
const NOT_CRITICAL = keywordSet(NOT_CRITICAL_PHRASES);
const AFTER_A_DEATH = keywordSet(AFTER_A_DEATH_PHRASES);
const DEATHS = keywordSet(DEATH_WORDS);
const DEATH_NOT_URGENT = keywordSet(DEATH_NOT_URGENT_PHRASES);
/** Danger that keeps "stuck" someone trapped, however much they also ask to leave. */
const DANGER_HERE = new KeywordSet(
  [CRITICAL_KEYWORDS, CRITICAL_UNLESS_SAFE_KEYWORDS, DANGER_WHERE_STUCK].flatMap((l) => Object.values(l).flat()),
);
/** Categories of harm to a person: a death beside any of them is no mere aftermath. */
const HARM: Category[] = ['trapped', 'medical', 'security', 'missing_person', 'arrest_detention'];
/** Every keyword a negation before it denies: of the categories of harm, and of the lists that raise severity. */
const DENIABLE = (() => {
  const never = new Set(
    Object.values(NEVER_DENIED)
      .flat()
      .map((k) => foldText(k)),
  );
  const lists = [
    ...CATEGORY_RULES.filter((r) => r.deniable !== false).flatMap((r) => [r.keywords, r.orElse?.keywords ?? {}]),
    CRITICAL_KEYWORDS,
    ...CRITICAL_TOGETHER.flat(),
    CRITICAL_UNLESS_SAFE_KEYWORDS,
  ];
  return new KeywordSet(lists.flatMap((l) => Object.values(l).flat()).filter((k) => !never.has(foldText(k))));
})();
const words = (lists: Record<string, string[]>) =>
  new Set(
    Object.values(lists)
      .flat()
      .map((k) => foldText(k).replace(/'/g, ' ')),
  );
const NEGATION = words(NEGATIONS);
const NEGATING = keywordSet(NEGATIONS);
const NEGATION_FILLER = words(NEGATION_FILLERS);
/** The longest negation, in words. */
const NEGATION_WORDS = Math.max(...[...NEGATION].map((n) => n.split(' ').length));
const PLEA = keywordSet(PLEAS);
const alternatives = (lists: Record<string, string[]>) =>
  [...words(lists)]
    .sort((a, b) => b.length - a.length)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
/** A report that opens with a cry for help ("HELP STOP", "help! soldiers outside"), not "help with my visa". */
const PLEA_OPENING = new RegExp(
  `^[^\\p{L}\\p{N}]*(?:${alternatives(PLEA_OPENERS)})(?![\\p{L}\\p{N}]|\\s*[?؟])(?![^\\p{L}\\p{N}]+(?:${alternatives(PLEA_OPENER_NOT)})(?![\\p{L}\\p{N}]))`,
  'u',
);
/**
 * A report that opens with a cry for help, unless what follows the cry is a question of the kind
 * asked for information ("Help, what time does the embassy open?", "aide : comment … ?"): that is
 * a routine question, not a plea, and must not crowd the HIGH queue.
 */
function opensWithPlea(folded: string): boolean {
  const text = folded.replace(/'/g, ' ');
  const cry = PLEA_OPENING.exec(text);
  if (!cry) return false;
  if (!endsAsQuestion(text)) return true;
  const rest = text.slice(cry[0].length).replace(/^[^\p{L}\p{N}]+/u, '');
  return ![...QUESTION_OPENER].some((q) => rest === q || rest.startsWith(`${q} `));
}
const SAFE_FILLER_WORDS = new Set([...words(SAFE_FILLER)].flatMap((w) => w.split(' ')));
const QUESTION_OPENER = words(QUESTION_OPENERS);
const QUESTION_NOT_LOW = keywordSet(QUESTIONS_NOT_LOW);
/** Every keyword and phrase of the lists above. */
const TRIAGE_WORDS = [
  ...CATEGORY_RULES.flatMap((r) =>
    [r.keywords, r.unless ?? {}, r.orElse?.keywords ?? {}, r.orElse?.when ?? {}].flatMap((lists) => Object.values(lists).flat()),
  ),
  ...[
    CRITICAL_KEYWORDS,
    ...CRITICAL_TOGETHER.flat(),
    CRITICAL_UNLESS_SAFE_KEYWORDS,
    SAFE_PHRASES,
    NOT_SAFE_PHRASES,
    SAFE_QUESTIONS,
    REASSURING_KEYWORDS,
    NEGATED_PHRASES,
    NOT_CRITICAL_PHRASES,
    AFTER_A_DEATH_PHRASES,
    DEATH_NOT_URGENT_PHRASES,
    DANGER_WHERE_STUCK,
    PLEAS,
    PLEA_OPENERS,
    QUESTIONS_NOT_LOW,
  ].flatMap((lists) => Object.values(lists).flat()),
];
/** Every Latin word of every list above: a typo of one is read as the word itself before any list is matched. */
const TYPOS = new TypoCorrector(TRIAGE_WORDS, Object.values(NOT_TYPOS).flat());
/** Real words never read as a typo of a region's word: NOT_TYPOS, PLACE_NOT_TYPOS and the triage lists' words. */
const NOT_PLACE_TYPOS = [...Object.values(NOT_TYPOS).flat(), ...Object.values(PLACE_NOT_TYPOS).flat(), ...TRIAGE_WORDS];

/** The words of the configured regions, compiled once per config (it is fixed for a process). */
interface RegionWords {
  sets: { id: string; set: KeywordSet }[];
  /** Every region's words at once: "we are safe, in Aleppo" (or "بحلب") only says they are safe. */
  all: KeywordSet;
  typos: TypoCorrector;
}
const regionWords = new WeakMap<ConfigFile['regions'], RegionWords>();

function regionWordsOf(regions: ConfigFile['regions']): RegionWords {
  let words = regionWords.get(regions);
  if (!words) {
    const named = regions.map((r) => [r.id, r.name, ...r.aliases]);
    words = {
      sets: regions.map((r, i) => ({ id: r.id, set: new KeywordSet(named[i] as string[]) })),
      all: new KeywordSet(named.flat()),
      // Across all regions: a word one slip from two regions' words ("Damas", "Damak") is read as typed.
      typos: new TypoCorrector(named.flat(), NOT_PLACE_TYPOS),
    };
    regionWords.set(regions, words);
  }
  return words;
}

/** Category and severity of a report from the triage rules. */
export function classify(text: string): { category: Category; severity: Severity } {
  const { category, severity } = classifyFolded(foldText(text));
  return { category, severity };
}

function classifyFolded(typed: string, places?: KeywordSet): { category: Category; severity: Severity; worded: boolean } {
  // "my husbnd is bleding" reads as "my husband is bleeding", and "nobody is injurd" as "nobody is injured".
  const text = TYPOS.correct(typed);
  const { text: folded, denied } = withoutDenied(NEGATED.remove(text));
  const reporterSafe = SAFE.any(NOT_SAFE.remove(text)) || NEGATED.any(text) || denied;
  const texts = RULES.map((rule) => (rule.unless ? rule.unless.remove(folded) : folded));
  const hits = RULES.map((rule, i) => rule.set.count(texts[i] as string));
  // "we can't get out": the rule's own, unless the report says only the other category's words.
  RULES.forEach((rule, i) => {
    const n = rule.orElse?.set.count(texts[i] as string) ?? 0;
    if (n === 0 || !rule.orElse) return;
    const { rule: other, when } = rule.orElse;
    const said = (hits[other] as number) > 0 || (when?.any(texts[i] as string) ?? false);
    const to = (hits[i] as number) === 0 && said && !DANGER_HERE.any(folded) ? other : i;
    hits[to] = (hits[to] as number) + n;
  });
  const found = (category: Category) => RULES.some((r, i) => r.category === category && (hits[i] as number) > 0);
  let best: { rule?: (typeof RULES)[number]; hits: number } = { hits: 0 };
  RULES.forEach((rule, i) => {
    if ((hits[i] as number) > best.hits && !rule.givesWayTo?.some(found)) best = { rule, hits: hits[i] as number };
  });
  const category = best.rule?.category ?? 'other';
  let severity: Severity = best.rule ? (reporterSafe && best.rule.whenReporterSafe) || best.rule.severity : 'medium';
  let worded = best.hits > 0;
  const urgent = NOT_CRITICAL.remove(folded);
  const death = pastDeath(folded, urgent, HARM.some(found));
  if (CRITICAL.any(urgent) || TOGETHER.some((groups) => groups.every((set) => set.any(urgent)))) {
    severity = 'critical';
    worded = true;
  } else if (CRITICAL_UNLESS_SAFE.any(death ? DEATHS.remove(urgent) : urgent)) {
    severity = reporterSafe ? maxSeverity(severity, 'high') : 'critical';
    worded = true;
  } else if (death === 'aftermath') {
    // A death with its aftermath (the body brought home, the funeral) is high, as deaths around a
    // reporter who is safe; one long past or natural (its paperwork) raises nothing.
    severity = maxSeverity(severity, 'high');
    worded = true;
  } else if (best.hits === 0 && (REASSURING.any(folded) || (reporterSafe && onlySafe(folded, places)) || onlyAsks(text))) {
    severity = 'low';
    worded = true;
  }
  // "Please help us": at least high, but for a lost document (a request said politely).
  if (category !== 'lost_documents' && (PLEA.any(folded) || opensWithPlea(folded))) {
    severity = maxSeverity(severity, 'high');
    worded = true;
  }
  return { category, severity, worded };
}

/**
 * What a report says of a death: only what follows it ('aftermath': the body, the funeral), or one
 * long past or natural ('not_urgent'); undefined when it names no death, or harm to someone beside it (a
 * shooting, someone hurt or missing), which keeps the death's weight.
 */
function pastDeath(folded: string, urgent: string, harm: boolean): 'aftermath' | 'not_urgent' | undefined {
  if (harm || !DEATHS.any(urgent)) return undefined;
  if (DEATH_NOT_URGENT.any(folded)) return 'not_urgent';
  return AFTER_A_DEATH.any(folded) ? 'aftermath' : undefined;
}

/**
 * `folded` with every keyword a negation denies blanked out ("we are not trapped", "nobody was
 * kidnapped", "ما في جرحى"): a negation, then only fillers, then the keyword, within one clause.
 */
function withoutDenied(folded: string): { text: string; denied: boolean } {
  // Most reports deny nothing: one look for a negation spares the look for every keyword.
  if (!NEGATING.any(folded)) return { text: folded, denied: false };
  const { text, spans } = DENIABLE.spans(folded);
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    if (!deniedBefore(text.slice(from, start))) continue;
    out += `${text.slice(from, start)} `;
    from = end;
  }
  return from === 0 ? { text, denied: false } : { text: out + text.slice(from), denied: true };
}

/** Where the clause of the last words of a text starts: after its last punctuation (-1 + 1 without). */
const CLAUSE_END = /[,.;:!?،؛؟\n][^,.;:!?،؛؟\n]*$/;

/** True when the words just before a keyword (`before`, its clause only) end with a negation and fillers. */
function deniedBefore(before: string): boolean {
  const w = before
    .slice(before.search(CLAUSE_END) + 1)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  let j = w.length;
  while (j > 0 && NEGATION_FILLER.has(w[j - 1] as string)) j--;
  for (let n = 1; n <= NEGATION_WORDS && n <= j; n++) if (NEGATION.has(w.slice(j - n, j).join(' '))) return true;
  // "nobody has been hurt": has, have and had before "been".
  if (j > 1 && /^(?:has|have|had)$/.test(w[j - 1] as string) && w[j] === 'been') return deniedBefore(w.slice(0, j - 1).join(' '));
  return false;
}

/** True when a report says only that the reporter is safe ("ok we are all safe now, thank God"), what it denies taken out ("nobody is hurt"). */
function onlySafe(folded: string, places: KeywordSet | undefined): boolean {
  const rest = SAFE.remove(folded);
  return (places ? places.remove(rest) : rest)
    .split(/[^\p{L}\p{N}]+/u)
    .every((w) => w === '' || SAFE_FILLER_WORDS.has(w) || NEGATION.has(w) || NEGATION_FILLER.has(w));
}

/**
 * True when a report only asks ("when does the embassy open?", "comment renouveler mon passeport ?"): a "?"
 * and a sentence that opens with a question word; never a question asked in distress ("what do we do?")
 * nor one that says the reporter is not safe.
 */
function onlyAsks(text: string): boolean {
  if (!/[?؟]/.test(text) || QUESTION_NOT_LOW.any(text) || NOT_SAFE.any(text)) return false;
  return text.split(/[,.;:!?،؛؟\n]/).some((clause) => {
    const w = clause.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    return [1, 2, 3, 4].some((n) => n <= w.length && QUESTION_OPENER.has(w.slice(0, n).join(' ')));
  });
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] <= SEVERITY_RANK[b] ? a : b;
}

/**
 * The configured region whose id, name or alias the text mentions, typos forgiven as in triage
 * ("we are in Damscus"); see regionFromFolded for a text that names several.
 */
export function regionFromText(text: string, regions: ConfigFile['regions']): string | null {
  return regionFromFolded(foldText(text), regions);
}

/** Every configured region the text mentions (typos forgiven), in the config's order. */
export function regionsInText(text: string, regions: ConfigFile['regions']): string[] {
  const { sets, typos } = regionWordsOf(regions);
  const folded = typos.correct(foldText(text));
  return sets.filter((r) => r.set.any(folded)).map((r) => r.id);
}

/** Words by which a reporter says where they themselves are: a place named at most three words after one is theirs. */
const HERE = keywordSet(HERE_PHRASES);
/** Words after a place that make it a bearing to another place: "north of Damascus", "au nord de Damas", "شمال حلب". */
const BEARING = /^ (?:(?:part|side|edge|outskirts|suburbs|banlieue) )?(?:of|de|du|des|d|من)(?= )/;

/**
 * The region the text places its reporter in. A text naming several ("Je suis à Damas, ma sœur est à
 * Alep", "many died in the north, we are ok in the capital") gives the place named just after the
 * reporter says where they are, else the first place named; a bearing to a later place is no place
 * ("20 km north of Damascus" is in the capital's region).
 */
function regionFromFolded(typed: string, regions: ConfigFile['regions']): string | null {
  const { sets, typos } = regionWordsOf(regions);
  const folded = typos.correct(typed);
  const named = sets
    .flatMap((r) => r.set.spans(folded).spans.map(([start, end]) => ({ id: r.id, start, end })))
    .sort((a, b) => a.start - b.start);
  const first = named[0];
  if (!first || named.every((m) => m.id === first.id)) return first?.id ?? null;
  const { text, spans: here } = HERE.spans(folded);
  const wordsBetween = (from: number, to: number) => text.slice(from, to).split(' ').filter(Boolean).length;
  const places = named.filter((m, i) => i === named.length - 1 || !BEARING.test(text.slice(m.end, m.end + 40)));
  const theirs = places.find((m) => here.some(([, end]) => end <= m.start && wordsBetween(end, m.start) <= 3));
  return (theirs ?? places[0] ?? first).id;
}

/** The configured region nearest a location pin, within that region's radius. */
export function regionFromPin(pin: { lat: number; lng: number }, regions: ConfigFile['regions']): string | null {
  let best: { id: string; km: number } | null = null;
  for (const r of regions) {
    if (!r.center) continue;
    const km = haversineKm(pin, r.center);
    if (km <= r.radiusKm && (!best || km < best.km)) best = { id: r.id, km };
  }
  return best?.id ?? null;
}

function haversineKm(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLng = rad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

/** Full triage of a report: category, severity, region (from the text, else the pin). */
export function triage(text: string, pin: { lat: number; lng: number } | undefined, regions: ConfigFile['regions']): Triage {
  const folded = foldText(text);
  const { category, severity, worded } = classifyFolded(folded, regionWordsOf(regions).all);
  const region = regionFromFolded(folded, regions) ?? (pin ? regionFromPin(pin, regions) : null);
  return { category, severity, region, worded };
}
