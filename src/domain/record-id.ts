/**
 * An alert, welfare check or playbook run id as staff type it on a phone (`alr-7`, `Wfc-0003`,
 * `run_12`, `ALR7`) in its canonical form (`ALR-0007`, `WFC-0003`, `RUN-0012`), as ids are
 * issued; any other text upper-cased, for the command's own error to name it.
 */
export function canonicalId(text: string): string {
  const m = /^(ALR|WFC|RUN|INC)[-_#]?(\d{1,9})$/i.exec(text.trim());
  return m ? `${(m[1] as string).toUpperCase()}-${String(Number(m[2])).padStart(4, '0')}` : text.trim().toUpperCase();
}

/**
 * The id a command that takes one kind of record names, where a number alone (`3`, `#3`) is that
 * kind (`/stop 3` is RUN-0003, `/close 3` is WFC-0003), as a number alone is an incident for the
 * incident commands; anything else as canonicalId reads it.
 */
export function idOfKind(kind: 'RUN' | 'WFC', text: string): string {
  const bare = /^#?(\d{1,9})$/.exec(text.trim());
  return canonicalId(bare ? `${kind}-${bare[1]}` : text);
}

/**
 * Joins an id typed as two words (`INC 7`, `ALR 12`, `run #3`) into one (`INC-7`, ...), as the
 * first argument of a command that takes an id first; anything else is returned as it was.
 */
export function joinSplitId(args: string[], rest: string): { args: string[]; rest: string } {
  const [prefix, number] = args;
  if (!prefix || !number || !/^(inc|alr|wfc|run)[-_#]?$/i.test(prefix) || !/^#?\d{1,9}$/.test(number)) return { args, rest };
  const joined = `${prefix.replace(/[-_#]$/, '')}-${number.replace('#', '')}`;
  return { args: [joined, ...args.slice(2)], rest: rest.replace(/^\S+\s+\S+/, joined) };
}
