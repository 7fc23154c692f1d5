// Answers to "Are you safe? Reply 1 (SAFE) or 2 (HELP). You may add how many people with you are
// safe, e.g. "1 3"" written the way people write them: the head-count first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp('welfare-answers-words', {
    config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 100 }, digest: { maxCardsPerWindow: 1000, window: '1m' } },
  });
});
afterAll(async () => app.stop());

/**
 * A new citizen (household of 4), asked by a check of their own, answers `answer`: what it changed in
 * the check's tallies (the check also asked the earlier citizens, who stay silent), the bot's
 * replies, and the incidents they reported.
 */
async function askAndAnswer(answer: string) {
  const citizen = aCitizen({ region: 'coast', household: 4 });
  await saveCitizens(app.deps, [citizen]);
  const check = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['coast'] } });
  expect(check.status).toBe(201);
  const counts = async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${check.body.id}`)).body.counts;
  await app.expectMessage(citizen.phone, /Are you safe\?/);
  await settle(app);
  const start = await counts();
  const before = (await app.outbox(citizen.phone)).length;
  await app.say(citizen.phone, answer);
  await settle(app);
  const replies = (await app.outbox(citizen.phone)).slice(before).map((m) => m.text);
  const end = await counts();
  const changed = Object.fromEntries(Object.entries(end).map(([k, v]) => [k, v - start[k as keyof typeof start]]));
  const all = await app.api<{ items: { reporter: string; severity: string }[] }>('GET', '/api/incidents?limit=200');
  const incidents = all.body.items.filter((i) => i.reporter === citizen.phone);
  return { counts: changed, replies, incidents, id: check.body.id, phone: citizen.phone, end };
}

describe('a head-count written before SAFE', () => {
  for (const [text, people] of [
    ['2 safe', 2],
    ['2 people, all fine', 2],
    ['2 of us, all fine', 2],
    ['٢ بخير', 2],
    ['3 safe', 3],
    ['5 of us all ok', 5],
    ['we are 2, all safe', 2],
  ] as const) {
    it(`"${text}" is SAFE with ${people} people: no HELP, no critical report, not left as "no answer"`, async () => {
      // Before: a leading 2 was HELP whatever followed (a false CRITICAL card, "We have received your
      // request for help"); "3 safe" answered nothing (a report, and the citizen still on the list to call).
      const { counts, replies, incidents } = await askAndAnswer(text);
      expect(counts).toEqual({ total: 0, safe: 1, help: 0, noAnswer: -1, peopleSafe: people });
      expect(incidents).toEqual([]);
      expect(replies.join('\n')).not.toMatch(/request for help/);
    });
  }

  for (const text of ['2', '2 help', '2 my son is hurt', '2 ok', '2 safe but my son is injured', '2 3']) {
    it(`"${text}" is still HELP`, async () => {
      const { counts, incidents } = await askAndAnswer(text);
      expect(counts).toMatchObject({ safe: 0, help: 1, noAnswer: -1 });
      expect(incidents.map((i) => i.severity)).toEqual(['critical']);
    });
  }

  it('"1 3" is still SAFE with 3 people', async () => {
    const { counts } = await askAndAnswer('1 3');
    expect(counts).toMatchObject({ safe: 1, help: 0, peopleSafe: 3 });
  });
});

describe('SAFE said with a wish to stop the messages', () => {
  it('"we\'re ok, stop sending me messages" is tallied SAFE, then told how to send STOP or DELETE', async () => {
    // Before: only the hint; the SAFE was lost and the citizen stayed on the list the cell calls.
    const { counts, replies, incidents } = await askAndAnswer("we're ok, stop sending me messages");
    expect(counts).toEqual({ total: 0, safe: 1, help: 0, noAnswer: -1, peopleSafe: 4 });
    expect(replies).toEqual([expect.stringMatching(/noted that you are safe/), expect.stringMatching(/send the one word DELETE/)]);
    // The wish to stop is answered here: no report for the cell.
    expect(incidents).toEqual([]);
  });
});

describe('SAFE asked back as a question', () => {
  for (const text of ['safe?', 'ok?', 'yes?', 'oui ?', 'بخير؟']) {
    it(`"${text}" is no answer: nothing is tallied and the check's question is asked again`, async () => {
      // Before: tallied SAFE, taking a citizen who was asking off the list the cell calls.
      const { counts, replies, incidents, id } = await askAndAnswer(text);
      expect(counts).toEqual({ total: 0, safe: 0, help: 0, noAnswer: 0, peopleSafe: 0 });
      expect(replies).toEqual([expect.stringMatching(new RegExp(`${id}[\\s\\S]*Are you safe\\? Reply 1 \\(SAFE\\) or 2 \\(HELP\\)`))]);
      expect(incidents).toEqual([]);
    });
  }

  it('"safe?" after answering HELP does not move the citizen to SAFE', async () => {
    const { id, phone, end } = await askAndAnswer('2');
    await app.say(phone, 'safe?');
    await settle(app);
    expect((await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body.counts).toEqual(end);
  });
});
