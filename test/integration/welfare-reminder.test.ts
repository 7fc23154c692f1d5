import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import { releaseHeldFor } from '../../src/app/held-sends.ts';
import { broadcastQueues } from '../../src/broadcast/broadcast-queue.ts';
import type { WelfareView } from '../../src/broadcast/welfare.ts';
import { saveCitizens } from '../../src/citizens/registry.ts';
import { jobIdFor, type Queues } from '../../src/queues/queues.ts';
import { type ChatAddress, type OutboundMessage, type SendResult, TransportError } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { aCitizen } from '../fakes/citizens.ts';
import { auditTrail, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const EARLY = aCitizen({ name: 'Early Silent' }); // asked at once, never answers
const SLOW = aCitizen({ name: 'Slow Sent' }); // their question is held back (WhatsApp's 463 on new chats), then sent
const ANSWERS = aCitizen({ name: 'Ana Answers' }); // asked at once, answers SAFE
const FAILS = aCitizen({ name: 'Fay Fails' }); // not on WhatsApp: their question fails

/** Who WhatsApp holds new chats to, for now (shared by the app and the app restarted). */
const held = new Set([SLOW.phone]);
/** Every send the transport was asked for, to a citizen. */
const attempts: { to: string; kind: string }[] = [];

/** The simulator, with a sending restriction on some new chats and a number that is not on WhatsApp. */
class SlowSimulator extends SimulatorTransport {
  holdFor(to: ChatAddress) {
    return to.kind === 'dm' && held.has(to.phone) ? { reason: 'error_463', until: Date.now() + 24 * HOUR } : undefined;
  }

  override async send(msg: OutboundMessage): Promise<SendResult> {
    if (msg.to.kind === 'dm') attempts.push({ to: msg.to.phone, kind: msg.kind });
    if (msg.to.kind === 'dm' && msg.to.phone === FAILS.phone) throw new TransportError('not on WhatsApp', 'not_on_whatsapp', false);
    return super.send(msg);
  }
}

const reminders = async (app: TestApp, phone: string) => (await app.outbox(phone)).filter((m) => /Reminder:/.test(m.text));
const reminderJob = (app: TestApp, id: string) => broadcastQueues(app.deps).broadcast.getJob(jobIdFor('wrem', id));
/** Waits until the reminder job promoted has run: waiting for whom it still has to remind, or done. */
const reminderRan = (app: TestApp, id: string) =>
  waitFor(async () => ['delayed', 'completed'].includes((await (await reminderJob(app, id))?.getState()) ?? ''));

describe('welfare reminders, each timed from when the citizen was actually asked', () => {
  let app: TestApp;
  let prefix: string;
  // The app's clock: moved on to when reminders are due.
  let skew = 0;
  const start = (reuse?: string) =>
    startTestApp('welfare-remind', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 25, welfareReminderAfter: '1h', welfareFollowUpAfter: '3h' } },
      options: {
        now: () => Date.now() + skew,
        transport: (deps: CoreDeps, queues: Queues) => new SlowSimulator(deps.redis, deps.keys, queues.sink()),
      },
      ...(reuse ? { prefix: reuse } : {}),
    });

  beforeAll(async () => {
    app = await start();
    prefix = app.prefix;
    await saveCitizens(app.deps, [EARLY, SLOW, ANSWERS, FAILS]);
  });
  afterAll(async () => app.stop());

  it('reminds a citizen asked late only an hour after their own question, across a restart; nobody twice, nobody who answered or was never asked', async () => {
    const res = await app.api<{ id: string }>('POST', '/api/welfare-checks', { audience: { all: true } });
    expect(res.status).toBe(201);
    const id = res.body.id;
    await app.expectMessage(EARLY.phone, /Are you safe\?/);
    await app.expectMessage(ANSWERS.phone, /Are you safe\?/);
    await app.say(ANSWERS.phone, '1');
    await app.expectMessage(ANSWERS.phone, /noted that you are safe/);
    const view = async () => (await app.api<WelfareView>('GET', `/api/welfare-checks/${id}`)).body;
    await waitFor(async () => (await view()).delivery.failed === 1);
    await settle(app);
    // SLOW's question is held back: still going out.
    expect(await app.outbox(SLOW.phone)).toEqual([]);
    expect(await view()).toMatchObject({ status: 'sending', delivery: { sent: 2, failed: 1, queued: 1 } });

    // An hour later, the reminder is due for those asked then: EARLY only.
    skew += HOUR;
    await (await reminderJob(app, id))?.promote();
    await app.expectMessage(EARLY.phone, /Reminder: the embassy still needs your answer/);
    await reminderRan(app, id);
    await settle(app);
    // SLOW, whose question has not gone out, is not reminded of it.
    expect(await reminders(app, SLOW.phone)).toEqual([]);
    expect(await reminders(app, ANSWERS.phone)).toEqual([]);
    // A question that failed is not followed by a reminder: FAILS is on the follow-up list to call.
    expect(attempts.filter((a) => a.to === FAILS.phone).map((a) => a.kind)).toEqual(['welfare']);

    // The worker restarts; the restriction lifts for SLOW and their question goes out now, 1 h after the start.
    await app.close();
    app = await start(prefix);
    held.delete(SLOW.phone);
    await releaseHeldFor(app.deps, app.queues.outbound, SLOW.phone);
    await app.expectMessage(SLOW.phone, /Are you safe\?/);
    // Its send recorded (the last question: the check is open).
    await waitFor(async () => (await view()).status === 'open');
    await settle(app);
    // Before, a reminder had been queued for them at the first run, and went out right behind the question.
    expect(await reminders(app, SLOW.phone)).toEqual([]);

    // 30 minutes after SLOW's question: not yet.
    skew += 30 * MINUTE;
    await (await reminderJob(app, id))?.promote();
    await reminderRan(app, id);
    await settle(app);
    expect(await reminders(app, SLOW.phone)).toEqual([]);
    // It waits for the next citizen to remind.
    expect(await (await reminderJob(app, id))?.getState()).toBe('delayed');

    // An hour after it: SLOW is reminded, and nobody is left to remind.
    skew += 31 * MINUTE;
    await (await reminderJob(app, id))?.promote();
    await app.expectMessage(SLOW.phone, /Reminder: the embassy still needs your answer/);
    await waitFor(async () => (await (await reminderJob(app, id))?.getState()) === 'completed');
    expect((await reminderJob(app, id))?.returnvalue).toEqual({ reminded: 1 });
    await settle(app);

    expect((await app.outbox(SLOW.phone)).map((m) => m.text)).toEqual([
      expect.stringMatching(/Are you safe\?/),
      expect.stringMatching(/Reminder:/),
    ]);
    expect(await reminders(app, EARLY.phone)).toHaveLength(1);
    expect(await reminders(app, ANSWERS.phone)).toEqual([]);
    expect(attempts.filter((a) => a.to === FAILS.phone)).toHaveLength(1);
    // The audit trail has one entry per run that reminded someone, with how many.
    const reminded = ((await auditTrail(app)).entries as { type: string; subject?: string; data?: { count: number } }[]).filter(
      (e) => e.type === 'welfare.reminded' && e.subject === id,
    );
    expect(reminded.map((e) => e.data?.count)).toEqual([1, 1]);
    // Still on the list to call by phone: EARLY (reminded, silent), SLOW, and FAILS (never reached).
    const list = await app.api<{ items: { phone: string }[] }>('GET', `/api/welfare-checks/${id}/follow-up`);
    expect(list.body.items.map((c) => c.phone).sort()).toEqual([EARLY.phone, SLOW.phone, FAILS.phone].sort());
  });
});
