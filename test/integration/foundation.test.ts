import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CELL_GROUP, STAFF, settle, startTestApp, type TestApp } from '../fakes/test-app.ts';

describe('foundation: simulator → pipeline → outbox', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('foundation');
  });
  afterAll(async () => app.stop());

  it('answers a citizen and records both messages in a verifiable audit chain', async () => {
    await app.say('+33612345678', 'hello, is anyone there?');
    const reply = await app.expectMessage('+33612345678', /./);
    expect(reply.text).toMatch(/Reference: INC-\d{4}/);
    await settle(app);
    const verify = await app.api<{ ok: boolean; entries: number }>('GET', '/api/audit/verify');
    expect(verify.body.ok).toBe(true);
    const audit = await app.api<{ items: { type: string; data: Record<string, unknown> }[] }>('GET', '/api/audit?limit=100');
    const types = audit.body.items.map((e) => e.type);
    expect(types).toContain('message.in');
    expect(types).toContain('message.out');
    expect(JSON.stringify(audit.body.items)).not.toContain('+33612345678');
    expect(JSON.stringify(audit.body.items)).not.toContain('anyone there');
  });

  it('lists staff commands on /help in the cell group, and refuses an unrostered phone', async () => {
    await app.say(STAFF.duty, '/help', { group: CELL_GROUP });
    const help = await app.expectMessage(CELL_GROUP, /\/help/);
    expect(help.text).toContain('Ana Duty');
    await app.say('+4915112345678', '/help');
    const refusal = await app.expectMessage('+4915112345678', /only for rostered embassy staff/);
    expect(refusal.kind).toBe('refusal');
    await settle(app);
    const audit = await app.api<{ items: { type: string }[] }>('GET', '/api/audit?limit=1000');
    expect(audit.body.items.some((e) => e.type === 'command.refused')).toBe(true);
  });

  it('processes a redelivered message id once', async () => {
    const before = (await app.outbox('+33699999999')).length;
    await app.say('+33699999999', 'first delivery', { id: 'WA-DUP-1' });
    await app.say('+33699999999', 'first delivery', { id: 'WA-DUP-1' });
    await app.expectMessage('+33699999999', /./);
    await settle(app);
    expect((await app.outbox('+33699999999')).length - before).toBe(1);
  });
});
