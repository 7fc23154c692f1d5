import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseCitizen } from '../../src/citizens/erase.ts';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

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

  /** Starts a drill run through the API and waits until its checklist is posted; returns the run id. */
  const runWithChecklist = async (region: string) => {
    const res = await t.app.api<{ id: string }>('POST', '/api/playbooks/drill/runs', { params: { region } });
    expect(res.status).toBe(201);
    const runId = res.body.id;
    // Only the welfare check's wait is cut short: the checklist's items stay due later, not overdue.
    await waitFor(async () => (await t.view(runId)).steps.find((s) => s.id === 'check')?.status === 'scheduled');
    await t.runner.queue.promoteJobs();
    await waitFor(async () => (await t.view(runId)).steps.find((s) => s.id === 'checklist')?.status === 'done');
    const task = (title: string) =>
      t.app.expectMessage(CELL_GROUP, (m) => m.text.includes(`${runId} · Checklist`) && m.text.includes(title));
    return { runId, task };
  };

  it('tells the second person a task was already ticked off, by whom and when, and keeps what each wrote beyond "done"', async () => {
    const { runId, task } = await runWithChecklist('north');
    const staffTask = await task('Account for staff');
    await inGroup(STAFF.duty, 'done, all 12 staff safe', { replyTo: staffTask.id });
    const ack = await t.app.expectMessage(CELL_GROUP, new RegExp(`^✅ ${runId}: "Account for staff" acknowledged by Ana Duty\\.`));
    expect(ack.text).toContain(`Your words are kept with it on ${runId}'s checklist: “all 12 staff safe”.`);
    const at = (await t.view(runId)).tasks.find((x) => x.item === 'staff')?.ackedAt?.slice(11, 16);
    expect(at).toMatch(/^\d\d:\d\d$/);

    // Ben had not seen Ana's tick: he is told, rather than left wondering whether his "done" counted.
    await inGroup(STAFF.admin, 'done', { replyTo: staffTask.id });
    const again = await t.app.expectMessage(CELL_GROUP, new RegExp(`^☑️ ${runId}: "Account for staff" was already ticked off`));
    expect(again.text).toBe(`☑️ ${runId}: "Account for staff" was already ticked off by Ana Duty at ${at} UTC.`);
    // What a late reply adds is kept too, and the tick stays Ana's.
    await inGroup(STAFF.officer, '✅ two of them are at the hospital with minor injuries', { replyTo: staffTask.id });
    const added = await t.app.expectMessage(
      CELL_GROUP,
      (m) => m.text.startsWith(`☑️ ${runId}`) && m.text.includes('two of them are at the hospital'),
    );
    expect(added.text).toBe(
      `☑️ ${runId}: "Account for staff" was already ticked off by Ana Duty at ${at} UTC.\nYour words are kept with it on ${runId}'s checklist: “two of them are at the hospital with minor injuries”.`,
    );
    // A 👍 from whoever ticked it is answered as theirs.
    await t.app.api('POST', '/sim/reactions', { from: STAFF.duty, messageId: staffTask.id, emoji: '👍', group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, new RegExp(`^☑️ ${runId}: "Account for staff" was already ticked off by you at ${at} UTC\\.$`));
    await settle(t.app);

    const item = (await t.view(runId)).tasks.find((x) => x.item === 'staff');
    expect(item?.status).toBe('acked');
    expect(item?.ackedBy).toBe('Ana Duty');
    expect(item?.notes?.map((n) => [n.by, n.text])).toEqual([
      ['Ana Duty', 'all 12 staff safe'],
      ['Chloe Officer', 'two of them are at the hospital with minor injuries'],
    ]);
    const audit = await t.app.api<{ items: { type: string; actor: string; subject?: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    expect(
      audit.body.items
        .filter((e) => e.subject === runId && e.type.startsWith('playbook.task.'))
        .map((e) => [e.type, e.actor, e.data.ackedBy ?? null, e.data.noted ?? false]),
    ).toEqual([
      ['playbook.task.acknowledged', 'Ana Duty', null, true],
      ['playbook.task.already_acknowledged', 'Ben Consul', 'Ana Duty', false],
      ['playbook.task.already_acknowledged', 'Chloe Officer', 'Ana Duty', true],
      ['playbook.task.already_acknowledged', 'Ana Duty', 'Ana Duty', false],
    ]);
    // The audit says that words came, never the words.
    expect(JSON.stringify(audit.body.items)).not.toContain('12 staff safe');
    await t.app.api('POST', `/api/runs/${runId}/stop`);
    await settle(t.app);
  });

  it('a citizen’s DELETE takes their number out of the notes on every run’s checklist, and leaves other numbers', async () => {
    const { runId, task } = await runWithChecklist('capital');
    const staffTask = await task('Account for staff');
    const citizen = '+33612345678';
    await inGroup(STAFF.duty, 'done, driver is with the Haddad family, call them on +33 6 12 34 56 78 or the hotel 0033 6 99 88 77 66', {
      replyTo: staffTask.id,
    });
    await t.app.expectMessage(CELL_GROUP, new RegExp(`^✅ ${runId}: "Account for staff" acknowledged`));
    // What the citizen's DELETE runs (this harness runs the playbooks feature alone).
    const report = await eraseCitizen(t.app.deps, citizen);
    expect(report.taskNotes).toBe(1);
    const item = (await t.view(runId)).tasks.find((x) => x.item === 'staff');
    expect(item?.notes?.map((n) => n.text)).toEqual([
      'driver is with the Haddad family, call them on [erased] or the hotel 0033 6 99 88 77 66',
    ]);
    await t.app.api('POST', `/api/runs/${runId}/stop`);
    await settle(t.app);
  });

  it('/run refuses an empty value or an unclosed quote, naming it, and starts nothing', async () => {
    const before = (await t.runner.store.page(100)).ids.length;
    await inGroup(STAFF.duty, '/run drill region=coast serious= exercise=true');
    const empty = await t.app.expectMessage(CELL_GROUP, /serious needs a value/);
    expect(empty.text).toContain('serious needs a value: write serious=… or leave it out (nothing was started).');
    expect(empty.text).not.toContain('must be one of');
    await inGroup(STAFF.duty, '/run drill region="Northern Province exercise=true');
    const unclosed = await t.app.expectMessage(CELL_GROUP, /is not closed/);
    expect(unclosed.text).toContain(
      'The quote opened in region="Northern Province exercise=true is not closed: close it after the value (region="…"), nothing was started.',
    );
    await settle(t.app);
    expect((await t.runner.store.page(100)).ids).toHaveLength(before);
    expect((await t.app.outbox(CELL_GROUP)).filter((m) => m.text.includes('started by Ana Duty') && m.text.includes('Northern'))).toEqual(
      [],
    );
    // Closed, the same words start the run for that region.
    await inGroup(STAFF.duty, '/run drill region="Northern Province" exercise=true');
    const runId = `RUN-${String(before + 1).padStart(4, '0')}`;
    await t.app.expectMessage(CELL_GROUP, new RegExp(`▶️ ${runId}: Test drill started by Ana Duty \\(exercise\\)`));
    expect((await t.view(runId)).exercise).toBe(true);
    expect((await t.runner.store.get(runId))?.params.region).toBe('north');
    await t.app.api('POST', `/api/runs/${runId}/stop`);
    await settle(t.app);
  });
});

/** The incident commands' words the QA pass found misleading. */
describe('incident commands say what they did', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pb-polish-incidents');
  });
  afterAll(async () => app.stop());

  const inGroup = async (from: string, text: string, answer: RegExp) => {
    const before = (await app.outbox(CELL_GROUP)).length;
    await app.say(from, text, { group: CELL_GROUP });
    return waitFor(async () => (await app.outbox(CELL_GROUP)).slice(before).find((m) => answer.test(m.text)), 10_000, String(answer));
  };

  it('/help does not call resolving closing; /assign on a resolved incident says it is resolved and how to reopen it', async () => {
    const help = await inGroup(STAFF.officer, '/help', /\/resolve/);
    const resolveLine = help.text.split('\n').find((l) => l.includes('/resolve')) ?? '';
    expect(resolveLine).not.toMatch(/close/i);
    expect(resolveLine).toContain('resolved');

    await app.say('+33612700441', 'My passport was stolen at the station');
    const ack = await app.expectMessage('+33612700441', /INC-\d{4}/);
    const id = /INC-\d{4}/.exec(ack.text)?.[0] as string;
    await inGroup(STAFF.officer, `/resolve ${id} new passport issued`, new RegExp(`✔️ ${id} resolved`));
    const assigned = await inGroup(STAFF.officer, `/assign ${id} me`, new RegExp(`📌 ${id} is now with`));
    expect(assigned.text).toBe(`📌 ${id} is now with Chloe Officer. It is resolved: /reopen ${id} to work on it again.`);
    // Active, nothing is added.
    await inGroup(STAFF.officer, `/reopen ${id}`, new RegExp(`🔄 ${id} reopened`));
    const again = await inGroup(STAFF.officer, `/assign ${id} Ana`, new RegExp(`📌 ${id} is now with`));
    expect(again.text).toBe(`📌 ${id} is now with Ana Duty.`);
  });
});
