import type { CoreDeps } from '../app/deps.ts';
import type { ChatContext } from '../chat/chat-context.ts';
import { regionFromPin, regionsInText } from '../domain/triage.ts';
import type { GeoPoint } from '../transport/chat-transport.ts';
import { normaliseWords } from './keywords.ts';

/** A citizen registered with the embassy (STEP-style). */
export interface Citizen {
  /** E.164 phone: the citizen's identity on WhatsApp. */
  phone: string;
  name: string;
  /** A configured region id. */
  region: string;
  /** People with the citizen, including them. */
  household: number;
  /** A configured language code. */
  language: string;
  registeredAt: number;
  updatedAt: number;
  /** True after STOP: kept in the registry, sent no alerts. */
  optedOut: boolean;
  /** The location pin the citizen sent, if any. */
  location?: { lat: number; lng: number };
}

/** Counts of the registry, for GET /api/citizens/summary. */
export interface RegistrySummary {
  /** Registered citizens, including those who opted out of alerts. */
  total: number;
  /** Registered citizens who receive alerts. */
  reachable: number;
  optedOut: number;
  /** Reachable citizens per region id. */
  byRegion: Record<string, number>;
  /** Reachable citizens per language. */
  byLanguage: Record<string, number>;
}

function toHash(c: Citizen): Record<string, string> {
  return {
    phone: c.phone,
    name: c.name,
    region: c.region,
    household: String(c.household),
    language: c.language,
    registeredAt: String(c.registeredAt),
    updatedAt: String(c.updatedAt),
    optedOut: c.optedOut ? '1' : '0',
    ...(c.location ? { location: `${c.location.lat},${c.location.lng}` } : {}),
  };
}

function fromHash(h: Record<string, string>): Citizen | undefined {
  if (!h.phone) return undefined;
  const [lat, lng] = (h.location ?? '').split(',').map(Number);
  return {
    phone: h.phone,
    name: h.name ?? '',
    region: h.region ?? '',
    household: Number(h.household ?? 1),
    language: h.language ?? 'en',
    registeredAt: Number(h.registeredAt ?? 0),
    updatedAt: Number(h.updatedAt ?? 0),
    optedOut: h.optedOut === '1',
    ...(lat !== undefined && lng !== undefined && Number.isFinite(lat) && Number.isFinite(lng) && h.location
      ? { location: { lat, lng } }
      : {}),
  };
}

export async function getCitizen(deps: CoreDeps, phone: string): Promise<Citizen | undefined> {
  return fromHash(await deps.redis.hgetall(deps.keys.citizen(phone)));
}

/** The citizen's registered language, for replies; undefined when not registered. */
export async function citizenLanguage(deps: CoreDeps, phone: string): Promise<string | undefined> {
  return (await citizenProfile(deps, phone)).language;
}

/** What a registered citizen told us that a report may lack: their language and region. */
export interface RegisteredProfile {
  language?: string;
  region?: string;
}

async function citizenProfile(deps: CoreDeps, phone: string): Promise<RegisteredProfile> {
  const [language, region] = await deps.redis.hmget(deps.keys.citizen(phone), 'language', 'region');
  return { ...(language ? { language } : {}), ...(region ? { region } : {}) };
}

/** The sender's registered language and region, looked up once per message whichever handler asks first. */
export function senderProfile(ctx: ChatContext, phone: string): Promise<RegisteredProfile> {
  return ctx.memo(`citizen-profile:${phone}`, () => citizenProfile(ctx.deps, phone));
}

/** The sender's registered language (see senderProfile). */
export async function senderLanguage(ctx: ChatContext, phone: string): Promise<string | undefined> {
  return (await senderProfile(ctx, phone)).language;
}

/** Writes citizens and their indexes (region, language, opted-out); moves them between indexes on update. */
export async function saveCitizens(deps: CoreDeps, citizens: readonly Citizen[]): Promise<void> {
  const { keys } = deps;
  const previous = await Promise.all(citizens.map((c) => deps.redis.hmget(keys.citizen(c.phone), 'region', 'language')));
  const tx = deps.redis.multi();
  citizens.forEach((c, i) => {
    const [oldRegion, oldLanguage] = previous[i] ?? [];
    if (oldRegion && oldRegion !== c.region) tx.srem(keys.citizensByRegion(oldRegion), c.phone);
    if (oldLanguage && oldLanguage !== c.language) tx.srem(keys.citizensByLanguage(oldLanguage), c.phone);
    tx.del(keys.citizen(c.phone));
    tx.hset(keys.citizen(c.phone), toHash(c));
    tx.sadd(keys.citizensAll, c.phone);
    tx.sadd(keys.citizensByRegion(c.region), c.phone);
    tx.sadd(keys.citizensByLanguage(c.language), c.phone);
    if (c.optedOut) tx.sadd(keys.citizensOptedOut, c.phone);
    else tx.srem(keys.citizensOptedOut, c.phone);
  });
  await tx.exec();
}

/** STOP: the citizen stays registered but receives no alerts, including alerts already queued. */
export async function optOut(deps: CoreDeps, phone: string): Promise<boolean> {
  const [[, exists]] = (await deps.redis.multi().exists(deps.keys.citizen(phone)).sadd(deps.keys.citizensOptedOut, phone).exec()) as [
    [unknown, number],
    unknown,
  ];
  if (exists) await deps.redis.hset(deps.keys.citizen(phone), 'optedOut', '1', 'updatedAt', String(deps.now()));
  return exists === 1;
}

/** Removes the citizen's registry entry and every index and conversation naming them; returns the entry it removed. */
export async function eraseFromRegistry(deps: CoreDeps, phone: string): Promise<Citizen | undefined> {
  const { keys } = deps;
  const c = await getCitizen(deps, phone);
  const tx = deps.redis
    .multi()
    .del(keys.citizen(phone))
    .srem(keys.citizensAll, phone)
    .srem(keys.citizensOptedOut, phone)
    .del(keys.conversation(phone))
    .del(keys.registerAnswers(phone))
    .del(keys.rumourWarned(phone));
  for (const r of deps.config.regions) tx.srem(keys.citizensByRegion(r.id), phone);
  for (const l of deps.config.languages) tx.srem(keys.citizensByLanguage(l), phone);
  await tx.exec();
  return c;
}

/** Counts by region and language of the citizens alerts reach. */
export async function registrySummary(deps: CoreDeps): Promise<RegistrySummary> {
  const { keys, redis } = deps;
  const reachableIn = async (set: string) => (await redis.scard(set)) - Number(await redis.sintercard(2, set, keys.citizensOptedOut));
  const total = await redis.scard(keys.citizensAll);
  const optedOut = Number(await redis.sintercard(2, keys.citizensAll, keys.citizensOptedOut));
  const byRegion: Record<string, number> = {};
  for (const r of deps.config.regions) byRegion[r.id] = await reachableIn(keys.citizensByRegion(r.id));
  const byLanguage: Record<string, number> = {};
  for (const l of deps.config.languages) byLanguage[l] = await reachableIn(keys.citizensByLanguage(l));
  return { total, reachable: total - optedOut, optedOut, byRegion, byLanguage };
}

/** The configured region a citizen named (id, name or alias, any case or accents). */
export function matchRegion(deps: CoreDeps, text: string): string | undefined {
  const t = normaliseWords(text);
  if (!t) return undefined;
  const exact = deps.config.regions.find((r) => [r.id, r.name, ...r.aliases].some((w) => normaliseWords(w) === t))?.id;
  if (exact) return exact;
  // "côte" for the alias "la côte", "the capital" for "capital", "ساحل" for "الساحل": the article
  // an alias carries (so that "à côté" in a sentence is no coast) is not asked of a one-word answer.
  const bare = withoutArticle(t);
  return deps.config.regions.find((r) => [r.id, r.name, ...r.aliases].some((w) => withoutArticle(normaliseWords(w)) === bare))?.id;
}

/** A region's words without a leading article ("la côte" → "cote", "the north" → "north", "الساحل" → "ساحل"). */
const withoutArticle = (words: string) => words.replace(/^(?:the|la|le|les|l|al|el) /, '').replace(/^ال(?=\p{L}{2})/u, '');

/** The region of a location pin: by the pin's name, else the nearest region centre within its radius. */
export function regionOfPin(deps: CoreDeps, pin: GeoPoint): string | undefined {
  return (pin.name ? matchRegion(deps, pin.name) : undefined) ?? regionFromPin(pin, deps.config.regions) ?? undefined;
}

/**
 * The region a citizen's answer names: exactly, else mentioned in a sentence ("I am in Aleppo");
 * undefined when the sentence names two regions ("I left Aleppo for Damascus"): asked again.
 */
export function regionOfAnswer(deps: CoreDeps, text: string): string | undefined {
  const exact = matchRegion(deps, text);
  if (exact) return exact;
  const named = regionsInText(text, deps.config.regions);
  return named.length === 1 ? named[0] : undefined;
}
