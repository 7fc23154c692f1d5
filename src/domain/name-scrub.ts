/**
 * A citizen's registered name as staff may have written it in a note or a reply: in any case, with or
 * without its accents ("ÉLODIE DURAND", "Elodie Durand"), or one part of it alone ("Mme Durand",
 * "Bonjour Marguerite"). DELETE takes each out of what staff wrote about them.
 */

/** Parts of a name that are no name of their own ("van", "bin", "de la"): never taken out alone. */
const PARTICLES = new Set(['van', 'von', 'der', 'den', 'del', 'della', 'des', 'les', 'bin', 'ben', 'ibn', 'abu', 'abd', 'bint']);

/** Lower case, without accents: how two spellings of one name compare. */
const folded = (text: string) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** A pattern for one word or phrase of a name, matching it with any accents and in any case (on NFD text). */
const spelt = (words: string) =>
  [...folded(words)].map((c) => (/\s/.test(c) ? '[\\s\\p{M}]+' : `${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\p{M}*`)).join('');

/**
 * The pattern of a registered name: the whole name, and each of its parts of three letters or more that
 * is no particle; undefined for a name with none.
 */
export function namePattern(name: string): RegExp | undefined {
  const whole = folded(name).trim().replace(/\s+/g, ' ');
  const parts = whole.split(/[\s-]+/).filter((p) => [...p].length >= 3 && !PARTICLES.has(p));
  if (!parts.length) return undefined;
  const forms = [...new Set([whole, ...parts])].sort((a, b) => b.length - a.length).map(spelt);
  return new RegExp(`(?<![\\p{L}\\p{M}\\p{N}])(?:${forms.join('|')})(?![\\p{L}\\p{M}\\p{N}])`, 'giu');
}

/** `text` with every form of the name `pattern` matches replaced by `gone`. */
export function scrubName(text: string, pattern: RegExp, gone: string): string {
  const nfd = text.normalize('NFD');
  const out = nfd.replace(pattern, gone);
  return out === nfd ? text : out.normalize('NFC');
}
