// A 👍 in answer to "are you safe?": the citizen is asked to answer 1 or 2, in their language, and is
// not counted SAFE (a 👍 may mean "I read it"; a wrong SAFE takes them off the list the cell calls).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

const FR = aCitizen({ phone: '+33677100001', region: 'north', language: 'fr' });
const EN = aCitizen({ phone: '+33677100002', region: 'north', language: 'en' });
const REACTS = aCitizen({ phone: '+33677100003', region: 'north', language: 'en' });
const NOT_ASKED = aCitizen({ phone: '+33677100004', region: 'coast', language: 'en' });

describe('a 👍 to a welfare check the citizen has not answered', () => {
  let app: TestApp;
  let id: string;
  const counts = async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body.counts;
  /** What the bot answers `phone` after `act`. */
  const answers = async (phone: string, act: () => Promise<unknown>) => {
    const before = (await app.outbox(phone)).length;
    await act();
    await settle(app);
    return (await app.outbox(phone)).slice(before);
  };

  beforeAll(async () => {
    app = await startTestApp('welfare-thumbs', { config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25 } } });
    await saveCitizens(app.deps, [FR, EN, REACTS, NOT_ASKED]);
    id = (await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { regions: ['north'] } })).body.id;
    await app.expectMessage(REACTS.phone, /Are you safe\?/);
    await settle(app);
  });
  afterAll(async () => app.stop());

  it('asks for 1 (SAFE) or 2 (HELP) in their language, whatever the skin tone, and counts nothing', async () => {
    // Before: "🙏 You are welcome…", counted nowhere: they believed they had answered; the cell would call them, or not.
    const fr = await answers(FR.phone, () => app.say(FR.phone, '👍🏽'));
    expect(fr.map((m) => m.text)).toEqual([expect.stringMatching(new RegExp(`${id}[\\s\\S]*Êtes-vous en sécurité`))]);
    const en = await answers(EN.phone, () => app.say(EN.phone, '✅'));
    expect(en.map((m) => m.text)).toEqual([expect.stringMatching(/Are you safe\? Reply 1 \(SAFE\) or 2 \(HELP\)/)]);
    expect(await counts()).toMatchObject({ safe: 0, help: 0, noAnswer: 3 });
    expect((await app.api<{ items: unknown[] }>('GET', '/api/incidents')).body.items).toHaveLength(0);
    // Their answer then counts as ever; a 👍 after it is thanks.
    await app.say(EN.phone, '1');
    await app.expectMessage(EN.phone, /noted that you are safe/);
    const after = await answers(EN.phone, () => app.say(EN.phone, '👍'));
    expect(after.map((m) => m.kind)).toEqual(['thanks']);
    expect(await counts()).toMatchObject({ safe: 1, noAnswer: 2 });
  });

  it('asks the same of a 👍 reaction on the question', async () => {
    const question = await app.expectMessage(REACTS.phone, /Are you safe\?/);
    const got = await answers(REACTS.phone, () =>
      app.api('POST', '/sim/reactions', { from: REACTS.phone, messageId: question.id, emoji: '👍🏻' }),
    );
    expect(got.map((m) => m.text)).toEqual([expect.stringMatching(/Reply 1 \(SAFE\) or 2 \(HELP\)/)]);
    expect(await counts()).toMatchObject({ safe: 1, noAnswer: 2 });
  });

  it('thanks a citizen no check asked, as before', async () => {
    const got = await answers(NOT_ASKED.phone, () => app.say(NOT_ASKED.phone, '👍'));
    expect(got.map((m) => m.kind)).toEqual(['thanks']);
  });
});
