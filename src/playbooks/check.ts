import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { addToLibrary, DEFAULT_PLAYBOOK_DIR, loadPlaybookFile, PlaybookError, playbookFiles } from './loader.ts';
import { parseConfigFile } from '../config/load-config.ts';
import type { ConfigFile } from '../config/schema.ts';
import { checkLibraryAgainstConfig } from './params.ts';
import type { Playbook } from './schema.ts';

/**
 * Checks every playbook of a directory, each on its own: one invalid file is reported and the
 * others are still checked, so every problem shows in one pass. Returns how many are invalid.
 */
function checkDir(dir: string): number {
  const library = new Map<string, Playbook>();
  const ids = new Map<string, string>();
  let invalid = 0;
  const files = playbookFiles(dir);
  for (const { path, shownAs } of files) {
    try {
      const pb = loadPlaybookFile(path, shownAs);
      addToLibrary(library, pb, shownAs, ids);
      process.stdout.write(`ok  ${pb.id}: ${pb.title} (v${pb.version}, ${pb.steps.length} steps)\n`);
    } catch (err) {
      if (!(err instanceof PlaybookError)) throw err;
      invalid += 1;
      process.stderr.write(`invalid playbook: ${err.message}\n`);
    }
  }
  invalid += checkAgainstConfig(library);
  process.stdout.write(invalid ? `${invalid} of ${files.length} playbooks are invalid\n` : `${library.size} playbooks are valid\n`);
  return invalid;
}

/**
 * The playbooks the bot would leave out at start because they name a region its configuration
 * (CRISIS_CELL_CONFIG, as the bot reads it) does not have. A configuration that cannot be read is
 * said, and the files are checked alone.
 */
function checkAgainstConfig(library: ReadonlyMap<string, Playbook>): number {
  let file: ConfigFile;
  try {
    file = parseConfigFile(
      readFileSync(process.env.CRISIS_CELL_CONFIG || 'config/example.yaml', 'utf8'),
      process.env.CRISIS_CELL_CONFIG || 'config/example.yaml',
    );
  } catch (err) {
    process.stderr.write(`not checked against the configuration: ${(err as Error).message}\n`);
    return 0;
  }
  const { refused } = checkLibraryAgainstConfig(library, file);
  for (const problem of refused.values()) process.stderr.write(`invalid playbook: ${problem}\n`);
  return refused.size;
}

/** `npm run playbooks:check [file-or-directory ...]`: validates the playbook library (or the files given). */
function main(args: string[]): number {
  try {
    if (!args.length) return checkDir(DEFAULT_PLAYBOOK_DIR) ? 1 : 0;
    let invalid = 0;
    for (const f of args) {
      if (statSync(resolve(f), { throwIfNoEntry: false })?.isDirectory()) {
        invalid += checkDir(resolve(f));
        continue;
      }
      const pb = loadPlaybookFile(resolve(f), f);
      process.stdout.write(`ok  ${f}: ${pb.title} (${pb.steps.length} steps)\n`);
    }
    return invalid ? 1 : 0;
  } catch (err) {
    if (err instanceof PlaybookError) {
      process.stderr.write(`invalid playbook: ${err.message}\n`);
      return 1;
    }
    const fsError = err as NodeJS.ErrnoException;
    if (typeof fsError.code === 'string' && fsError.syscall) {
      process.stderr.write(`cannot read ${fsError.path ?? 'the playbooks'}: ${fsError.code}\n`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = main(process.argv.slice(2));
