import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMain } from '../fakes/spawn-main.ts';
import { CELL_GROUP, STAFF, startTestApp, testConfig, waitFor } from '../fakes/test-app.ts';

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

describe('a configuration error an embassy admin can act on, as crisis-cell prints it', { timeout: 60_000 }, () => {
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

describe('a staff phone written with spaces', () => {
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
