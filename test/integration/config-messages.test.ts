import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app/create-app.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { freePort, runMain, startMain, waitForHttp } from '../fakes/spawn-main.ts';
import { CELL_GROUP, cleanPrefix, REDIS_URL, STAFF, startTestApp, testConfig, uniquePrefix, waitFor } from '../fakes/test-app.ts';

const dir = mkdtempSync(join(tmpdir(), 'cc-config-messages-'));
const example = readFileSync('config/example.yaml', 'utf8');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** config/example.yaml with one line edited, as an embassy admin would edit it. */
function editedConfig(name: string, from: string, to: string): string {
  expect(example).toContain(from);
  const path = join(dir, name);
  writeFileSync(path, example.replace(from, to));
  return path;
}

/** The app started in-process with its log lines collected, and what GET /readyz answers. */
async function startLogged(name: string, overrides: Partial<ConfigFile>) {
  const prefix = uniquePrefix(name);
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const app = await createApp(testConfig(prefix, overrides), createLogger('info', {}, stream), { port: 0 });
  const readyz = (await (await fetch(`${app.url}/readyz`)).json()) as { status: string; warnings?: { code: string; message: string }[] };
  await app.close();
  await cleanPrefix(prefix);
  const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string; warning?: string }).filter((l) => l.level === 40);
  return { warnings, readyz };
}

describe('a configuration error an embassy admin can act on, as crisis-cell prints it', { timeout: 120_000 }, () => {
  it.concurrent('an unquoted staff phone is refused with the advice to quote it, naming the entry as the admin counts', async () => {
    const path = editedConfig('unquoted.yaml', 'phone: "+15550000003"', 'phone: +15550000003');
    const res = await runMain({ REDIS_URL: 'redis://127.0.0.1:1', CRISIS_CELL_CONFIG: path });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      `crisis-cell: invalid configuration: ${path}: staff entry 3 (Chloe Officer), phone: write it in quotes ("+15550000003"): YAML reads +15550000003 as a number`,
    );
  });

  it.concurrent('an emergency number YAML reads as a number is refused with the advice to quote it', async () => {
    const path = editedConfig('emergency.yaml', 'emergencyNumber: "112"', 'emergencyNumber: 112');
    const res = await runMain({ REDIS_URL: 'redis://127.0.0.1:1', CRISIS_CELL_CONFIG: path });
    expect(res.code).toBe(2);
    expect(res.stderr.trim()).toBe(
      `crisis-cell: invalid configuration: ${path}: embassy.emergencyNumber: write it in quotes ("112"): YAML reads 112 as a number`,
    );
  });

  it.concurrent('a phone listed twice names both entries, counted from 1', async () => {
    const path = editedConfig('twice.yaml', 'phone: "+15550000004"', 'phone: "+1 555 000 0002"');
    const res = await runMain({ REDIS_URL: 'redis://127.0.0.1:1', CRISIS_CELL_CONFIG: path });
    expect(res.stderr.trim()).toBe(
      `crisis-cell: invalid configuration: ${path}: staff entry 4 (Dev Viewer), phone: is listed twice, also in entry 2`,
    );
  });
});

describe('a staff phone written with spaces', { timeout: 120_000 }, () => {
  it('is the roster phone WhatsApp messages come from: the officer commands the bot and is named on the incident', async () => {
    const base = testConfig('unused').file;
    const staff = base.staff.map((s) => (s.phone === STAFF.officer ? { ...s, phone: '+1 555 000 0003' } : s));
    const app = await startTestApp('config-spaced-phone', { config: { staff } });
    try {
      await app.say('+33611112222', 'My passport was stolen at the hotel');
      const card = await app.expectMessage(CELL_GROUP, /INC-\d{4}/);
      const id = /INC-\d{4}/.exec(card.text)?.[0] as string;
      await app.say(STAFF.officer, `/ack ${id}`, { group: CELL_GROUP });
      await app.expectMessage(CELL_GROUP, (m) => m.text.includes(id) && /Chloe Officer/.test(m.text));
      const incident = await waitFor(async () => {
        const res = await app.api<{ status: string; assignee?: string }>('GET', `/api/incidents/${id}`);
        return res.body.status === 'acknowledged' && res.body;
      });
      expect(incident.assignee).toBe(STAFF.officer);
      const outbox = await app.outbox(CELL_GROUP);
      expect(outbox.map((m) => m.text).join('\n')).not.toMatch(/not on the staff roster|not allowed/i);
    } finally {
      await app.stop();
    }
  });
});

describe('a configuration that leaves the cell unreachable starts, and says so', { timeout: 120_000 }, () => {
  it('no cell group: a warning in the log and on GET /readyz, still ready', async () => {
    const { warnings, readyz } = await startLogged('config-no-groups', { cellGroups: [] });
    expect(warnings.map((w) => w.warning)).toEqual(['no_cell_groups']);
    expect(warnings[0]?.msg).toContain('cellGroups is empty: incident cards, escalations and playbook posts reach no crisis-cell group');
    expect(readyz.status).toBe('ready');
    expect(readyz.warnings?.map((w) => w.code)).toEqual(['no_cell_groups']);
    expect(readyz.warnings?.[0]?.message).toContain('while citizens are told an officer will contact them');
  });

  it('no staff at all: a warning in the log and on GET /readyz', async () => {
    const { warnings, readyz } = await startLogged('config-no-staff', { staff: [] });
    expect(warnings.map((w) => w.warning)).toEqual(['no_staff']);
    expect(warnings[0]?.msg).toContain('staff is empty: nobody can acknowledge');
    expect(readyz.warnings?.map((w) => w.code)).toEqual(['no_staff']);
  });

  it('a roster without a duty officer: nobody is paged when an incident waits', async () => {
    const base = testConfig('unused').file;
    const staff = base.staff.map((s) => ({ ...s, roles: s.roles.filter((r) => r !== 'duty_officer') }));
    const { readyz } = await startLogged('config-no-duty', { staff: staff.filter((s) => s.roles.length > 0) });
    expect(readyz.warnings?.map((w) => w.code)).toEqual(['no_duty_officer']);
  });

  it('a roster without an admin: the second call can only page the duty officers again', async () => {
    const base = testConfig('unused').file;
    const staff = base.staff.map((s) => ({ ...s, roles: s.roles.filter((r) => r !== 'admin') }));
    const { warnings, readyz } = await startLogged('config-no-admin', { staff: staff.filter((s) => s.roles.length > 0) });
    expect(warnings.map((w) => w.warning)).toEqual(['no_admin']);
    expect(readyz.warnings?.[0]?.message).toContain('no member of staff has the admin role');
  });

  it('a deadline shorter than the digest window: a warning, since a report waiting for the digest could be paged first', async () => {
    const { warnings, readyz } = await startLogged('config-early-deadline', {
      escalation: { ackDeadline: { critical: '30s', high: '15m', medium: '1h', low: '4h' }, secondDeadline: '10m' },
      digest: { maxCardsPerWindow: 5, window: '1m' },
    });
    expect(warnings.map((w) => w.warning)).toEqual(['deadline_within_digest']);
    expect(readyz.warnings?.[0]?.message).toContain('escalation.ackDeadline critical (30s) is shorter than digest.window (1m)');
  });

  it('a language the bot does not speak: a warning, since its citizens would be answered in English and their HELP not understood', async () => {
    const { warnings, readyz } = await startLogged('config-unspoken', { languages: ['en', 'es'] });
    expect(warnings.map((w) => w.warning)).toEqual(['unspoken_language']);
    expect(readyz.status).toBe('ready');
    expect(readyz.warnings?.[0]?.message).toContain('languages lists es, which the bot does not speak (it speaks en, fr, ar)');
  });

  it('the shipped example gives no warning, and /readyz keeps its usual shape', async () => {
    const { warnings, readyz } = await startLogged('config-complete', {});
    expect(warnings.filter((w) => w.warning)).toEqual([]);
    expect(readyz).not.toHaveProperty('warnings');
  });

  it('npm start prints the warning under its banner', async () => {
    const prefix = uniquePrefix('config-banner');
    const path = editedConfig(
      'no-groups.yaml',
      'cellGroups:\n  - { id: "120363000000000001@g.us", name: Crisis cell }\n',
      'cellGroups: []\n',
    );
    const port = await freePort();
    const proc = startMain({ REDIS_URL, KEY_PREFIX: prefix, PORT: String(port), HOST: '127.0.0.1', CRISIS_CELL_CONFIG: path });
    try {
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, proc);
      const banner = await waitFor(async () => proc.stdout().includes('crisis-cell is running') && proc.stdout());
      expect(banner).toContain(
        '⚠️  Warning: cellGroups is empty: incident cards, escalations and playbook posts reach no crisis-cell group',
      );
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
      await cleanPrefix(prefix);
    }
  });
});
