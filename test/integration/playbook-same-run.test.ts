import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, settle } from '../fakes/test-app.ts';

/**
 * Two officers who both react to the earthquake with the same /run, each before seeing the other's:
 * one run starts, the other is told which. Two real runs sent every citizen each alert twice.
 */
describe('the same playbook run started twice at once', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-same-run');
  });
  afterAll(async () => t.app.stop());

  const runs = async () => (await t.runner.store.page(100)).ids;

  it('starts one run; the second officer is told which one runs, and nothing more starts', async () => {
    await Promise.all([
      t.app.say(STAFF.duty, '/run drill region=north', { group: CELL_GROUP }),
      t.app.say(STAFF.admin, '/run drill region=Nord', { group: CELL_GROUP }),
    ]);
    const refusal = await t.app.expectMessage(CELL_GROUP, (m) => m.text.includes('is already running with the same parameters'));
    await settle(t.app);
    const ids = await runs();
    expect(ids).toHaveLength(1);
    expect(refusal.text).toMatch(
      new RegExp(
        `^${ids[0]} \\(Test drill\\) is already running with the same parameters, started by (Ana Duty|Ben Consul) at \\d\\d:\\d\\d UTC: nothing started\\. See /runs; to start it again, /stop ${ids[0]} first\\.`,
      ),
    );
    // Another region, or the drill of it, is another run.
    const other = await t.app.api('POST', '/api/playbooks/drill/runs', { params: { region: 'coast' } });
    expect(other.status).toBe(201);
    const drill = await t.app.api('POST', '/api/playbooks/drill/runs', { params: { region: 'north' }, exercise: true });
    expect(drill.status).toBe(201);
    const again = await t.app.api<{ error: { code: string } }>('POST', '/api/playbooks/drill/runs', { params: { region: 'north' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('run_active');
    // Stopped, it may start again.
    expect((await t.app.api('POST', `/api/runs/${ids[0]}/stop`)).status).toBe(200);
    expect((await t.app.api('POST', '/api/playbooks/drill/runs', { params: { region: 'north' } })).status).toBe(201);
  });
});
