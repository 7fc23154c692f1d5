import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/**
 * In a flood most reports wait for the digest: what their reporters write next ("hello??", "any news")
 * must not reach the group one post each, ahead of the digest that first shows those incidents.
 */
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('flood-follow-ups', { config: { digest: { maxCardsPerWindow: 1, window: '10m' } } });
});
afterAll(async () => app.stop());

const idIn = (text: string) => /INC-\d{4}/.exec(text)?.[0] as string;

async function report(phone: string, text: string): Promise<string> {
  await app.say(phone, text);
  const id = idIn((await app.expectMessage(phone, /INC-\d{4}/)).text);
  await settle(app);
  return id;
}

describe('follow-ups in a flood', () => {
  it('one to a report waiting for the digest is not posted; one that makes it critical gives it its card, saying why', async () => {
    const shown = await report('+33655100001', 'Our flight was cancelled, we are stuck at the hotel');
    const waiting = await report('+33655100002', 'The road to the border is closed, we cannot leave the city');
    const posts = async () => (await app.outbox(CELL_GROUP)).map((m) => m.text);
    expect((await posts()).filter((t) => t.includes(waiting))).toEqual([]);
    expect(await app.deps.redis.zscore(app.deps.keys.digestPending, waiting)).not.toBeNull();

    await app.say('+33655100002', 'hello?? any news');
    await app.expectMessage('+33655100002', /INC-\d{4}/);
    await settle(app);
    expect((await posts()).filter((t) => t.includes(waiting))).toEqual([]);

    await app.say('+33655100002', 'my father collapsed and is not breathing');
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(waiting));
    expect(card.text).toContain('🔺 Raised to CRITICAL while waiting for the digest');
    expect(card.text).toContain('The reporter then wrote: “my father collapsed and is not breathing”');
    expect(await app.deps.redis.zscore(app.deps.keys.digestPending, waiting)).toBeNull();

    // A report the group has seen: its follow-up is posted, as ever.
    await app.say('+33655100001', 'we have no money left for the hotel');
    await app.expectMessage(CELL_GROUP, (m) => m.text.startsWith(`✏️ ${shown} — the reporter adds:`));
  });
});
