import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
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

function formatIssue(source: string, issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    return `${source}: ${[...path, key].join('.')}: is not a known field${issue.keys.length > 1 ? ` (nor ${issue.keys.slice(1).join(', ')})` : ''}`;
  }
  const field = path.length ? path.join('.') : '(top level)';
  const missing = issue.code === 'invalid_type' && / received undefined$/.test(issue.message);
  return `${source}: ${field}: ${missing ? 'is required' : issue.message}`;
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
    throw new ConfigError(issue ? formatIssue(source, issue) : `${source}: invalid`);
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
