import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runMain } from '../fakes/spawn-main.ts';

const dir = mkdtempSync(join(tmpdir(), 'cc-config-'));
const example = parse(readFileSync('config/example.yaml', 'utf8'));

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The example configuration with one change applied. */
function variant(name: string, change: (cfg: Record<string, unknown>) => void): string {
  const cfg = structuredClone(example);
  change(cfg);
  return configFile(name, stringify(cfg));
}

/** Starts crisis-cell and expects it to refuse with exit code 2 and exactly one line on stderr. */
async function refusal(env: Record<string, string>): Promise<string> {
  const res = await runMain({ REDIS_URL: 'redis://127.0.0.1:1', ...env });
  expect(res.code).toBe(2);
  const lines = res.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(res.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  return lines[0] as string;
}

// Eight crisis-cell processes start at once here (tsx, Baileys, the config check): on a loaded
// 2-core CI machine, with another test file running beside them, one took over the default 30 s.
describe('a bad configuration stops crisis-cell with one clear line', { timeout: 90_000 }, () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.concurrent('names the file and the staff phone that is not E.164', async () => {
    const path = variant('bad-phone.yaml', (c) => {
      (c.staff as { phone: string }[])[1] = { ...(c.staff as { phone: string }[])[1], phone: '0612 34' } as never;
    });
    const line = await refusal({ CRISIS_CELL_CONFIG: path });
    expect(line).toBe(
      `crisis-cell: invalid configuration: ${path}: staff entry 2 (Ben Consul), phone: must be an E.164 phone number like +15550000001`,
    );
  });

  it.concurrent('names an unknown role', async () => {
    const path = variant('bad-role.yaml', (c) => {
      (c.staff as { roles: string[] }[])[0] = { ...(c.staff as object[])[0], roles: ['consul_general'] } as never;
    });
    const line = await refusal({ CRISIS_CELL_CONFIG: path });
    expect(line).toContain(`${path}: staff entry 1 (Ana Duty), roles entry 1:`);
    expect(line).toContain('"duty_officer"');
  });

  it.concurrent('says that regions are required when missing', async () => {
    const path = variant('no-regions.yaml', (c) => {
      delete c.regions;
    });
    expect(await refusal({ CRISIS_CELL_CONFIG: path })).toBe(`crisis-cell: invalid configuration: ${path}: regions: is required`);
  });

  it.concurrent('gives the line and column of invalid YAML', async () => {
    const path = configFile('broken.yaml', 'embassy:\n  name: "Embassy\n  number: "+15550000000"\nlanguages: [en\n');
    const line = await refusal({ CRISIS_CELL_CONFIG: path });
    expect(line).toMatch(new RegExp(`^crisis-cell: invalid configuration: ${path}:\\d+:\\d+: invalid YAML: \\S`));
  });

  it.concurrent('refuses an unknown field, naming it', async () => {
    const path = variant('unknown-field.yaml', (c) => {
      (c.broadcast as Record<string, unknown>).ratePerMinute = 60;
    });
    expect(await refusal({ CRISIS_CELL_CONFIG: path })).toBe(
      `crisis-cell: invalid configuration: ${path}: broadcast.ratePerMinute: is not a known field`,
    );
  });

  it.concurrent('refuses a config file that does not exist', async () => {
    const path = join(dir, 'missing.yaml');
    expect(await refusal({ CRISIS_CELL_CONFIG: path })).toBe(
      `crisis-cell: invalid configuration: ${path}: cannot read config file (ENOENT)`,
    );
  });

  it.concurrent('refuses PORT=abc', async () => {
    expect(await refusal({ PORT: 'abc' })).toBe(
      'crisis-cell: invalid configuration: environment: PORT: must be a port number from 0 to 65535',
    );
  });

  it.concurrent('refuses an unknown ROLE', async () => {
    const line = await refusal({ ROLE: 'x' });
    expect(line).toMatch(/^crisis-cell: invalid configuration: environment: ROLE: .*"worker"/);
  });
});
