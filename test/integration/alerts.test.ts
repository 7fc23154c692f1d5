import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CoreDeps } from '../../src/app/deps.ts';
import type { AlertView } from '../../src/broadcast/alerts.ts';
import { broadcastFeature } from '../../src/broadcast/broadcast-feature.ts';
import { fanOut } from '../../src/broadcast/fanout.ts';
import { type Citizen, getCitizen } from '../../src/citizens/registry.ts';
import { jobIdFor } from '../../src/queues/queues.ts';
import { type OutboundMessage, type SendResult, TransportError } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { seedCitizens } from '../fakes/citizens.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

const phone = (n: number) => `+3361200${String(n).padStart(4, '0')}`;

const seed = (deps: CoreDeps, from: number, count: number, over: Partial<Citizen> = {}) => seedCitizens(deps, phone, from, count, over);

/** The simulator, with sends held until `release()` and one phone the platform refuses. */
class HeldSimulator extends SimulatorTransport {
  static refuse = new Set<string>();
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};
  /** Alert messages that passed their last look and wait at the gate. */
  alertsAtGate = 0;
  hold(): void {
    this.gate = new Promise((r) => {
      this.open = r;
    });
  }
  release(): void {
    this.open();
  }
  override async send(msg: OutboundMessage): Promise<SendResult> {
    if (msg.to.kind === 'dm' && HeldSimulator.refuse.has(msg.to.phone))
      throw new TransportError('not on WhatsApp', 'not_on_whatsapp', false);
    const alert = msg.kind === 'alert';
    if (alert) this.alertsAtGate++;
    await this.gate;
    if (alert) this.alertsAtGate--;
    return super.send(msg);
  }
}

describe('consular alerts', () => {
  let app: TestApp;
  const sim = () => app.transport as HeldSimulator;
  const alertOf = async (id: string) => (await app.api<AlertView>('GET', `/api/alerts/${id}`)).body;
  const tokenFor = async (name: string, role: string, tokenPhone?: string) =>
    (await app.api<{ token: string }>('POST', '/api/tokens', { name, role, ...(tokenPhone ? { phone: tokenPhone } : {}) })).body.token;

  beforeAll(async () => {
    app = await startTestApp('alerts', {
      config: { broadcast: { ratePerSecond: 1000, approvalThreshold: 3, welfareReminderAfter: '1h', welfareFollowUpAfter: '2h' } },
      options: { transport: (deps, queues) => new HeldSimulator(deps.redis, deps.keys, queues.sink()) },
    });
  });
  afterEach(() => sim().release());
  afterAll(async () => app.stop());

  it('sends an alert to a region in each citizen’s language with its verification code, and tracks delivery', async () => {
    const [en] = await seed(app.deps, 1, 1, { region: 'coast' });
    const [fr] = await seed(app.deps, 2, 1, { region: 'coast', language: 'fr' });
    const [ar] = await seed(app.deps, 3, 1, { region: 'coast', language: 'ar' });
    const [elsewhere] = await seed(app.deps, 4, 1, { region: 'capital' });
    const res = await app.api<{ id: string; status: string; code: string }>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { en: 'Stay indoors tonight.', fr: 'Restez chez vous ce soir.' },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('sending');
    expect(res.body.id).toMatch(/^ALR-\d{4}$/);
    const { id, code } = res.body;
    expect((await app.expectMessage(en as string, /Stay indoors/)).text).toContain(code);
    expect((await app.expectMessage(fr as string, /Restez chez vous/)).text).toContain(`Code de vérification : ${code}`);
    expect((await app.expectMessage(ar as string, /Stay indoors/)).text).toContain(code);
    const done = await waitFor(async () => {
      const a = await alertOf(id);
      return a.status === 'sent' && a.counts.delivered === 3 ? a : undefined;
    });
    expect(done.counts).toMatchObject({ total: 3, queued: 0, sent: 3, delivered: 3, failed: 0 });
    await settle(app);
    expect(await app.outbox(elsewhere)).toHaveLength(0);
    const forwarded = (await app.expectMessage(en as string, /Stay indoors/)).text;
    await app.say(elsewhere as string, forwarded);
    await app.expectMessage(elsewhere as string, new RegExp(`Yes: ${id} is a genuine alert`));
    await app.say(
      elsewhere as string,
      forwarded.replace(code, code === 'AAAA' ? 'CCCC' : 'AAAA').replace('Stay indoors', 'Go to the airport'),
    );
    await app.expectMessage(elsewhere as string, new RegExp(`Warning: the embassy did not send ${id}`));
    expect((await app.api('GET', '/api/alerts/ALR-9999')).status).toBe(404);
  });

  it('waits for a second officer above the threshold; the author cannot approve their own', async () => {
    await seed(app.deps, 100, 5, { region: 'capital' });
    const anaToken = await tokenFor('Ana Duty', 'duty_officer', STAFF.duty);
    const created = await app.api<{ id: string; status: string }>(
      'POST',
      '/api/alerts',
      { audience: { regions: ['capital'] }, text: { en: 'Curfew at 8pm.' } },
      anaToken,
    );
    expect(created.body.status).toBe('pending_approval');
    // The second officer sees what they are asked to approve: the words, not only the audience.
    expect((await alertOf(created.body.id)).text).toEqual({ en: 'Curfew at 8pm.' });
    // Drafted through the API, not in chat: the cell group is asked for the approval.
    await app.expectMessage(
      CELL_GROUP,
      (m) =>
        m.kind === 'alert-draft' && m.text.includes(`Alert ${created.body.id} drafted by Ana Duty`) && m.text.includes('Curfew at 8pm.'),
    );
    const own = await app.api<{ error: { code: string; message: string } }>(
      'POST',
      `/api/alerts/${created.body.id}/approve`,
      undefined,
      anaToken,
    );
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/second officer/);
    expect((await app.outbox(phone(100))).length).toBe(0);
    const ben = await app.api<{ status: string }>('POST', `/api/alerts/${created.body.id}/approve`);
    expect(ben.status).toBe(200);
    expect(ben.body.status).toBe('sending');
    const again = await app.api<{ error: { code: string } }>(
      'POST',
      `/api/alerts/${created.body.id}/approve`,
      undefined,
      await tokenFor('Chloe', 'duty_officer'),
    );
    expect(again.status).toBe(409);
    await app.expectMessage(phone(104), /Curfew at 8pm/);
    expect((await alertOf(created.body.id)).approvedBy).toBe('admin');
  });

  it('runs /alert and /approve from the cell group, refusing the author', async () => {
    await app.say(STAFF.duty, '/alert capital Water is unsafe to drink.', { group: CELL_GROUP });
    const draft = await app.expectMessage(CELL_GROUP, /Alert ALR-\d+ .*Waiting for a second officer/);
    const id = /ALR-\d+/.exec(draft.text)?.[0] as string;
    await app.say(STAFF.duty, `/approve ${id}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /drafted by Ana Duty; a second officer must approve it/);
    await app.say(STAFF.admin, `/approve ${id.toLowerCase()}`, { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, new RegExp(`Alert ${id} approved by Ben Consul`));
    await app.expectMessage(phone(100), /Water is unsafe/);
    await app.say(STAFF.duty, '/alert atlantis Hello', { group: CELL_GROUP });
    await app.expectMessage(CELL_GROUP, /Unknown region "atlantis"/);
  });

  it('tells the cell group of an alert drafted with /alert in a DM that waits for a second officer', async () => {
    await seed(app.deps, 600, 4, { region: 'capital' });
    await app.say(STAFF.officer, '/alert capital Boil tap water before drinking.');
    const reply = await app.expectMessage(STAFF.officer, /Alert ALR-\d+ .*Waiting for a second officer/);
    const id = /ALR-\d+/.exec(reply.text)?.[0] as string;
    // Before: only the author's DM said so; the officers who could approve it were never told.
    const post = await app.expectMessage(CELL_GROUP, (m) => m.text.includes(`Alert ${id} drafted by Chloe Officer`));
    expect(post.text).toContain(`/approve ${id}`);
    expect(post.text).toContain('Boil tap water');
    await app.api('POST', `/api/alerts/${id}/cancel`);
  });

  it('refuses a bad alert body with a clear error naming the field', async () => {
    const noText = await app.api<{ error: { message: string } }>('POST', '/api/alerts', { audience: { all: true }, text: {} });
    expect(noText.status).toBe(400);
    expect(noText.body.error.message).toMatch(/no text/);
    const badRegion = await app.api<{ error: { message: string } }>('POST', '/api/alerts', {
      audience: { regions: ['mars'] },
      text: { en: 'x' },
    });
    expect(badRegion.body.error.message).toMatch(/unknown region\(s\): mars/);
    const empty = await app.api<{ error: { message: string } }>('POST', '/api/alerts', { audience: {}, text: { en: 'x' } });
    expect(empty.body.error.message).toMatch(/audience is empty/);
    const badField = await app.api<{ error: { message: string } }>('POST', '/api/alerts', { audience: { all: 'yes' }, text: { en: 'x' } });
    expect(badField.body.error.message).toMatch(/body\.audience\.all/);
  });

  it('sends a drill to the rostered staff only, prefixed EXERCISE', async () => {
    const res = await app.api<{ id: string; status: string }>('POST', '/api/alerts', {
      audience: { all: true },
      text: { en: 'Drill: evacuate.' },
      exercise: true,
    });
    expect(res.body.status).toBe('sending');
    const m = await app.expectMessage(STAFF.viewer, /Drill: evacuate/);
    expect(m.text.startsWith('EXERCISE — ')).toBe(true);
    await settle(app);
    expect((await app.outbox(phone(1))).some((x) => x.text.includes('Drill'))).toBe(false);
    expect((await alertOf(res.body.id)).counts.total).toBe(4);
  });

  it('respects STOP and DELETE sent after the alert was queued, and one refused recipient never stops the rest', async () => {
    const phones = await seed(app.deps, 200, 3, { region: 'north' });
    const [stopper, deleter, refused] = phones as [string, string, string];
    HeldSimulator.refuse.add(refused);
    await app.queues.outbound.pause();
    const created = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['north'] },
      text: { en: 'Convoy leaves at 6.' },
    });
    const { id } = created.body;
    const job = (p: string) => app.queues.outbound.getJob(jobIdFor('o', `alert:${id}:${p}`));
    await waitFor(async () => (await job(deleter)) !== undefined);
    await app.say(stopper, 'STOP');
    await app.say(deleter, 'supprimer');
    await waitFor(async () => (await getCitizen(app.deps, stopper))?.optedOut === true);
    await waitFor(async () => (await getCitizen(app.deps, deleter)) === undefined);
    // The registry entry goes first, the queued job right after: wait for the erasure to finish.
    await waitFor(async () => (await job(deleter)) === undefined);
    expect(await job(stopper)).toBeDefined();
    await app.queues.outbound.resume();
    const done = await waitFor(async () => {
      const a = await alertOf(id);
      return a.status === 'sent' ? a : undefined;
    });
    expect(done.counts).toMatchObject({ total: 3, sent: 0, failed: 1, cancelled: 2, queued: 0 });
    await settle(app);
    for (const p of phones) expect((await app.outbox(p)).some((m) => m.text.includes('Convoy'))).toBe(false);
    expect((await app.outbox(stopper)).some((m) => /no longer receive/.test(m.text))).toBe(true);
  });

  it('counts a citizen who sent DELETE while the alert waited for approval as cancelled, and the alert completes', async () => {
    const phones = await seed(app.deps, 500, 4, { region: 'north', language: 'ar' });
    const [deleter, ...others] = phones as [string, ...string[]];
    const created = await app.api<{ id: string; status: string; total: number }>('POST', '/api/alerts', {
      audience: { regions: ['north'], languages: ['ar'] },
      text: { en: 'Road to the border is open.' },
    });
    expect(created.body).toMatchObject({ status: 'pending_approval', total: 4 });
    const { id } = created.body;
    await app.say(deleter, 'DELETE');
    await app.expectMessage(deleter, /erased|مسح|حذف/);
    await app.api('POST', `/api/alerts/${id}/approve`, undefined, await tokenFor('Fay', 'duty_officer'));
    // Before: the erased citizen stayed "queued" for ever, and the alert "sending" in /sitrep.
    const done = await waitFor(async () => {
      const a = await alertOf(id);
      return a.status === 'sent' ? a : undefined;
    });
    expect(done.counts).toMatchObject({ total: 4, queued: 0, sent: 3, failed: 0, cancelled: 1 });
    for (const p of others) expect((await app.outbox(p)).filter((m) => m.text.includes(id))).toHaveLength(1);
    expect((await app.outbox(deleter)).some((m) => m.text.includes(id))).toBe(false);
    // Nothing of theirs is written back into the alert's delivery state.
    expect(await app.deps.redis.hexists(app.deps.keys.alertState(id), deleter)).toBe(0);
    const lines = await broadcastFeature.sitrep?.(app.deps);
    expect(lines?.some((l) => l.includes(id))).toBe(false);
  });

  it('enqueues one job per recipient even when the fan-out runs again (resumed after a crash)', async () => {
    const phones = await seed(app.deps, 1000, 1_200, { region: 'coast', language: 'ar' });
    await app.queues.outbound.pause();
    const created = await app.api<{ id: string }>('POST', '/api/alerts', {
      audience: { regions: ['coast'], languages: ['ar'] },
      text: { en: 'Ferry at noon.' },
      exercise: false,
    });
    await app.api('POST', `/api/alerts/${created.body.id}/approve`, undefined, await tokenFor('Eli', 'duty_officer'));
    const queued = async () => Object.values(await app.queues.outbound.getJobCounts('waiting', 'prioritized')).reduce((a, b) => a + b, 0);
    await waitFor(async () => (await app.deps.redis.hget(app.deps.keys.alert(created.body.id), 'fannedOut')) === '1');
    // One per recipient, and the cell group's notices that the alert waited for a second officer and was approved.
    expect(await queued()).toBe(1_203);
    await app.deps.redis.hset(app.deps.keys.alert(created.body.id), 'fannedOut', '0');
    expect(await fanOut(app.deps, created.body.id)).toBe(1_201);
    expect(await queued()).toBe(1_203);
    await app.queues.outbound.resume();
    const done = await waitFor(async () => {
      const a = await alertOf(created.body.id);
      return a.status === 'sent' ? a : undefined;
    }, 20_000);
    expect(done.counts).toMatchObject({ total: 1_201, sent: 1_201, queued: 0 });
    expect((await app.outbox(phones[1_199] as string)).filter((m) => m.text.includes('Ferry'))).toHaveLength(1);
  });

  it('cancels an alert mid-way: what was not sent yet is never sent', async () => {
    const phones = await seed(app.deps, 300, 150, { region: 'north', language: 'fr' });
    sim().hold();
    const created = await app.api<{ id: string; status: string }>('POST', '/api/alerts', {
      audience: { languages: ['fr'] },
      text: { en: 'Border closed.' },
    });
    expect(created.body.status).toBe('pending_approval');
    await app.api('POST', `/api/alerts/${created.body.id}/approve`, undefined, await tokenFor('Dana', 'duty_officer'));
    // A send already handed to WhatsApp when the cancel comes cannot be called back.
    await waitFor(async () => sim().alertsAtGate > 0 || undefined);
    const cancel = await app.api<{ status: string }>('POST', `/api/alerts/${created.body.id}/cancel`);
    expect(cancel.body.status).toBe('cancelled');
    sim().release();
    await settle(app);
    const a = await alertOf(created.body.id);
    let received = 0;
    for (const p of [...phones, phone(2)]) received += (await app.outbox(p)).filter((m) => m.text.includes('Border closed')).length;
    expect(a.status).toBe('cancelled');
    expect(a.counts.total).toBe(151);
    expect(received).toBeLessThan(151);
    expect(a.counts.sent).toBe(received);
    expect(a.counts.cancelled).toBe(151 - received);
    const lines = await broadcastFeature.sitrep?.(app.deps);
    expect(lines?.some((l) => l.includes(created.body.id))).toBe(false);
    // Cancelled on the API: the cell, which saw it drafted, learns it is withdrawn (once).
    const told = (await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith(`🛑 Alert ${created.body.id}`));
    expect(told).toHaveLength(1);
    // Counted at the cancel: what had gone out, and what the workers were sending at that moment
    // (a send past its last look still arrives). Never "nobody will receive it" when someone did.
    const said =
      /cancelled by admin: nothing more will be sent \((\d+) of 151 had gone out(?:; (\d+) being sent at that moment may still arrive)?\)/.exec(
        told[0]?.text ?? '',
      );
    expect(received).toBeGreaterThan(0);
    expect(said, told[0]?.text).not.toBeNull();
    const [hadGone, beingSent] = [Number(said?.[1]), Number(said?.[2] ?? 0)];
    expect(hadGone).toBeLessThanOrEqual(received);
    expect(hadGone + beingSent).toBeGreaterThanOrEqual(received);
    // A copy of it goes round; a citizen who got it forwards it to check it: it was withdrawn, not
    // "genuine". (Cancelled before any went out, it was never sent, and is said so.)
    let checker = phones[0] as string;
    for (const p of phones) if ((await app.outbox(p)).some((m) => m.text.includes('Border closed'))) checker = p;
    const copy = `ALERTE OFFICIELLE · ${created.body.id}\n\nBorder closed.\n\nCode de vérification : ${a.code}.`;
    await app.say(checker, copy, { forwarded: true });
    const answer = await app.expectMessage(checker, (m) => m.kind === 'verify');
    // Before: "Oui : … est une alerte authentique de l'ambassade".
    expect(answer.text).toMatch(
      received > 0
        ? new RegExp(`${created.body.id} a été envoyée par l'ambassade le .*, puis retirée`)
        : new RegExp(`l'ambassade n'a pas envoyé ${created.body.id}`),
    );
    expect(answer.text).not.toMatch(/authentique de l/);
  });

  it('never confirms, nor shows, a draft that was cancelled before it went out', async () => {
    await seed(app.deps, 700, 4, { region: 'coast' });
    const created = await app.api<{ id: string; status: string }>('POST', '/api/alerts', {
      audience: { regions: ['coast'] },
      text: { en: 'Convoy leaves the Hotel Zeta car park at 06:00 by the M5.' },
    });
    expect(created.body.status).toBe('pending_approval');
    const { id } = created.body;
    const { code } = await alertOf(id);
    expect((await app.api<{ status: string }>('POST', `/api/alerts/${id}/cancel`)).body.status).toBe('cancelled');

    const stranger = '+33699900011';
    await app.say(stranger, id);
    const answer = await app.expectMessage(stranger, new RegExp(id));
    expect(answer.text).toMatch(new RegExp(`Warning: the embassy did not send ${id}`));
    expect(answer.text).not.toContain(code);
    await app.say(stranger, `OFFICIAL ALERT ${id}\nGo to the airport now.\nVerification code: ${code}`);
    await settle(app);
    const said = (await app.outbox(stranger)).map((m) => m.text).join('\n');
    expect(said).not.toMatch(/Hotel Zeta|is a genuine alert/);
    expect(await app.outbox(phone(700))).toEqual([]);
  });
});
