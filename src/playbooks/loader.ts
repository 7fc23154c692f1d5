import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { type ParameterSpec, type Playbook, playbookSchema } from './schema.ts';
import { BUILTIN_PLACEHOLDERS, placeholdersOf } from './templates.ts';

/** The shipped library, next to src/: `<repo>/playbooks/`. */
export const DEFAULT_PLAYBOOK_DIR = fileURLToPath(new URL('../../playbooks/', import.meta.url));

/** A playbook file that cannot be used; the message names the file, the line and the problem. */
export class PlaybookError extends Error {
  override readonly name = 'PlaybookError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`${file}:${line}: ${problem}`);
  }
}

type Path = readonly PropertyKey[];
interface Problem {
  path: Path;
  message: string;
}

/** The 1-based line of the deepest node of `path` that exists in the document. */
function lineOf(doc: Document, lines: LineCounter, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return 1;
}

function describe(path: Path): string {
  return path.length ? `${path.map(String).join('.')}: ` : '';
}

const shown = (v: unknown) => (typeof v === 'string' ? `"${v}"` : String(v));

/** Why `value` can never be a value of parameter `name` (a default, or what a condition compares with). */
function misfit(name: string, spec: ParameterSpec, value: string | number | boolean, inCondition: boolean): string | undefined {
  if (spec.type === 'enum' && !spec.values?.includes(String(value)))
    return `${shown(value)} is not one of the values of ${name} (${spec.values?.join(', ')})`;
  const wanted = spec.type === 'boolean' ? 'boolean' : spec.type === 'number' ? 'number' : 'string';
  if (typeof value === wanted) return undefined;
  if (!inCondition) return `must be ${wanted === 'boolean' ? 'true or false' : `a ${wanted}`}, like the parameter, not ${shown(value)}`;
  const how = wanted === 'boolean' ? 'true or false' : wanted === 'number' ? 'a number' : 'a quoted text';
  return `${name} is a ${wanted === 'string' ? spec.type : wanted} parameter: compare it with ${how}, not ${shown(value)}`;
}

/** Parameter defaults, and the values conditions compare with, that do not fit the parameter. */
function checkValues(pb: Playbook): Problem[] {
  const problems: Problem[] = [];
  for (const [name, spec] of Object.entries(pb.parameters)) {
    const why = spec.default === undefined ? undefined : misfit(name, spec, spec.default, false);
    if (why) problems.push({ path: ['parameters', name, 'default'], message: why });
  }
  pb.steps.forEach((step, i) => {
    const c = step.when;
    const spec = c && Object.hasOwn(pb.parameters, c.param) ? pb.parameters[c.param] : undefined;
    if (!c || !spec) return;
    for (const field of ['equals', 'notEquals', 'in'] as const) {
      const given = c[field];
      if (given === undefined) continue;
      (Array.isArray(given) ? given : [given]).forEach((v, j) => {
        const why = misfit(c.param, spec, v, true);
        const path = Array.isArray(given) ? ['steps', i, 'when', field, j] : ['steps', i, 'when', field];
        if (why) problems.push({ path, message: why });
      });
    }
  });
  return problems;
}

/** Checks what the schema cannot: unique ids, declared parameters in texts, conditions and audiences. */
function crossCheck(pb: Playbook): Problem[] {
  const problems: Problem[] = checkValues(pb);
  const params = pb.parameters;
  const known = new Set<string>([...Object.keys(params), ...BUILTIN_PLACEHOLDERS]);
  const checkText = (value: unknown, path: Path) => {
    if (typeof value === 'string') {
      for (const name of placeholdersOf(value))
        if (!known.has(name)) problems.push({ path, message: `uses {{${name}}}, which is not a parameter of this playbook` });
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) checkText(v, [...path, Array.isArray(value) ? Number(k) : k]);
    }
  };
  const ids = new Set<string>();
  pb.steps.forEach((step, i) => {
    if (ids.has(step.id)) problems.push({ path: ['steps', i, 'id'], message: `step id ${step.id} is used twice` });
    ids.add(step.id);
    if (step.when && !Object.hasOwn(params, step.when.param))
      problems.push({
        path: ['steps', i, 'when', 'param'],
        message: `condition on ${step.when.param}, which is not a parameter of this playbook`,
      });
    if ((step.type === 'alert' || step.type === 'welfare_check') && step.audience.regions) {
      step.audience.regions.forEach((r, j) => {
        const name = r.startsWith('$') ? r.slice(1) : undefined;
        const spec = name === undefined || !Object.hasOwn(params, name) ? undefined : params[name];
        if (name !== undefined && spec?.type !== 'region')
          problems.push({ path: ['steps', i, 'audience', 'regions', j], message: `${r} must name a region parameter of this playbook` });
        else if (spec && !spec.required && spec.default === undefined)
          problems.push({
            path: ['steps', i, 'audience', 'regions', j],
            message: `${r} may be left out of a run (the ${step.type === 'alert' ? 'alert' : 'welfare check'} would reach nobody): make ${name} required or give it a default`,
          });
      });
    }
    if (step.type === 'tasks') {
      const items = new Set<string>();
      step.items.forEach((item, j) => {
        if (items.has(item.id)) problems.push({ path: ['steps', i, 'items', j, 'id'], message: `task id ${item.id} is used twice` });
        items.add(item.id);
      });
    }
    checkText(step, ['steps', i]);
  });
  return problems;
}

/** Parses and validates one playbook text; throws PlaybookError naming `file` and the line. */
export function parsePlaybook(text: string, file: string): Playbook {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    throw new PlaybookError(file, yamlError.linePos?.[0].line ?? 1, `invalid YAML: ${yamlError.message.split('\n')[0]}`);
  }
  const result = playbookSchema.safeParse(doc.toJS());
  if (!result.success) {
    const first = result.error.issues[0];
    if (!first) throw new PlaybookError(file, 1, 'invalid playbook');
    // `titel: Flood` is both a missing title and an unknown field: the unknown field says what to fix.
    const samePlace = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length === b.length && a.every((k, i) => k === b[i]);
    const missing = first.code === 'invalid_type' && /received undefined/.test(first.message);
    const misspelt = missing
      ? result.error.issues.find((i) => i.code === 'unrecognized_keys' && samePlace(i.path, first.path.slice(0, -1)))
      : undefined;
    const issue = misspelt ?? first;
    const extra = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = [...issue.path, ...extra.slice(0, 1)];
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field ${extra.join(', ')}${misspelt ? ` (${String(first.path.at(-1))} is missing: misspelt?)` : ''}`
        : issue.code === 'invalid_type' && /received undefined/.test(issue.message)
          ? 'is required'
          : issue.message;
    throw new PlaybookError(file, lineOf(doc, lines, path), `${describe(issue.path)}${message}`);
  }
  const problem = crossCheck(result.data)[0];
  if (problem) throw new PlaybookError(file, lineOf(doc, lines, problem.path), `${describe(problem.path)}${problem.message}`);
  return result.data;
}

/** Reads one playbook file; its id must match its file name. */
export function loadPlaybookFile(path: string, shownAs = path): Playbook {
  const pb = parsePlaybook(readFileSync(path, 'utf8'), shownAs);
  const expected = basename(path).replace(/\.ya?ml$/, '');
  if (pb.id !== expected) throw new PlaybookError(shownAs, 1, `id ${pb.id} must match the file name (${expected})`);
  return pb;
}

/** The playbook files of a directory (`*.yaml`, `*.yml`), sorted, each with the path errors show. */
export function playbookFiles(dir: string = DEFAULT_PLAYBOOK_DIR): { path: string; shownAs: string }[] {
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => {
      const path = join(dir, f);
      return { path, shownAs: relative(process.cwd(), path) || f };
    });
}

/**
 * Adds a playbook to a library being loaded; two files with the same id (`flood.yaml` and a copy
 * `flood.yml`) are refused rather than one silently replacing the other.
 */
export function addToLibrary(library: Map<string, Playbook>, pb: Playbook, shownAs: string, files: Map<string, string>): void {
  const other = files.get(pb.id);
  if (other) throw new PlaybookError(shownAs, 1, `id ${pb.id} is also the id of ${other}: keep one of the two files`);
  files.set(pb.id, shownAs);
  library.set(pb.id, pb);
}

/** Loads every `*.yaml` playbook of a directory; throws on the first invalid one (the check, tests). */
export function loadPlaybookDir(dir: string = DEFAULT_PLAYBOOK_DIR): Map<string, Playbook> {
  const { library, refused } = loadPlaybookLibrary(dir);
  const first = refused.values().next().value;
  if (first) throw first;
  return library;
}

/**
 * Loads the playbooks of a directory that are valid, and the error of each that is not, by the id its
 * file name gives (`flood.yaml` → flood). The app starts with the valid ones: a playbook edited wrong
 * at 3 a.m. must not keep the bot, and every citizen's report, down with it.
 */
export function loadPlaybookLibrary(dir: string = DEFAULT_PLAYBOOK_DIR): {
  library: Map<string, Playbook>;
  refused: Map<string, PlaybookError>;
} {
  const library = new Map<string, Playbook>();
  const refused = new Map<string, PlaybookError>();
  const files = new Map<string, string>();
  for (const { path, shownAs } of playbookFiles(dir)) {
    try {
      addToLibrary(library, loadPlaybookFile(path, shownAs), shownAs, files);
    } catch (err) {
      if (!(err instanceof PlaybookError)) throw err;
      refused.set(
        basename(path)
          .replace(/\.ya?ml$/, '')
          .toLowerCase(),
        err,
      );
    }
  }
  return { library, refused };
}
