import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Feature } from '../../src/app/feature.ts';
import { features } from '../../src/app/features.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * A fault in the bot (a handler that throws on every try) must never swallow a message: the
 * citizen's words reach the cell for an officer to take by hand, the citizen is told the embassy
 * has them, and a member of staff learns their command may have done nothing. Here a feature with
 * such a fault stands for any bug on the way.
 */
const faulty: Feature = {
  name: 'faulty',
  async citizenMessage(ctx) {
    if (ctx.msg.text?.includes('gas leak')) throw new Error('TypeError: cannot read properties of undefined');
    return false;
  },
  commands: () => [
    {
      name: 'evacuate',
      summary: 'a command with a fault',
      role: 'officer',
      async run() {
        throw new Error('TypeError: x is not a function');
      },
    },
  ],
};

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('unhandled', { options: { features: [faulty, ...features] } });
});
afterAll(async () => app.stop());

describe('a message the bot fails to handle on every try', () => {
  it('reaches the cell with its words, the citizen is told the embassy has it, and staff learn their command may have done nothing', async () => {
    const citizen = '+33655559999';
    await app.say(citizen, 'There is a gas leak in our building in Aleppo, we smell it everywhere', { id: 'WA-FAULT-1' });
    await app.say(STAFF.officer, '/evacuate north', { group: CELL_GROUP, id: 'WA-FAULT-2' });
    // Five tries, half a second apart and doubling: about 8 seconds.
    const post = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'unhandled', 20_000);
    expect(post.text).toContain(citizen);
    expect(post.text).toContain('“There is a gas leak in our building in Aleppo, we smell it everywhere”');
    const answer = await app.expectMessage(citizen, /has your message/, 10_000);
    expect(answer.text).toContain('A consular officer will read it and contact you on this number');
    const staff = await app.expectMessage(CELL_GROUP, (m) => m.text.includes('/evacuate north'), 10_000);
    expect(staff.text).toMatch(/^⚠️ Chloe Officer, the bot could not handle your message “\/evacuate north”.*it may have done nothing/);
    await settle(app);
    // Once each; the messages stay in the failed set for investigation.
    expect((await app.outbox(citizen)).map((m) => m.text)).toEqual([answer.text]);
    expect((await app.outbox(CELL_GROUP)).filter((m) => m.kind === 'unhandled' || m.text.includes('/evacuate'))).toHaveLength(2);
    expect((await app.queues.inbound.getJobCounts('failed')).failed).toBe(2);
    const audit = await app.api<{ items: { type: string; subject: string }[] }>('GET', '/api/audit?limit=1000');
    expect(
      audit.body.items
        .filter((e) => e.type === 'message.unhandled')
        .map((e) => e.subject)
        .sort(),
    ).toEqual(['WA-FAULT-1', 'WA-FAULT-2']);
    expect(JSON.stringify(audit.body.items)).not.toContain('gas leak');
  }, 40_000);
});
