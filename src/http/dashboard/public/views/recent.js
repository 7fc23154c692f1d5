// Ids of alerts, welfare checks and runs this browser has seen (created here or announced live),
// merged with the server's list when the API offers one.
import { optional } from '../api.js';

export function remember(kind, id) {
  const all = recall(kind).filter((x) => x !== id);
  all.unshift(id);
  sessionStorage.setItem(`cc_recent_${kind}`, JSON.stringify(all.slice(0, 30)));
}

export function recall(kind) {
  try {
    return JSON.parse(sessionStorage.getItem(`cc_recent_${kind}`) || '[]');
  } catch {
    return [];
  }
}

/** The server's list (GET path → {items}) if there is one, plus remembered ids, without duplicates. */
export async function knownIds(kind, listPath) {
  const listed = await optional('GET', listPath).catch(() => undefined);
  const ids = (listed?.items ?? []).map((i) => i.id);
  return [...new Set([...ids, ...recall(kind)])];
}
