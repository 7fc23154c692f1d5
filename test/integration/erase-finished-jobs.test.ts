import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * A citizen's DELETE removes the finished jobs that carry their words, and only theirs: a neighbour
 * whose number merely starts with theirs keeps the record that stops a redelivered message being
 * handled twice, and the messages they wrote before WhatsApp told us their phone (LID only) go too.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('erase-finished-jobs');
});
afterAll(async () => app.stop());

const ERASED = '+3361236000';
const LONGER = '+33612360001'; // another citizen: the erased number is a prefix of theirs
const LID = '98765432101@lid';

async function finishedTexts(): Promise<string[]> {
  const jobs = await app.queues.inbound.getJobs(['completed', 'failed'], 0, -1);
  return jobs.map((j) => (j.data.type === 'message' ? (j.data.message.text ?? '') : ''));
}

describe('DELETE and the finished message jobs', () => {
  it('removes the erased citizen’s jobs, by phone and by LID, and keeps another citizen’s', async () => {
    // Written while WhatsApp showed only their LID.
    const fromLid = (id: string, text: string, forwarded = false) =>
      app.queues.receive({ id, chat: { kind: 'dm', phone: LID }, from: { lid: LID }, fromMe: false, at: Date.now(), text, forwarded });
    await fromLid('lid-only-1', 'my secret address is 5 Rue Lid');
    // A rumour forwarded then too: what they were warned of is kept a while under the LID.
    await fromLid('lid-only-2', 'The embassy says everyone must go to the airport tonight. Share!', true);
    await settle(app);
    expect(await app.deps.redis.exists(app.deps.keys.rumourWarned(LID))).toBe(1);
    // WhatsApp later reveals which phone the LID hides (the gateway records the pair).
    await app.deps.redis.hset(app.deps.keys.lidToPhone, LID, ERASED);
    await app.queues.receive({
      id: 'mapped-1',
      chat: { kind: 'dm', phone: ERASED },
      from: { phone: ERASED, lid: LID },
      fromMe: false,
      at: Date.now(),
      text: 'hello from the erased citizen',
    });
    await app.say(LONGER, 'hello from the neighbour');
    await settle(app);

    await app.say(ERASED, 'DELETE');
    await settle(app);

    const texts = await finishedTexts();
    expect(texts).toContain('hello from the neighbour');
    expect(texts).not.toContain('hello from the erased citizen');
    expect(texts).not.toContain('my secret address is 5 Rue Lid');
    expect(await app.deps.redis.exists(app.deps.keys.rumourWarned(LID))).toBe(0);
  });
});
