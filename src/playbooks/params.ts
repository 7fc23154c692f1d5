import type { ConfigFile } from '../config/schema.ts';
import { ValidationError } from '../domain/errors.ts';
import { cutText, foldText } from '../domain/text-normalise.ts';
import type { ParameterSpec, Playbook } from './schema.ts';
import { placeholdersOf } from './templates.ts';

/** What playbook texts say for {{emergencyNumber}} when the config has none: GSM phones route it to local services in most countries. */
export const FALLBACK_EMERGENCY_NUMBER = '112';

/** A run's parameter values after validation. */
export type RunParams = Record<string, string | number | boolean>;

function coerce(name: string, spec: ParameterSpec, raw: unknown, config: ConfigFile): string | number | boolean {
  const text = String(raw).trim();
  switch (spec.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : Number(text);
      if (text === '' || !Number.isFinite(n)) throw new ValidationError(`${name} must be a number, not "${text}"`);
      return n;
    }
    case 'boolean': {
      if (raw === true || /^(true|yes|1)$/i.test(text)) return true;
      if (raw === false || /^(false|no|0)$/i.test(text)) return false;
      throw new ValidationError(`${name} must be true or false, not "${text}"`);
    }
    case 'region': {
      // By id, name or alias, as staff type them ("north", "Northern Province", "حلب").
      const id = foldText(text);
      if (id === 'all' && spec.allowAll) return 'all';
      const region = config.regions.find((r) => [r.id, r.name, ...r.aliases].some((a) => foldText(a) === id));
      if (!region) {
        const ids = [...config.regions.map((r) => r.id), ...(spec.allowAll ? ['all'] : [])];
        throw new ValidationError(`${name} must be one of ${ids.join(', ')}, not "${text}"`);
      }
      return region.id;
    }
    case 'enum': {
      // As staff type it on a phone: "Severe" is severe (the value as the playbook writes it).
      const value = spec.values?.find((v) => foldText(v) === foldText(text));
      if (value === undefined) throw new ValidationError(`${name} must be one of ${spec.values?.join(', ')}, not "${text}"`);
      return value;
    }
    default:
      if (!text) throw new ValidationError(`${name} must not be empty`);
      return cutText(text, 500);
  }
}

/** Checks a run's parameters against the playbook: required ones given, types right, defaults filled. */
export function resolveParams(pb: Playbook, raw: Record<string, unknown>, config: ConfigFile): RunParams {
  // Own parameters only: `constructor` or `__proto__` is no parameter of any playbook.
  const unknown = Object.keys(raw).filter((k) => !Object.hasOwn(pb.parameters, k));
  if (unknown.length) {
    const known = Object.keys(pb.parameters);
    throw new ValidationError(`${pb.id} has no parameter ${unknown.join(', ')}; its parameters are: ${known.join(', ') || 'none'}`);
  }
  const params: RunParams = {};
  for (const [name, spec] of Object.entries(pb.parameters)) {
    const value = raw[name] ?? spec.default;
    if (value === undefined || value === '') {
      if (spec.required) throw new ValidationError(`${pb.id} needs the parameter ${name} (${spec.description})`);
      continue;
    }
    params[name] = coerce(name, spec, value, config);
  }
  return params;
}

/** The values `{{placeholders}}` are filled with: parameters (regions by name) and the embassy's details. */
export function templateValues(pb: Playbook, params: RunParams, config: ConfigFile, runId: string): Record<string, string> {
  const values: Record<string, string> = {
    embassy: config.embassy.name,
    emergencyNumber: config.embassy.emergencyNumber ?? FALLBACK_EMERGENCY_NUMBER,
    dutyPhone: config.embassy.dutyPhone ?? config.embassy.number,
    runId,
    playbook: pb.title,
  };
  for (const [name, spec] of Object.entries(pb.parameters)) {
    const v = params[name];
    if (v === undefined) {
      values[name] = '—';
    } else if (spec.type === 'region') {
      values[name] = v === 'all' ? 'all regions' : (config.regions.find((r) => r.id === v)?.name ?? String(v));
    } else {
      values[name] = String(v);
    }
  }
  return values;
}

/** The placeholder names a step's texts use. */
function placeholdersOfStep(value: unknown): string[] {
  if (typeof value === 'string') return placeholdersOf(value);
  if (value && typeof value === 'object') return Object.values(value).flatMap(placeholdersOfStep);
  return [];
}

/**
 * Checks the library against this embassy's configuration, at start. A playbook naming a region the
 * configuration does not have (in an audience or a default) is refused, with the problem: the app
 * leaves it out and runs the others, as it does an invalid file (a playbook typo must not stop
 * citizen intake). Warnings are for what still works but needs the embassy's attention: texts that
 * tell citizens to call {{emergencyNumber}} when the config has none (they then say 112, the number
 * GSM phones route to local emergency services in most countries, which may not be the local one).
 */
export function checkLibraryAgainstConfig(
  library: ReadonlyMap<string, Playbook>,
  config: ConfigFile,
): { warnings: string[]; refused: Map<string, string> } {
  const regions = new Set(config.regions.map((r) => r.id));
  const guessed: string[] = [];
  const refused = new Map<string, string>();
  for (const pb of library.values()) {
    const problem = regionProblem(pb, regions);
    if (problem) {
      refused.set(pb.id, problem);
      continue;
    }
    for (const step of pb.steps)
      if (!config.embassy.emergencyNumber && placeholdersOfStep(step).includes('emergencyNumber')) guessed.push(`${pb.id}/${step.id}`);
  }
  const warnings = guessed.length
    ? [
        `embassy.emergencyNumber is not set: the texts of ${guessed.join(', ')} tell citizens to call ${FALLBACK_EMERGENCY_NUMBER}; set the local emergency number in the configuration`,
      ]
    : [];
  return { warnings, refused };
}

/** The first region a playbook names that the configuration does not have, said as a problem. */
function regionProblem(pb: Playbook, regions: ReadonlySet<string>): string | undefined {
  const known = [...regions].join(', ');
  for (const [name, spec] of Object.entries(pb.parameters)) {
    const d = spec.default;
    if (spec.type === 'region' && d !== undefined && !regions.has(String(d)) && !(d === 'all' && spec.allowAll))
      return `playbook ${pb.id}: parameter ${name} defaults to region "${d}", which is not in the configuration's regions (${known})`;
  }
  for (const step of pb.steps) {
    if (step.type !== 'alert' && step.type !== 'welfare_check') continue;
    for (const r of step.audience.regions ?? [])
      if (!r.startsWith('$') && r !== 'all' && !regions.has(r))
        return `playbook ${pb.id}, step ${step.id}: audience region "${r}" is not in the configuration's regions (${known})`;
  }
  return undefined;
}
