import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { type FakeSend, fakeSocketFactory } from '../fakes/fake-baileys-socket.ts';
import { CELL_GROUP, settle, startTestApp, waitFor } from '../fakes/test-app.ts';

// A welfare question WhatsApp takes, then refuses (error 463: the number may not start chats), is
// queued again and held until the restriction lifts. It did not reach the citizen: their reminder
// is due an hour after the question actually reached them, not an hour after the refused send
// (it would then come with the question after the lift, or before it). The whole app over the fake socket.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const jidOf = (phone: string) => `${phone.slice(1)}@s.whatsapp.net`;
const textOf = (s: FakeSend) => String((s.content as { text?: string }).text ?? '');
/** The question (the reminder asks "Are you safe?" too, without this). */
const QUESTION = /Are you safe\?.*You may add how many people/s;

async function startApp(name: string) {
  const sockets = fakeSocketFactory();
  // The app's clock: moved on to when reminders are due.
  const clock = { skew: 0 };
  const app = await startTestApp(name, {
    config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
    options: { transport: sockets.transport, now: () => Date.now() + clock.skew },
  });
  const sock = await sockets.openFirst(app.url);
  const sentTo = (phone: string, match: RegExp) => sock.sent.filter((s) => s.jid === jidOf(phone) && match.test(textOf(s)));
  const held = async () => (await app.api<{ held: number }>('GET', '/api/whatsapp')).body.held;
  const view = async (id: string) => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
  const reminderJob = (id: string) => broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wrem', id));
  /** Runs the check's reminder job now (the clock moved on), and waits until it ran and settled. */
  const runReminders = async (id: string) => {
    await (await reminderJob(id))?.promote();
    await waitFor(async () => ['delayed', 'completed'].includes((await (await reminderJob(id))?.getState()) ?? ''));
    await settle(app);
  };
  const startCheck = async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(res.status).toBe(201);
    return res.body.id;
  };
  return { app, sock, clock, sentTo, held, view, reminderJob, runReminders, startCheck };
}

/** An hour after the refused send: no reminder of a question that never reached the citizen, and it counts as still to send. */
async function notRemindedWhileHeld(t: Awaited<ReturnType<typeof startApp>>, id: string, phone: string) {
  t.clock.skew += HOUR;
  await t.runReminders(id);
  expect(await t.held()).toBe(1);
  expect(t.sentTo(phone, /Reminder:/)).toEqual([]);
  expect((await t.view(id)).delivery).toMatchObject({ sent: 0, queued: 1, failed: 0 });
}

/** Lifts the restriction, then checks the citizen is reminded once, only an hour after the question reached them. */
async function liftThenRemindOnce(t: Awaited<ReturnType<typeof startApp>>, id: string, phone: string, first: FakeSend) {
  const { app, sentTo } = t;
  const questions = () => sentTo(phone, QUESTION);
  const reminders = () => sentTo(phone, /Reminder: the embassy still needs your answer/);
  // The reminder job waits for the question to go out again (the check is `open`, nobody in the to-remind set).
  expect(await (await t.reminderJob(id))?.getState()).toBe('delayed');
  expect((await app.api('DELETE', '/api/whatsapp/restriction')).body).toEqual({ lifted: true });
  const again = await waitFor(async () => questions()[1], 10_000, 'the question sent again');
  expect(again.options?.messageId).toBe(first.options?.messageId);
  await waitFor(async () => ((await t.held()) === 0 ? true : undefined));
  await waitFor(async () => ((await t.view(id)).delivery.sent === 1 ? true : undefined));
  await settle(app);
  // Before, a reminder had been queued (and held with the question): it came right behind it.
  expect(reminders()).toEqual([]);

  // 30 minutes after the question reached them: not yet.
  t.clock.skew += 30 * MINUTE;
  await t.runReminders(id);
  expect(reminders()).toEqual([]);
  // An hour after it: reminded, once.
  t.clock.skew += 31 * MINUTE;
  await t.runReminders(id);
  await waitFor(async () => reminders()[0], 10_000, 'the reminder');
  await settle(app);
  expect(sentTo(phone, /Are you safe\?/).map(textOf)).toEqual([
    expect.stringMatching(QUESTION),
    expect.stringMatching(QUESTION),
    expect.stringMatching(/Reminder:/),
  ]);
  expect((await t.view(id)).delivery).toMatchObject({ sent: 1, failed: 0 });
}

describe('a welfare question WhatsApp refuses with error 463', () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  const citizen = aCitizen({ phone: '+33611000007' });
  beforeAll(async () => {
    t = await startApp('bl-welfare-463');
    await saveCitizens(t.app.deps, [citizen]);
  });
  afterAll(async () => t.app.stop());

  it('is not reminded while held, and the citizen is reminded once, an hour after the question reached them', async () => {
    const { sock, sentTo } = t;
    const id = await t.startCheck();
    const first = await waitFor(async () => sentTo(citizen.phone, QUESTION)[0]);
    await waitFor(async () => ((await t.view(id)).delivery.sent === 1 ? true : undefined));
    sock.refuse463(first.options?.messageId as string, jidOf(citizen.phone));
    await waitFor(async () => sock.sent.find((s) => s.jid === CELL_GROUP && /\(error 463\)/.test(textOf(s))));
    await waitFor(async () => ((await t.held()) === 1 ? true : undefined), 10_000, 'the refused question held');

    await notRemindedWhileHeld(t, id, citizen.phone);

    await liftThenRemindOnce(t, id, citizen.phone, first);
  });
});

describe('a welfare question whose 463 is handled before Baileys returns from its send', () => {
  let t: Awaited<ReturnType<typeof startApp>>;
  const citizen = aCitizen({ phone: '+33611000008' });
  beforeAll(async () => {
    t = await startApp('bl-welfare-463-early');
    await saveCitizens(t.app.deps, [citizen]);
  });
  afterAll(async () => t.app.stop());

  it('is not reminded while held either, and the citizen is reminded once after it reached them', async () => {
    const { sock, sentTo } = t;
    sock.duringSend = (s) => {
      if (s.jid !== jidOf(citizen.phone)) return;
      sock.duringSend = undefined;
      sock.refuse463(s.options?.messageId as string, s.jid);
    };
    const id = await t.startCheck();
    const first = await waitFor(async () => sentTo(citizen.phone, QUESTION)[0]);
    await waitFor(async () => ((await t.held()) === 1 ? true : undefined), 10_000, 'the refused question held');

    await notRemindedWhileHeld(t, id, citizen.phone);

    await liftThenRemindOnce(t, id, citizen.phone, first);
  });
});
