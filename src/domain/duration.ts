const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `30s`, `5m`, `2h`, `1d` to milliseconds; returns undefined for anything else. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** Like parseDuration, for values already validated by the config schema. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new RangeError(`not a duration: ${text}`);
  return ms;
}

/** Milliseconds as the largest whole unit config files use (`3d`, `30h`, `90m`, `45s`). */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [...Object.entries(UNIT_MS)].reverse()) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${Math.ceil(ms / 1_000)}s`;
}
