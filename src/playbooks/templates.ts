import type { LocalisedText } from './schema.ts';

const PLACEHOLDER = /\{\{\s*([a-zA-Z][a-zA-Z0-9_]*)\s*\}\}/g;

/** Names every playbook text may use besides its parameters. */
export const BUILTIN_PLACEHOLDERS = ['embassy', 'emergencyNumber', 'dutyPhone', 'runId', 'playbook'] as const;

/** The placeholder names used in a text. */
export function placeholdersOf(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/** Fills `{{name}}` placeholders; an unknown name is left visible rather than silently dropped. */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole);
}

/** Fills every language of a localised text. */
export function fillAll(text: LocalisedText, values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(text).map(([lang, t]) => [lang, fill(t, values)]));
}

/** The text in the first of `languages` it has, else English. */
export function pickLanguage(text: Record<string, string>, languages: readonly string[]): string {
  for (const l of languages) if (text[l]) return text[l];
  return text.en ?? Object.values(text)[0] ?? '';
}
