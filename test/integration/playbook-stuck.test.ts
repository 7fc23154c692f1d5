import { type Job, UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaybooksFeature } from '../../src/playbooks/feature.ts';
import { parsePlaybook } from '../../src/playbooks/loader.ts';
import type { PlaybookJob, PlaybookRunner } from '../../src/playbooks/runner.ts';
import { MAX_REQUEUES, STUCK_SWEEP_SCHEDULER, STUCK_SWEEP_TIMER, sweepStuckRuns } from '../../src/playbooks/stuck-sweep.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { RecordingEffects } from '../fakes/playbook-effects.ts';
import type { RunView } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** An alert an hour after the opening post, then a closing post. */
const LATER = parsePlaybook(
  `id: later
title: Later alert
version: 1
description: An alert an hour in.
steps:
  - id: open
    type: notify
    title: Open
    text: { en: "later-open" }
  - id: warn
    type: alert
    title: Warn citizens
    after: 1h
    audience: { all: true }
    text: { en: "later-warn" }
  - id: close
    type: notify
    title: Close
    text: { en: "later-close" }
`,
  'later.yaml',
);

/** A checklist item due in an hour, and nothing after it: the run completes while the item is still owed. */
const CHECKLIST = parsePlaybook(
  `id: checklist
title: Checklist
version: 1
description: One item due in an hour.
steps:
  - id: tasks
    type: tasks
    title: First hour
    items:
      - id: hospitals
        role: duty_officer
        due: 1h
        text: { en: "Call the hospitals" }
`,
  'checklist.yaml',
);

const HOUR = 3600_000;

describe('playbook runs whose next step was lost', () => {
  let app: TestApp;
  let runner: PlaybookRunner;
  const effects = new RecordingEffects();
  /** The app's clock runs ahead by this much: the lost step is "long overdue" without waiting. */
  let skew = 0;
  let schedulerRegistered = false;

  beforeAll(async () => {
    const feature = new PlaybooksFeature(effects, {
      library: new Map([
        ['later', LATER],
        ['checklist', CHECKLIST],
      ]),
    });
    app = await startTestApp('pb-stuck', { options: { features: [feature], now: () => Date.now() + skew } });
    effects.bind(app.deps);
    runner = feature.runner(app.deps);
    // The sweep is a job scheduler of the worker role; the tests run it when they choose.
    schedulerRegistered = (await app.deps.queues.timers.getJobScheduler(STUCK_SWEEP_SCHEDULER)) !== undefined;
    await app.deps.queues.timers.removeJobScheduler(STUCK_SWEEP_SCHEDULER);
  });
  afterAll(async () => app.stop());

  const view = async (id: string) => (await app.api<RunView & { attention?: string }>('GET', `/api/runs/${id}`)).body;
  const alertsOf = (runId: string) => effects.calls.filter((c) => c.kind === 'alert' && c.input.source === `playbook:${runId}:warn`);
  const stepJob = (runId: string) => runner.queue.getJob(jobIdFor('pbs', `${runId}/warn`));
  const audits = async (runId: string, type: string) => {
    const res = await app.api<{ items: { type: string; subject?: string }[] }>('GET', '/api/audit?limit=1000');
    return res.body.items.filter((e) => e.subject === runId && e.type === type);
  };

  /** Starts a run and waits until its alert step is scheduled an hour ahead. */
  const startUntilWarnScheduled = async () => {
    const res = await app.api<{ id: string }>('POST', '/api/playbooks/later/runs', { params: {} });
    expect(res.status).toBe(201);
    const id = res.body.id;
    await waitFor(async () => (await view(id)).steps[1]?.status === 'scheduled' && (await stepJob(id)) !== undefined, 10_000);
    return id;
  };

  /** The worker fails the alert step's job for good before the step runs (every attempt hit a dead Redis). */
  const failStepJobs = (runId: string, times: number) => {
    const process = runner.process.bind(runner);
    let left = times;
    runner.process = async (job: Job<PlaybookJob>) => {
      if (job.data.runId === runId && job.data.type === 'step' && job.data.stepId === 'warn' && left > 0) {
        left -= 1;
        throw new UnrecoverableError('Connection is closed.');
      }
      return process(job);
    };
    return () => {
      runner.process = process;
    };
  };
  const jobFailed = async (runId: string) => {
    await waitFor(async () => (await (await stepJob(runId))?.getState()) === 'failed', 10_000, 'the step job to fail');
  };
  const completed = async (runId: string) => {
    await waitFor(async () => (await view(runId)).status === 'completed', 10_000, `${runId} to complete`);
    await settle(app);
    return view(runId);
  };

  it('registers the sweep as a job scheduler in the worker role', () => {
    expect(schedulerRegistered).toBe(true);
  });

  it('re-queues a step whose delayed job was lost, through the timers job, and the step runs once', async () => {
    const runId = await startUntilWarnScheduled();
    await (await stepJob(runId))?.remove();
    skew += 2 * HOUR;
    await app.deps.queues.timers.add(STUCK_SWEEP_TIMER, {});
    const v = await completed(runId);
    expect(v.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    expect(alertsOf(runId)).toHaveLength(1);
    expect(await audits(runId, 'playbook.step.requeued')).toHaveLength(1);
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`${runId} · Close`))).toHaveLength(1);
  });

  it('leaves a step alone while its job is still waiting for its time', async () => {
    const runId = await startUntilWarnScheduled();
    skew += 2 * HOUR;
    expect((await sweepStuckRuns(app.deps, runner)).requeued).not.toContain(`${runId}/warn`);
    expect(await (await stepJob(runId))?.getState()).toBe('delayed');
    await runner.stop(runId, 'test');
  });

  it('re-runs a step whose job failed for good after the alert went out, without a second alert', async () => {
    const runId = await startUntilWarnScheduled();
    const restore = failStepJobs(runId, 1);
    // What a worker leaves when it dies mid-step: the step claimed, its alert made and recorded.
    const process = runner.process;
    runner.process = async (job) => {
      if (job.data.runId === runId && job.data.type === 'step') {
        await runner.store.claim(runId, 'warn');
        const alert = await effects.alert({
          author: { name: 'x' },
          audience: { all: true },
          text: { en: 'later-warn' },
          source: `playbook:${runId}:warn`,
        });
        await runner.store.saveEffectResult(runId, 'warn', alert);
      }
      return process(job);
    };
    try {
      await runner.queue.promoteJobs();
      await jobFailed(runId);
      expect((await view(runId)).steps[1]?.status).toBe('running');
      runner.process = process;
      restore();
      skew += 2 * HOUR;
      expect((await sweepStuckRuns(app.deps, runner)).requeued).toEqual([`${runId}/warn`]);
      const v = await completed(runId);
      expect(v.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
      expect(alertsOf(runId)).toHaveLength(1);
    } finally {
      runner.process = process;
      restore();
    }
  });

  it('gives a step up after it was re-queued too many times: failed, run flagged, the cell told once, the run goes on', async () => {
    const runId = await startUntilWarnScheduled();
    const restore = failStepJobs(runId, Number.POSITIVE_INFINITY);
    try {
      await runner.queue.promoteJobs();
      await jobFailed(runId);
      skew += 2 * HOUR;
      for (let i = 1; i <= MAX_REQUEUES; i++) {
        expect((await sweepStuckRuns(app.deps, runner)).requeued).toEqual([`${runId}/warn`]);
        await jobFailed(runId);
      }
      expect((await sweepStuckRuns(app.deps, runner)).gaveUp).toEqual([`${runId}/warn`]);
      expect(await sweepStuckRuns(app.deps, runner)).toEqual({ requeued: [], gaveUp: [], resumed: [], reminded: [] });
      const v = await completed(runId);
      expect(v.steps.map((s) => s.status)).toEqual(['done', 'failed', 'done']);
      expect(v.attention).toContain('Warn citizens');
      expect(alertsOf(runId)).toHaveLength(0);
      const told = (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`${runId} · Warn citizens could not be run`));
      expect(told).toHaveLength(1);
      expect(await audits(runId, 'playbook.step.requeued')).toHaveLength(MAX_REQUEUES);
      expect(await audits(runId, 'playbook.step.failed')).toHaveLength(1);
    } finally {
      restore();
    }
  });

  it('resumes a run whose last settled step never scheduled the next', async () => {
    const runId = await startUntilWarnScheduled();
    // The job that settled `warn` died before scheduling `close`.
    await (await stepJob(runId))?.remove();
    await runner.store.claim(runId, 'warn');
    await runner.store.finish(runId, 'warn', 'done');
    skew += 2 * HOUR;
    expect((await sweepStuckRuns(app.deps, runner)).resumed).toEqual([`${runId}/close`]);
    const v = await completed(runId);
    expect(v.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
    expect(await audits(runId, 'playbook.run.resumed')).toHaveLength(1);
  });

  it('sends a checklist reminder whose job was lost, once, even after the run completed', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/playbooks/checklist/runs', { params: {} });
    const runId = res.body.id;
    const reminderJob = () => runner.queue.getJob(jobIdFor('pbt', `${runId}/tasks/hospitals`));
    await completed(runId);
    await waitFor(async () => (await reminderJob()) !== undefined, 10_000, 'the reminder job');
    await (await reminderJob())?.remove();
    const overdue = async () => (await app.outbox(STAFF.duty)).filter((m) => m.text.includes(`Overdue task in ${runId}`));
    skew += 2 * HOUR;
    expect((await sweepStuckRuns(app.deps, runner)).reminded).toEqual([`${runId}/tasks/hospitals`]);
    await settle(app);
    expect(await overdue()).toHaveLength(1);
    expect(await audits(runId, 'playbook.task.reminder_recovered')).toHaveLength(1);
    // The item now shows overdue; the next sweep has nothing left to do for it.
    expect((await sweepStuckRuns(app.deps, runner)).reminded).toEqual([]);
    expect(await app.deps.redis.sismember(app.deps.keys.runsWithOpenTasks, runId)).toBe(0);
    await settle(app);
    expect(await overdue()).toHaveLength(1);
  });

  it('leaves a checklist reminder alone while its job waits for its time', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/playbooks/checklist/runs', { params: {} });
    const runId = res.body.id;
    await completed(runId);
    await waitFor(async () => (await runner.queue.getJob(jobIdFor('pbt', `${runId}/tasks/hospitals`))) !== undefined, 10_000);
    skew += 2 * HOUR;
    expect((await sweepStuckRuns(app.deps, runner)).reminded).toEqual([]);
  });

  it('clears a run’s attention flag once the duty officers dealt with it: /handled in the cell or the API, audited', async () => {
    const runId = await startUntilWarnScheduled();
    await runner.store.flagAttention(runId, 'Warn citizens: its job was lost 4 times; check whether it happened and do it by hand');
    expect((await view(runId)).attention).toContain('Warn citizens');
    // An officer may not; a duty officer may.
    await app.say(STAFF.officer, `/handled ${runId.toLowerCase()}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'refusal' && m.text.includes('/handled'));
    expect((await view(runId)).attention).toBeDefined();
    await app.say(STAFF.duty, `/handled ${runId}`, { group: CELL_GROUP });
    const done = await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✅ ${runId} no longer needs attention`));
    expect(done.text).toContain('It was: Warn citizens: its job was lost 4 times');
    expect((await view(runId)).attention).toBeUndefined();
    expect(await audits(runId, 'playbook.attention.cleared')).toHaveLength(1);
    // Nothing left to clear: said so, nothing audited.
    const again = await app.api<{ error: { code: string } }>('POST', `/api/runs/${runId}/attention/clear`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('no_attention');
    await runner.store.flagAttention(runId, 'Close: failed');
    const viaApi = await app.api<{ cleared: string }>('POST', `/api/runs/${runId}/attention/clear`);
    expect(viaApi.body.cleared).toBe('Close: failed');
    expect(await audits(runId, 'playbook.attention.cleared')).toHaveLength(2);
    await runner.stop(runId, 'test');
  });
});
