import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOVALS } from '../../src/app/membership-guard.ts';
import { broadcastKeys } from '../../src/broadcast/broadcast-store.ts';
import { getCitizen, saveCitizens } from '../../src/citizens/registry.ts';
import type { ChatSender, RemovalOutcome } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { type PlaybookTestApp, startPlaybookApp } from '../fakes/playbook-harness.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

describe('a playbook alert step waiting for approval', () => {
  let t: PlaybookTestApp;
  beforeAll(async () => {
    t = await startPlaybookApp('pb-approve-hint');
  });
  afterAll(async () => t.app.stop());

  it('tells the cell the /approve command with the alert id, which the command accepts', async () => {
    const res = await t.app.api<{ id: string }>('POST', '/api/playbooks/drill/runs', { params: { region: 'north' } });
    expect(res.status).toBe(201);
    const post = await t.app.expectMessage(CELL_GROUP, /awaits approval/);
    const command = /\/approve ([\w-]+)/.exec(post.text)?.[1];
    expect(command).toMatch(/^ALR-\d+$/);
  });
});

describe('DELETE', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('erase-old', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 50 } } });
  });
  afterAll(async () => app.stop());

  it('erases the citizen’s phone from the recipient lists of broadcasts older than two weeks too', async () => {
    const phone = '+33613990001';
    await saveCitizens(app.deps, [aCitizen({ phone, name: 'Old', region: 'north' })]);
    const created = await app.api<{ id: string }>('POST', '/api/alerts', { audience: { regions: ['north'] }, text: { en: 'Old alert.' } });
    await app.expectMessage(phone, /Old alert/);
    await settle(app);
    const keys = broadcastKeys(app.deps, 'alert');
    // The alert was sent three weeks ago.
    await app.deps.redis.zadd(keys.all, Date.now() - 21 * 24 * 3600 * 1000, created.body.id);
    await app.say(phone, 'DELETE');
    await waitFor(async () => (await getCitizen(app.deps, phone)) === undefined);
    await app.expectMessage(phone, /has been erased/);
    expect(await app.deps.redis.sismember(keys.recipients(created.body.id, 'en'), phone)).toBe(0);
    expect(await app.deps.redis.hexists(keys.state(created.body.id), phone)).toBe(0);
  });
});

/** The simulator, plus cell-group members WhatsApp shows only by LID (no phone number known). */
class LidSimulator extends SimulatorTransport {
  readonly lids = new Set<string>(['987654321012345@lid']);
  override async groupMembers(groupId: string): Promise<ChatSender[]> {
    return [...(await super.groupMembers(groupId)), ...[...this.lids].map((lid) => ({ lid }))];
  }
  override async removeFromGroup(groupId: string, ids: string[]): Promise<RemovalOutcome> {
    for (const id of ids) this.lids.delete(id);
    return super.removeFromGroup(groupId, ids);
  }
}

describe('membership guard with removeUnknown', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('guard-lid', {
      config: { membershipGuard: { removeUnknown: true, reconcileEvery: '1s' } },
      options: { transport: (deps, queues) => new LidSimulator(deps.redis, deps.keys, queues.sink()) },
    });
  });
  afterAll(async () => app.stop());

  // A member known only by LID may be a rostered officer whose number WhatsApp hides: the guard
  // says it cannot tell and leaves them to a group admin, and does what it says.
  it('reports a member known only by LID and, as it says, does not remove them', async () => {
    const warning = await app.expectMessage(CELL_GROUP, /Membership guard/);
    expect(warning.text).toContain('987654321012345@lid');
    expect(warning.text).toContain('does not remove them');
    expect(warning.text).not.toContain('removed automatically');
    await settle(app);
    const removals = new Queue(REMOVALS, { connection: app.deps.queueConnection, prefix: app.prefix });
    expect(await removals.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0, delayed: 0 });
    await removals.close();
    expect((app.transport as LidSimulator).lids.size).toBe(1);
  });
});
