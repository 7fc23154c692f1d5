import { afterAll, describe, expect, it } from 'vitest';
import { startMain } from '../fakes/spawn-main.ts';
import { ADMIN_TOKEN, cleanPrefix, REDIS_URL, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/** ROLE=gateway and ROLE=worker, started as `npm start` starts them: they serve no HTTP. */
describe('a process without HTTP', () => {
  const prefix = uniquePrefix('roles');
  afterAll(async () => cleanPrefix(prefix));

  for (const role of ['worker', 'gateway'] as const) {
    it(`ROLE=${role} says on its output that it is running and in which role, and stops cleanly`, async () => {
      const proc = startMain({ REDIS_URL, KEY_PREFIX: prefix, ROLE: role, ADMIN_TOKEN });
      try {
        const line = await waitFor(
          async () =>
            proc.stdout().match(/crisis-cell is running \(([a-z]+), simulator\)[^\n]*/)?.[0] ?? (proc.child.exitCode !== null && 'exited'),
          20_000,
          `ROLE=${role} to say it is running`,
        );
        expect(line, proc.stderr()).toContain(`(${role}, simulator)`);
        expect(line).toContain('no HTTP');
      } finally {
        proc.child.kill('SIGTERM');
      }
      expect(await proc.exited).toBe(0);
    });
  }
});
