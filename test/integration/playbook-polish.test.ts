import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, settle, waitFor } from '../fakes/test-app.ts';

/** What the QA pass on playbooks found: each as the cell meets it in the group. */
describe('playbooks, as the cell uses them', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-polish');
  });
  afterAll(async () => t.app.stop());

  const inGroup = (from: string, text: string, extra: Record<string, unknown> = {}) =>
    t.app.say(from, text, { group: CELL_GROUP, ...extra });
  const count = async (re: RegExp) => (await t.app.outbox(CELL_GROUP)).filter((m) => re.test(m.text)).length;

  it('numbers runs one after another: a /run refused as a duplicate takes no number', async () => {
    await inGroup(STAFF.duty, '/run drill region=north');
    await t.app.expectMessage(CELL_GROUP, /^▶️ RUN-0001: Test drill started by Ana Duty/);
    for (let i = 0; i < 3; i++) await inGroup(STAFF.admin, '/run drill region=north');
    await waitFor(async () => (await count(/^RUN-0001 \(Test drill\) is already running with the same parameters/)) === 3);
    await inGroup(STAFF.duty, '/run drill region=coast');
    await t.app.expectMessage(CELL_GROUP, /^▶️ RUN-0002: Test drill started by Ana Duty/);
    // The cell reads the numbers off the group: "/stop 2" is the run it just saw start.
    await inGroup(STAFF.duty, '/stop 2');
    await t.app.expectMessage(CELL_GROUP, /^⏹ RUN-0002 \(Test drill\) stopped by Ana Duty/);
    expect(await count(/was not found/)).toBe(0);

    // Two officers at once (here five, through the API): one run starts, the others are refused and take no number.
    const tries = await Promise.all(
      Array.from({ length: 5 }, () =>
        t.app.api<{ id?: string; error?: { code: string } }>('POST', '/api/playbooks/drill/runs', { params: { region: 'capital' } }),
      ),
    );
    expect(tries.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    expect(tries.find((r) => r.status === 201)?.body.id).toBe('RUN-0003');
    expect(new Set(tries.filter((r) => r.status === 409).map((r) => r.body.error?.code))).toEqual(new Set(['run_active']));
    const next = await t.app.api<{ id: string }>('POST', '/api/playbooks/drill/runs', { params: { region: 'capital' }, exercise: true });
    expect(next.body.id).toBe('RUN-0004');
    for (const id of ['RUN-0001', 'RUN-0003', 'RUN-0004']) await t.app.api('POST', `/api/runs/${id}/stop`);
    await settle(t.app);
  });
});
