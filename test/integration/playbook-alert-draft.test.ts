import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playbookEffects } from '../../src/app/features.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * A playbook's alert that needs a second officer is announced by the run's own post (its words,
 * /approve, /cancel): the broadcast's draft notice no longer says it a second time in the cell.
 */
describe('a playbook alert waiting for approval, with the product’s own effects', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('pb-alert-draft', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 0 } } });
  });
  afterAll(async () => app.stop());

  it('drafts the alert without the broadcast’s own draft notice; a DM-drafted alert still gets one', async () => {
    await saveCitizens(app.deps, [aCitizen({ phone: '+33644000001', region: 'coast' })]);
    const effects = playbookEffects(app.deps);
    const fromRun = await effects.alert({
      author: { name: 'Ana Duty' },
      audience: { regions: ['coast'] },
      text: { en: 'Move to higher ground now.' },
      source: 'playbook:RUN-0001:flood-warning',
    });
    expect(fromRun.status).toBe('pending_approval');
    await settle(app);
    const drafts = (await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'alert-draft');
    expect(drafts.filter((m) => m.text.includes(fromRun.id))).toEqual([]);
    // The same alert drafted by hand (the API) is announced, as before.
    const byHand = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { en: 'Curfew tonight.' },
    });
    await app.expectMessage(CELL_GROUP, (m) => m.kind === 'alert-draft' && m.text.includes(byHand.body.id));
  });
});
