import { afterEach, describe, expect, it } from 'vitest';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/**
 * "Are you safe?" has one answer now: a citizen asked by two checks, one open and one closed
 * moments ago, answers the one they have not answered yet, whichever of the two closed. Before, the
 * answer went only to the open check (already answered), and the check just closed kept them as
 * "no answer", on the list of people for the cell to phone.
 */
const HOUR = 3_600_000;

describe('a late answer when another welfare check is open', () => {
  let app: TestApp;
  let skew = 0;
  const start = async () => {
    skew = 0;
    app = await startTestApp('welfare-late', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
      options: { now: () => Date.now() + skew },
    });
  };
  afterEach(async () => app.stop());

  const check = async (id: string) => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
  const followUp = async (id: string) =>
    (await app.api<{ items: { phone: string }[] }>('GET', `/api/welfare-checks/${id}/follow-up`)).body.items.map((c) => c.phone);
  const welfare = async (audience: Record<string, unknown>) => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  const close = async (id: string) => expect((await app.api('POST', `/api/welfare-checks/${id}/close`)).status).toBe(200);
  /** Sends `text` and waits for the bot's answer. */
  const answer = async (phone: string, text: string, match: RegExp) => {
    const before = (await app.outbox(phone)).length;
    await app.say(phone, text);
    await waitFor(async () => (await app.outbox(phone)).slice(before).some((m) => match.test(m.text)), 10_000, `${match}`);
  };
  /** Waits until `phone` was asked "are you safe?" `n` times. */
  const asked = async (phone: string, n: number) => {
    await waitFor(async () => (await app.outbox(phone)).filter((m) => /Are you safe\?/.test(m.text)).length === n, 10_000, 'the question');
    await settle(app);
  };

  it('older check open and answered, newer one closed a second ago: "1" counts in the closed one, late', async () => {
    await start();
    const john = aCitizen({ name: 'John North', region: 'north' });
    const mary = aCitizen({ name: 'Mary Capital', region: 'capital' });
    await saveCitizens(app.deps, [john, mary]);
    const first = await welfare({ all: true });
    await asked(john.phone, 1);
    await answer(john.phone, '1', /noted that you are safe/);
    const second = await welfare({ regions: ['north', 'capital'] });
    await asked(john.phone, 2);
    await close(second);
    expect((await check(second)).closed?.counts).toMatchObject({ total: 2, safe: 0, noAnswer: 2 });

    await answer(john.phone, '1', /noted that you are safe/);
    await settle(app);
    expect(await check(second)).toMatchObject({ counts: { total: 2, safe: 1, noAnswer: 1 }, late: { safe: 1, help: 0 } });
    // The cell no longer has to phone John for it: only Mary, who did not answer.
    expect(await followUp(second)).toEqual([mary.phone]);
    // The open check he had answered keeps his one answer.
    expect((await check(first)).counts).toMatchObject({ total: 2, safe: 1, noAnswer: 1 });
    expect((await check(first)).late).toEqual({ safe: 0, help: 0 });
  });

  it('older check closed a second ago, newer one open: "2" counts in both and opens one incident', async () => {
    await start();
    const john = aCitizen({ name: 'John North', region: 'north' });
    await saveCitizens(app.deps, [john]);
    const first = await welfare({ all: true });
    await asked(john.phone, 1);
    await close(first);
    const second = await welfare({ regions: ['north'] });
    await asked(john.phone, 2);

    await answer(john.phone, '2', /INC-\d+/);
    await settle(app);
    expect((await check(second)).counts).toMatchObject({ total: 1, help: 1, noAnswer: 0 });
    expect(await check(first)).toMatchObject({ counts: { total: 1, help: 1, noAnswer: 0 }, late: { safe: 0, help: 1 } });
    expect(await followUp(first)).toEqual([]);
    // One critical report, listed under both checks.
    const under = async (id: string) =>
      (await app.api<{ items: { id: string; severity: string }[] }>('GET', `/api/incidents?welfareCheck=${id}`)).body.items;
    const [incident] = await under(second);
    expect(incident?.severity).toBe('critical');
    expect((await under(first)).map((i) => i.id)).toEqual([incident?.id]);
  });

  it('a check closed more than a day ago takes no answer while another is open; a check they answered keeps that answer', async () => {
    await start();
    const john = aCitizen({ name: 'John North', region: 'north' });
    await saveCitizens(app.deps, [john]);
    const old = await welfare({ all: true });
    await asked(john.phone, 1);
    await close(old);
    skew += 25 * HOUR;
    const answered = await welfare({ regions: ['north'] });
    await asked(john.phone, 2);
    await answer(john.phone, '1', /noted that you are safe/);
    await settle(app);
    await close(answered);
    const open = await welfare({ all: true });
    await asked(john.phone, 3);

    await answer(john.phone, '2', /INC-\d+/);
    await settle(app);
    expect((await check(open)).counts).toMatchObject({ help: 1, noAnswer: 0 });
    // Closed a day ago and never answered: still on its list to call, not counted from today's words.
    expect((await check(old)).counts).toMatchObject({ safe: 0, help: 0, noAnswer: 1 });
    // Closed moments ago, but answered before its close: its answer stands.
    expect(await check(answered)).toMatchObject({ counts: { safe: 1, help: 0 }, late: { safe: 0, help: 0 } });
  });
});
