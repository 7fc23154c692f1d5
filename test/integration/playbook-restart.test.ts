import { afterAll, describe, expect, it } from 'vitest';
import { RecordingEffects } from '../fakes/playbook-effects.ts';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, waitFor } from '../fakes/test-app.ts';

const FAST_TAKEOVER = { lockDurationMs: 1_000, stalledIntervalMs: 300 };

describe('a playbook run survives a worker killed mid-step', () => {
  let second: PlaybookTestApp | undefined;
  afterAll(async () => second?.app.stop());

  it('resumes on a new worker and does every step exactly once', async () => {
    const hanging = new RecordingEffects({ holdSitrep: true });
    const first = await startPlaybookApp('pb-restart', { effects: hanging, feature: { worker: FAST_TAKEOVER } });
    const res = await first.app.api<{ id: string }>('POST', '/api/playbooks/restart/runs', { params: {} });
    expect(res.status).toBe(201);
    const runId = res.body.id;
    await first.app.expectMessage(CELL_GROUP, /step-first/);
    await waitFor(async () => (await first.view(runId)).steps.find((s) => s.id === 'report')?.status === 'running');
    expect(hanging.calls.filter((c) => c.kind === 'sitrep')).toHaveLength(1);

    // The worker dies in the middle of the sitrep step: its job is never completed.
    await first.feature.worker(first.app.deps)?.close(true);
    await first.app.close();

    const effects = new RecordingEffects();
    second = await startPlaybookApp('pb-restart', { prefix: first.app.prefix, effects, feature: { worker: FAST_TAKEOVER } });
    const run = await second.driveToEnd(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(effects.calls.filter((c) => c.kind === 'sitrep')).toHaveLength(1);

    const cell = (await second.app.outbox(CELL_GROUP)).map((m) => m.text);
    for (const marker of ['step-first', 'step-report', 'step-later']) expect(cell.filter((m) => m.includes(marker))).toHaveLength(1);
    expect((await second.app.outbox(STAFF.duty)).filter((m) => m.text.includes('step-last'))).toHaveLength(1);
    const audit = await second.app.api<{ items: { type: string; data: { step?: string } }[] }>('GET', '/api/audit?limit=1000');
    const done = audit.body.items.filter((e) => e.type === 'playbook.step.done').map((e) => e.data.step);
    expect(done.sort()).toEqual(['first', 'last', 'later', 'report']);
  });
});

describe('a playbook run stopped while a step is under way', () => {
  let second: PlaybookTestApp | undefined;
  afterAll(async () => second?.app.stop());

  it('tells the cell the step may still finish, and a new worker cancels it instead of running it', async () => {
    const hanging = new RecordingEffects({ holdSitrep: true });
    const first = await startPlaybookApp('pb-stop-mid', { effects: hanging, feature: { worker: FAST_TAKEOVER } });
    const res = await first.app.api<{ id: string }>('POST', '/api/playbooks/restart/runs', { params: {} });
    const runId = res.body.id;
    await waitFor(async () => (await first.view(runId)).steps.find((s) => s.id === 'report')?.status === 'running');
    const stop = await first.app.api<{ cancelled: string[] }>('POST', `/api/runs/${runId}/stop`);
    expect(stop.body.cancelled.sort()).toEqual(['last', 'later']);
    const stopped = await first.app.expectMessage(CELL_GROUP, new RegExp(`⏹ ${runId} \\(Restart test\\) stopped`));
    expect(stopped.text).toContain('2 pending step(s) cancelled.\nUnder way, it may still finish: Report.');

    await first.feature.worker(first.app.deps)?.close(true);
    await first.app.close();
    const effects = new RecordingEffects();
    second = await startPlaybookApp('pb-stop-mid', { prefix: first.app.prefix, effects, feature: { worker: FAST_TAKEOVER } });
    await waitFor(async () => (await second?.view(runId))?.steps.find((s) => s.id === 'report')?.status === 'cancelled');
    expect(effects.calls).toEqual([]);
    expect((await second.app.outbox(CELL_GROUP)).filter((m) => m.text.includes('step-report'))).toEqual([]);
  });
});
