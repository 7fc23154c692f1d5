import { describe, expect, it } from 'vitest';
import { durationMs, formatDuration, parseDuration } from '../../src/domain/duration.ts';

describe('durations', () => {
  it('parses seconds, minutes, hours and days', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration(' 2 h ')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '5', 'm', '5 minutes', '-1m', '1.5h', '5w']) expect(parseDuration(bad)).toBeUndefined();
    expect(() => durationMs('soon')).toThrow('not a duration: soon');
  });

  it('writes a duration back in the largest whole unit', () => {
    for (const d of ['3d', '30h', '90m', '45s']) expect(formatDuration(durationMs(d))).toBe(d);
    expect(formatDuration(1_500)).toBe('2s');
  });
});
