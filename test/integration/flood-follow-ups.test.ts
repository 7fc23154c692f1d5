import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIncident } from '../../src/app/incidents/open-incident.ts';
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

describe('follow-ups in a flood, decided once', () => {
  const postsAbout = async (id: string) => (await app.outbox(CELL_GROUP)).filter((m) => m.text.includes(id));

  it('a report critical from the start, waiting for lack of room, gets no "raised" card from a "hello??"', async () => {
    const { keys, redis } = app.deps;
    // The window holds as many critical cards as it may.
    const now = Date.now();
    await redis.zadd(keys.digestCards, now, 'X-1', now, 'X-2', now, 'X-3', now, 'X-4');
    const id = await report('+33655100011', 'Armed men broke into our house, my husband is shot and bleeding');
    expect(await redis.zscore(keys.digestPending, id)).not.toBeNull();
    await redis.zrem(keys.digestCards, 'X-1', 'X-2', 'X-3', 'X-4');
    await app.say('+33655100011', 'hello??');
    await app.expectMessage('+33655100011', (m) => m.text.includes(id) && !/Reference/.test(m.text));
    await settle(app);
    expect(await postsAbout(id)).toEqual([]);
  });

  it('a follow-up taken in twice (a retried job) gives one card, and no update line besides', async () => {
    const id = await report('+33655100012', 'We are stuck on the road to the border with a sick child');
    expect(await app.deps.redis.zscore(app.deps.keys.digestPending, id)).not.toBeNull();
    const worse = {
      reporter: '+33655100012',
      text: 'the child stopped breathing',
      channel: 'chat',
      language: 'en',
      sourceMessageId: 'flood-retry-1',
    } as const;
    await openIncident(app.deps, worse);
    await openIncident(app.deps, worse);
    await settle(app);
    const posts = await postsAbout(id);
    expect(posts.map((m) => m.kind)).toEqual(['card']);
  });
});

describe('DELETE and a long run of figures', () => {
  it('takes their number out of a note that also lists hundreds of figures, and leaves the figures', async () => {
    const phone = '+33655100013';
    const id = await report(phone, 'Lost passports for the whole family');
    const figures = Array.from({ length: 400 }, (_, i) => String(1000 + i)).join(' ');
    await app.api('POST', `/api/incidents/${id}/notes`, { text: `Passport numbers: ${figures}. Call back on +33 6 55 10 00 13.` });
    await app.say(phone, 'DELETE');
    await app.expectMessage(phone, /has been erased/);
    await settle(app);
    const note = (await app.api<{ timeline: { type: string; text?: string }[] }>('GET', `/api/incidents/${id}`)).body.timeline.find(
      (e) => e.type === 'note',
    );
    expect(note?.text).toBe(`Passport numbers: ${figures}. Call back on [erased].`);
  });
});
