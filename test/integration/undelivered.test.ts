import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../src/domain/incident.ts';
import { type OutboundMessage, type SendResult, TransportError } from '../../src/transport/chat-transport.ts';
import { SimulatorTransport } from '../../src/transport/simulator/simulator-transport.ts';
import { auditTrail, CELL_GROUP, STAFF, settle, startTestApp, type TestApp, waitFor } from '../fakes/test-app.ts';

/** The simulator, with phones WhatsApp refuses to deliver to (as for a number not on WhatsApp). */
class PatchySimulator extends SimulatorTransport {
  static unreachable = new Set<string>();
  override async send(msg: OutboundMessage): Promise<SendResult> {
    if (msg.to.kind === 'dm' && PatchySimulator.unreachable.has(msg.to.phone))
      throw new TransportError('the number is not on WhatsApp', 'not_on_whatsapp', false);
    return super.send(msg);
  }
}

describe('messages that never reach their recipient', () => {
  let app: TestApp;
  const incident = async (id: string) => (await app.api<Incident>('GET', `/api/incidents/${id}`)).body;
  const undelivered = (i: Incident) => i.timeline.filter((e) => e.type === 'undelivered');
  const warnings = async (id: string) => (await app.outbox(CELL_GROUP)).filter((m) => m.text.startsWith(`⚠️ ${id} — our message`));
  const report = async (phone: string, text: string) => {
    await app.say(phone, text);
    const card = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'card' && m.text.includes(phone));
    return /INC-\d+/.exec(card.text)?.[0] as string;
  };

  beforeAll(async () => {
    app = await startTestApp('undelivered', {
      options: { transport: (deps, queues) => new PatchySimulator(deps.redis, deps.keys, queues.sink()) },
    });
  });
  afterAll(async () => app.stop());

  it('tells the cell, and the timeline, when the citizen never got the answer with their reference', async () => {
    const phone = '+33611000001';
    PatchySimulator.unreachable.add(phone);
    const id = await report(phone, 'My father fell down the stairs in the north, he cannot walk');
    const warning = await waitFor(async () => (await warnings(id))[0], 10_000, 'the warning in the cell group');
    expect(warning.text).toContain('our message to the reporter was NOT delivered (the number is not on WhatsApp)');
    expect(warning.text).toContain(id);
    expect(warning.text).toContain(`Reach them another way (${phone})`);
    const i = await waitFor(async () => {
      const now = await incident(id);
      return undelivered(now).length ? now : undefined;
    });
    expect(undelivered(i)[0]).toMatchObject({ actor: 'system', channel: 'system', data: { recipient: 'reporter', kind: 'ack' } });
    expect(undelivered(i)[0]?.text).toMatch(/^Not delivered to the reporter \(the number is not on WhatsApp\): “/);
    // /incident shows it among the latest entries, in words.
    await app.say(STAFF.duty, `/incident ${id}`, { group: CELL_GROUP });
    const shown = await app.expectMessage(CELL_GROUP, (m) => m.kind === 'detail' && m.text.includes('undelivered'));
    expect(shown.text).toContain('system: undelivered — Not delivered to the reporter (the number is not on WhatsApp)');
    // The trail records it, without the number or the words.
    const trail = JSON.stringify((await auditTrail(app)).entries);
    expect(trail).toContain('incident.undelivered');
    expect(trail).not.toContain(phone);
  });

  it('says which officer’s message did not reach the reporter, with its words', async () => {
    const phone = '+33611000002';
    const id = await report(phone, 'Checkpoint soldiers took my passport in the south');
    PatchySimulator.unreachable.add(phone);
    await app.say(STAFF.duty, `/reply ${id} Go to the consulate gate at 9, bring any ID`, { group: CELL_GROUP });
    const warning = await waitFor(async () => (await warnings(id))[0], 10_000, 'the warning in the cell group');
    expect(warning.text).toContain(`about your report ${id}: Go to the consulate gate`);
    expect(warning.text).toContain('Go to the consulate gate at 9, bring any ID');
    expect(warning.text).toContain(`/reply ${id}`);
  });

  it('records a failed delivery receipt once, however often WhatsApp repeats it', async () => {
    const phone = '+33611000003';
    const id = await report(phone, 'We are trapped on the roof, water is rising in the north');
    const ack = await app.expectMessage(phone, new RegExp(id));
    const sink = app.queues.sink();
    for (let n = 0; n < 2; n++) await sink.delivery?.({ messageId: ack.id, state: 'failed', at: Date.now(), error: '479', to: phone });
    await settle(app);
    await waitFor(async () => (await warnings(id)).length > 0, 10_000, 'the warning in the cell group');
    await settle(app);
    expect(await warnings(id)).toHaveLength(1);
    expect(undelivered(await incident(id))).toHaveLength(1);
    expect((await warnings(id))[0]?.text).toContain('NOT delivered (479)');
  });

  it('tells the cell when a member of staff was not reached, and nothing for a citizen with no report', async () => {
    const phone = '+33611000004';
    const id = await report(phone, 'My wife is missing since the explosion at the market');
    PatchySimulator.unreachable.add(STAFF.officer);
    await app.say(STAFF.duty, `/assign ${id} ${STAFF.officer}`, { group: CELL_GROUP });
    const warning = await waitFor(async () => (await warnings(id))[0], 10_000, 'the warning in the cell group');
    expect(warning.text).toMatch(/our message to \S+ \S+ was NOT delivered/);
    expect(warning.text).not.toContain('the reporter');
    expect(undelivered(await incident(id))[0]?.data).toMatchObject({ recipient: 'staff', kind: 'assignment' });

    // A citizen with no open report: nothing to record, nothing to tell.
    const stranger = '+33611000005';
    PatchySimulator.unreachable.add(stranger);
    const before = (await app.outbox(CELL_GROUP)).length;
    await app.say(stranger, 'thank you');
    await settle(app);
    expect((await app.outbox(CELL_GROUP)).slice(before).filter((m) => m.text.includes('NOT delivered'))).toEqual([]);
  });
});
