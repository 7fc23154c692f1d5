import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimOutboxItem } from '../../src/transport/simulator/simulator-transport.ts';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

/** The Simulator API of DESIGN.md, used as an external test uses it: over HTTP only. */
type Outbox = { items: SimOutboxItem[]; last: number };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp('contract-sim');
});
afterAll(async () => app.stop());

describe('GET /sim/messages', () => {
  it('gives as `last` what to ask after next: polling with after=last never skips a message, pages of `limit` included', async () => {
    const phones = ['+33614000001', '+33614000002', '+33614000003'];
    for (const phone of phones) await app.say(phone, 'NEWS');
    await settle(app);
    const everything = (await app.api<Outbox>('GET', '/sim/messages?limit=1000')).body.items.map((m) => m.seq);
    expect(everything.length).toBeGreaterThanOrEqual(phones.length);
    const polled: number[] = [];
    let after = 0;
    for (let polls = 0; polls < 100; polls++) {
      const res = await app.api<Outbox>('GET', `/sim/messages?after=${after}&limit=1`);
      expect(res.status).toBe(200);
      polled.push(...res.body.items.map((m) => m.seq));
      if (res.body.items.length === 0) break;
      after = res.body.last;
    }
    expect(polled).toEqual(everything);
  });
});

describe('POST /sim/* as a member of staff', () => {
  it("needs a token with that person's role: a viewer cannot approve from the duty officer's phone; citizens' phones are open", async () => {
    type Refusal = { error: { code: string; message: string } };
    const viewer = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Trainee Viewer', role: 'viewer' })).body.token;
    const duty = (await app.api<{ token: string }>('POST', '/api/tokens', { name: 'Shift Lead', role: 'duty_officer' })).body.token;
    const before = (await app.api<Outbox>('GET', '/sim/messages?limit=1000')).body.last;
    const asAna = await app.api<Refusal>('POST', '/sim/messages', { from: STAFF.duty, text: '/sitrep' }, viewer);
    expect(asAna.status).toBe(403);
    expect(asAna.body.error.message).toBe(
      'a viewer token cannot write as Ana Duty (duty officer on the roster); use a token with that role',
    );
    expect((await app.api('POST', '/sim/reactions', { from: STAFF.admin, messageId: 'X-1', emoji: '👍' }, duty)).status).toBe(403);
    expect(
      (
        await app.api(
          'POST',
          `/sim/groups/${encodeURIComponent(CELL_GROUP)}/participants`,
          { action: 'add', participants: ['+33614000999'], by: STAFF.duty },
          viewer,
        )
      ).status,
    ).toBe(403);
    await settle(app);
    // Nothing was said: no answer to a /sitrep, nobody added.
    expect((await app.api<Outbox>(`GET`, `/sim/messages?after=${before}&limit=1000`)).body.items).toEqual([]);
    // Audited as a refusal.
    const audit = await app.api<{ items: { type: string; actor: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.filter((e) => e.type === 'api.refused' && e.actor === 'Trainee Viewer').length).toBeGreaterThanOrEqual(2);
    // A citizen's phone, and a member of staff with a role the token has, are fine.
    expect((await app.api('POST', '/sim/messages', { from: '+33614000100', text: 'NEWS' }, viewer)).status).toBe(202);
    expect((await app.api('POST', '/sim/messages', { from: STAFF.duty, text: '/sitrep' }, duty)).status).toBe(202);
  });
});

describe('GET /sim/messages with a parameter it does not have', () => {
  it('is a 400 naming it, as every API list answers, not every message the bot sent', async () => {
    // `?phone=` (for `to=`) used to answer the whole outbox, which reads as "the bot wrote to this phone".
    const res = await app.api<{ error: { code: string; message: string } }>('GET', '/sim/messages?phone=%2B33614000201');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/phone/);
  });
});

describe("POST /sim/messages from the embassy's own number", () => {
  it('is refused with a 400 naming `from`: the bot never answers itself, nor opens a report for its own number', async () => {
    await settle(app);
    const before = (await app.api<Outbox>('GET', '/sim/messages?limit=1000')).body.last;
    for (const body of [
      { from: '+15550000000', text: 'hello' },
      { from: '+1 555 000 0000', text: 'We are trapped, help' },
      { from: '+15550000000', text: 'hello', group: CELL_GROUP },
    ]) {
      const res = await app.api<{ error: { code: string; message: string } }>('POST', '/sim/messages', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toMatch(/^body\.from: .*embassy/);
    }
    const reaction = await app.api('POST', '/sim/reactions', { from: '+15550000000', messageId: 'X-9', emoji: '👍' });
    expect(reaction.status).toBe(400);
    await settle(app);
    expect((await app.api<Outbox>('GET', `/sim/messages?after=${before}&limit=1000`)).body.items).toEqual([]);
  });
});

describe('POST /sim/messages with an id', () => {
  type Refusal = { error: { code: string; message: string } };

  it('answers two people who picked the same id, or refuses the second: never a 202 for a message that is then dropped', async () => {
    // WhatsApp ids are unique; a test suite picking its own (`m1` for each phone) must not lose a report.
    const first = await app.api('POST', '/sim/messages', { from: '+33614000201', text: 'My wife is injured', id: 'same-id-1' });
    expect(first.status).toBe(202);
    await app.expectMessage('+33614000201', /INC-\d{4}/);
    const second = await app.api<Refusal>('POST', '/sim/messages', { from: '+33614000202', text: 'My car was stolen', id: 'same-id-1' });
    if (second.status === 202) await app.expectMessage('+33614000202', /INC-\d{4}/);
    else {
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('message_id_taken');
      expect(second.body.error.message).toMatch(/same-id-1/);
    }
  });

  it('still takes the same message sent again by the same person as one message (a redelivery)', async () => {
    const body = { from: '+33614000203', text: 'My son is missing', id: 'same-id-2' };
    expect((await app.api('POST', '/sim/messages', body)).status).toBe(202);
    expect((await app.api('POST', '/sim/messages', body)).status).toBe(202);
    await settle(app);
    expect((await app.outbox('+33614000203')).filter((m) => /INC-\d{4}/.test(m.text))).toHaveLength(1);
  });
});
