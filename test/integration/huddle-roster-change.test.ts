import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { membershipGuardFeature } from '../../src/app/membership-guard.ts';
import type { ConfigFile } from '../../src/config/schema.ts';
import { PlaybooksFeature } from '../../src/playbooks/feature.ts';
import { RecordingEffects } from '../fakes/playbook-effects.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, uniquePrefix, waitFor } from '../fakes/test-app.ts';

/**
 * A member of staff taken off the roster (they left the embassy; the bot restarted with the new
 * config) is a stranger in the breakout groups too, where the cell's incidents are discussed: a run
 * they started does not add them to its group, and the membership guard reports them in one made before.
 */
const DIR = 'test/fixtures/later-huddle';
const guard = { membershipGuard: { removeUnknown: true, reconcileEvery: '1s' } };
const withoutChloe = () =>
  (parse(readFileSync('config/example.yaml', 'utf8')).staff as ConfigFile['staff']).filter((s) => s.phone !== STAFF.officer);

let apps: TestApp[] = [];
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
});

async function start(prefix: string, staff?: ConfigFile['staff']): Promise<{ app: TestApp; feature: PlaybooksFeature }> {
  const effects = new RecordingEffects();
  const feature = new PlaybooksFeature(effects, { dir: DIR });
  const app = await startTestApp('huddle-roster', {
    prefix,
    config: staff ? { ...guard, staff } : guard,
    options: { features: [membershipGuardFeature, feature] },
  });
  effects.bind(app.deps);
  apps.push(app);
  return { app, feature };
}

const reported = async (app: TestApp, group: string) =>
  (await app.outbox(group)).some((m) => m.kind === 'membership_alert' && m.text.includes(STAFF.officer));

describe('a member of staff taken off the roster', () => {
  it('is not added to the breakout group of a run they started before', async () => {
    const prefix = uniquePrefix('huddle-roster-run');
    const { app: first } = await start(prefix);
    await first.say(STAFF.officer, '/run later-huddle', { group: CELL_GROUP });
    await first.expectMessage(CELL_GROUP, /RUN-0001.*started by Chloe Officer/);
    await settle(first);
    await first.close();

    const { app, feature } = await start(prefix, withoutChloe());
    const runner = feature.runner(app.deps);
    await waitFor(
      async () => {
        await runner.queue.promoteJobs();
        return (await runner.store.get('RUN-0001'))?.status === 'completed';
      },
      20_000,
      'the run to complete',
    );
    const huddle = await waitFor(async () => (await app.deps.redis.smembers(app.deps.keys.huddles))[0], 10_000, 'the huddle');
    const welcome = await app.expectMessage(huddle, /Roles in this group/);
    expect(welcome.text).not.toContain('Chloe Officer');
    expect((await app.deps.simulator?.groupMembers(huddle))?.map((m) => m.phone)).not.toContain(STAFF.officer);
    expect((await app.deps.simulator?.groupMembers(huddle))?.map((m) => m.phone)).toContain(STAFF.duty);
  }, 60_000);

  it('is reported in a breakout group made by /huddle before, as in the cell group; a guest it named is not', async () => {
    const prefix = uniquePrefix('huddle-roster-cmd');
    const guest = '+33611110000';
    const { app: first } = await start(prefix);
    await first.api('POST', '/sim/groups', { subject: 'Crisis cell', id: CELL_GROUP, participants: [STAFF.duty, STAFF.officer] });
    const asked = await first.say(STAFF.officer, `/huddle Hospital ${STAFF.duty} ${guest}`, { group: CELL_GROUP });
    const huddle = await waitFor(
      async () => (await first.deps.redis.hget(first.deps.keys.huddleByKey, `huddle:chat:${asked}`)) ?? undefined,
      15_000,
      'the huddle',
    );
    await first.expectMessage(huddle, /Roles in this group/);
    await settle(first);
    await first.close();

    const { app } = await start(prefix, withoutChloe());
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'membership_alert' && m.text.includes(STAFF.officer), 15_000);
    await waitFor(() => reported(app, huddle), 15_000, 'the report in the breakout group');
    await settle(app);
    const members = (await app.deps.simulator?.groupMembers(huddle))?.map((m) => m.phone);
    expect(members).not.toContain(STAFF.officer);
    expect(members).toContain(guest);
    expect((await app.outbox(huddle)).some((m) => m.kind === 'membership_alert' && m.text.includes(guest))).toBe(false);
  }, 60_000);
});
