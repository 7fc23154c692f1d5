import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlaybook } from '../../src/playbooks/loader.ts';
import type { RunRecord } from '../../src/playbooks/run-store.ts';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, settle, waitFor } from '../fakes/test-app.ts';

/** A playbook whose checklist is its last step: the run completes long before the items are due. */
const TAIL = parsePlaybook(
  `id: tail
title: Tail checklist
version: 1
description: A checklist as the last step.
steps:
  - id: open
    type: notify
    title: Open
    text: { en: "tail-open" }
  - id: list
    type: tasks
    title: Checklist
    items:
      - { id: hospital, role: duty_officer, due: 1h, text: { en: "Call the hospital" } }
`,
  'tail.yaml',
);
/** The same checklist followed by a step two hours later: the run is still going when it is stopped. */
const LONG = parsePlaybook(
  `id: long
title: Long checklist
version: 1
description: A checklist, then a later step.
steps:
  - id: list
    type: tasks
    title: Checklist
    items:
      - { id: hospital, role: duty_officer, due: 1h, text: { en: "Call the hospital" } }
  - id: later
    type: notify
    title: Later
    after: 2h
    text: { en: "long-later" }
`,
  'long.yaml',
);

describe('playbook runs that recover', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-recovery', {
      feature: {
        library: new Map([
          ['tail', TAIL],
          ['long', LONG],
        ]),
      },
    });
  });
  afterAll(async () => t.app.stop());

  /** Starts a run over HTTP and waits, without promoting any delayed job, until `done` holds. */
  const start = async (playbook: string, done: (v: Awaited<ReturnType<PlaybookTestApp['view']>>) => boolean) => {
    const res = await t.app.api<{ id: string }>('POST', `/api/playbooks/${playbook}/runs`, { params: {} });
    expect(res.status).toBe(201);
    await waitFor(async () => done(await t.view(res.body.id)), 10_000, `${playbook} run`);
    return res.body.id;
  };
  const completed = (v: { status: string }) => v.status === 'completed';

  it('a /run retried after the run was recorded but before its first step was scheduled still runs the playbook', async () => {
    // What a start that died right after recording the run leaves behind: the run, every step
    // pending, and the chat message id that started it.
    const run: RunRecord = {
      id: await t.runner.store.nextId(),
      playbook: 'tail',
      version: 1,
      title: 'Tail checklist',
      status: 'running',
      params: {},
      exercise: false,
      startedBy: 'Ana Duty',
      startedByPhone: STAFF.duty,
      createdAt: new Date().toISOString(),
    };
    await t.runner.store.create(run, t.runner.playbook('tail'), 'chat:WA-RUN-RETRIED');
    // The retried chat job: the same message.
    await t.app.say(STAFF.duty, '/run tail', { group: CELL_GROUP, id: 'WA-RUN-RETRIED' });
    const view = await t.driveToEnd(run.id);
    expect(view.status).toBe('completed');
    expect(view.steps.map((s) => s.status)).toEqual(['done', 'done']);
    expect((await t.app.outbox(CELL_GROUP)).filter((m) => m.text.includes(`▶️ ${run.id}`))).toHaveLength(1);
    expect((await t.runner.store.page(10)).ids.filter((id) => id !== run.id && id > run.id)).toEqual([]);
  });

  it('escalates a task still open at its due time after the run has completed', async () => {
    const runId = await start('tail', completed);
    await t.runner.queue.promoteJobs();
    const dm = await t.app.expectMessage(STAFF.duty, (m) => m.text.includes(`Overdue task in ${runId}`));
    expect(dm.text).toContain('Call the hospital');
    expect((await t.view(runId)).tasks.map((x) => x.status)).toEqual(['overdue']);
  });

  it('sends the overdue escalation when the first attempt could not queue it', async () => {
    const runId = await start('tail', completed);
    // The outbox refuses the first escalation DM (a Redis blip): the job fails and is retried.
    const { outbox } = t.app.deps;
    const send = outbox.send.bind(outbox);
    let refused = 0;
    outbox.send = async (msg, priority) => {
      if (msg.kind === 'escalation' && refused === 0) {
        refused += 1;
        throw new Error('Connection is closed.');
      }
      return send(msg, priority);
    };
    try {
      await t.runner.queue.promoteJobs();
      await waitFor(async () => {
        await t.runner.queue.promoteJobs();
        return (await t.app.outbox(STAFF.duty)).some((m) => m.text.includes(`Overdue task in ${runId}`));
      }, 20_000);
    } finally {
      outbox.send = send;
    }
    expect(refused).toBe(1);
    expect((await t.view(runId)).tasks.map((x) => x.status)).toEqual(['overdue']);
    expect((await t.app.outbox(STAFF.duty)).filter((m) => m.text.includes(`Overdue task in ${runId}`))).toHaveLength(1);
  });

  it('does not escalate the tasks of a stopped run', async () => {
    const runId = await start('long', (v) => v.steps[1]?.status === 'scheduled' && v.tasks.length === 1);
    expect((await t.app.api('POST', `/api/runs/${runId}/stop`)).status).toBe(200);
    await t.runner.queue.promoteJobs();
    await settle(t.app);
    // Called off with the run, not left "to do" for ever.
    expect((await t.view(runId)).tasks.map((x) => x.status)).toEqual(['cancelled']);
    expect((await t.app.outbox(STAFF.duty)).filter((m) => m.text.includes(`Overdue task in ${runId}`))).toEqual([]);
  });
});
