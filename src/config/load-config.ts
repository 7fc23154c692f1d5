import { readFileSync } from 'node:fs';
import { type Document, isScalar, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type ConfigFile, configFileSchema, type Env, envSchema } from './schema.ts';

/** The validated, frozen configuration of one process. */
export interface Config {
  readonly env: Env;
  readonly file: ConfigFile;
  readonly configPath: string;
}

/** A configuration problem: `message` is one line naming the source, the field and the fault. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** What the file holds at a field: its parsed value (`raw`) and the text written there (`written`). */
interface FileView {
  raw: unknown;
  written(path: readonly PropertyKey[]): string | undefined;
}

function formatIssue(source: string, issue: z.core.$ZodIssue, file?: FileView): string {
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? '?'] : issue.path;
  const field = file ? placeOf(path, file.raw) : path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return `${source}: ${field}: is not a known field${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).join(', ')})` : ''}`;
  }
  const missing = issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
  return `${source}: ${field || '(top level)'}: ${missing ? 'is required' : (file && unquoted(issue, file)) || issue.message}`;
}

/** What the parsed file holds under `key` of `node` (undefined past a scalar). */
function child(node: unknown, key: PropertyKey): unknown {
  return node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
}

/**
 * Where a field is, as the admin editing the file counts: `staff entry 4 (Chloe Officer), phone`,
 * not `staff.3.phone`, whose index counts from 0 and points at the entry before the faulty one.
 * An entry is named by its `name` (or `id`) when it has one, so a long roster need not be counted.
 */
function placeOf(path: readonly PropertyKey[], raw: unknown): string {
  const parts: string[] = [];
  let keys: string[] = [];
  let node: unknown = raw;
  for (const key of path) {
    node = child(node, key);
    if (typeof key !== 'number') {
      keys.push(String(key));
      continue;
    }
    const entry = node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : {};
    const label = [entry.name, entry.id].find((v) => typeof v === 'string' && v.trim() !== '');
    parts.push(`${keys.length ? `${keys.join('.')} ` : ''}entry ${key + 1}${label ? ` (${label})` : ''}`);
    keys = [];
  }
  if (keys.length) parts.push(keys.join('.'));
  return parts.join(', ');
}

/**
 * A value YAML read as a number or true/false where text belongs: `phone: +15550000003` unquoted is
 * the number 15550000003, and "expected string, received number" does not tell the admin that quotes
 * fix it. Quotes what the file says, not the number YAML made of it (the `+` or a leading 0 is gone).
 */
function unquoted(issue: z.core.$ZodIssue, file: FileView): string | undefined {
  if (issue.code !== 'invalid_type' || issue.expected !== 'string') return undefined;
  const value = issue.path.reduce<unknown>(child, file.raw);
  if (value === null) return 'is empty: write its value, or leave the line out';
  if (typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  const written = file.written(issue.path) ?? String(value);
  return `write it in quotes (${JSON.stringify(written)}): YAML reads ${written} as ${typeof value === 'number' ? 'a number' : 'true or false'}`;
}

/** The text written in the file for the scalar at `path`, as typed. */
function writtenAt(doc: Document, text: string, path: readonly PropertyKey[]): string | undefined {
  const node = doc.getIn(path as unknown[], true);
  return isScalar(node) && node.range ? text.slice(node.range[0], node.range[1]) : undefined;
}

/** Parses and validates a YAML config text; `source` names it in errors. */
export function parseConfigFile(text: string, source: string): ConfigFile {
  const doc = parseDocument(text, { prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const reason = (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${source}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${reason}`);
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) throw new ConfigError(`${source}: the file is empty; expected the embassy configuration`);
  const result = configFileSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const file: FileView = { raw: value, written: (path) => writtenAt(doc, text, path) };
    throw new ConfigError(issue ? formatIssue(source, issue, file) : `${source}: invalid`);
  }
  return result.data;
}

/** Reads the environment and the config file it names; throws ConfigError on any fault. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`ADMIN_TOKEN=` in a .env file or compose) means "not set".
  const present = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''));
  const envResult = envSchema.safeParse(present);
  if (!envResult.success) {
    const issue = envResult.error.issues[0];
    throw new ConfigError(issue ? formatIssue('environment', issue) : 'environment: invalid');
  }
  const env = envResult.data;
  let text: string;
  try {
    text = readFileSync(env.CRISIS_CELL_CONFIG, 'utf8');
  } catch (err) {
    throw new ConfigError(`${env.CRISIS_CELL_CONFIG}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const file = parseConfigFile(text, env.CRISIS_CELL_CONFIG);
  return deepFreeze({ env, file, configPath: env.CRISIS_CELL_CONFIG });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
