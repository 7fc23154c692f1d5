import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const STRANGER = '+4915112345678';

type Audit = { items: { type: string; subject: string | null; data: Record<string, unknown> }[] };

describe('membership guard (through the simulator)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('guard', { config: { membershipGuard: { removeUnknown: true, reconcileEvery: '15m' } } });
  });
  afterAll(async () => app.stop());

  it('an unknown member added to a cell group is reported in the group and to duty officers, audited, and removed', async () => {
    const staffAdd = await app.api('POST', `/sim/groups/${CELL_GROUP}/participants`, {
      action: 'add',
      participants: [STAFF.officer],
      by: STAFF.duty,
    });
    expect(staffAdd.status).toBe(200);
    const res = await app.api('POST', `/sim/groups/${CELL_GROUP}/participants`, {
      action: 'add',
      participants: [STRANGER],
      by: STAFF.duty,
    });
    expect(res.status).toBe(200);

    const warning = await app.expectMessage(CELL_GROUP, /Membership guard/);
    expect(warning.text).toContain(STRANGER);
    expect(warning.text).toContain('not on the staff roster');
    expect(warning.text).not.toContain(STAFF.officer);
    await app.expectMessage(STAFF.duty, (m) => m.text.includes(STRANGER) && m.kind === 'membership_alert');
    await app.expectMessage(STAFF.admin, (m) => m.text.includes(STRANGER));

    const members = async () => (await app.deps.simulator?.groupMembers(CELL_GROUP))?.map((m) => m.phone) ?? [];
    await waitFor(async () => !(await members()).includes(STRANGER), 10_000, 'the stranger to be removed');
    expect(await members()).toContain(STAFF.officer);
    // Told "being removed", the group is told when it is done.
    const done = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'confirmation');
    expect(done.text).toBe(`✅ Membership guard: ${STRANGER} was removed from the group.`);
    await settle(app);

    const audit = await app.api<Audit>('GET', '/api/audit?limit=1000');
    const types = audit.body.items.map((e) => e.type);
    expect(types).toContain('membership.unknown');
    expect(types).toContain('membership.removed');
    expect(JSON.stringify(audit.body.items)).not.toContain(STRANGER);
    const alerts = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'membership_alert');
    expect(alerts).toHaveLength(1);
  });

  it('ignores groups that are not cell groups', async () => {
    const created = await app.api<{ id: string }>('POST', '/sim/groups', { subject: 'Family', participants: [STAFF.duty] });
    await app.api('POST', `/sim/groups/${created.body.id}/participants`, { action: 'add', participants: ['+4915199999999'] });
    await settle(app);
    expect(await app.outbox(created.body.id)).toHaveLength(0);
  });
});

describe('membership guard: periodic reconciliation against the roster', () => {
  let app: TestApp;
  let skew = 0;
  beforeAll(async () => {
    app = await startTestApp('guard-check', {
      config: { membershipGuard: { removeUnknown: false, reconcileEvery: '1s' } },
      options: { now: () => Date.now() + skew },
    });
  });
  afterAll(async () => app.stop());

  it('finds a stranger already in a cell group, reports them, and does not remove without the setting', async () => {
    const res = await app.api('POST', '/sim/groups', { subject: 'Crisis cell', id: CELL_GROUP, participants: [STAFF.duty, STRANGER] });
    expect(res.status).toBe(201);
    const warning = await app.expectMessage(CELL_GROUP, /Membership guard/);
    expect(warning.text).toContain('periodic check');
    expect(warning.text).toContain('a group admin must remove');
    await app.expectMessage(STAFF.duty, (m) => m.text.includes(STRANGER));
    const reported = app.deps.keys.membershipReported(CELL_GROUP);
    expect(await app.deps.redis.zscore(reported, STRANGER)).not.toBeNull();
    expect((await app.deps.simulator?.groupMembers(CELL_GROUP))?.map((m) => m.phone)).toContain(STRANGER);
  });

  it('reports a stranger who is still there again an hour later, not before', async () => {
    const warnings = async () => (await app.outbox(CELL_GROUP)).filter((m) => /Membership guard/.test(m.text)).length;
    const before = await warnings();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await warnings()).toBe(before);
    skew = 61 * 60 * 1000;
    await waitFor(async () => (await warnings()) > before || undefined, 10_000, 'a second report');
  });
});

describe('membership guard: breakout groups', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('guard-huddle');
  });
  afterAll(async () => app.stop());

  it('reports a stranger added to a breakout group the bot made, not the guest /huddle named', async () => {
    const GUEST = '+4915100000077';
    await app.say(STAFF.duty, `/huddle Hospital liaison ${GUEST}`, { group: CELL_GROUP, id: 'SIM-HUDDLE-G1' });
    const huddle = await waitFor(
      async () => (await app.deps.redis.hget(app.deps.keys.huddleByKey, 'huddle:chat:SIM-HUDDLE-G1')) ?? undefined,
      15_000,
    );
    await app.expectMessage(huddle, /Roles in this group/);
    // The guest, re-added after leaving, is no stranger.
    await app.api('POST', `/sim/groups/${huddle}/participants`, { action: 'add', participants: [GUEST], by: STAFF.duty });
    await settle(app);
    expect((await app.outbox(huddle)).filter((m) => m.kind === 'membership_alert')).toEqual([]);

    await app.api('POST', `/sim/groups/${huddle}/participants`, { action: 'add', participants: [STRANGER], by: STAFF.duty });
    const warning = await app.expectMessage(huddle, (m) => m.kind === 'membership_alert');
    expect(warning.text).toBe(
      `⚠️ Membership guard: ${STRANGER} is in "Hospital liaison" but not on the staff roster (just added). If this is not expected, a group admin must remove them now.`,
    );
    await app.expectMessage(STAFF.duty, (m) => m.kind === 'membership_alert' && m.text.includes('"Hospital liaison"'));
    expect(warning.text).not.toContain(GUEST);
  });
});
