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
  const field = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
  return `${source}: ${field}: ${issue.message}`;
}

/** Parses and validates a YAML config text; `source` names it in errors. */
export function parseConfigFile(text: string, source: string): ConfigFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const line = err?.linePos?.[0];
    throw new ConfigError(`${source}${line ? `:${line.line}` : ''}: invalid YAML: ${err?.message.split('\n')[0]}`);
  }
  const result = configFileSchema.safeParse(doc.toJS());
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ConfigError(issue ? formatIssue(source, issue) : `${source}: invalid`);
  }
  return result.data;
}

/** Reads the environment and the config file it names; throws ConfigError on any fault. */
export function loadConfig(rawEnv: NodeJS.ProcessEnv = process.env): Config {
  const envResult = envSchema.safeParse(rawEnv);
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
