import type { CoreDeps } from '../app/deps.ts';
import { ValidationError } from '../domain/errors.ts';
import { z } from '../http/errors.ts';

/** Who a broadcast goes to: everyone, some regions, some languages, plus the cell groups. */
export interface Audience {
  all?: boolean;
  regions?: string[];
  /** Only citizens registered in these languages (with regions: in those regions and languages). */
  languages?: string[];
  /** Also post the message in the crisis-cell groups. */
  cellGroups?: boolean;
  /**
   * Also the people who reported to the embassy from these regions (anywhere, with all) in the last
   * REPORTERS_WITHIN_MS without registering, in the language of their report: the frightened
   * citizen who wrote in is the first who needs the curfew or the evacuation notice. Alerts only.
   */
  reporters?: boolean;
}

/** How far back a report makes its author one of an alert's reporters (by the report's opening). */
export const REPORTERS_WITHIN_MS = 14 * 24 * 3600_000;

export type { Actor } from '../domain/actor.ts';

/** An audience in an API body. `all` with `regions` is refused: it would reach every region, not those named. */
export const audienceSchema = z
  .strictObject({
    all: z.boolean().optional(),
    regions: z.array(z.string().min(1)).max(100).optional(),
    languages: z.array(z.string().min(1)).max(20).optional(),
    cellGroups: z.boolean().optional(),
    reporters: z.boolean().optional(),
  })
  .refine((a) => !(a.all === true && a.regions?.length), {
    message: 'give either all: true or regions, not both (all reaches every region)',
    path: ['regions'],
  });

/** The snapshot of recipients a broadcast was resolved to. */
export interface ResolvedAudience {
  total: number;
  /** Of the total, people reached because they reported (Audience.reporters), not through the registry. */
  reporters: number;
  /** Recipients per language (each set key is keyed by that language). */
  byLanguage: Record<string, number>;
}

/**
 * True when the audience reaches registered citizens of `region` reading `language`, as
 * snapshotAudience resolves it (languages alone mean everyone reading them); with neither given,
 * true when it reaches any citizen at all (not the cell groups alone).
 */
export function audienceReaches(audience: Audience, who: { region?: string; language?: string } = {}): boolean {
  const everyone = audience.all || (!audience.regions?.length && !!audience.languages?.length);
  const inRegion = everyone || (who.region === undefined ? !!audience.regions?.length : !!audience.regions?.includes(who.region));
  const inLanguage = !audience.languages?.length || who.language === undefined || audience.languages.includes(who.language);
  return inRegion && inLanguage;
}

/** Refuses an empty audience and unknown regions or languages, naming them. */
export function checkAudience(deps: CoreDeps, audience: Audience): void {
  const { regions, languages } = deps.config;
  const unknownRegions = (audience.regions ?? []).filter((r) => !regions.some((c) => c.id === r));
  if (unknownRegions.length) {
    throw new ValidationError(`unknown region(s): ${unknownRegions.join(', ')}; configured: ${regions.map((r) => r.id).join(', ')}`);
  }
  const unknownLanguages = (audience.languages ?? []).filter((l) => !languages.includes(l));
  if (unknownLanguages.length) {
    throw new ValidationError(`unknown language(s): ${unknownLanguages.join(', ')}; configured: ${languages.join(', ')}`);
  }
  if (!audience.all && !audience.regions?.length && !audience.languages?.length && !audience.cellGroups) {
    throw new ValidationError('the audience is empty: give all, regions, languages or cellGroups');
  }
}

/**
 * Resolves the audience into one Redis set of recipients per language (`recipientsKey(language)`),
 * server-side: reachable citizens (registered, not opted out) of the regions and languages,
 * plus the cell groups (in the default language). For an exercise, the rostered staff only.
 */
export async function snapshotAudience(
  deps: CoreDeps,
  audience: Audience,
  exercise: boolean,
  recipientsKey: (language: string) => string,
  tmpKey: (part: string) => string,
): Promise<ResolvedAudience> {
  const { keys, redis, config } = deps;
  const defaultLanguage = config.languages[0] as string;
  const groups = audience.cellGroups ? config.cellGroups.map((g) => g.id) : [];
  const byLanguage: Record<string, number> = {};
  if (exercise) {
    const staff = deps.roster.all().map((s) => s.phone);
    if (staff.length + groups.length) await redis.sadd(recipientsKey(defaultLanguage), ...staff, ...groups);
    byLanguage[defaultLanguage] = staff.length + groups.length;
    return { total: byLanguage[defaultLanguage] ?? 0, reporters: 0, byLanguage };
  }
  const everyone = audience.all || (!audience.regions?.length && audience.languages?.length);
  const base = tmpKey('base');
  const reach = tmpKey('reach');
  if (everyone) await redis.sdiffstore(reach, keys.citizensAll, keys.citizensOptedOut);
  else if (audience.regions?.length) {
    await redis.sunionstore(base, ...audience.regions.map((r) => keys.citizensByRegion(r)));
    await redis.sdiffstore(reach, base, keys.citizensOptedOut);
  }
  for (const language of config.languages) {
    const wanted = !audience.languages?.length || audience.languages.includes(language);
    if (wanted && (everyone || audience.regions?.length))
      byLanguage[language] = await redis.sinterstore(recipientsKey(language), reach, keys.citizensByLanguage(language));
  }
  const reporters =
    audience.reporters && (everyone || audience.regions?.length) ? await addReporters(deps, audience, recipientsKey, byLanguage) : 0;
  if (groups.length)
    byLanguage[defaultLanguage] = (byLanguage[defaultLanguage] ?? 0) + (await redis.sadd(recipientsKey(defaultLanguage), ...groups));
  await redis.del(base, reach);
  return { total: Object.values(byLanguage).reduce((a, b) => a + b, 0), reporters, byLanguage };
}

/** Incidents read per round trip while looking for an alert's reporters. */
const REPORTERS_PAGE = 500;

/**
 * Adds to the recipient sets the people who reported from the audience's regions within
 * REPORTERS_WITHIN_MS (newest incidents first; a person counts by their newest report, so someone
 * who has since written from elsewhere is not sent another region's alert), unless they said STOP
 * or erased their data (their incidents no longer name them). A registered reporter gets it in
 * their registered language (once: the registry may already have put them in); anyone else in
 * their report's language. Returns how many this added.
 */
async function addReporters(
  deps: CoreDeps,
  audience: Audience,
  recipientsKey: (language: string) => string,
  byLanguage: Record<string, number>,
): Promise<number> {
  const { keys, redis, config } = deps;
  const since = deps.now() - REPORTERS_WITHIN_MS;
  const regions = audience.regions?.length && !audience.all ? new Set(audience.regions) : undefined;
  const seen = new Set<string>();
  // `lid`: the LID they reported from, when `who` is the number found behind it (a STOP there counts too).
  const chosen: { who: string; lid?: string; language: string }[] = [];
  for (let start = 0; ; start += REPORTERS_PAGE) {
    const ids = await redis.zrevrange(keys.incidentsAll, start, start + REPORTERS_PAGE - 1);
    const multi = redis.multi();
    for (const id of ids) multi.hmget(keys.incident(id), 'reporter', 'region', 'language', 'createdAt');
    const rows = ((await multi.exec()) ?? []).map(([, row]) => row as (string | null)[]);
    const phoneOf = await phonesBehindLids(
      deps,
      rows.map(([reporter]) => reporter),
    );
    let older = false;
    for (const [reporter, region, language, createdAt] of rows) {
      // Who reported while WhatsApp hid their number is the person at that number, once it is known.
      const who = reporter ? (phoneOf.get(reporter) ?? reporter) : reporter;
      // Opened at (ISO): a row without one (being erased, or written before) is skipped, not a stop.
      if (Date.parse(createdAt ?? '') < since) {
        older = true;
        break;
      }
      if (!who || seen.has(who)) continue;
      seen.add(who);
      if (regions && !(region && regions.has(region))) continue;
      chosen.push({ who, ...(reporter && reporter !== who ? { lid: reporter } : {}), language: language ?? '' });
    }
    if (older || ids.length < REPORTERS_PAGE) break;
  }
  if (chosen.length === 0) return 0;
  const known = redis.multi();
  for (const c of chosen)
    known
      .sismember(keys.citizensOptedOut, c.who)
      .sismember(keys.citizensOptedOut, c.lid ?? c.who)
      .hget(keys.citizen(c.who), 'language');
  const answers = ((await known.exec()) ?? []).map(([, v]) => v);
  const wanted = (language: string) =>
    config.languages.includes(language) && (!audience.languages?.length || audience.languages.includes(language));
  const add = redis.multi();
  const order: string[] = [];
  chosen.forEach((c, i) => {
    if (answers[3 * i] === 1 || answers[3 * i + 1] === 1) return;
    const language =
      (answers[3 * i + 2] as string | null) || (config.languages.includes(c.language) ? c.language : (config.languages[0] as string));
    if (!wanted(language)) return;
    add.sadd(recipientsKey(language), c.who);
    order.push(language);
  });
  const added = ((await add.exec()) ?? []).map(([, n]) => Number(n));
  let total = 0;
  order.forEach((language, i) => {
    byLanguage[language] = (byLanguage[language] ?? 0) + (added[i] ?? 0);
    total += added[i] ?? 0;
  });
  return total;
}

/** The phones known to be behind the LIDs among `reporters` (one round trip, none when there is no LID). */
async function phonesBehindLids(deps: CoreDeps, reporters: (string | null | undefined)[]): Promise<Map<string, string>> {
  const lids = [...new Set(reporters.filter((r): r is string => !!r?.endsWith('@lid')))];
  if (lids.length === 0) return new Map();
  const phones = await deps.redis.hmget(deps.keys.lidToPhone, ...lids);
  return new Map(lids.flatMap((lid, i) => (phones[i] ? [[lid, phones[i] as string] as const] : [])));
}

/** Reachable citizens an audience would reach now (for the approval threshold and previews). */
export function describeAudience(deps: CoreDeps, audience: Audience): string {
  if (audience.all) return 'all citizens';
  const parts = [];
  if (audience.regions?.length) parts.push(audience.regions.map((r) => deps.config.regions.find((c) => c.id === r)?.name ?? r).join(', '));
  if (audience.languages?.length) parts.push(`in ${audience.languages.join('/')}`);
  if (audience.reporters) parts.push('and who reported there');
  if (audience.cellGroups) parts.push('cell groups');
  return parts.join(' ');
}
