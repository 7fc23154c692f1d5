import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXERCISE_MARK } from '../../src/playbooks/step-context.ts';
import { FAKE_CITIZEN } from '../fakes/playbook-effects.ts';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, STAFF, settle, waitFor } from '../fakes/test-app.ts';

describe('playbook runs', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-runs');
  });
  afterAll(async () => t.app.stop());

  const startFromChat = async (text: string) => {
    const before = (await t.runner.store.page(1)).ids[0];
    await t.app.say(STAFF.duty, text, { group: CELL_GROUP });
    return waitFor(async () => {
      const id = (await t.runner.store.page(1)).ids[0];
      return id && id !== before ? id : undefined;
    });
  };

  it('runs every step of a playbook started from chat, in order, with its state and times in the API', async () => {
    const runId = await startFromChat('/run drill region=north serious=true');
    await t.app.expectMessage(CELL_GROUP, new RegExp(`▶️ ${runId}: Test drill started by Ana Duty`));
    const run = await t.driveToEnd(runId);
    expect(run.status).toBe('completed');
    expect(run.steps.map((s) => [s.id, s.status])).toEqual([
      ['open', 'done'],
      ['warn', 'done'],
      ['check', 'done'],
      ['checklist', 'done'],
      ['report', 'done'],
      ['pause', 'done'],
      ['team', 'done'],
      ['escalate', 'done'],
      ['close', 'done'],
    ]);
    for (const s of run.steps) expect(Date.parse(s.finishedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(s.startedAt ?? ''));
    const alert = t.effects.calls.find((c) => c.kind === 'alert');
    // An alert step also reaches who reported from the region without registering.
    expect(alert?.kind === 'alert' && alert.input.audience).toEqual({ regions: ['north'], reporters: true });
    expect(alert?.kind === 'alert' && alert.input.text.en).toBe('Stay indoors in Northern Province');
    expect(alert?.kind === 'alert' && alert.input.author.name).toBe('Ana Duty');
    const cell = (await t.app.outbox(CELL_GROUP)).map((m) => m.text);
    expect(cell.some((m) => m.includes('Drill opened for Northern Province'))).toBe(true);
    expect(cell.some((m) => m.includes('Open incidents: 2'))).toBe(true);
    // The id /approve and /cancel take, not only the code citizens check it by; the region by its name.
    const alertId = /alert (ALR-\d+)/.exec(run.steps.find((s) => s.id === 'warn')?.note ?? '')?.[1];
    expect(cell).toContain(
      `📣 ${runId} · Warn citizens\nAlert ${alertId} (code A${alertId?.slice(4)}) to citizens in Northern Province and who reported there awaits approval by a second officer:\n“Stay indoors in Northern Province”\nApprove with /approve ${alertId}, or stop it with /cancel ${alertId}.`,
    );
    expect(
      cell.some(
        (m) => m.startsWith(`🩺 ${runId} · Welfare check\nWelfare check `) && m.endsWith('started for citizens in Northern Province.'),
      ),
    ).toBe(true);
    expect(await t.app.expectMessage(STAFF.duty, /Serious drill in Northern Province/)).toBeTruthy();
    const huddles = await t.app.deps.redis.smembers(t.app.deps.keys.huddles);
    expect(huddles).toHaveLength(1);
    const welcome = await t.app.expectMessage(huddles[0] as string, /Roles in this group/);
    expect(welcome.text).toContain('Lead: Ana Duty');
    expect(welcome.text).toContain('Liaison: Chloe Officer');
  });

  it('takes a value with spaces from chat, as staff type a region’s name', async () => {
    const runId = await startFromChat('/run drill region=Coastal Province');
    await t.app.expectMessage(CELL_GROUP, new RegExp(`▶️ ${runId}: Test drill started`));
    const run = await t.driveToEnd(runId);
    expect(run.status).toBe('completed');
    const cell = (await t.app.outbox(CELL_GROUP)).map((m) => m.text);
    expect(cell.some((m) => m.includes('Drill opened for Coastal Province'))).toBe(true);
  });

  it('answers a misspelt playbook name with the playbooks there are, and starts nothing', async () => {
    const before = (await t.runner.store.page(1)).ids[0];
    await t.app.say(STAFF.duty, '/run dril region=north', { group: CELL_GROUP });
    const reply = await t.app.expectMessage(CELL_GROUP, /There is no playbook "dril"/);
    expect(reply.text).toContain('• drill region=… [serious=…] — Test drill');
    expect((await t.runner.store.page(1)).ids[0]).toBe(before);
  });

  it('tells the cell when a run’s alert or welfare check reaches nobody, rather than that it awaits approval or started', async () => {
    t.effects.alertTotal = 0;
    t.effects.welfareTotal = 0;
    try {
      const res = await t.app.api<{ id: string }>('POST', '/api/playbooks/drill/runs', { params: { region: 'coast' } });
      const post = await t.app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`📣 ${res.body.id} · Warn citizens`));
      expect(post.text).toMatch(
        /to citizens in Coastal Province and who reported there reaches nobody: no citizen there is registered or has written to us\. Warn them another way/,
      );
      expect(post.text).not.toContain('/approve');
      await waitFor(async () => {
        await t.runner.queue.promoteJobs();
        return (await t.view(res.body.id)).steps.find((s) => s.id === 'check')?.status === 'done';
      });
      const check = await t.app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`🩺 ${res.body.id} · Welfare check`));
      expect(check.text).toMatch(/Welfare check WC-\d+ for citizens in Coastal Province asks nobody: no citizen there is registered\./);
      await t.app.api('POST', `/api/runs/${res.body.id}/stop`);
      await settle(t.app);
    } finally {
      t.effects.alertTotal = undefined;
      t.effects.welfareTotal = undefined;
    }
  });

  it('skips a step whose condition does not hold', async () => {
    const res = await t.app.api<{ id: string }>('POST', '/api/playbooks/drill/runs', { params: { region: 'coast' } });
    expect(res.status).toBe(201);
    // The start says which steps this run skips, and how long a wait holds the next step.
    const started = await t.app.expectMessage(CELL_GROUP, new RegExp(`▶️ ${res.body.id}: Test drill started`));
    expect(started.text).toContain('\n6. Pause (holds 3h)\n');
    expect(started.text).toContain('\n8. Escalate — skipped (serious=false)\n');
    expect(started.text).toContain('\n9. Close (+1h)\n');
    const run = await t.driveToEnd(res.body.id);
    expect(run.steps.find((s) => s.id === 'escalate')?.status).toBe('skipped');
    expect(run.steps.find((s) => s.id === 'close')?.status).toBe('done');
  });

  it('acknowledges tasks by reaction or reply, and escalates the overdue one to the duty officers', async () => {
    const runId = await startFromChat('/run drill region=capital');
    await waitFor(async () => (await t.view(runId)).steps.find((s) => s.id === 'check')?.status === 'scheduled');
    await t.runner.queue.promoteJobs();
    const staffTask = await t.app.expectMessage(CELL_GROUP, (m) => m.text.includes(runId) && m.text.includes('Account for staff'));
    const policeTask = await t.app.expectMessage(CELL_GROUP, (m) => m.text.includes(runId) && m.text.includes('Call the police liaison'));
    // A stranger's 👍 is refused and audited; the task stays open for staff.
    await t.app.api('POST', '/sim/reactions', { from: '+4915199990000', messageId: staffTask.id, emoji: '👍', group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, /only rostered embassy staff may tick off playbook tasks/);
    const audit = await t.app.api<{ items: { type: string; subject?: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    expect(audit.body.items.some((e) => e.type === 'command.refused' && e.subject === runId && e.data.reason === 'not_on_roster')).toBe(
      true,
    );
    // A viewer only reads: their 👍 (or reply) on a task is refused and audited, and the task stays open.
    await t.app.api('POST', '/sim/reactions', { from: STAFF.viewer, messageId: staffTask.id, emoji: '👍', group: CELL_GROUP });
    await t.app.say(STAFF.viewer, 'seen', { group: CELL_GROUP, replyTo: policeTask.id });
    await waitFor(async () => {
      const refusals = (await t.app.outbox(CELL_GROUP)).filter((m) =>
        /Sorry Dev Viewer, ticking off playbook tasks needs the officer role/.test(m.text),
      );
      return refusals.length === 2;
    });
    const refused = await t.app.api<{ items: { type: string; actor: string; subject?: string; data: Record<string, unknown> }[] }>(
      'GET',
      '/api/audit?limit=1000',
    );
    expect(
      refused.body.items
        .filter((e) => e.type === 'command.refused' && e.actor === 'Dev Viewer' && e.subject === runId)
        .map((e) => [e.data.reason, e.data.via, e.data.item]),
    ).toEqual([
      ['missing_role', '👍', 'staff'],
      ['missing_role', 'reply', 'police'],
    ]);
    await t.app.api('POST', '/sim/reactions', { from: STAFF.officer, messageId: staffTask.id, emoji: '👍', group: CELL_GROUP });
    // "Not yet" is no "done": the task stays open (it had been ticked off, its reminder silenced).
    await t.app.say(STAFF.officer, "not yet, can't reach them", { group: CELL_GROUP, replyTo: policeTask.id });
    await t.app.expectMessage(CELL_GROUP, /Noted, but the task stays open: reply ✅ or "done" to its message once it is done\./);
    expect((await t.view(runId)).tasks.find((x) => x.item === 'police')?.status).not.toBe('acked');
    await t.app.say(STAFF.officer, 'done, spoke to them', { group: CELL_GROUP, replyTo: policeTask.id });
    await t.app.expectMessage(CELL_GROUP, /"Account for staff" acknowledged by Chloe Officer/);
    await t.app.expectMessage(CELL_GROUP, /"Call the police liaison" acknowledged by Chloe Officer/);
    const run = await t.driveToEnd(runId);
    const byItem = Object.fromEntries(run.tasks.map((x) => [x.item, x.status]));
    expect(byItem).toEqual({ staff: 'acked', police: 'acked', hq: 'overdue' });
    const overdue = (await t.app.outbox(STAFF.duty)).filter((m) => m.text.includes(`Overdue task in ${runId}`));
    expect(overdue).toHaveLength(1);
    expect(overdue[0]?.text).toContain('Inform headquarters');
    expect(overdue[0]?.text).toContain('Once it is done, reply ✅ to its message in the crisis-cell group.');
    expect((await t.app.outbox(STAFF.admin)).filter((m) => m.text.includes(`Overdue task in ${runId}`))).toHaveLength(1);
  });

  it('reminds the staff a task is for, not only the duty officers, when nobody ticked it off', async () => {
    const runId = await startFromChat('/run drill region=capital');
    await t.driveToEnd(runId);
    const overdueFor = async (phone: string) =>
      (await t.app.outbox(phone)).filter((m) => m.text.includes(`Overdue task in ${runId}`)).map((m) => /"([^"]+)"/.exec(m.text)?.[1]);
    // Chloe holds the officer role only: the police liaison task is hers, headquarters is not.
    expect(await overdueFor(STAFF.officer)).toEqual(['Call the police liaison']);
    expect((await overdueFor(STAFF.duty)).sort()).toEqual(['Account for staff', 'Call the police liaison', 'Inform headquarters']);
  });

  it('/stop cancels the pending steps and their delayed jobs', async () => {
    const runId = await startFromChat('/run drill region=north');
    await waitFor(async () => (await t.view(runId)).steps.find((s) => s.id === 'check')?.status === 'scheduled');
    // The number alone names the run, as it names an incident.
    await t.app.say(STAFF.duty, `/stop ${Number(runId.slice(4))}`, { group: CELL_GROUP });
    const stopped = await t.app.expectMessage(CELL_GROUP, new RegExp(`⏹ ${runId} \\(Test drill\\) stopped by Ana Duty`));
    const run = await t.view(runId);
    expect(run.status).toBe('stopped');
    // The alert it drafted is no step of the run: the cell is told it may still be approved, and how to cancel it.
    const draft = /alert (ALR-\d+) pending_approval/.exec(run.steps.find((s) => s.id === 'warn')?.note ?? '')?.[1];
    expect(draft).toBeTruthy();
    expect(stopped.text).toContain(`\nStill live from it: alert ${draft} awaits approval (/cancel ${draft} if it must not go out).`);
    expect(run.steps.slice(0, 2).map((s) => s.status)).toEqual(['done', 'done']);
    expect(run.steps.slice(2).every((s) => s.status === 'cancelled')).toBe(true);
    await t.runner.queue.promoteJobs();
    await settle(t.app);
    const after = await t.view(runId);
    expect(after.steps.slice(2).every((s) => s.status === 'cancelled')).toBe(true);
    expect((await t.app.outbox(CELL_GROUP)).some((m) => m.text.includes(`${runId} · Welfare check`))).toBe(false);
    const again = await t.app.api<{ error: { code: string } }>('POST', `/api/runs/${runId}/stop`);
    expect(again.status).toBe(409);
  });

  it('POST /api/runs/:id/stop answers what the stop notice says: the steps cancelled and what goes on', async () => {
    const runId = await startFromChat('/run drill region=north');
    await waitFor(async () => (await t.view(runId)).steps.find((s) => s.id === 'check')?.status === 'scheduled');
    const draft = /alert (ALR-\d+)/.exec((await t.view(runId)).steps.find((s) => s.id === 'warn')?.note ?? '')?.[1] as string;
    const stop = await t.app.api<{ cancelled: string[]; underWay: string[]; live: unknown[] }>('POST', `/api/runs/${runId}/stop`);
    expect(stop.status).toBe(200);
    const run = await t.view(runId);
    expect([...stop.body.cancelled].sort()).toEqual(
      run.steps
        .filter((s) => s.status === 'cancelled')
        .map((s) => s.id)
        .sort(),
    );
    expect(stop.body.underWay).toEqual([]);
    expect(stop.body.live).toEqual([{ type: 'alert', id: draft, status: 'pending_approval' }]);
  });

  it('/stop names an alert of the run still sending, with how to stop it', async () => {
    const runId = await startFromChat('/run drill region=north');
    await waitFor(async () => (await t.view(runId)).steps.find((s) => s.id === 'check')?.status === 'scheduled');
    const sent = /alert (ALR-\d+)/.exec((await t.view(runId)).steps.find((s) => s.id === 'warn')?.note ?? '')?.[1] as string;
    // Approved since by a second officer: it is going out.
    t.effects.statuses.set(sent, 'sending');
    await t.app.say(STAFF.duty, `/stop ${runId}`, { group: CELL_GROUP });
    const stopped = await t.app.expectMessage(CELL_GROUP, new RegExp(`⏹ ${runId} \\(Test drill\\) stopped`));
    expect(stopped.text).toContain(`\nStill live from it: alert ${sent} is sending (/cancel ${sent} stops it).`);
  });

  it('/stop calls off the checklist: its open and overdue items show cancelled, and a late reply says so', async () => {
    const runId = await startFromChat('/run drill region=north');
    await waitFor(async () => {
      await t.runner.queue.promoteJobs();
      return (await t.view(runId)).steps.find((s) => s.id === 'checklist')?.status === 'done';
    });
    const staffTask = await t.app.expectMessage(CELL_GROUP, (m) => m.text.includes(runId) && m.text.includes('Account for staff'));
    const policeTask = await t.app.expectMessage(CELL_GROUP, (m) => m.text.includes(runId) && m.text.includes('Call the police liaison'));
    await t.app.api('POST', '/sim/reactions', { from: STAFF.officer, messageId: staffTask.id, emoji: '✅', group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, new RegExp(`${runId}: "Account for staff" acknowledged by Chloe Officer`));
    await t.app.say(STAFF.duty, `/stop ${runId}`, { group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, new RegExp(`⏹ ${runId} \\(Test drill\\) stopped by Ana Duty`));
    const run = await t.view(runId);
    expect(Object.fromEntries(run.tasks.map((x) => [x.item, x.status]))).toEqual({ staff: 'acked', police: 'cancelled', hq: 'cancelled' });
    await t.app.say(STAFF.officer, 'done, spoke to them', { group: CELL_GROUP, replyTo: policeTask.id });
    await t.app.expectMessage(CELL_GROUP, new RegExp(`${runId} was stopped: "Call the police liaison" was called off with it`));
    expect(Object.fromEntries((await t.view(runId)).tasks.map((x) => [x.item, x.status])).police).toBe('cancelled');
  });

  it('marks EXERCISE the acknowledgement of a drill’s task, not a real run’s', async () => {
    const drill = await startFromChat('/run drill region=north exercise=true');
    const real = await startFromChat('/run drill region=coast');
    try {
      for (const runId of [drill, real])
        await waitFor(async () => {
          await t.runner.queue.promoteJobs();
          return (await t.view(runId)).steps.find((s) => s.id === 'checklist')?.status === 'done';
        });
      for (const runId of [drill, real]) {
        const task = await t.app.expectMessage(
          CELL_GROUP,
          (m) => m.text.includes(`${runId} · Checklist`) && m.text.includes('Account for staff'),
        );
        await t.app.api('POST', '/sim/reactions', { from: STAFF.officer, messageId: task.id, emoji: '✅', group: CELL_GROUP });
      }
      const drillAck = await t.app.expectMessage(CELL_GROUP, new RegExp(`✅ ${drill}: "Account for staff" acknowledged`));
      const realAck = await t.app.expectMessage(CELL_GROUP, new RegExp(`✅ ${real}: "Account for staff" acknowledged`));
      expect(drillAck.text.startsWith(EXERCISE_MARK)).toBe(true);
      expect(realAck.text).not.toContain('EXERCISE');
      // Stopping the drill leaves the real run of the same playbook, and its checklist, alone.
      await t.app.say(STAFF.duty, `/stop ${drill}`, { group: CELL_GROUP });
      await t.app.expectMessage(CELL_GROUP, new RegExp(`⏹ ${drill} \\(Test drill\\) stopped`));
      const still = await t.view(real);
      expect(still.status).toBe('running');
      expect(still.tasks.filter((x) => x.status === 'cancelled')).toEqual([]);
      expect(still.steps.some((s) => s.status === 'cancelled')).toBe(false);
    } finally {
      for (const runId of [drill, real]) await t.app.api('POST', `/api/runs/${runId}/stop`);
      await settle(t.app);
    }
  });

  it('in exercise mode marks every message EXERCISE and never messages a citizen', async () => {
    const callsBefore = t.effects.calls.length;
    const seqBefore = Number(await t.app.deps.redis.get(t.app.deps.keys.simSeq));
    const citizenBefore = (await t.app.outbox(FAKE_CITIZEN)).length;
    const runId = await startFromChat('/run drill region=north serious=true exercise=true');
    const run = await t.driveToEnd(runId);
    expect(run.exercise).toBe(true);
    expect(run.status).toBe('completed');
    const calls = t.effects.calls.slice(callsBefore).flatMap((c) => (c.kind === 'sitrep' ? [] : [c.input]));
    expect(calls.length).toBe(2);
    for (const input of calls) {
      expect(input.audience).toEqual({ cellGroups: true });
      expect(input.exercise).toBe(true);
    }
    expect((await t.app.outbox(FAKE_CITIZEN)).length).toBe(citizenBefore);
    const sent = (await t.app.outbox()).filter((m) => m.seq > seqBefore && m.kind !== 'reaction');
    expect(sent.length).toBeGreaterThan(8);
    const staff = new Set<string>([...Object.values(STAFF), CELL_GROUP, ...(await t.app.deps.redis.smembers(t.app.deps.keys.huddles))]);
    for (const m of sent) {
      expect(staff.has(m.to)).toBe(true);
      expect(m.text).toContain('EXERCISE');
    }
  });
});

describe('/huddle', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-huddle');
  });
  afterAll(async () => t.app.stop());

  it('creates a breakout group once, welcomes each person with their role, and hears commands in it', async () => {
    await t.app.say(STAFF.duty, '/huddle Hospital team +15550000003 +33 6 11 22 33 44', { group: CELL_GROUP, id: 'WA-HUDDLE-1' });
    await t.app.say(STAFF.duty, '/huddle Hospital team +15550000003 +33 6 11 22 33 44', { group: CELL_GROUP, id: 'WA-HUDDLE-1' });
    await t.app.expectMessage(CELL_GROUP, /Creating breakout group "Hospital team" with Ana Duty, Chloe Officer, \+33611223344/);
    const group = await waitFor(async () => (await t.app.deps.redis.smembers(t.app.deps.keys.huddles))[0]);
    const welcome = await t.app.expectMessage(group, /Roles in this group/);
    expect(welcome.text).toContain('Lead: Ana Duty');
    expect(welcome.text).toContain('officer: Chloe Officer');
    expect(welcome.text).toContain('Guest: +33611223344');
    const members = await t.app.deps.simulator?.groupMembers(group);
    expect(members?.map((m) => m.phone).sort()).toEqual(['+15550000001', '+15550000003', '+33611223344']);
    await t.app.say(STAFF.officer, '/runs', { group });
    await t.app.expectMessage(group, /No playbook is running/);
    await settle(t.app);
    expect(await t.app.deps.redis.scard(t.app.deps.keys.huddles)).toBe(1);
    await t.app.say(STAFF.duty, '/huddle Nobody', { group: CELL_GROUP });
    await t.app.expectMessage(CELL_GROUP, /Give a name and at least one phone/);
  });
});
