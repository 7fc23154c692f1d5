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
}

export type { Actor } from '../domain/actor.ts';

/** An audience in an API body. `all` with `regions` is refused: it would reach every region, not those named. */
export const audienceSchema = z
  .strictObject({
    all: z.boolean().optional(),
    regions: z.array(z.string().min(1)).max(100).optional(),
    languages: z.array(z.string().min(1)).max(20).optional(),
    cellGroups: z.boolean().optional(),
  })
  .refine((a) => !(a.all === true && a.regions?.length), {
    message: 'give either all: true or regions, not both (all reaches every region)',
    path: ['regions'],
  });

/** The snapshot of recipients a broadcast was resolved to. */
export interface ResolvedAudience {
  total: number;
  /** Recipients per language (each set key is keyed by that language). */
  byLanguage: Record<string, number>;
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
    return { total: byLanguage[defaultLanguage] ?? 0, byLanguage };
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
  if (groups.length)
    byLanguage[defaultLanguage] = (byLanguage[defaultLanguage] ?? 0) + (await redis.sadd(recipientsKey(defaultLanguage), ...groups));
  await redis.del(base, reach);
  return { total: Object.values(byLanguage).reduce((a, b) => a + b, 0), byLanguage };
}

/** Reachable citizens an audience would reach now (for the approval threshold and previews). */
export function describeAudience(deps: CoreDeps, audience: Audience): string {
  if (audience.all) return 'all citizens';
  const parts = [];
  if (audience.regions?.length) parts.push(audience.regions.map((r) => deps.config.regions.find((c) => c.id === r)?.name ?? r).join(', '));
  if (audience.languages?.length) parts.push(`in ${audience.languages.join('/')}`);
  if (audience.cellGroups) parts.push('cell groups');
  return parts.join(' ');
}
