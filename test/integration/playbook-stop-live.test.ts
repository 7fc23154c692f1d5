// /stop of a run tells the cell what the run started that still goes on (an alert draft, an alert
// sending, an open welfare check) and how to end each: stopping the run calls none of them off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { features, playbookEffects } from '../../src/app/features.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { PlaybooksFeature } from '../../src/playbooks/feature.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const COAST = [aCitizen({ phone: '+33677200001', region: 'coast' }), aCitizen({ phone: '+33677200002', region: 'coast' })];

describe('a run stopped after its welfare check and its alert went out', () => {
  let app: TestApp;
  beforeAll(async () => {
    const playbooks = new PlaybooksFeature((deps) => playbookEffects(deps), { dir: 'test/fixtures/playbook-stop' });
    app = await startTestApp('pb-stop-live', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 1, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
      options: { features: [...features.filter((f) => !(f instanceof PlaybooksFeature)), playbooks] },
    });
    await saveCitizens(app.deps, COAST);
  });
  afterAll(async () => app.stop());

  it('names the open check (/close) and the alert draft (/cancel), and leaves both as they are', async () => {
    await app.say(STAFF.duty, '/run check-and-warn region=coast', { group: CELL_GROUP });
    const started = await app.expectMessage(CELL_GROUP, /Welfare check WFC-\d+ started/);
    const wfc = /WFC-\d+/.exec(started.text)?.[0] as string;
    const drafted = await app.expectMessage(CELL_GROUP, /Alert ALR-\d+ .* awaits approval/);
    const alr = /ALR-\d+/.exec(drafted.text)?.[0] as string;
    await app.expectMessage(COAST[0]?.phone as string, /Are you safe\?/);
    await settle(app);

    await app.say(STAFF.duty, '/stop RUN-0001', { group: CELL_GROUP });
    const stopped = await app.expectMessage(CELL_GROUP, /⏹ RUN-0001/);
    // Before: only the draft was named; the check went on reminding the wrong province, unsaid.
    expect(stopped.text).toContain(`welfare check ${wfc} is open, its reminders still go out (/close ${wfc} ends it)`);
    expect(stopped.text).toContain(`alert ${alr} awaits approval (/cancel ${alr} if it must not go out)`);
    // The check may be the right one: the officer decides, nothing is closed for them.
    expect((await app.api<{ status: string }>('GET', `/api/welfare-checks/${wfc}`)).body.status).toBe('open');
    expect((await app.api<{ status: string }>('GET', `/api/alerts/${alr}`)).body.status).toBe('pending_approval');
  });

  it('leaves out what was ended before the stop', async () => {
    await app.say(STAFF.duty, '/run check-and-warn region=coast', { group: CELL_GROUP });
    const started = await app.expectMessage(CELL_GROUP, /RUN-0002[\s\S]*Welfare check WFC-\d+ started/);
    const wfc = /WFC-\d+/.exec(started.text)?.[0] as string;
    const drafted = await app.expectMessage(CELL_GROUP, /RUN-0002[\s\S]*Alert ALR-\d+ .* awaits approval/);
    const alr = /ALR-\d+/.exec(drafted.text)?.[0] as string;
    await settle(app);
    expect((await app.api('POST', `/api/welfare-checks/${wfc}/close`)).status).toBe(200);
    expect((await app.api('POST', `/api/alerts/${alr}/cancel`)).status).toBe(200);
    await app.say(STAFF.duty, '/stop RUN-0002', { group: CELL_GROUP });
    const stopped = await app.expectMessage(CELL_GROUP, /⏹ RUN-0002/);
    expect(stopped.text).not.toContain('Still live');
  });
});
