import type { CoreDeps } from '../app/deps.ts';
import { t } from '../citizens/messages.ts';
import { type BroadcastRecord, loadRecord } from './broadcast-store.ts';

/** Every message of a drill starts with this. */
export const EXERCISE_PREFIX = 'EXERCISE — ';

/** The author's text in `language`, else in the default language, else the first given. */
export function textIn(deps: CoreDeps, text: Record<string, string>, language: string): string {
  return text[language] ?? text[deps.config.languages[0] as string] ?? Object.values(text)[0] ?? '';
}

/** The message a recipient reading `language` receives for this broadcast. */
export function renderBroadcast(deps: CoreDeps, r: BroadcastRecord, language: string, reminder = false): string {
  const embassy = deps.config.embassy.name;
  const prefix = r.exercise ? EXERCISE_PREFIX : '';
  if (r.kind === 'alert') {
    return `${prefix}${t(language, 'alertHeader', { embassy })} · ${r.id}\n\n${textIn(deps, r.text, language)}\n\n${t(language, 'alertFooter', { code: r.code })}`;
  }
  const custom = Object.keys(r.text).length ? `${textIn(deps, r.text, language)}\n\n` : '';
  const body = reminder ? t(language, 'welfareReminder') : `${custom}${t(language, 'welfareQuestion')}`;
  return `${prefix}${embassy} · ${r.id}\n\n${body}`;
}

/** Texts rendered at send time, per Redis connection (one per process), by broadcast, language and reminder. */
const rendered = new WeakMap<object, Map<string, string>>();
/** Broadcasts × languages remembered; the oldest is forgotten first. */
const RENDERED_MAX = 256;

/**
 * The text of one broadcast message, rendered at send time (the recipient's job names only the
 * broadcast and the language). A broadcast's text never changes, so each broadcast and language is
 * rendered once per process. Undefined when the broadcast no longer exists.
 */
export async function renderAtSend(
  deps: CoreDeps,
  ref: { id: string; code: string; reminder: boolean },
  language: string,
): Promise<string | undefined> {
  const cache = rendered.get(deps.redis) ?? new Map<string, string>();
  rendered.set(deps.redis, cache);
  // The verification code tells a broadcast from an older one under the same id (a wiped Redis).
  const key = `${ref.id}|${ref.code}|${language}|${ref.reminder ? 'reminder' : ''}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const r = await loadRecord(deps, ref.id);
  if (!r) return undefined;
  const text = renderBroadcast(deps, r, language, ref.reminder);
  if (cache.size >= RENDERED_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, text);
  return text;
}
