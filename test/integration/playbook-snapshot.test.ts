import { afterAll, describe, expect, it } from 'vitest';
import { parsePlaybook } from '../../src/playbooks/loader.ts';
import { sweepStuckRuns } from '../../src/playbooks/stuck-sweep.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { type PlaybookTestApp, type RunView, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, waitFor } from '../fakes/test-app.ts';

/** The playbook as it was when the run started: a post, an hour's wait, a briefing, a closing post. */
const V1 = parsePlaybook(
  `id: evac
title: Evacuation
version: 1
description: Evacuation with an hour's wait.
parameters:
  wave: { type: string, default: "1", description: the evacuation wave (one run per wave at a time) }
steps:
  - { id: open, type: notify, title: Open, text: { en: "evac-open-v1" } }
  - { id: hold, type: wait, title: Hold, duration: 1h }
  - { id: brief, type: notify, title: Brief v1, text: { en: "evac-brief-v1" } }
  - { id: close, type: notify, title: Close v1, text: { en: "evac-close-v1" } }
`,
  'evac.yaml',
);

/** The same playbook after a duty officer edited the file: the briefing reworded, `close` renamed to `wrapup`. */
const V2 = parsePlaybook(
  `id: evac
title: Evacuation
version: 2
description: Evacuation with an hour's wait.
parameters:
  wave: { type: string, default: "1", description: the evacuation wave (one run per wave at a time) }
steps:
  - { id: open, type: notify, title: Open, text: { en: "evac-open-v2" } }
  - { id: hold, type: wait, title: Hold, duration: 1h }
  - { id: brief, type: notify, title: Brief v2, text: { en: "evac-brief-v2" } }
  - { id: wrapup, type: notify, title: Wrap up v2, text: { en: "evac-wrapup-v2" } }
`,
  'evac.yaml',
);

type View = Omit<RunView, 'steps'> & {
  attention?: string;
  definitionError?: string;
  steps: (RunView['steps'][number] & { title: string; error?: string })[];
};

const library = (pb: typeof V1) => ({ feature: { library: new Map([['evac', pb]]) } });

describe('a playbook run keeps the playbook it started with', () => {
  let t: PlaybookTestApp | undefined;
  afterAll(async () => t?.app.stop());

  const view = async (app: PlaybookTestApp, id: string) => (await app.app.api<View>('GET', `/api/runs/${id}`)).body;
  /** Starts an evac run and waits until its briefing is scheduled an hour ahead, after the wait step. */
  let wave = 0;
  const startUntilBriefScheduled = async (app: PlaybookTestApp) => {
    // Each its own wave: a second run with the same parameters is refused while the first runs.
    wave += 1;
    const res = await app.app.api<{ id: string }>('POST', '/api/playbooks/evac/runs', { params: { wave: String(wave) } });
    expect(res.status).toBe(201);
    const id = res.body.id;
    await waitFor(async () => (await view(app, id)).steps.find((s) => s.id === 'brief')?.status === 'scheduled', 10_000, `${id} brief`);
    return id;
  };
  const cellTexts = async () => (await (t as PlaybookTestApp).app.outbox(CELL_GROUP)).map((m) => m.text);

  it('finishes as started after the app restarts with the playbook edited', async () => {
    const first = await startPlaybookApp('pb-snapshot', library(V1));
    const runId = await startUntilBriefScheduled(first);
    const swept = await startUntilBriefScheduled(first);
    await first.app.close();

    // A deploy: the app comes back on the same Redis with the edited playbook file.
    t = await startPlaybookApp('pb-snapshot', { prefix: first.app.prefix, ...library(V2) });

    // The job that settled the second run's briefing died before scheduling the next step.
    await (await t.runner.queue.getJob(jobIdFor('pbs', `${swept}/brief`)))?.remove();
    const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    expect(await t.runner.store.transition(swept, 'brief', ['scheduled'], { status: 'done', finishedAt: longAgo })).toBe(true);

    const run = (await t.driveToEnd(runId)) as unknown as View;
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.title, s.status])).toEqual([
      ['open', 'Open', 'done'],
      ['hold', 'Hold', 'done'],
      ['brief', 'Brief v1', 'done'],
      ['close', 'Close v1', 'done'],
    ]);
    const ofRun = (await cellTexts()).filter((m) => m.includes(runId));
    for (const text of ['evac-open-v1', 'evac-brief-v1', 'evac-close-v1']) expect(ofRun.filter((m) => m.includes(text))).toHaveLength(1);
    expect(ofRun.filter((m) => m.includes('-v2'))).toEqual([]);
    expect((await t.app.api<{ version: number }>('GET', '/api/playbooks/evac')).body.version).toBe(2);

    // The stuck-run sweep resumes the second run at its own next step, `close`, not today's `wrapup`.
    expect((await sweepStuckRuns(t.app.deps, t.runner)).resumed).toEqual([`${swept}/close`]);
    const resumed = (await t.driveToEnd(swept)) as unknown as View;
    expect(resumed.steps.map((s) => [s.id, s.status])).toEqual([
      ['open', 'done'],
      ['hold', 'done'],
      ['brief', 'done'],
      ['close', 'done'],
    ]);

    // A run started now follows the edited playbook.
    const fresh = await startUntilBriefScheduled(t);
    const after = (await t.driveToEnd(fresh)) as unknown as View;
    expect(after.steps.map((s) => [s.id, s.status])).toEqual([
      ['open', 'done'],
      ['hold', 'done'],
      ['brief', 'done'],
      ['wrapup', 'done'],
    ]);
    expect((await cellTexts()).filter((m) => m.includes(fresh) && m.includes('evac-brief-v2'))).toHaveLength(1);
  });

  it('a run started before runs stored their playbook follows the library, as before', async () => {
    const app = t as PlaybookTestApp;
    const runId = await startUntilBriefScheduled(app);
    await app.app.deps.redis.hdel(app.app.deps.keys.run(runId), 'definition');
    const run = await app.driveToEnd(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => s.id)).toEqual(['open', 'hold', 'brief', 'wrapup']);
    expect((await cellTexts()).filter((m) => m.includes(runId) && m.includes('evac-wrapup-v2'))).toHaveLength(1);
  });

  it('a run whose stored playbook is corrupt fails its step with why and is flagged; other runs go on', async () => {
    const app = t as PlaybookTestApp;
    const broken = await startUntilBriefScheduled(app);
    const healthy = await startUntilBriefScheduled(app);
    await app.app.deps.redis.hset(app.app.deps.keys.run(broken), 'definition', '{"id": "evac", "steps": [');

    const done = await app.driveToEnd(healthy);
    expect(done.status).toBe('completed');
    expect(done.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);

    await waitFor(async () => (await view(app, broken)).steps.find((s) => s.id === 'brief')?.status === 'failed', 10_000, 'brief failed');
    const v = await view(app, broken);
    expect(v.status).toBe('running');
    expect(v.definitionError).toMatch(new RegExp(`${broken}: the playbook definition stored with the run cannot be read`));
    expect(v.attention).toBe(v.definitionError);
    expect(v.steps.find((s) => s.id === 'brief')?.error).toContain('cannot be read');
    // Its steps as the run recorded them, not today's library.
    expect(v.steps.map((s) => [s.id, s.status])).toEqual([
      ['open', 'done'],
      ['hold', 'done'],
      ['brief', 'failed'],
      ['wrapup', 'pending'],
    ]);
    expect((await cellTexts()).filter((m) => m.includes('evac-brief') && m.includes(broken))).toEqual([]);

    // The sweep neither crashes on it nor resumes it with today's playbook, and the cell hears once.
    expect(await sweepStuckRuns(app.app.deps, app.runner)).toEqual({ requeued: [], gaveUp: [], resumed: [], reminded: [] });
    const told = (await cellTexts()).filter((m) => m.includes(`${broken} (Evacuation) cannot go on`));
    expect(told).toHaveLength(1);

    await app.app.say(STAFF.duty, '/runs');
    await app.app.expectMessage(STAFF.duty, (m) => m.text.includes(`${broken} Evacuation`) && m.text.includes('needs attention'));
    const stop = await app.app.api<{ status: string }>('POST', `/api/runs/${broken}/stop`);
    expect(stop.status).toBe(200);
    expect((await view(app, broken)).status).toBe('stopped');
  });
});
