import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_PLAYBOOKS, type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF } from '../fakes/test-app.ts';

/**
 * A playbook file edited wrong (at 3 a.m., in a hurry) must not keep the bot down: citizens' reports
 * and every other playbook go on; the cell is told which playbook is out and why.
 */
describe('an invalid playbook file in the library', () => {
  let t: PlaybookTestApp;
  const dir = mkdtempSync(join(tmpdir(), 'cc-playbooks-'));
  beforeAll(async () => {
    copyFileSync(join(FIXTURE_PLAYBOOKS, 'drill.yaml'), join(dir, 'drill.yaml'));
    writeFileSync(join(dir, 'flood.yaml'), 'id: flood\ntitle: Flood\nversion: 1\nsteps:\n  - id: warn\n    type: alert\n    titel: Warn\n');
    t = await startPlaybookApp('pb-invalid-file', { feature: { dir } });
  });
  afterAll(async () => {
    await t?.app.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts with the valid ones, tells the cell which one is out and why, and refuses /run of it by name', async () => {
    const told = await t.app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('⚠️ Playbook flood could not be loaded'));
    expect(told.text).toMatch(/flood\.yaml:\d+: /);
    expect(told.text).toContain('The other playbooks run.');
    // The broken one is refused with its problem, not "not found"; the others run.
    await t.app.say(STAFF.duty, '/run flood region=north', { group: CELL_GROUP });
    const refusal = await t.app.expectMessage(CELL_GROUP, (m) => m.text.startsWith('Playbook flood could not be loaded'));
    expect(refusal.text).toContain('Fix its file (npm run playbooks:check) and restart');
    const api = await t.app.api<{ error: { code: string } }>('POST', '/api/playbooks/flood/runs', { params: { region: 'north' } });
    expect(api.status).toBe(409);
    expect(api.body.error.code).toBe('playbook_invalid');
    const started = await t.app.api<{ id: string }>('POST', '/api/playbooks/drill/runs', { params: { region: 'north' } });
    expect(started.status).toBe(201);
  });
});
