import type { CoreDeps } from '../app/deps.ts';
import { t } from '../citizens/messages.ts';
import type { BroadcastRecord } from './broadcast-store.ts';

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
