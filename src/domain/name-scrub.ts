/**
 * A citizen's registered name as staff may have written it in a note or a reply: in any case, with or
 * without its accents ("ÉLODIE DURAND", "Elodie Durand"), or one part of it alone, written as a name
 * ("Mme Durand", "Bonjour Marguerite"). DELETE takes each out of what staff wrote about them.
 */

/** Parts of a name that are no name of their own ("van", "bin", "de la"): never taken out alone. */
const PARTICLES = new Set(['van', 'von', 'der', 'den', 'del', 'della', 'des', 'les', 'bin', 'ben', 'ibn', 'abu', 'abd', 'bint']);

/** Lower case, without accents: how two spellings of one name compare. */
const folded = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

const escaped = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One letter with any accents (on NFD text), in either case, or only as a capital. */
function letter(c: string, capitalOnly = false): string {
  if (/\s/.test(c)) return '[\\s\\p{M}]+';
  const upper = c.toUpperCase();
  const cases = capitalOnly || upper === c ? escaped(upper === c ? c : upper) : `[${escaped(c)}${escaped(upper)}]`;
  return `${cases}\\p{M}*`;
}

/** The whole name, with any accents and in any case ("ÉLODIE DURAND", "elodie durand"). */
const anyCase = (words: string) => [...words].map((c) => letter(c)).join('');

/**
 * A part of the name alone, with any accents, its first letter a capital as a name is written: "Mme Durand",
 * "Bonjour Élodie"; never the "said" of "she said" for a Said, nor the "will" of "I will call" for a Will.
 */
const asName = (part: string) => [...part].map((c, i) => letter(c, i === 0)).join('');

/**
 * The pattern of a registered name: the whole name, and each of its parts of three letters or more that
 * is no particle and no part of a name in `keep` (the staff's: "taken on by Chloe Officer" keeps Chloe
 * when a Chloé Martin is erased); undefined for a name shorter than three letters.
 */
export function namePattern(name: string, keep: readonly string[] = []): RegExp | undefined {
  const whole = folded(name).trim().replace(/\s+/g, ' ');
  if ([...whole.replace(/\s/g, '')].length < 3) return undefined;
  const kept = new Set(keep.flatMap((k) => folded(k).split(/[\s-]+/)));
  const parts = [...new Set(whole.split(/[\s-]+/))].filter((p) => p !== whole && [...p].length >= 3 && !PARTICLES.has(p) && !kept.has(p));
  const forms = [anyCase(whole), ...parts.sort((a, b) => b.length - a.length).map(asName)];
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])(?:${forms.join('|')})(?![\\p{L}\\p{M}\\p{N}])`, 'gu');
}

/** `text` with every form of the name `pattern` matches replaced by `gone`. */
export function scrubName(text: string, pattern: RegExp, gone: string): string {
  const nfd = text.normalize('NFD');
  const out = nfd.replace(pattern, gone);
  return out === nfd ? text : out.normalize('NFC');
}
