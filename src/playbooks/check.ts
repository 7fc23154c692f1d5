import { resolve } from 'node:path';
import { DEFAULT_PLAYBOOK_DIR, loadPlaybookDir, loadPlaybookFile, PlaybookError } from './loader.ts';

/** `npm run playbooks:check [file ...]`: validates the playbook library (or the files given). */
function main(args: string[]): number {
  try {
    if (args.length) {
      for (const f of args) {
        const pb = loadPlaybookFile(resolve(f), f);
        process.stdout.write(`ok  ${f}: ${pb.title} (${pb.steps.length} steps)\n`);
      }
    } else {
      const library = loadPlaybookDir(DEFAULT_PLAYBOOK_DIR);
      for (const pb of library.values()) process.stdout.write(`ok  ${pb.id}: ${pb.title} (v${pb.version}, ${pb.steps.length} steps)\n`);
      process.stdout.write(`${library.size} playbooks are valid\n`);
    }
    return 0;
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
